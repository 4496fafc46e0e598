import { z } from "@hono/zod-openapi";
import { identityRow } from "../../openapi/identity.ts";
import { decimalNumber, pageSize, wholeNumber } from "../../openapi/whole-number.ts";

export const reviewsQuery = z.object({
  limit: pageSize(500, 100).openapi({ description: "件数（最大 500）" }),
});

/** A reviewer's answer: are the two profiles one person? */
export const decisionBody = z
  .object({
    leftKey: z.string().regex(/^[0-9a-zA-Z:_-]{1,80}$/, "組の指定が正しくありません。"),
    rightKey: z.string().regex(/^[0-9a-zA-Z:_-]{1,80}$/, "組の指定が正しくありません。"),
    same: z.boolean({ error: "同一人物かどうかを選んでください。" }),
  })
  .openapi("ReviewDecisionBody");

const sideSchema = z.object({
  key: z.string(),
  personId: z.string().nullable(),
  sourceId: z.string().nullable(),
  fileName: z.string().nullable(),
  rowNo: z.number().int().nullable(),
  data: identityRow(z.record(z.string(), z.unknown()).nullable()),
  rows: z.number().int(),
});

const waterfallSchema = z.object({
  steps: z.array(
    z.object({
      comparison: z.string(),
      label: z.string(),
      level: z.number(),
      levelLabel: z.string(),
      m: z.number().nullable(),
      u: z.number().nullable(),
      weight: z.number(),
      tfAdjustment: z.number(),
      cumulative: z.number(),
    }),
  ),
  weight: z.number(),
  probability: z.number(),
});

export const reviewPageSchema = z
  .object({
    run: z.object({ id: z.number().int(), asOf: z.string(), createdAt: z.string() }).nullable(),
    pairs: z.array(
      z.object({
        left: sideSchema,
        right: sideSchema,
        probability: z.number(),
        weight: z.number(),
        reason: z.string(),
        explanation: waterfallSchema,
        decision: z
          .object({ same: z.boolean(), decidedBy: z.string(), decidedAt: z.string() })
          .nullable(),
      }),
    ),
  })
  .openapi("ReviewPage");

/** The review queue, one page (issue 15): filters and a keyset cursor. */
export const queueQuery = z.object({
  limit: pageSize(200, 50).openapi({ description: "件数（最大 200）" }),
  after: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,400}$/, "続きの指定が正しくありません。画面を再読み込みしてください。")
    .optional()
    .openapi({ description: "前のページの next（キーセット）" }),
  source: z
    .string()
    .regex(/^[a-z0-9_]{1,40}$/, "データ源の指定が正しくありません。")
    .optional(),
  school: z.string().min(1).max(100, "学校名は 100 文字以内で指定してください。").optional(),
  minProbability: decimalNumber("確率は 0 から 1 の間の数値で指定してください。", 0, 1).optional(),
  maxProbability: decimalNumber("確率は 0 から 1 の間の数値で指定してください。", 0, 1).optional(),
  status: z
    .enum(["pending", "decided", "all"], {
      error: "状態は pending / decided / all から選んでください。",
    })
    .default("pending"),
});

export const queuePageSchema = z
  .object({
    run: z.object({ id: z.number().int(), asOf: z.string(), createdAt: z.string() }).nullable(),
    items: z.array(
      z.object({
        left: sideSchema,
        right: sideSchema,
        probability: z.number(),
        weight: z.number(),
        reason: z.string(),
        explanation: waterfallSchema,
        pairs: z.number().int(),
        rowsResolved: z.number().int(),
        sources: z.array(z.string()),
        schools: z.array(z.string()),
        decision: z
          .object({
            id: z.number().int(),
            same: z.boolean(),
            decidedBy: z.string(),
            decidedAt: z.string(),
          })
          .nullable(),
      }),
    ),
    next: z.string().nullable(),
  })
  .openapi("ReviewQueuePage");

export const progressSchema = z
  .object({
    runs: z.array(
      z.object({
        runId: z.number().int(),
        asOf: z.string(),
        items: z.number().int(),
        decided: z.number().int(),
        same: z.number().int(),
        different: z.number().int(),
        pending: z.number().int(),
      }),
    ),
  })
  .openapi("ReviewProgress");

export const decisionIdParam = z.object({
  id: wholeNumber("判断の番号が正しくありません。").openapi({ param: { name: "id", in: "path" } }),
});

export const decisionRecordedSchema = z
  .object({ id: z.number().int(), runId: z.number().int() })
  .openapi("ReviewDecisionRecorded");
