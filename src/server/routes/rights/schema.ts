import { z } from "@hono/zod-openapi";

export const rightsPersonParam = z.object({
  personId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, "本人の指定が正しくありません。こどもIDを確認してください。")
    .openapi({ param: { name: "personId", in: "path" }, example: "P00000020" }),
});

export const rightsReasonBody = z
  .object({
    reason: z
      .string({ error: "理由（請求の受付番号など）を入力してください。" })
      .trim()
      .min(4, "理由（請求の受付番号など）を具体的に入力してください（4文字以上）。")
      .max(500, "理由は500文字以内で入力してください。"),
  })
  .openapi("RightsReasonBody");

export const usageStopSchema = z
  .object({
    id: z.number().int(),
    personId: z.string(),
    reason: z.string(),
    actor: z.string(),
    stoppedAt: z.string(),
    liftedAt: z.string().nullable(),
    liftedBy: z.string().nullable(),
    liftReason: z.string().nullable(),
  })
  .openapi("UsageStop");

export const usageStopListSchema = z
  .object({ items: z.array(usageStopSchema) })
  .openapi("UsageStopList");

const row = z.record(z.string(), z.unknown());
export const disclosureSchema = z
  .object({
    kind: z.literal("mimamori-disclosure"),
    generatedAt: z.string(),
    municipalityId: z.number().int(),
    scoreRunId: z.number().int(),
    note: z.string(),
    identity: row,
    records: z.array(row),
    items: z.array(row),
    results: z.array(row).nullable(),
    access: z.array(row),
    breakGlass: z.array(row),
    usageStops: z.array(usageStopSchema),
  })
  .openapi("Disclosure");
