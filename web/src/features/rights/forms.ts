/**
 * The forms of the rights pages (zod, the same rules and Japanese messages as
 * the API's schemas in src/server/routes/rights/schema.ts).
 */
import { z } from "zod";

const reasonText = (what: string) =>
  z
    .string()
    .trim()
    .min(4, `${what}を具体的に入力してください（4文字以上）。`)
    .max(500, `${what}は500文字以内で入力してください。`);

export const personForm = z.object({
  personId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, "こどもIDを半角英数字で入力してください（例: P00000020）。"),
});

export const purposeForm = z.object({ purpose: reasonText("目的（請求の受付番号など）") });
/**
 * The analyst's export purpose: no 請求 here, and the API (privacy/schema.ts)
 * takes at most 200 characters.
 */
export const analysisPurposeForm = z.object({
  purpose: z
    .string()
    .trim()
    .min(4, "分析の目的を具体的に入力してください（4文字以上）。")
    .max(200, "分析の目的は200文字以内で入力してください。"),
});
export const reasonForm = z.object({ reason: reasonText("理由（請求の受付番号など）") });

export const correctionForm = z.object({
  target: z.string().min(1, "訂正する行と項目を選んでください。"),
  value: z.string().max(500, "訂正後の値は500文字以内で入力してください。"),
  reason: reasonText("理由（請求の受付番号など）"),
});

export type PersonForm = z.infer<typeof personForm>;
export type PurposeForm = z.infer<typeof purposeForm>;
export type ReasonForm = z.infer<typeof reasonForm>;
export type CorrectionForm = z.infer<typeof correctionForm>;
