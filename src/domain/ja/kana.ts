/**
 * Kana normalisation for 氏名カナ. layouts.md allows full- or half-width
 * katakana or hiragana in every kana column, and departments' systems differ:
 * 住基 exports full-width katakana, older 校務 systems half-width (ｻﾄｳ ﾀﾛｳ, where
 * a voiced kana is two code points: ｶ + ﾞ), some forms hiragana. Everything is
 * brought to full-width katakana with voiced marks composed, so the same
 * reading is the same string whichever system wrote it.
 */

/** Half-width katakana U+FF61–U+FF9D → full-width, in code point order (JIS X 0201 片仮名). */
const HALF_WIDTH =
  "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";
const HALF_START = 0xff61;
const HALF_DAKUTEN = 0xff9e;
const HALF_HANDAKUTEN = 0xff9f;
/** Spacing (゛゜) and combining (U+3099/309A) voiced marks as typed after a kana. */
const DAKUTEN = new Set([0x309b, 0x3099, HALF_DAKUTEN]);
const HANDAKUTEN = new Set([0x309c, 0x309a, HALF_HANDAKUTEN]);

/** Katakana that take ゛ by adding 1 to the code point (カ…ト, ハ…ホ). */
const DAKUTEN_PLUS_ONE = new Set(
  Array.from("カキクケコサシスセソタチツテトハヒフヘホ", (c) => c.charCodeAt(0)),
);
/** Katakana with a voiced form elsewhere in the block. */
const DAKUTEN_SPECIAL: ReadonlyMap<number, number> = new Map([
  [0x30a6, 0x30f4], // ウ → ヴ
  [0x30ef, 0x30f7], // ワ → ヷ
  [0x30f2, 0x30fa], // ヲ → ヺ
]);
/** ハ行 take ゜ by adding 2. */
const HANDAKUTEN_PLUS_TWO = new Set(Array.from("ハヒフヘホ", (c) => c.charCodeAt(0)));

/** Hiragana ぁ(U+3041)…ゖ(U+3096) and ゝゞ map to katakana by a fixed offset of 0x60. */
function hiraganaToKatakanaCode(c: number): number {
  if ((c >= 0x3041 && c <= 0x3096) || c === 0x309d || c === 0x309e) return c + 0x60;
  return c;
}

function halfToFullCode(c: number): number {
  if (c >= HALF_START && c < HALF_START + HALF_WIDTH.length)
    return HALF_WIDTH.charCodeAt(c - HALF_START);
  return c;
}

/** Composes a voiced mark onto the katakana before it; undefined when it cannot. */
function compose(base: number, mark: number): number | undefined {
  if (DAKUTEN.has(mark)) {
    if (DAKUTEN_PLUS_ONE.has(base)) return base + 1;
    return DAKUTEN_SPECIAL.get(base);
  }
  if (HANDAKUTEN.has(mark) && HANDAKUTEN_PLUS_TWO.has(base)) return base + 2;
  return undefined;
}

/**
 * Half-width katakana → full-width (ｶﾞ → ガ, ﾊﾟ → パ), hiragana → katakana,
 * spacing or combining voiced marks composed onto the kana before them.
 * Anything else (kanji, ASCII, spaces) passes through unchanged. Idempotent.
 */
export function normaliseKana(s: string): string {
  let out = "";
  let prev = -1; // the last code point written, still open for a voiced mark
  for (let i = 0; i < s.length; i++) {
    const raw = s.charCodeAt(i);
    if (DAKUTEN.has(raw) || HANDAKUTEN.has(raw)) {
      const composed = prev >= 0 ? compose(prev, raw) : undefined;
      if (composed !== undefined) {
        out = out.slice(0, -1) + String.fromCharCode(composed);
        prev = -1;
        continue;
      }
      // A mark with nothing to compose onto is kept in its full-width spacing form.
      const spacing =
        raw === HALF_DAKUTEN || raw === 0x3099 ? 0x309b : raw === 0x309b ? raw : 0x309c;
      out += String.fromCharCode(spacing);
      prev = -1;
      continue;
    }
    const c = hiraganaToKatakanaCode(halfToFullCode(raw));
    out += String.fromCharCode(c);
    prev = c;
  }
  return out;
}

/** True when every character is katakana (after normaliseKana), a long-vowel mark, a middle dot or a space. */
export function isKatakana(s: string): boolean {
  return /^[\u30a1-\u30fa\u30fc\u30fd\u30fe\u30fb ]*$/.test(s);
}
