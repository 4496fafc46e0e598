/**
 * The データ項目 form (zod): what the browser checks before sending, with
 * Japanese messages that say what to enter. Which fields are needed depends
 * on the criterion chosen, so every field is a plain string and the checks
 * are one refinement (it then always runs and reports every empty field at
 * once). The server still checks the item with the rule patch's schema and
 * its Japanese errors are shown when it refuses.
 */
import { z } from "zod";

export const CRITERIA = {
  any: "どの行でも（行があれば）",
  true: "はい・いいえの列が「はい」",
  ge: "数値の列が基準値以上",
  le: "数値の列が基準値以下",
  in: "コードの列が次のいずれか",
  json: "条件を JSON で書く（定義ファイルと同じ形）",
} as const;

export const SCOPES = {
  self: "こども本人の行",
  household: "世帯（本人と同じ世帯の人、世帯の行）",
  others: "本人以外の世帯員の行",
  mother: "母の行（母の行の取り込み元）",
} as const;

const blank = (v: string) => v.trim() === "";
const positiveInt = (v: string) => /^[1-9][0-9]*$/.test(v.trim());

export const itemForm = z
  .object({
    id: z.string(),
    name: z.string(),
    level: z.enum(["child", "household", "mother"]),
    choice: z.enum(Object.keys(CRITERIA) as [keyof typeof CRITERIA, ...(keyof typeof CRITERIA)[]]),
    json: z.string(),
    source: z.string(),
    scope: z.enum(Object.keys(SCOPES) as [keyof typeof SCOPES, ...(keyof typeof SCOPES)[]]),
    column: z.string(),
    value: z.string(),
    values: z.string(),
    minRows: z.string(),
    withinMonths: z.string(),
    basis: z.string(),
    purpose: z.string(),
    legalBasis: z.string(),
    version: z.string(),
    effectiveFrom: z.string(),
    note: z.string(),
  })
  .superRefine((f, ctx) => {
    const need = (ok: boolean, path: keyof typeof f, message: string) => {
      if (!ok) ctx.addIssue({ code: "custom", path: [path], message });
    };
    need(!blank(f.id), "id", "ID を入力してください（英字で始まる16文字まで、例: N01）。");
    need(!blank(f.name), "name", "名称を入力してください（例: 妊娠届アンケート 問9）。");
    if (f.choice === "json") {
      let parsed = !blank(f.json);
      if (parsed) {
        try {
          JSON.parse(f.json);
        } catch {
          parsed = false;
        }
      }
      need(
        parsed,
        "json",
        blank(f.json)
          ? "条件を JSON で入力してください（定義ファイルの criterion と同じ形）。"
          : '条件の JSON を読めません。括弧や引用符（"）を確認してください。',
      );
    } else {
      need(f.source !== "", "source", "取り込み元を選んでください。");
      if (f.choice !== "any") need(f.column !== "", "column", "条件に使う列を選んでください。");
      if (f.choice === "ge" || f.choice === "le")
        need(
          !blank(f.value) && Number.isFinite(Number(f.value)),
          "value",
          "基準値を数値で入力してください（例: 3）。",
        );
      if (f.choice === "in")
        need(
          f.values.split(/[、,，]/).some((v) => v.trim() !== ""),
          "values",
          "値を読点で区切って入力してください（例: 1、2）。",
        );
      need(
        blank(f.minRows) || positiveInt(f.minRows),
        "minRows",
        "行の数は1以上の整数で入力してください（空欄は1）。",
      );
      need(
        blank(f.withinMonths) || positiveInt(f.withinMonths),
        "withinMonths",
        "遡る月数は1以上の整数で入力してください（空欄は期間を限りません）。",
      );
    }
    need(!blank(f.basis), "basis", "根拠（項目と基準値の出典）を入力してください。");
    need(
      !blank(f.purpose),
      "purpose",
      "利用目的を入力してください（例: 支援が必要な家庭を早く知るため）。",
    );
    need(f.legalBasis !== "", "legalBasis", "法的根拠を選んでください。");
    need(!blank(f.version), "version", "新しい版の名前を入力してください（例: town-2025.1）。");
    need(
      /^\d{4}-\d{2}-\d{2}$/.test(f.effectiveFrom),
      "effectiveFrom",
      "適用開始日を入力してください（例: 2025-04-01）。",
    );
    need(!blank(f.note), "note", "変更の理由（メモ）を入力してください。");
  });

export type ItemForm = z.infer<typeof itemForm>;
