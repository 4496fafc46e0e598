/**
 * 異体字 (kanji variant) folding for name matching.
 *
 * The same surname is written 髙橋 in the resident registry and 高橋 in a school file,
 * 邉 / 邊 / 辺 in three departments, or as a CJK compatibility ideograph pasted from a PDF.
 * The pilots found that names only match reliably after variants are reduced to standard
 * forms (2024 final report §2.4 名寄せ; 喬木村 2025: converting 外字 to 常用漢字 before
 * matching took errors to zero — reference/003). The table behind this module is derived
 * at install time from the MJ縮退マップ (© IPA / CITPC, CC BY-SA 2.1 JP) by
 * scripts/build-variant-table.ts; see that script for how representatives are chosen.
 */
import {
  COMMON_NAME_VARIANT_CHARS,
  CP932_CHARS,
  JIS0208_CHARS,
  KOSEKI_VARIANT_CHARS,
  VARIANT_PAIRS,
} from "./variant-table.generated.ts";

/** Code point → canonical representative (only for code points that have one other than themselves). */
const canonicalOf = new Map<number, string>();
for (let i = 0; i < VARIANT_PAIRS.length; ) {
  const from = VARIANT_PAIRS.codePointAt(i) as number;
  i += from > 0xffff ? 2 : 1;
  const to = VARIANT_PAIRS.codePointAt(i) as number;
  i += to > 0xffff ? 2 : 1;
  canonicalOf.set(from, String.fromCodePoint(to));
}

/** Lowest code point that can have an entry (U+2E80, CJK radicals); below it, nothing folds. */
const FIRST_FOLDABLE = 0x2e80;

/** Variation selectors (VS1–16, IVS VS17–256) select a glyph of the same character. */
function isVariationSelector(cp: number): boolean {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

/**
 * Replaces every kanji by the canonical representative of its variant group (髙→高, 﨑→崎,
 * 邊/邉→辺, 齋→斎, 濱→浜, 澤→沢, 德→徳, compatibility ideographs → unified, Kangxi radicals →
 * ideographs) and drops ideographic variation selectors. Other characters are unchanged.
 * Idempotent: `foldVariants(foldVariants(s)) === foldVariants(s)`.
 */
export function foldVariants(s: string): string {
  let out: string | undefined;
  let last = 0;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    if (cp >= FIRST_FOLDABLE) {
      const to = isVariationSelector(cp) ? "" : canonicalOf.get(cp);
      if (to !== undefined) {
        out = (out ?? "") + s.slice(last, i) + to;
        last = i + width;
      }
    }
    i += width;
  }
  return out === undefined ? s : out + s.slice(last);
}

/** The canonical representative of one character (itself when it has no variants). */
export function canonicalVariant(ch: string): string {
  const cp = ch.codePointAt(0);
  return cp === undefined ? ch : (canonicalOf.get(cp) ?? ch);
}

let groups: Map<string, readonly string[]> | undefined;

/** canonical → [canonical, ...variants by code point], built on first use. */
function variantGroups(): Map<string, readonly string[]> {
  if (groups) return groups;
  const acc = new Map<string, string[]>();
  for (const [from, to] of canonicalOf) {
    const list = acc.get(to);
    const ch = String.fromCodePoint(from);
    if (list) list.push(ch);
    else acc.set(to, [ch]);
  }
  groups = new Map();
  for (const [canon, list] of acc) {
    list.sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
    groups.set(canon, Object.freeze([canon, ...list]));
  }
  return groups;
}

/**
 * Every member of the variant group of `ch`, canonical representative first, then the others
 * by code point (e.g. 辺 → [辺, 邉, 邊, …]). A character without variants gives `[ch]`.
 */
export function variantsOf(ch: string): readonly string[] {
  const cp = ch.codePointAt(0);
  if (cp === undefined) return [];
  const first = String.fromCodePoint(cp);
  return variantGroups().get(canonicalVariant(first)) ?? [first];
}

/** True when two strings are equal after variant folding. */
export function sameUpToVariants(a: string, b: string): boolean {
  return a === b || foldVariants(a) === foldVariants(b);
}

const cp932Set = new Set(Array.from(CP932_CHARS));
const jis0208Set = new Set(Array.from(JIS0208_CHARS));
const kosekiSet = new Set(Array.from(KOSEKI_VARIANT_CHARS));
const commonNameSet = new Set(Array.from(COMMON_NAME_VARIANT_CHARS));

/**
 * True when a member of a variant group can be encoded in CP932 (Shift_JIS with the NEC/IBM
 * extensions). Only meaningful for characters that have variants; others return false.
 */
export function isCp932Variant(ch: string): boolean {
  return cp932Set.has(ch);
}

/**
 * True when a member of a variant group is in JIS X 0208, the character set of older systems
 * (髙, 﨑, 德 are CP932 NEC/IBM extensions, not JIS X 0208, so such systems hold them as 外字).
 * Only meaningful for characters that have variants.
 */
export function isJisX0208Variant(ch: string): boolean {
  return jis0208Set.has(ch);
}

/**
 * True for a 異体字 whose parent character (親字) in the 戸籍統一文字 set is directly its
 * canonical form — the kind of variant that is registered in real names (髙, 﨑, 邉, 齋, 濱,
 * 澤, 德), as opposed to loose dictionary relations.
 */
export function isKosekiVariant(ch: string): boolean {
  return kosekiSet.has(ch);
}

/**
 * True for the commonly registered 異体字 among the koseki variants: the 康熙字典体 of a 常用漢字
 * (澤, 濱, 齋, 邊, 德, 廣, 國 …) or a CP932 NEC/IBM-extension character, which vendors added
 * because names needed them (髙, 﨑 …).
 */
export function isCommonNameVariant(ch: string): boolean {
  return commonNameSet.has(ch);
}
