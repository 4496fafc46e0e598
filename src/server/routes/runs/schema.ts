import { z } from "@hono/zod-openapi";
import { MAX_LIST_PAGE, MAX_MATRIX_ROWS } from "../../../db/run-view.repository.ts";
import { DIFFICULTY_IDS } from "../../../domain/scoring/difficulties.ts";
import { identity } from "../../openapi/identity.ts";
import { decimalNumber, pageOffset, pageSize } from "../../openapi/whole-number.ts";

export const runParam = z.object({
  runId: z
    .string()
    .regex(/^(latest|[0-9]{1,9})$/, "実行番号は数字か latest で指定してください。")
    .openapi({ description: "判定実行の番号、または latest（最新の実行）" }),
});

const optionalNumber = (label: string, min: number, max: number) =>
  decimalNumber(
    `${label}は ${min} から ${max} までの数値で指定してください。`,
    min,
    max,
  ).optional();

const triState = z.enum(["yes", "no"]).optional();

/** 判定一覧's filter (the same for the list, the matrix and the export). */
const listFilterFields = z.object({
  type: z
    .enum(DIFFICULTY_IDS, { error: "困難の類型が正しくありません。" })
    .optional()
    .openapi({ description: "困難の類型（省略時は実行の最初の類型）" }),
  flagged: triState.openapi({ description: "yes: 基準以上のみ、no: 基準未満のみ" }),
  scoreMin: optionalNumber("点数の下限", -1000, 1000),
  scoreMax: optionalNumber("点数の上限", -1000, 1000),
  affiliation: z.string().max(200).optional().openapi({ description: "所属（学校・保育所等）" }),
  grade: z.string().max(40).optional().openapi({ description: "学年" }),
  ageMin: optionalNumber("年齢の下限", 0, 30),
  ageMax: optionalNumber("年齢の上限", 0, 30),
  items: z
    .string()
    .max(400)
    .optional()
    .openapi({ description: "保有項目の条件（AND / OR / NOT、例: B11 AND NOT B01）" }),
  supported: triState.openapi({
    description: "yes: 支援中・判断済みで一覧から外れる子のみ、no: それ以外",
  }),
});

/**
 * A lower bound above its upper bound matches nobody: refused (400) rather
 * than answered with an empty list the reader would take for "no child".
 */
function boundsInOrder(
  q: { scoreMin?: number; scoreMax?: number; ageMin?: number; ageMax?: number },
  ctx: z.RefinementCtx,
): void {
  if (q.scoreMin !== undefined && q.scoreMax !== undefined && q.scoreMin > q.scoreMax)
    ctx.addIssue({
      code: "custom",
      path: ["scoreMin"],
      message: `点数の下限（${q.scoreMin}）が上限（${q.scoreMax}）より大きくなっています。下限を上限以下にしてください。`,
    });
  if (q.ageMin !== undefined && q.ageMax !== undefined && q.ageMin > q.ageMax)
    ctx.addIssue({
      code: "custom",
      path: ["ageMin"],
      message: `年齢の下限（${q.ageMin}）が上限（${q.ageMax}）より大きくなっています。下限を上限以下にしてください。`,
    });
}

export const listFilterQuery = listFilterFields.superRefine(boundsInOrder);

export const listQuery = listFilterFields
  .extend({
    sort: z.enum(["priority", "age", "affiliation"]).default("priority"),
    households: z
      .enum(["yes", "no"])
      .default("no")
      .openapi({ description: "yes: 世帯ごとにまとめる" }),
    offset: pageOffset(1_000_000),
    limit: pageSize(MAX_LIST_PAGE, 50).openapi({
      description: `1ページの件数（最大 ${MAX_LIST_PAGE}）`,
    }),
  })
  .superRefine(boundsInOrder);

const runInfo = z.object({
  id: z.number().int(),
  asOf: z.string(),
  ruleVersion: z.string(),
  createdAt: z.string(),
  difficulties: z.array(z.object({ id: z.string(), name: z.string() })),
});

export const listResponse = z
  .object({
    run: runInfo,
    type: z.string(),
    total: z.number().int(),
    offset: z.number().int(),
    limit: z.number().int(),
    rows: z.array(
      z.object({
        personId: z.string(),
        name: identity("name", z.string().nullable()),
        nameKana: identity("nameKana", z.string().nullable()),
        birthDate: identity("birthDate", z.string().nullable()),
        age: identity("age", z.number().int().nullable()),
        affiliation: z.string().nullable(),
        grade: z.string().nullable(),
        householdNo: identity("householdNo", z.string().nullable()),
        score: z.number().nullable(),
        threshold: z.number(),
        flagged: z.boolean(),
        applicable: z.boolean(),
        totalPoints: z.number().int(),
        excludedBy: z.array(z.object({ id: z.string(), name: z.string() })),
        items: z.array(z.string()),
      }),
    ),
    items: z.array(z.object({ id: z.string(), name: z.string() })),
    facets: z.object({
      affiliations: z.array(z.object({ value: z.string(), n: z.number().int() })),
      grades: z.array(z.object({ value: z.string(), n: z.number().int() })),
    }),
  })
  .openapi("ChildrenList");

export const matrixResponse = z
  .object({
    run: runInfo,
    type: z.string(),
    total: z
      .number()
      .int()
      .openapi({ description: `該当するこどもの数（行は最大 ${MAX_MATRIX_ROWS}）` }),
    truncated: z.boolean(),
    items: z.array(z.object({ id: z.string(), name: z.string(), weight: z.number() })),
    rows: z.array(
      z.object({
        personId: z.string(),
        name: identity("name", z.string().nullable()),
        score: z.number().nullable(),
        hits: z.string().openapi({ description: "項目ごとに 1（該当）/ 0（非該当）" }),
      }),
    ),
    columnTotals: z.array(z.number().int()),
  })
  .openapi("RuleMatrix");

const stage = z.object({
  stage: z.string(),
  label: z.string(),
  count: z.number().int().nullable().openapi({ description: "null: まだ記録していない（未記録）" }),
});

export const dashboardResponse = z
  .object({
    run: runInfo.nullable(),
    types: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        children: z.number().int(),
        flagged: z.number().int(),
        listed: z.number().int(),
        threshold: z.number(),
        method: z.string(),
      }),
    ),
    capacity: z.object({ perMonth: z.number(), unit: z.string() }).nullable(),
    trend: z.array(
      z.object({
        runId: z.number().int(),
        asOf: z.string(),
        flagged: z.record(z.string(), z.number()),
      }),
    ),
    funnel: z.array(z.object({ type: z.string(), stages: z.array(stage) })),
    freshness: z.object({
      limitMonths: z.number().int(),
      sources: z.array(
        z.object({
          sourceId: z.string(),
          sourceName: z.string(),
          fileName: z.string(),
          asOf: z.string().nullable(),
          rowsStored: z.number().int(),
          rowsRejected: z.number().int(),
          stale: z.boolean(),
        }),
      ),
    }),
    linkage: z
      .object({
        methods: z.array(
          z.object({ method: z.string(), label: z.string(), rows: z.number().int() }),
        ),
        openPairs: z.number().int(),
      })
      .nullable(),
  })
  .openapi("Dashboard");

export const runsResponse = z
  .array(z.object({ id: z.number().int(), asOf: z.string() }))
  .openapi("RunList");
