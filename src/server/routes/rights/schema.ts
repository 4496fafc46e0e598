import { z } from "@hono/zod-openapi";
import { identityRow } from "../../openapi/identity.ts";
import { wholeNumber } from "../../openapi/whole-number.ts";

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

export const disclosureBody = z
  .object({
    purpose: z
      .string({ error: "開示の目的（開示請求の受付番号など）を入力してください。" })
      .trim()
      .min(4, "開示の目的（開示請求の受付番号など）を具体的に入力してください（4文字以上）。")
      .max(500, "目的は500文字以内で入力してください。"),
  })
  .openapi("DisclosureBody");

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

const value = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const correctionSchema = z
  .object({
    id: z.number().int(),
    snapshotId: z.number().int(),
    rowNo: z.number().int(),
    sourceId: z.string(),
    personId: z.string(),
    field: z.string(),
    oldValue: value,
    newValue: value,
    reason: z.string(),
    actor: z.string(),
    correctedAt: z.string(),
    withdrawnAt: z.string().nullable(),
    withdrawnBy: z.string().nullable(),
    withdrawReason: z.string().nullable(),
  })
  .openapi("FactCorrection");

export const personRecordsSchema = z
  .object({
    personId: z.string(),
    linkRunId: z.number().int(),
    records: z.array(
      z.object({
        snapshotId: z.number().int(),
        rowNo: z.number().int(),
        sourceId: z.string(),
        sourceName: z.string(),
        fileName: z.string(),
        asOf: z.string().nullable(),
        /** The row as imported. */
        data: identityRow(z.record(z.string(), value)),
        /** Corrections in force: field → value the next run reads. */
        corrected: identityRow(z.record(z.string(), value)),
        /** Fields a 訂正 may change (not the identity columns 名寄せ uses). */
        correctable: z.array(z.string()),
      }),
    ),
    corrections: z.array(correctionSchema),
  })
  .openapi("PersonRecords");

const reason = z
  .string({ error: "理由（請求の受付番号など）を入力してください。" })
  .trim()
  .min(4, "理由（請求の受付番号など）を具体的に入力してください（4文字以上）。")
  .max(500, "理由は500文字以内で入力してください。");

export const correctionBody = z
  .object({
    snapshotId: z.number({ error: "訂正する行を選んでください。" }).int().positive(),
    rowNo: z.number({ error: "訂正する行を選んでください。" }).int().positive(),
    field: z
      .string({ error: "訂正する項目を選んでください。" })
      .min(1, "訂正する項目を選んでください。")
      .max(100),
    value: z
      .string({ error: "訂正後の値を入力してください（空欄にする場合は空のまま）。" })
      .max(500, "訂正後の値は500文字以内で入力してください。"),
    reason,
  })
  .openapi("FactCorrectionBody");

export const correctionIdParam = z.object({
  id: wholeNumber("訂正の番号が正しくありません。").openapi({
    param: { name: "id", in: "path" },
    example: 1,
  }),
});

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
    corrections: z.array(correctionSchema),
  })
  .openapi("Disclosure");
