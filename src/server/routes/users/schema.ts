import { z } from "zod";
import { ROLES } from "../../../domain/roles.ts";

export const createUserBody = z.object({
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
});
