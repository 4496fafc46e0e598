import { z } from "@hono/zod-openapi";
import { MAX_SEARCH_PAGE } from "../../../db/child.repository.ts";
import { identity, identityRow } from "../../openapi/identity.ts";
import { pageOffset, pageSize } from "../../openapi/whole-number.ts";

export const personParam = z.object({
  personId: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,40}$/,
      "こどもの指定が正しくありません。一覧や検索から開き直してください。",
    )
    .openapi({ param: { name: "personId", in: "path" }, example: "P00000020" }),
});

export const householdParam = z.object({
  householdNo: z
    .string()
    .regex(
      /^[0-9A-Za-z_-]{1,40}$/,
      "世帯番号の指定が正しくありません。こども詳細から開き直してください。",
    )
    .openapi({ param: { name: "householdNo", in: "path" }, example: "30036799" }),
});

export const searchQuery = z.object({
  q: z
    .string({ error: "検索する氏名・生年月日・宛名番号を入力してください。" })
    .trim()
    .min(1, "検索する氏名・生年月日・宛名番号を入力してください。")
    .max(60, "検索語は60文字以内で入力してください。")
    .openapi({
      description:
        "氏名（漢字・かな、空白は無視）、生年月日（2012-05-06 / 平成24年5月6日）、宛名番号（数字）",
    }),
  limit: pageSize(MAX_SEARCH_PAGE, 20).openapi({ description: `件数（最大 ${MAX_SEARCH_PAGE}）` }),
  offset: pageOffset(10_000).openapi({ description: "先頭から飛ばす件数" }),
});

export const topQuery = z.object({
  limit: pageSize(50, 10).openapi({ description: "件数（最大 50）" }),
});

const rowRef = z.object({
  source: z.string(),
  file: z.string(),
  row: z.number().int(),
  asOf: z.string(),
});

const evidenceSchema = z
  .object({
    itemId: z.string(),
    asOf: z.string(),
    subject: z.enum(["self", "member", "mother", "household"]),
    member: z.object({ personId: z.string(), relationship: z.string().nullable() }).optional(),
    observed: z.string(),
    criterion: z.string(),
    rows: z.array(rowRef),
    matchedRows: z.number().int(),
    notes: z.array(z.string()).optional(),
    text: z.string().openapi({ description: "根拠の1行説明（日本語）" }),
  })
  .openapi("Evidence");

const identitySchema = z
  .object({
    personId: z.string(),
    name: identity("name", z.string().nullable()),
    nameKana: identity("nameKana", z.string().nullable()),
    birthDate: identity("birthDate", z.string().nullable()),
    age: identity("age", z.number().int().nullable()),
    sex: identity("sex", z.string().nullable()),
    residentNos: identity("residentNos", z.array(z.string()).nullable()),
    address: identity("address", z.string().nullable()),
    householdNo: identity("householdNo", z.string().nullable()),
  })
  .openapi("ChildIdentity");

const memberSchema = z
  .object({
    personId: z.string(),
    name: identity("name", z.string().nullable()),
    nameKana: identity("nameKana", z.string().nullable()),
    birthDate: identity("birthDate", z.string().nullable()),
    age: identity("age", z.number().int().nullable()),
    sex: identity("sex", z.string().nullable()),
    relationship: z.string().nullable(),
    resident: z.boolean(),
    stints: z.array(
      z.object({
        from: z.string().nullable(),
        until: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
    sources: z.array(
      z.object({ sourceId: z.string(), sourceName: z.string(), rows: z.number().int() }),
    ),
    items: z.array(z.object({ itemId: z.string(), name: z.string(), evidence: evidenceSchema })),
    canOpen: z.boolean().openapi({ description: "この利用者がこども詳細を開けるか" }),
    usageStopped: z.boolean().openapi({
      description:
        "利用停止中（項目・記録元を示さず、こども詳細も開けません。次回の判定からも除かれます）",
    }),
  })
  .openapi("HouseholdMember");

export const householdSchema = z
  .object({
    run: z.object({ scoreRunId: z.number().int(), asOf: z.string() }),
    householdNo: identity("householdNo", z.string().nullable()),
    address: identity("address", z.string().nullable()),
    members: z.array(memberSchema),
    councilFacts: z
      .boolean()
      .openapi({ description: "要対協・一時保護の情報を含むか（構成員のみ）" }),
  })
  .openapi("Household");

export const childViewSchema = z
  .object({
    run: z.object({ scoreRunId: z.number().int(), asOf: z.string() }),
    maskingVersion: z.string(),
    councilFacts: z
      .boolean()
      .openapi({ description: "要対協・一時保護の情報を含むか（構成員のみ）" }),
    identity: identitySchema,
    types: z.array(
      z.object({
        difficulty: z.string(),
        label: z.string(),
        method: z.string(),
        applicable: z.boolean(),
        score: z.number().nullable(),
        threshold: z
          .number()
          .nullable()
          .openapi({ description: "基準値（共有モード (b) で見る所属アカウントには null）" }),
        flagged: z.boolean().nullable(),
        excludedBy: z.array(z.string()),
        items: z.array(
          z.object({
            itemId: z.string(),
            name: z.string(),
            points: z.number().nullable(),
            cumulative: z.number().nullable(),
            evidence: evidenceSchema,
          }),
        ),
        notHeld: z.array(z.string()),
      }),
    ),
    records: z.array(
      z.object({
        sourceId: z.string(),
        sourceName: z.string(),
        fileName: z.string(),
        rowNo: z.number().int(),
        asOf: z.string().nullable(),
        data: identityRow(z.record(z.string(), z.unknown())),
        method: z.string(),
        probability: z.number().nullable(),
        corrections: z
          .array(
            z.object({
              field: z.string(),
              oldValue: z.unknown(),
              newValue: z.unknown(),
              correctedAt: z.string(),
              status: z.enum(["applied", "pending", "withdrawal_pending"]),
            }),
          )
          .openapi({
            description:
              "この行の訂正（名寄せ・判定に使う識別項目は訂正できません）。applied: この判定で反映済み、pending: 次回の判定で反映、withdrawal_pending: この判定に反映済みだが取り消し済み（次回の判定で元の値に戻る）",
          }),
        explanation: z.array(
          z.object({
            field: z.string(),
            level: z.number(),
            levelLabel: z.string(),
            weight: z.number(),
          }),
        ),
      }),
    ),
    history: z.array(
      z.object({
        scoreRunId: z.number().int(),
        asOf: z.string(),
        difficulty: z.string(),
        label: z.string(),
        score: z.number().nullable(),
        threshold: z.number(),
        flagged: z.boolean().nullable(),
      }),
    ),
    household: householdSchema.nullable(),
    sharing: z
      .object({
        modes: z.array(z.enum(["a", "b", "c"])),
        requestIds: z.array(z.number().int()),
      })
      .nullable()
      .openapi({
        description:
          "所属アカウントが見るとき: 届いている情報収集シートの共有モード。内容はそのモードの範囲だけ（記録・履歴・世帯は含まない）",
      }),
  })
  .openapi("ChildView");

export const searchResultSchema = z
  .object({
    run: z.object({ scoreRunId: z.number().int(), asOf: z.string() }).nullable(),
    kind: z.enum(["name", "birthDate", "residentNo"]),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    hits: z.array(
      z.object({
        personId: z.string(),
        name: identity("name", z.string().nullable()),
        nameKana: identity("nameKana", z.string().nullable()),
        birthDate: identity("birthDate", z.string().nullable()),
        age: identity("age", z.number().int().nullable()),
        householdNo: identity("householdNo", z.string().nullable()),
        flagged: z.number().int().openapi({ description: "基準以上の類型の数" }),
      }),
    ),
  })
  .openapi("SearchResult");

export const topFlaggedSchema = z
  .object({
    run: z.object({ scoreRunId: z.number().int(), asOf: z.string() }).nullable(),
    children: z.array(
      z.object({
        personId: z.string(),
        name: identity("name", z.string().nullable()),
        age: identity("age", z.number().int().nullable()),
        difficulty: z.string(),
        label: z.string(),
        score: z.number(),
        threshold: z.number(),
        totalPoints: z.number().int(),
      }),
    ),
  })
  .openapi("TopFlagged");
