import { z } from "@hono/zod-openapi";

/** The largest page of the audit view. */
export const MAX_AUDIT_PAGE = 200;

const date = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what}は YYYY-MM-DD の形で指定してください。`)
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00+09:00`)), `${what}が正しくありません。`)
    .optional();

export const auditQuery = z
  .object({
    limit: z.coerce
      .number({ error: "件数は数字で指定してください。" })
      .int("件数は整数で指定してください。")
      .min(1, "件数は 1 以上にしてください。")
      .max(MAX_AUDIT_PAGE, `件数は ${MAX_AUDIT_PAGE} 以下にしてください。`)
      .default(50)
      .openapi({ description: `1 ページの件数（最大 ${MAX_AUDIT_PAGE}）` }),
    before: z
      .string()
      .regex(/^\d{1,19}$/, "before は数字で指定してください。")
      .optional()
      .openapi({ description: "この番号より前（古い）の記録から（キーセットページング）" }),
    action: z
      .string()
      .regex(/^[a-z_.]{1,64}$/, "操作の指定が正しくありません。一覧から選んでください。")
      .optional(),
    user: z.coerce
      .number({ error: "利用者の指定が正しくありません。一覧から選んでください。" })
      .int()
      .positive()
      .optional()
      .openapi({ description: "操作した利用者の番号" }),
    person: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]{1,40}$/,
        "こどもの番号は半角英数字で指定してください（例: P00000020）。",
      )
      .optional()
      .openapi({ description: "対象のこども（名寄せの人物番号）" }),
    from: date("開始日").openapi({ description: "この日（日本時間）以降" }),
    to: date("終了日").openapi({ description: "この日（日本時間）まで（当日を含む）" }),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: "開始日は終了日より前にしてください。",
    path: ["from"],
  });

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
    target: z.string().nullable(),
    personId: z.string().nullable(),
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
    chain: z.object({ ok: z.boolean(), rows: z.number().int(), firstBadId: z.string().nullable() }),
    /** For the filters: every named action and the municipality's users. */
    actions: z.array(option),
    users: z.array(
      z.object({ id: z.number().int(), loginName: z.string(), displayName: z.string() }),
    ),
  })
  .openapi("AuditPage");
