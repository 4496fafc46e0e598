/**
 * Character-width folding for values typed on Japanese systems: full-width
 * ASCII (`２０２４`, `Ｒ６`, `ｋｇ`) and the ideographic space U+3000 are what
 * Japanese IMEs produce by default, so every department's export mixes them
 * with half-width text. Kana folding (katakana/hiragana/half-width kana) is a
 * separate concern and lives in ja/kana.ts.
 */

/** Full-width ASCII block U+FF01–U+FF5E maps onto U+0021–U+007E by a fixed offset (Unicode FF00 block). */
const FULLWIDTH_START = 0xff01;
const FULLWIDTH_END = 0xff5e;
const FULLWIDTH_OFFSET = 0xff01 - 0x21;

/** Unicode white space other than ASCII space that appears in exports (U+3000 is the usual one). */
const SPACE_RE = /[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/g;

/** True when `s` holds only printable ASCII, which needs no folding (the common, fast case). */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * Full-width ASCII letters, digits and symbols → half-width; U+3000 → ASCII
 * space. Everything else (kanji, kana, half-width kana) is left unchanged.
 */
export function toHalfWidthAscii(s: string): string {
  if (isPlainAscii(s)) return s;
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let r = -1;
    if (c >= FULLWIDTH_START && c <= FULLWIDTH_END) r = c - FULLWIDTH_OFFSET;
    else if (c === 0x3000) r = 0x20;
    if (r >= 0) {
      out += s.slice(last, i) + String.fromCharCode(r);
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/**
 * Every run of white space (ASCII, NBSP, U+3000, tabs, newlines, a stray BOM)
 * becomes one ASCII space, and the ends are trimmed. Keeps a single separator
 * between family and given name, which layouts.md allows as full- or half-width.
 */
export function normalizeSpaces(s: string): string {
  return hasOddSpace(s) ? s.replace(SPACE_RE, " ").trim() : s;
}

function isSpaceCode(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0x3000 ||
    c === 0xfeff ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f
  );
}

/** True when `s` has white space that normalizeSpaces would change (checked without allocating). */
function hasOddSpace(s: string): boolean {
  const last = s.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = s.charCodeAt(i);
    if (!isSpaceCode(c)) continue;
    if (c !== 0x20 || i === 0 || i === last || s.charCodeAt(i + 1) === 0x20) return true;
    if (isSpaceCode(s.charCodeAt(i + 1))) return true;
  }
  return false;
}

/** Half-width ASCII and normalised spaces: the base folding applied to every imported text value. */
export function normalizeWidth(s: string): string {
  return normalizeSpaces(toHalfWidthAscii(s));
}

/** Removes every white space character (for ids and codes, where a space is never meaningful). */
export function removeSpaces(s: string): string {
  return s.replace(SPACE_RE, "");
}
