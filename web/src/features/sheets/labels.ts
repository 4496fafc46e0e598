/** Japanese labels of the 情報収集シート screens (mirrors domain/sheets; web imports no domain code). */
export const MODE_LABELS: Record<string, string> = {
  a: "(a) 判定結果と、その根拠のデータ項目・基準値を伝える",
  b: "(b) 判定結果と困難の種類だけを伝える",
  c: "(c) こどもの氏名だけを伝える（判定結果は伝えない）",
};
export const STATUS_LABELS: Record<string, string> = {
  sent: "依頼中",
  overdue: "期限超過",
  answered: "回答済み",
  withdrawn: "取り下げ",
};
export const KIND_LABELS: Record<string, string> = {
  school: "学校",
  nursery: "保育所・幼稚園",
  health_nurse: "保健師",
  caseworker: "ケースワーカー",
};
export const DIFFICULTIES: readonly [string, string][] = [
  ["abuse", "虐待"],
  ["poverty", "貧困"],
  ["truancy", "不登校"],
  ["young_carer", "ヤングケアラー"],
  ["postpartum", "産後うつ"],
  ["developmental", "発達障がい"],
  ["bullying", "いじめ"],
  ["withdrawal", "引きこもり"],
];
