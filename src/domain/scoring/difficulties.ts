/**
 * Difficulty types (困難の類型) with the ids of spec/cli.md. The first five
 * are the types the 2024 pilots validated items against (reference/000 §2.1);
 * young carers and social withdrawal were scored by 開成町 (reference/004) and
 * bullying by 喬木村 (reference/000 §1, テーマ「不登校（いじめ）」), without a
 * validated item list.
 */
export const DIFFICULTY_IDS = [
  "abuse",
  "poverty",
  "truancy",
  "young_carer",
  "postpartum",
  "developmental",
  "bullying",
  "withdrawal",
] as const;

export type DifficultyId = (typeof DIFFICULTY_IDS)[number];

export const DIFFICULTY_NAMES: Readonly<Record<DifficultyId, string>> = {
  abuse: "虐待",
  poverty: "貧困",
  truancy: "不登校",
  young_carer: "ヤングケアラー",
  postpartum: "産後うつ",
  developmental: "発達障がい",
  bullying: "いじめ",
  withdrawal: "引きこもり",
};

export function isDifficultyId(s: string): s is DifficultyId {
  return (DIFFICULTY_IDS as readonly string[]).includes(s);
}
