import { z } from "@hono/zod-openapi";

export const reviewsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(100)
    .openapi({ description: "件数（最大 500）" }),
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
  data: z.record(z.string(), z.unknown()).nullable(),
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
