import { z } from "zod";

export const reviewsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A reviewer's answer: are the two profiles one person? */
export const decisionBody = z.object({
  leftKey: z.string().regex(/^[0-9a-zA-Z:_-]{1,80}$/, "組の指定が正しくありません。"),
  rightKey: z.string().regex(/^[0-9a-zA-Z:_-]{1,80}$/, "組の指定が正しくありません。"),
  same: z.boolean({ error: "同一人物かどうかを選んでください。" }),
});
