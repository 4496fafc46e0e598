import { z } from "@hono/zod-openapi";

/** The case-retention setting of the municipality (migration 0084). */
export const caseRetentionSchema = z
  .object({
    closedYears: z.number().int().openapi({ description: "終結から何年残すか" }),
    untilAge: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "こどもがこの年齢に達するまで残す（null: 年齢の条件なし）" }),
    stored: z.boolean().openapi({ description: "false: まだ保存されておらず、既定の値" }),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    defaults: z.object({ closedYears: z.number().int(), untilAge: z.number().int().nullable() }),
  })
  .openapi("CaseRetentionSetting");

export const saveCaseRetentionBody = z
  .object({
    closedYears: z
      .number({ error: "終結から残す年数を数字で指定してください。" })
      .int({ error: "終結から残す年数は整数で指定してください。" })
      .min(0, { error: "終結から残す年数は 0 以上にしてください。" })
      .max(100, { error: "終結から残す年数は 100 以下にしてください。" }),
    untilAge: z
      .number({ error: "年齢は数字で指定するか、条件なし（null）にしてください。" })
      .int({ error: "年齢は整数で指定してください。" })
      .min(0, { error: "年齢は 0 以上にしてください。" })
      .max(30, { error: "年齢は 30 以下にしてください。" })
      .nullable(),
    note: z
      .string({ error: "変更の理由を入力してください。" })
      .trim()
      .min(1, { error: "変更の理由を入力してください。" })
      .max(200, { error: "変更の理由は 200 文字以内にしてください。" }),
  })
  .strict()
  .openapi("SaveCaseRetentionSetting");
