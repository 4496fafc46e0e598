import { z } from "@hono/zod-openapi";
import { calendarDay } from "../../openapi/calendar-date.ts";
import { identity } from "../../openapi/identity.ts";
import { pageSize, wholeNumber } from "../../openapi/whole-number.ts";

/** The largest page of the audit view. */
export const MAX_AUDIT_PAGE = 200;

const date = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what}は YYYY-MM-DD の形で指定してください。`)
    .superRefine(calendarDay)
    .optional();

/** A child's id (名寄せの人物番号), in a path or a filter. */
const personIdString = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, "こどもの番号は半角英数字で指定してください（例: P00000020）。");

/** Paging and period: the log's list and both reports take the same. */
const pageAndPeriod = z.object({
  limit: pageSize(MAX_AUDIT_PAGE, 50).openapi({
    description: `1 ページの件数（最大 ${MAX_AUDIT_PAGE}）`,
  }),
  before: z
    .string()
    .regex(/^\d{1,19}$/, "before は数字で指定してください。")
    .optional()
    .openapi({ description: "この番号より前（古い）の記録から（キーセットページング）" }),
  from: date("開始日").openapi({ description: "この日（日本時間）以降" }),
  to: date("終了日").openapi({ description: "この日（日本時間）まで（当日を含む）" }),
});
const inOrder = (q: { from?: string | undefined; to?: string | undefined }) =>
  !q.from || !q.to || q.from <= q.to;
const orderMessage = { message: "開始日は終了日より前にしてください。", path: ["from"] };

export const auditQuery = pageAndPeriod
  .extend({
    action: z
      .string()
      .regex(/^[a-z_.]{1,64}$/, "操作の指定が正しくありません。一覧から選んでください。")
      .optional(),
    user: wholeNumber("利用者の指定が正しくありません。一覧から選んでください。")
      .optional()
      .openapi({ description: "操作した利用者の番号" }),
    person: personIdString.optional().openapi({ description: "対象のこども（名寄せの人物番号）" }),
  })
  .refine(inOrder, orderMessage);

export const auditIdParam = z.object({
  id: z
    .string()
    .regex(/^\d{1,19}$/, "記録番号が正しくありません。")
    .openapi({ param: { name: "id", in: "path" } }),
});

export const auditItemSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actorUserId: z.number().int().nullable(),
    actor: z.string(),
    action: z.string(),
    actionName: z.string().openapi({ description: "操作の日本語名" }),
    target: z.string().nullable().openapi({
      description: "対象（機械向けの形: person:…、source:…、score_run:… など）",
    }),
    targetLabel: z.string().openapi({
      description:
        "対象の日本語の説明（取り込み元の名称、判定実行の基準日、規則の版、利用者名など）。こどもの氏名は含まず personName に",
    }),
    personId: z.string().nullable(),
    // The description first: .openapi() makes a new schema, which would lose identity()'s mark.
    personName: identity(
      "name",
      z.string().nullable().openapi({
        description:
          "対象のこどもの氏名（閲覧者の役割のマスキングルールによる。利用停止中・削除済みは null）",
      }),
    ),
    clientAddress: z.string().nullable(),
    purpose: z.string().nullable(),
  })
  .openapi("AuditItem");

export const auditDetailSchema = auditItemSchema
  .extend({ detail: z.unknown().openapi({ description: "記録の詳細（番号と件数のみ）" }) })
  .openapi("AuditDetail");

const option = z.object({ id: z.string(), label: z.string() });

export const auditPageSchema = z
  .object({
    items: z.array(auditItemSchema),
    /** The `before` of the next (older) page, or null on the last page. */
    nextBefore: z.string().nullable(),
    chain: z.object({
      ok: z.boolean(),
      rows: z.number().int(),
      firstBadId: z.string().nullable(),
      problem: z.enum(["chain", "anchor", "disclosure"]).nullable().openapi({
        description:
          "chain: 記録のつながりの異常、anchor: 確認済みの記録の削除・書き換え、disclosure: 出力に含まれたこどもの一覧の改ざん",
      }),
    }),
    /** For the filters: every named action and the municipality's users. */
    actions: z.array(option),
    users: z.array(
      z.object({ id: z.number().int(), loginName: z.string(), displayName: z.string() }),
    ),
  })
  .openapi("AuditPage");

/** Rows of one CSV export of a report (newest first). */
export const MAX_REPORT_EXPORT = 10_000;

export const personReportQuery = pageAndPeriod
  .extend({
    mode: z
      .enum(["direct", "listed", "all"], {
        error: "mode は direct・listed・all のどれかにしてください。",
      })
      .default("all")
      .openapi({
        description:
          "direct: 本人の詳細・世帯・ケース・開示など直接の閲覧 / listed: 一覧・検索・議題に表示されただけ、または出力したファイルに含まれた / all: 両方",
      }),
  })
  .refine(inOrder, orderMessage);

export const userReportQuery = pageAndPeriod.refine(inOrder, orderMessage);

export const personReportParam = z.object({
  personId: personIdString.openapi({
    param: { name: "personId", in: "path" },
    example: "P00000020",
  }),
});

export const userReportParam = z.object({
  userId: wholeNumber("利用者の番号が正しくありません。一覧から選んでください。").openapi({
    param: { name: "userId", in: "path" },
    example: 1,
  }),
});

export const reportItemSchema = auditItemSchema
  .extend({
    how: z.enum(["direct", "listed", "exported", "own"]).openapi({
      description:
        "direct: 直接の閲覧 / listed: 一覧などに表示 / exported: 出力したファイルに含まれる / own: 利用者の操作",
    }),
  })
  .openapi("AuditReportItem");

export const reportPageSchema = z
  .object({
    subject: z.object({
      kind: z.enum(["person", "user"]),
      id: z.string(),
      label: z.string().nullable(),
    }),
    items: z.array(reportItemSchema),
    nextBefore: z.string().nullable(),
  })
  .openapi("AuditReportPage");
