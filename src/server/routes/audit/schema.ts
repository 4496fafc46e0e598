import { z } from "zod";

export const auditQuery = z.object({
  limit: z.coerce.number().int("件数は整数で指定してください。").min(1).max(500).default(100),
  before: z
    .string()
    .regex(/^\d{1,19}$/, "before は数字で指定してください。")
    .optional(),
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/, "action の形式が正しくありません。")
    .optional(),
});
