/**
 * 氏名 normalisation for 名寄せ. Three problems the pilots hit, each handled here:
 *  - width and compatibility forms (ＡＢＣ, ｻﾄｳ, 﨑 pasted from a PDF): folded by a
 *    *safe* NFKC that touches only the blocks where compatibility folding keeps
 *    the meaning; NFKC of ①, ㈱, ㍻ or ™ would turn them into other text.
 *  - 外字 (characters outside the standard set): the vendor stores them at private-use
 *    code points that mean nothing to another system, and exports them as 〓 or ●.
 *    喬木村 (reference/003) only got its matching errors to zero after turning 外字 into
 *    常用漢字 first. A per-municipality table (private-use code point → character) is
 *    applied as data; what stays unknown (〓, ●, ■, ？, an unmapped private-use code point)
 *    becomes one UNKNOWN_CHAR that matches any character in the same position.
 *  - 異体字 (髙/高, 﨑/崎): folded by foldVariants (MJ縮退マップ) in `foldName`.
 * Family and given name are split where the name has a space (layouts.md: separated
 * by a full- or half-width space, or not at all).
 */
import { MimamoriError } from "../errors.ts";
import { normaliseKana } from "./kana.ts";
import { foldVariants } from "./variants.ts";

/** The one character every unknown character is folded to (U+3013 GETA MARK, the usual 外字 stand-in). */
export const UNKNOWN_CHAR = "〓";

/** Characters systems write in place of a character they cannot encode. */
const UNKNOWN_MARKS = new Set(["〓", "●", "■", "？", "?", "\ufffd"]);

/** Vendor 外字 (private-use code point) → the character (or characters) it stands for. */
export type GaijiTable = ReadonlyMap<string, string>;

export const EMPTY_GAIJI: GaijiTable = new Map();

function isPrivateUse(cp: number): boolean {
  return (
    (cp >= 0xe000 && cp <= 0xf8ff) ||
    (cp >= 0xf0000 && cp <= 0xffffd) ||
    (cp >= 0x100000 && cp <= 0x10fffd)
  );
}

/**
 * Builds a 外字 table from a municipality's mapping rows. `code` is the vendor code point
 * as `U+E001`, `E001` or the character itself; `char` what it stands for. Every bad row
 * is reported at once.
 */
export function buildGaijiTable(entries: readonly { code: string; char: string }[]): GaijiTable {
  const table = new Map<string, string>();
  const problems: string[] = [];
  entries.forEach((e, i) => {
    const code = e.code.trim();
    const hex = /^(?:U\+)?([0-9A-Fa-f]{4,6})$/.exec(code);
    const cp = hex ? Number.parseInt(hex[1] as string, 16) : code.codePointAt(0);
    const single = hex !== null || (cp !== undefined && String.fromCodePoint(cp) === code);
    if (cp === undefined || !single || !isPrivateUse(cp)) {
      problems.push(
        `${i + 1}行目: 外字コード「${e.code}」は私用領域 (U+E000–F8FF など) の1文字ではありません。`,
      );
      return;
    }
    const ch = e.char.trim().normalize("NFC");
    if (ch === "" || Array.from(ch).some((c) => isPrivateUse(c.codePointAt(0) as number))) {
      problems.push(
        `${i + 1}行目: 外字「${e.code}」の対応文字「${e.char}」が空か、外字のままです。`,
      );
      return;
    }
    table.set(String.fromCodePoint(cp), ch);
  });
  if (problems.length > 0)
    throw new MimamoriError(
      "invalid_input",
      "外字対応表に誤りがあります。該当行を直してから読み込み直してください。",
      problems,
    );
  return table;
}

/**
 * Whether NFKC may be applied to this code point: full-width ASCII and signs
 * (U+FF01–FF5E, U+FFE0–FFE6), half-width katakana (U+FF61–FF9F), the
 * ideographic space, CJK compatibility ideographs (their NFKC is their NFC) and
 * Kangxi/CJK radicals (⼭ → 山). Outside these blocks NFKC changes meaning
 * (① → 1, ㈱ → (株), ㍻ → 平成), so only NFC is applied.
 */
function nfkcSafe(cp: number): boolean {
  return (
    (cp >= 0xff01 && cp <= 0xff5e) ||
    (cp >= 0xff61 && cp <= 0xff9f) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    cp === 0x3000 ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f) ||
    (cp >= 0x2e80 && cp <= 0x2fdf)
  );
}

/** NFKC on the safe blocks only (see nfkcSafe), NFC elsewhere. Idempotent. */
export function safeNfkc(s: string): string {
  let out = "";
  let run = "";
  let runSafe = false;
  for (const ch of s) {
    const safe = nfkcSafe(ch.codePointAt(0) as number);
    if (safe !== runSafe && run !== "") {
      out += run.normalize(runSafe ? "NFKC" : "NFC");
      run = "";
    }
    runSafe = safe;
    run += ch;
  }
  return out + run.normalize(runSafe ? "NFKC" : "NFC");
}

/** A name as written, normalised for display and split where it has a space. */
export interface ParsedName {
  /** Safe-NFKC text with 外字 replaced and one ASCII space between parts. */
  readonly display: string;
  /** The name without spaces. */
  readonly full: string;
  /** First part before a space; null when the name has no space. */
  readonly family: string | null;
  /** The rest after the first space; null when the name has no space. */
  readonly given: string | null;
}

function applyGaiji(s: string, gaiji: GaijiTable): string {
  if (gaiji.size === 0) return s;
  let out = "";
  for (const ch of s) out += gaiji.get(ch) ?? ch;
  return out;
}

/**
 * Normalises and splits a 氏名 (kanji or kana). The 外字 table is applied
 * first, then safe NFKC and space folding; returns null for a blank name.
 */
export function parseName(
  raw: string | null | undefined,
  gaiji: GaijiTable = EMPTY_GAIJI,
): ParsedName | null {
  if (raw == null) return null;
  const display = safeNfkc(applyGaiji(raw, gaiji))
    .replace(/[\s\u3000]+/g, " ")
    .trim();
  if (display === "") return null;
  const space = display.indexOf(" ");
  const full = display.replaceAll(" ", "");
  if (space < 0) return { display, full, family: null, given: null };
  return {
    display,
    full,
    family: display.slice(0, space),
    given: display.slice(space + 1).replaceAll(" ", ""),
  };
}

/**
 * The matching form of a (parsed, space-free) name part: 異体字 folded, kana
 * to full-width katakana, every unknown character (〓 ● ■ ？ or a private-use
 * code point the 外字 table did not resolve) → UNKNOWN_CHAR. Idempotent.
 */
export function foldName(s: string): string {
  let out = "";
  for (const ch of foldVariants(normaliseKana(s))) {
    const cp = ch.codePointAt(0) as number;
    if (UNKNOWN_MARKS.has(ch) || isPrivateUse(cp)) out += UNKNOWN_CHAR;
    else if (ch !== " ") out += ch;
  }
  return out;
}

/** True when a folded name holds an unknown character. */
export function hasUnknownChar(folded: string): boolean {
  return folded.includes(UNKNOWN_CHAR);
}

/**
 * Equality where UNKNOWN_CHAR matches any one character: the two folded names
 * have the same number of characters and agree wherever neither is unknown.
 * Symmetric; a name of only unknown characters matches any name of its length.
 */
export function matchesWithUnknown(a: string, b: string): boolean {
  if (a === b) return true;
  const ca = Array.from(a);
  const cb = Array.from(b);
  if (ca.length !== cb.length) return false;
  for (let i = 0; i < ca.length; i++) {
    const x = ca[i];
    const y = cb[i];
    if (x !== y && x !== UNKNOWN_CHAR && y !== UNKNOWN_CHAR) return false;
  }
  return true;
}

/**
 * Splits a space-free name at the longest prefix found in `families` (family
 * names seen split elsewhere in the same data) that leaves at least one
 * character for the given name; null when none fits. Used for records whose
 * name was written without a space.
 */
export function splitByKnownFamily(
  full: string,
  families: ReadonlySet<string>,
  maxFamilyLength = 5,
): { family: string; given: string } | null {
  const chars = Array.from(full);
  for (let k = Math.min(maxFamilyLength, chars.length - 1); k >= 1; k--) {
    const family = chars.slice(0, k).join("");
    if (families.has(family)) return { family, given: chars.slice(k).join("") };
  }
  return null;
}
