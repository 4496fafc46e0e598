/**
 * The source declaration form (zod): what the browser checks before sending,
 * with Japanese messages that say what to enter. The server still checks the
 * whole declaration (src/domain/sources/declaration.ts) and its Japanese
 * errors are shown when it refuses.
 */
import { z } from "zod";

export const sourceForm = z.object({
  id: z
    .string()
    .trim()
    .min(1, "ID を入力してください（半角英小文字で始まる英小文字・数字・_、例: sdq_survey）。")
    .regex(
      /^[a-z][a-z0-9_]{1,39}$/,
      "ID は半角英小文字で始まる英小文字・数字・_ の 2〜40 文字で入力してください（例: sdq_survey）。",
    ),
  name: z.string().trim().min(1, "名称を入力してください（例: SDQ調査）。"),
  description: z.string(),
  subject: z.enum(["person", "mother"]),
  residentNo: z.string(),
  personName: z.string(),
  birthDate: z.string(),
  childResidentNo: z.string(),
  eventDate: z.string(),
});

export type SourceForm = z.infer<typeof sourceForm>;
