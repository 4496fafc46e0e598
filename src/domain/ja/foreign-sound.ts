/**
 * The consonant skeleton of a foreign name, from its alphabet or from any カナ spelling of it.
 *
 * A foreign resident's name reaches the municipality in several spellings: the registry
 * holds the alphabet (SILVA VITORIA) and, when the optional カナ column is filled, one
 * transliteration (シルヴァ ヴィトーリア); a school writes another (シルバ ビトーリア, シウバ,
 * ヴィ / ビ, ティ / チ, ウィ / ウイ, ジェ / ジエ, long vowels kept or not, ッ kept or not). Japanese
 * transliteration keeps the consonants of the original and varies the vowels, the length
 * marks and the small kana around them, so the key keeps one letter per consonant class
 * and drops the rest:
 *
 * - vowels, ー, ッ, small kana, ヤ行 / ワ行 and H (ハ, ヒ, ヘ, ホ) are dropped (ユートン / YUTONG,
 *   KHOA / コア, MINH / ミン, JOHN / ジョン, HENRIQUE / エンリケ, ハオラン / HAORAN); フ is F; a
 *   part left with no consonant (HOA / ホア, AI) is kept as "_";
 * - B and V are one class (ヴ / バ行), L and R one (ラ行), S and Z one (ZIHAN ズーハン / ツーハン,
 *   BEATRIZ ベアトリス), T and CH one (THI ティ / チ);
 * - an R or L closing a syllable (before another consonant, or at the end) is dropped, as is
 *   ル there: Brazilian Portuguese says SILVA as シウバ, English names drop a final R
 *   (JENNIFER ジェニファー), and カナ cannot tell an epenthetic ル from a written one (CARLOS
 *   カルロス, ROBERTO ロベルト); ツ before K, S, T or P is a large ッ (ゴツク / ゴック);
 * - letter groups of the source languages: CH, SH, TH, PH, KH, LH (Portuguese リャ行), NH,
 *   initial NG (NGUYEN グエン), final NG (WANG ワン), G and C before E / I (GIOVANNA ジョヴァンナ,
 *   CECILIA セシリア), QU, X (pinyin シ).
 *
 * チャン and トラン stay apart (T·N against T·R·N): the two are different names, not two
 * spellings of one; the alphabet TRAN reads チャン, as the registry's カナ writes Trần. Several names share a skeleton (ANH, ANA and WANG are all N), so the key
 * is only a comparison level of its own whose weight the model learns, next to the birth
 * date, sex and school; it is never an identity.
 */
import { normaliseKana } from "./kana.ts";

/** Consonant class of a katakana (full-width), or "" for vowels, length marks and small kana. */
const KANA_CLASS: ReadonlyMap<string, string> = new Map(
  (
    [
      ["カキクケコ", "K"],
      ["ガギグゲゴ", "G"],
      ["サシスセソザズゼゾツヅ", "S"],
      ["ジヂ", "J"],
      ["タチテト", "T"],
      ["ダデド", "D"],
      ["ナニヌネノン", "N"],
      ["フ", "F"],
      ["バビブベボヴヷヸヹヺ", "B"],
      ["パピプペポ", "P"],
      ["マミムメモ", "M"],
      ["ラリルレロ", "R"],
    ] as const
  ).flatMap(([chars, cls]) => Array.from(chars, (c) => [c, cls] as [string, string])),
);

/** The skeleton of one part written in カナ (katakana or hiragana, any width). */
export function kanaSkeleton(part: string): string {
  const chars = Array.from(normaliseKana(part));
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    let cls = KANA_CLASS.get(c) ?? "";
    // ル before a consonant is the R or L of a consonant cluster (or a vocalised L).
    const nextClass = KANA_CLASS.get(chars[i + 1] ?? "") ?? "";
    // At the start it is a written R or L (ルカス); at the end, a final R or L that English
    // names drop (JENNIFER ジェニファー) and others write (GABRIEL ガブリエル).
    if (c === "ル" && i > 0 && (nextClass !== "" || i === chars.length - 1)) cls = "";
    // ツ before K, S, T or P is a ッ written large by a system without small kana (ゴツク).
    if (c === "ツ" && i > 0 && "KSTP".includes(nextClass) && nextClass !== "") cls = "";
    if (cls !== "" && !out.endsWith(cls)) out += cls;
  }
  return out;
}

const VOWELS = new Set(["A", "E", "I", "O", "U", "Y"]);

/**
 * Vietnamese family names whose TR is said チ (Trần チャン, Trương チュオン, Trịnh チン): a
 * registry's カナ writes them so, and the alphabet alone must read them so too. トラン is not
 * read into TRAN: a school's トラン stays apart from the registry's チャン.
 */
const VIETNAMESE_TR = new Set(["TRAN", "TRUONG", "TRINH"]);

/** The skeleton of one part written in the Latin alphabet. */
export function latinSkeleton(part: string): string {
  const raw = part
    .normalize("NFKD")
    .replace(/[^A-Za-z]/g, "")
    .toUpperCase();
  const s = VIETNAMESE_TR.has(raw) ? `CH${raw.slice(2)}` : raw;
  const isConsonant = (ch: string | undefined) => ch !== undefined && !VOWELS.has(ch);
  let out = "";
  const push = (cls: string) => {
    if (cls !== "" && !out.endsWith(cls)) out += cls;
  };
  for (let i = 0; i < s.length; ) {
    const two = s.slice(i, i + 2);
    if (i === 0 && two === "NG") {
      push("G");
      i += 2;
    } else if (two === "NG" && i + 2 === s.length) {
      push("N");
      i += 2;
    } else if (two === "CH" || two === "TH") {
      push("T");
      i += 2;
    } else if (two === "SH") {
      push("S");
      i += 2;
    } else if (two === "PH") {
      push("F");
      i += 2;
    } else if (two === "KH") {
      push("K");
      i += 2;
    } else if (two === "GH") {
      push("G");
      i += 2;
    } else if (two === "LH") {
      push("R");
      i += 2;
    } else if (two === "NH") {
      push("N");
      i += 2;
    } else if (two === "ZH") {
      push("J");
      i += 2;
    } else if (two === "QU") {
      push("K");
      i += 2;
    } else {
      const c = s[i] as string;
      const after = s[i + 1];
      i += 1;
      // H before U is フ in カナ (HUY フイ, HUGO フーゴ); else H is silent or ハ行, dropped.
      if (c === "H" && after === "U") {
        push("F");
        continue;
      }
      if (VOWELS.has(c) || c === "H" || c === "W") continue;
      // R or L closing a syllable: before a consonant, or at the end (see kanaSkeleton).
      if ((c === "R" || c === "L") && i > 1 && (isConsonant(after) || after === undefined))
        continue;
      if (c === "G") push(after === "E" || after === "I" ? "J" : "G");
      else if (c === "C") push(after === "E" || after === "I" ? "S" : "K");
      else if (c === "Q" || c === "K") push("K");
      else if (c === "X" || c === "Z" || c === "S") push("S");
      else if (c === "V" || c === "B") push("B");
      else if (c === "L" || c === "R") push("R");
      else push(c);
    }
  }
  return out;
}

const LATIN = /^[A-Za-z.'-]+$/;

/**
 * The skeletons of a name's parts (split at spaces; ・ already made a space), as two keys:
 * `full`, every part's skeleton sorted (order-free: given name first at a school), and
 * `short`, the first and the last part only (a middle name left out: NGUYEN NGOC ANH and グエン
 * アイン). A part without consonants counts as "_"; null keys for fewer than two parts.
 */
export function nameSkeletons(display: string): { full: string | null; short: string | null } {
  const parts = display
    .split(" ")
    .filter((p) => p !== "")
    .map((p) => (LATIN.test(p) ? latinSkeleton(p) : kanaSkeleton(p)) || "_");
  if (parts.length < 2) return { full: null, short: null };
  const full = [...parts].sort().join(" ");
  const short =
    parts.length === 2
      ? full
      : [parts[0] as string, parts[parts.length - 1] as string].sort().join(" ");
  return { full, short };
}
