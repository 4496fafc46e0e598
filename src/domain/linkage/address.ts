/**
 * Address key for comparing 住所 across departments. Every department writes
 * the same address its own way: with or without the prefecture and
 * municipality (all records are of one municipality), 丁目/番地/号 or hyphens,
 * kanji or full-width digits, ヶ or ケ. The key keeps what distinguishes
 * households within the municipality: 町名 and the numbers.
 */
import { safeNfkc } from "../ja/name.ts";

const KANJI_DIGIT: Readonly<Record<string, number>> = {
  〇: 0,
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** 二十三 → 23, 十 → 10, 百五 → 105 (numbers below 10,000 as written in 丁目 and 番地). */
function kanjiNumber(s: string): number {
  let total = 0;
  let digit = -1;
  for (const ch of s) {
    const d = KANJI_DIGIT[ch];
    if (d !== undefined) {
      digit = digit < 0 ? d : digit * 10 + d;
      continue;
    }
    const unit = ch === "十" ? 10 : ch === "百" ? 100 : ch === "千" ? 1000 : 0;
    total += (digit < 0 ? 1 : digit) * unit;
    digit = -1;
  }
  return total + Math.max(digit, 0);
}

/** Prefecture at the start (東京都, 北海道, 京都府/大阪府, or 2–3 characters + 県). */
const PREFECTURE = /^(?:東京都|北海道|京都府|大阪府|[^\s\d]{2,3}県)/;
/** Municipality at the start: …郡…町/村, …市(…区), or a Tokyo …区. */
const MUNICIPALITY =
  /^(?:[^\s\d]{1,5}郡[^\s\d]{1,5}?[町村]|[^\s\d]{1,5}?市(?:[^\s\d]{1,4}?区)?|[^\s\d]{1,3}区)/;

/** The comparison key of an address; null when blank. */
export function addressKey(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  let s = safeNfkc(raw).replace(/[\s\u3000]+/g, "");
  if (s === "") return null;
  s = s.replace(PREFECTURE, "").replace(MUNICIPALITY, "");
  s = s.replace(/[〇一二三四五六七八九十百千]+(?=丁目|番|号|の|-|$)/g, (m) =>
    String(kanjiNumber(m)),
  );
  s = s
    .replace(/[ヶヵケが]/g, "ケ")
    .replace(/[‐－―−ー–—]/g, "-")
    .replace(/丁目|番地の?|番|号|の(?=\d)/g, "-")
    .replace(/-+/g, "-")
    .replace(/-$/, "");
  return s === "" ? null : s;
}
