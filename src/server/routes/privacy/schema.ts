import { z } from "@hono/zod-openapi";
import { pageSize } from "../../openapi/whole-number.ts";

export const breakGlassPersonParam = z.object({
  personId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, "こどもの指定が正しくありません。")
    .openapi({ param: { name: "personId", in: "path" }, example: "P00000020" }),
});

export const breakGlassBody = z
  .object({
    personId: breakGlassPersonParam.shape.personId,
    reason: z
      .string({ error: "緊急に閲覧する理由を入力してください。" })
      .trim()
      .min(10, "緊急に閲覧する理由を具体的に入力してください（10文字以上）。")
      .max(500, "理由は500文字以内で入力してください。"),
  })
  .openapi("BreakGlassBody");

export const breakGlassTargetSchema = z
  .object({
    personId: z.string(),
    hours: z.number().openapi({ description: "開始すると閲覧できる時間（時間）" }),
  })
  .openapi("BreakGlassTarget");

export const breakGlassSchema = z
  .object({
    id: z.number().int(),
    userId: z.number().int(),
    loginName: z.string(),
    personId: z.string(),
    reason: z.string(),
    openedAt: z.string(),
    expiresAt: z.string(),
    active: z.boolean(),
  })
  .openapi("BreakGlass");

export const breakGlassListSchema = z
  .object({ items: z.array(breakGlassSchema), hours: z.number() })
  .openapi("BreakGlassList");

export const breakGlassListQuery = z.object({
  limit: pageSize(500, 100).openapi({ description: "件数（最大 500）" }),
});
