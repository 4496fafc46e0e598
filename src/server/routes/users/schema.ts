import { z } from "@hono/zod-openapi";
import { ROLES } from "../../../domain/policy/index.ts";
import { wholeNumber } from "../../openapi/whole-number.ts";

export const createUserBody = z
  .object({
    loginName: z
      .string()
      .trim()
      .regex(
        /^[a-zA-Z0-9._-]{3,64}$/,
        "ログイン名は半角英数字と . _ - で 3〜64 文字にしてください。",
      ),
    displayName: z
      .string()
      .trim()
      .min(1, "表示名を入力してください。")
      .max(100, "表示名が長すぎます。"),
    roles: z
      .array(z.enum(ROLES, "役割が正しくありません。"))
      .min(1, "役割を 1 つ以上選んでください。"),
    council: z.boolean().default(false).openapi({ description: "要対協構成員" }),
    affiliation: z
      .string()
      .trim()
      .max(100, "所属名が長すぎます。")
      .nullable()
      .default(null)
      .openapi({ description: "学校・保育所などの所属名（所属の利用者は必須）" }),
  })
  .refine((b) => !b.roles.includes("affiliation") || (b.affiliation ?? "") !== "", {
    message: "所属の利用者には所属名（学校名・施設名）を入力してください。",
    path: ["affiliation"],
  })
  .openapi("CreateUserBody");

export const userSummarySchema = z
  .object({
    id: z.number().int(),
    loginName: z.string(),
    displayName: z.string(),
    roles: z.array(z.enum(ROLES)),
    council: z.boolean(),
    affiliation: z.string().nullable(),
    importSources: z
      .array(z.string())
      .nullable()
      .openapi({ description: "データ提供の利用者が取り込めるデータの種類（null はすべて）" }),
    mustChangePassword: z.boolean(),
    disabled: z.boolean(),
    lastLoginAt: z.string().nullable(),
    email: z
      .string()
      .nullable()
      .openapi({ description: "メール通知の宛先（任意、PUT /api/mail/users/{id}/email で変更）" }),
  })
  .openapi("UserSummary");

export const createdUserSchema = z
  .object({
    user: userSummarySchema,
    temporaryPassword: z.string().openapi({ description: "一度だけ表示する仮パスワード" }),
  })
  .openapi("CreatedUser");

/** User administration (issue 16): the user in the path. */
export const userIdParam = z.object({
  id: wholeNumber("利用者の番号が正しくありません。").openapi({
    param: { name: "id", in: "path" },
  }),
});

/** New roles, 要対協 membership and 所属 of a user. */
export const changeRolesBody = z
  .object({
    roles: z
      .array(z.enum(ROLES, "役割が正しくありません。"))
      .min(1, "役割を 1 つ以上選んでください。"),
    council: z.boolean().openapi({ description: "要対協構成員" }),
    affiliation: z.string().trim().max(100, "所属名が長すぎます。").nullable().default(null),
  })
  .refine((b) => !b.roles.includes("affiliation") || (b.affiliation ?? "") !== "", {
    message: "所属の利用者には所属名（学校名・施設名）を入力してください。",
    path: ["affiliation"],
  })
  .openapi("ChangeRolesBody");

/** A source an administrator may give a データ提供 account. */
export const importSourceChoiceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    councilOnly: z
      .boolean()
      .openapi({ description: "要対協・一時保護（取り込めるのは要対協の構成員だけ）" }),
  })
  .openapi("ImportSourceChoice");

/** The sources a データ提供 account may import (null: every source). */
export const importSourcesBody = z
  .object({
    sources: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "データの種類の指定が正しくありません。"))
      .max(200, "データの種類が多すぎます。")
      .nullable()
      .openapi({
        description:
          "取り込めるデータの種類（例: jumin）。null はすべてのデータ。要対協・一時保護は要対協の構成員のみ。",
      }),
  })
  .openapi("ImportSourcesBody");

export const sessionsEndedSchema = z
  .object({ sessionsEnded: z.number().int() })
  .openapi("SessionsEnded");

/** Why an administrator resets a user's second factor (audited). */
export const secondFactorResetBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, "リセットの理由（例: 端末の紛失）を入力してください。")
      .max(500, "理由は 500 文字までです。"),
  })
  .openapi("SecondFactorResetBody");

export const secondFactorResetSchema = z
  .object({
    user: userSummarySchema,
    sessionsEnded: z.number().int(),
  })
  .openapi("SecondFactorReset");

export const inventoryItemSchema = z
  .object({
    id: z.number().int(),
    loginName: z.string(),
    displayName: z.string(),
    roles: z.array(z.string()),
    affiliation: z.string().nullable(),
    council: z.boolean().openapi({ description: "要対協の構成員" }),
    secondFactor: z.boolean(),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string(),
    disabled: z.boolean(),
    mustChangePassword: z.boolean(),
    lockedUntil: z.string().nullable(),
    activeSessions: z.number().int(),
    flags: z.array(z.object({ id: z.string(), label: z.string() })),
  })
  .openapi("InventoryItem");

export const inventorySchema = z
  .object({
    at: z.string(),
    items: z.array(inventoryItemSchema),
    flagged: z.number().int().openapi({ description: "注意のある利用者の数" }),
  })
  .openapi("AccountInventory");
