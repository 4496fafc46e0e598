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
    passwordRules: z.array(z.object({ id: z.string(), text: z.string() })).openapi({
      description:
        "パスワードの条件（画面が新しいパスワードの欄の横に表示。サーバーが拒否するときも同じ文言）",
    }),
  })
  .openapi("SessionInfo");

export const okSchema = z.object({ ok: z.literal(true) }).openapi("Ok");

// ---- second factor and re-authentication (issue 12) ----

export const secondFactorChallengeSchema = z
  .object({
    secondFactorRequired: z.enum(["totp", "enrol"]).openapi({
      description:
        "totp: POST /api/auth/second-factor に認証アプリの 6 桁のコード（または回復コード）を送るとログインが完了します。enrol: 二要素認証が必須の役割で未登録のため、POST /api/auth/second-factor/enrolment で登録を始め、POST /api/auth/second-factor/enrolment/confirm で完了します。どちらも 5 分以内。",
    }),
    csrfToken: z.string().openapi({
      description: "この手続きの要求に X-CSRF-Token として付ける（セッションはまだありません）",
    }),
  })
  .openapi("SecondFactorChallenge");

export const loginResponseSchema = z
  .union([sessionInfoSchema, secondFactorChallengeSchema])
  .openapi("LoginResponse");

export const codeBody = z
  .object({
    code: z
      .string()
      .trim()
      .min(1, "確認コードを入力してください。")
      .max(32, "確認コードが長すぎます。")
      .openapi({ description: "認証アプリの 6 桁のコード、または回復コード（XXXXX-XXXXX）" }),
  })
  .openapi("SecondFactorCode");

export const enrolmentSchema = z
  .object({
    secret: z
      .string()
      .openapi({ description: "認証アプリに入力する秘密鍵（Base32）。この一度だけ表示" }),
    uri: z.string().openapi({ description: "otpauth:// 形式（QR コードの中身）" }),
  })
  .openapi("SecondFactorEnrolment");

export const enrolmentDoneSchema = z
  .object({
    recoveryCodes: z.array(z.string()).openapi({
      description: "回復コード（各 1 回だけ使える）。この一度だけ表示",
    }),
    session: sessionInfoSchema.nullable().openapi({
      description: "ログイン中の登録では null（セッションはそのまま）",
    }),
  })
  .openapi("SecondFactorEnrolled");

export const recoveryCodesSchema = z
  .object({
    recoveryCodes: z.array(z.string()).openapi({
      description: "新しい回復コード（各 1 回だけ使える）。この一度だけ表示",
    }),
  })
  .openapi("RecoveryCodes");

export const reauthBody = z
  .object({
    password: z
      .string()
      .min(1, "パスワードを入力してください。")
      .max(MAX_PASSWORD_LENGTH, "パスワードが長すぎます。"),
    code: z.string().trim().max(32).optional().openapi({
      description: "二要素認証を登録している場合は必須",
    }),
  })
  .openapi("ReauthBody");

export const reauthResponseSchema = z
  .object({
    csrfToken: z.string(),
    authenticatedAt: z.string().openapi({ description: "本人確認の日時（ISO 8601）" }),
  })
  .openapi("ReauthResult");

export const secondFactorStatusSchema = z
  .object({
    enrolled: z.boolean(),
    required: z.boolean().openapi({ description: "役割により二要素認証が必須か" }),
    recoveryCodesLeft: z.number().int(),
  })
  .openapi("SecondFactorStatus");
