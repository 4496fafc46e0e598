/**
 * Search keys for finding a person by name (issue 11 検索): the same folding
 * the linkage uses (STYLE.md: built on the linkage normaliser), so a query
 * typed with a 異体字 (髙 for 高), half-width kana (ﾔﾏﾀﾞ), hiragana or small
 * kana (ッ/ツ) finds the stored spelling. Keys are stored per person when a
 * linkage run is written (person_search_key, 0055) and matched by prefix.
 *
 * Kana keys are also blind to 濁点・半濁点 (タカキ finds タカギ, ハシモト finds
 * バシモト, ホンタ finds ホンダ): a reader searching a name heard on the phone or
 * read from a form without marks cannot know which the registry holds, and
 * families themselves vary (高木 タカギ / タカキ, 山崎 ヤマザキ / ヤマサキ). The
 * linkage's reading key keeps the marks (they tell two names apart); only the
 * search folds them, and only for kana: written names are matched as written.
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

/**
 * A reading key without 濁点・半濁点 (ガ → カ, パ → ハ): canonical decomposition
 * splits each voiced kana into its base and the combining mark, which is
 * dropped. Applied after {@link readingKey}, so ヴ is already ブ → フ.
 */
export function voicingBlind(key: string): string {
  return key
    .normalize("NFD")
    .replace(/[\u3099\u309a]/g, "")
    .normalize("NFC");
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
  return keysOf(
    name ? parts(resolveGaiji(name, gaiji)).map(foldName) : [],
    kana ? parts(kana).map(readingPart) : [],
  );
}

const readingPart = (k: string): string => voicingBlind(readingKey(k));

/** The keys of a person from the folded parts of the name and of its reading. */
function keysOf(written: readonly string[], read: readonly string[]): SearchKey[] {
  const keys = new Set<SearchKey>();
  if (written.length > 0) keys.add(`kanji:${written.join("")}`);
  if (written.length > 1) keys.add(`kanji:${written.slice(1).join("")}`);
  if (read.length > 0) keys.add(`kana:${read.join("")}`);
  if (read.length > 1) keys.add(`kana:${read.slice(1).join("")}`);
  return [...keys].filter((k) => k.length > k.indexOf(":") + 1);
}

/** The two spaces a name's tokens are split on before folding (see {@link searchKeyMaker}). */
const TOKEN_SPACE = /[ \u3000]/;

/**
 * {@link personSearchKeys} for the persons of a run (its store: a metro run has about 760,000),
 * each space-separated token of a name or reading folded once however many persons share it
 * — family and given names repeat — instead of once per person (metro: 4.7 s of the link
 * store's Node time, issue 15). The same keys: NFKC and the space folding of `parts` never
 * join or split text across U+0020 or U+3000 (both are starters that compose with nothing,
 * and U+3000 folds to U+0020), so a name's parts are its tokens' parts in order.
 */
export function searchKeyMaker(
  gaiji: GaijiTable = EMPTY_GAIJI,
): (name: string | null, kana: string | null) => SearchKey[] {
  const written = new Map<string, readonly string[]>();
  const read = new Map<string, readonly string[]>();
  const partsOf = (
    s: string,
    memo: Map<string, readonly string[]>,
    fold: (part: string) => string,
  ): string[] => {
    const out: string[] = [];
    for (const token of s.split(TOKEN_SPACE)) {
      if (token === "") continue;
      let p = memo.get(token);
      if (p === undefined) {
        p = parts(token).map(fold);
        memo.set(token, p);
      }
      for (const x of p) out.push(x);
    }
    return out;
  };
  return (name, kana) =>
    keysOf(
      name ? partsOf(resolveGaiji(name, gaiji), written, foldName) : [],
      kana ? partsOf(kana, read, readingPart) : [],
    );
}

/**
 * The key prefixes a name query is matched with: its written form folded, and,
 * when it is all kana, its reading key without 濁点・半濁点. Spaces in the query
 * are ignored (「山田 太郎」 and 「山田太郎」 are the same query). The reading key
 * with its marks is also asked for: a run stored before the keys were blind to
 * marks holds them, and is found as before until the next run replaces it (a
 * key with marks never prefixes a blind one, so it adds no other match).
 */
export function querySearchKeys(query: string): SearchKey[] {
  const flat = parts(query).join("");
  if (!flat) return [];
  const keys: SearchKey[] = [`kanji:${foldName(flat)}`];
  const folded = foldName(flat);
  if (/^[\u30a1-\u30fa\u30fc]+$/.test(folded)) {
    const reading = readingKey(folded);
    const blind = voicingBlind(reading);
    keys.push(`kana:${blind}`);
    if (reading !== blind) keys.push(`kana:${reading}`);
  }
  return keys;
}
