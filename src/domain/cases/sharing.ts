/**
 * 共有モード: how much of the system's result a 情報収集シート passes to the
 * child's school, nursery or office (the 2024 pilot report's three ways of
 * passing results). Chosen per request, recorded, and enforced by the API:
 * what a mode does not include is not returned by any route to the recipient.
 */
export const SHARING_MODES = ["a", "b", "c"] as const;
export type SharingMode = (typeof SHARING_MODES)[number];

export const SHARING_MODE_LABELS: Record<SharingMode, string> = {
  a: "(a) 判定結果と、その根拠のデータ項目・基準値を伝える",
  b: "(b) 判定結果と困難の種類だけを伝える",
  c: "(c) こどもの氏名だけを伝える（判定結果は伝えない）",
};

/** What a recipient of a request in `mode` may see about the child. */
export interface SharedView {
  name: true;
  /** 判定結果 (flagged or not, per difficulty type asked about). */
  result: boolean;
  /** Which difficulty types the request is about. */
  difficulty: boolean;
  /** The data items that held and the thresholds behind the result. */
  items: boolean;
}

export function sharedView(mode: SharingMode): SharedView {
  switch (mode) {
    case "a":
      return { name: true, result: true, difficulty: true, items: true };
    case "b":
      return { name: true, result: true, difficulty: true, items: false };
    case "c":
      return { name: true, result: false, difficulty: false, items: false };
  }
}
