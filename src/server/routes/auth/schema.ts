import { z } from "zod";
import { MAX_PASSWORD_LENGTH } from "../../../domain/password-policy.ts";

export const loginBody = z.object({
  loginName: z
    .string()
    .trim()
    .min(1, "ログイン名を入力してください。")
    .max(64, "ログイン名が長すぎます。"),
  password: z
    .string()
    .min(1, "パスワードを入力してください。")
    .max(MAX_PASSWORD_LENGTH, "パスワードが長すぎます。"),
});

export const changePasswordBody = z.object({
  currentPassword: z
    .string()
    .min(1, "現在のパスワードを入力してください。")
    .max(MAX_PASSWORD_LENGTH),
  newPassword: z
    .string()
    .min(1, "新しいパスワードを入力してください。")
    .max(MAX_PASSWORD_LENGTH, "パスワードが長すぎます。"),
});
