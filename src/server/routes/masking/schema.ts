import { z } from "@hono/zod-openapi";
import {
  hasPartialForm,
  IDENTITY_FIELDS,
  MASK_FORMS,
  ROLES,
} from "../../../domain/policy/index.ts";

const form = z.enum(MASK_FORMS, {
  error: "表示の形は full（すべて）/ partial（一部）/ hidden（表示しない）から選んでください。",
});

const roleRule = z
  .object(
    Object.fromEntries(IDENTITY_FIELDS.map((f) => [f, form])) as Record<
      (typeof IDENTITY_FIELDS)[number],
      typeof form
    >,
  )
  .superRefine((rule, ctx) => {
    for (const f of IDENTITY_FIELDS)
      if (rule[f] === "partial" && !hasPartialForm(f))
        ctx.addIssue({
          code: "custom",
          path: [f],
          message: "性別には「一部」の形がありません。「すべて」か「表示しない」を選んでください。",
        });
  });

export const maskingRulesSchema = z
  .object(
    Object.fromEntries(ROLES.map((r) => [r, roleRule])) as Record<
      (typeof ROLES)[number],
      typeof roleRule
    >,
  )
  .openapi("MaskingRules");

const versionSchema = z.object({
  version: z.number().int().openapi({ description: "0: 既定（まだ保存されていない）" }),
  label: z.string(),
  rules: maskingRulesSchema,
  note: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string().nullable(),
});

export const maskingViewSchema = z
  .object({
    current: versionSchema,
    defaults: maskingRulesSchema,
    history: z.array(versionSchema).openapi({ description: "保存された版（新しい順、最大100）" }),
    fields: z.array(
      z.object({ id: z.enum(IDENTITY_FIELDS), label: z.string(), partial: z.string().nullable() }),
    ),
    roles: z.array(z.object({ id: z.enum(ROLES), label: z.string() })),
  })
  .openapi("MaskingRuleView");

export const saveMaskingBody = z
  .object({
    rules: maskingRulesSchema,
    note: z
      .string({ error: "変更の理由を入力してください。" })
      .trim()
      .min(4, "変更の理由を具体的に入力してください（4文字以上）。")
      .max(500, "変更の理由は500文字以内で入力してください。"),
    basedOn: z.number().int().min(0).openapi({ description: "編集を始めた版（競合の検出）" }),
  })
  .openapi("SaveMaskingRules");
