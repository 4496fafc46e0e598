/**
 * Search keys for finding a person by name (issue 11 検索): the same folding
 * the linkage uses (STYLE.md: built on the linkage normaliser), so a query
 * typed with a 異体字 (髙 for 高), half-width kana (ﾔﾏﾀﾞ), hiragana or small
 * kana (ッ/ツ) finds the stored spelling. Keys are stored per person when a
 * linkage run is written (person_search_key, 0055) and matched by prefix.
 */
import { EMPTY_GAIJI, foldName, type GaijiTable, safeNfkc } from "./name.ts";
import { readingKey } from "./reading-key.ts";
import { normalizeSpaces } from "./width.ts";

/** `kanji:` keys hold folded written names, `kana:` keys reading keys. */
export type SearchKey = `${"kanji" | "kana"}:${string}`;

function resolveGaiji(s: string, gaiji: GaijiTable): string {
  if (gaiji.size === 0) return s;
  let out = "";
  for (const ch of s) out += gaiji.get(ch) ?? ch;
  return out;
}

function parts(s: string): string[] {
  return normalizeSpaces(safeNfkc(s))
    .split(" ")
    .filter((p) => p.length > 0);
}

/**
 * The stored keys of a person: full name and given name, written and read. The
 * municipality's 外字 table (mimamori gaiji set) resolves vendor code points
 * first, so a name held with a 外字 is found by the character it stands for.
 */
export function personSearchKeys(
  name: string | null,
  kana: string | null,
  gaiji: GaijiTable = EMPTY_GAIJI,
): SearchKey[] {
  const keys = new Set<SearchKey>();
  if (name) {
    const p = parts(resolveGaiji(name, gaiji)).map(foldName);
    if (p.length > 0) keys.add(`kanji:${p.join("")}`);
    if (p.length > 1) keys.add(`kanji:${p.slice(1).join("")}`);
  }
  if (kana) {
    const p = parts(kana).map(readingKey);
    if (p.length > 0) keys.add(`kana:${p.join("")}`);
    if (p.length > 1) keys.add(`kana:${p.slice(1).join("")}`);
  }
  return [...keys].filter((k) => k.length > k.indexOf(":") + 1);
}

/**
 * The key prefixes a name query is matched with: its written form folded, and,
 * when it is all kana, its reading key. Spaces in the query are ignored
 * (「山田 太郎」 and 「山田太郎」 are the same query).
 */
export function querySearchKeys(query: string): SearchKey[] {
  const flat = parts(query).join("");
  if (!flat) return [];
  const keys: SearchKey[] = [`kanji:${foldName(flat)}`];
  const folded = foldName(flat);
  if (/^[\u30a1-\u30fa\u30fc]+$/.test(folded)) keys.push(`kana:${readingKey(folded)}`);
  return keys;
}
