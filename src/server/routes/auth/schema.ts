import { z } from "@hono/zod-openapi";
import { MAX_PASSWORD_LENGTH } from "../../../domain/password-policy.ts";
import { PERMISSIONS, ROLES } from "../../../domain/policy/index.ts";

export const loginBody = z
  .object({
    loginName: z
      .string()
      .trim()
      .min(1, "ログイン名を入力してください。")
      .max(64, "ログイン名が長すぎます。"),
    password: z
      .string()
      .min(1, "パスワードを入力してください。")
      .max(MAX_PASSWORD_LENGTH, "パスワードが長すぎます。"),
  })
  .openapi("LoginBody");

export const changePasswordBody = z
  .object({
    currentPassword: z
      .string()
      .min(1, "現在のパスワードを入力してください。")
      .max(MAX_PASSWORD_LENGTH),
    newPassword: z
      .string()
      .min(1, "新しいパスワードを入力してください。")
      .max(MAX_PASSWORD_LENGTH, "パスワードが長すぎます。"),
  })
  .openapi("ChangePasswordBody");

export const currentUserSchema = z
  .object({
    id: z.number().int(),
    loginName: z.string(),
    displayName: z.string(),
    roles: z.array(z.enum(ROLES)),
    permissions: z.array(z.enum(PERMISSIONS)),
    council: z
      .boolean()
      .openapi({ description: "要対協構成員（要対協・一時保護の情報を閲覧できる）" }),
    affiliation: z.string().nullable(),
    mustChangePassword: z.boolean(),
    municipality: z.object({ id: z.number().int(), name: z.string() }),
    lastLoginAt: z.string().nullable().openapi({ description: "前回のログイン日時（今回を除く）" }),
  })
  .openapi("CurrentUser");

export const sessionInfoSchema = z
  .object({
    user: currentUserSchema,
    csrfToken: z.string().openapi({
      description: "状態を変える要求（POST/PUT/PATCH/DELETE）に X-CSRF-Token として付ける",
    }),
    roleCatalog: z.array(z.object({ id: z.enum(ROLES), label: z.string() })),
  })
  .openapi("SessionInfo");

export const okSchema = z.object({ ok: z.literal(true) }).openapi("Ok");
