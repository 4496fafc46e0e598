import { z } from "@hono/zod-openapi";

export const auditQuery = z.object({
  limit: z.coerce
    .number()
    .int("件数は整数で指定してください。")
    .min(1)
    .max(500)
    .default(100)
    .openapi({ description: "1 ページの件数（最大 500）" }),
  before: z
    .string()
    .regex(/^\d{1,19}$/, "before は数字で指定してください。")
    .optional()
    .openapi({ description: "この番号より前（古い）の記録から（キーセットページング）" }),
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/, "action の形式が正しくありません。")
    .optional(),
});

export const auditItemSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    detail: z.unknown(),
  })
  .openapi("AuditItem");

export const auditPageSchema = z
  .object({
    items: z.array(auditItemSchema),
    chain: z.object({ ok: z.boolean(), rows: z.number().int(), firstBadId: z.string().nullable() }),
  })
  .openapi("AuditPage");
