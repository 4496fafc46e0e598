import { z } from "@hono/zod-openapi";

const meta = {
  stored: z.boolean().openapi({ description: "false: まだ保存されておらず、既定の値" }),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
};

const snapshots = z.object({
  keepSnapshots: z.number().int().openapi({ description: "データ元ごとに残す取込の数" }),
  keepMonths: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "何か月前までの取込を残すか（null: 月数の条件なし）" }),
});
const cases = z.object({
  closedYears: z.number().int().openapi({ description: "終結から何年残すか" }),
  untilAge: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "こどもがこの年齢に達するまで残す（null: 年齢の条件なし）" }),
});
const persons = z.object({
  years: z.number().int().openapi({ description: "18歳（または転出）から何年、取込行を残すか" }),
});

export const retentionSchema = z
  .object({
    snapshots: snapshots.extend({ ...meta, defaults: snapshots }),
    cases: cases.extend({ ...meta, defaults: cases }),
    persons: persons.extend({ ...meta, defaults: persons }),
  })
  .openapi("RetentionSettings");

const years = (what: string, max: number) =>
  z
    .number({ error: `${what}を数字で指定してください。` })
    .int({ error: `${what}は整数で指定してください。` })
    .min(0, { error: `${what}は 0 以上にしてください。` })
    .max(max, { error: `${what}は ${max} 以下にしてください。` });

export const saveRetentionBody = z
  .object({
    snapshots: z
      .object({
        keepSnapshots: years("残す取込の数", 10_000).min(1, {
          error: "残す取込の数は 1 以上にしてください。",
        }),
        keepMonths: years("残す月数", 1200).nullable(),
      })
      .strict()
      .optional(),
    cases: z
      .object({
        closedYears: years("終結から残す年数", 100),
        untilAge: years("年齢", 30).nullable(),
      })
      .strict()
      .optional(),
    persons: z
      .object({ years: years("取込行を残す年数", 100) })
      .strict()
      .optional(),
    reason: z
      .string({ error: "変更の理由を入力してください。" })
      .trim()
      .min(1, { error: "変更の理由を入力してください。" })
      .max(200, { error: "変更の理由は 200 文字以内にしてください。" }),
  })
  .strict()
  .refine((b) => b.snapshots || b.cases || b.persons, {
    message: "変更する保存期間（取込・終結ケース・取込行のどれか）を指定してください。",
    path: ["snapshots"],
  })
  .openapi("SaveRetentionSettings");
