/**
 * The kana reading key used to compare 氏名カナ across departments. Systems
 * spell the same reading differently: ヴ or バ行 for foreign names, ヂ/ヅ or
 * ジ/ズ (現代仮名遣い 昭和61年内閣告示第1号 writes ジ/ズ except in compounds, and
 * registries differ), small or large kana (older systems had no small kana:
 * シヨウタ for ショウタ), and long vowels as ー, ウ, オ or a doubled vowel
 * (サトウ/サトー, オオノ/オーノ, ユウキ/ユーキ). The key maps all of these onto one
 * spelling, so "reading key exact" is a comparison level of its own.
 */
import { normaliseKana } from "./kana.ts";

/** Small kana → large (拗音・促音 written large by systems without small kana). */
const SMALL_TO_LARGE: ReadonlyMap<string, string> = new Map(
  Array.from("ァアィイゥウェエォオッツャヤュユョヨヮワヵカヶケ".match(/../g) ?? [], (p) => [
    p[0] as string,
    p[1] as string,
  ]),
);

/** Spellings folded onto one another (the first of each pair is replaced). */
const FOLD: ReadonlyMap<string, string> = new Map([
  ["ヂ", "ジ"],
  ["ヅ", "ズ"],
  ["ヲ", "オ"],
  ["ヰ", "イ"],
  ["ヱ", "エ"],
  ["ヷ", "バ"],
  ["ヸ", "ビ"],
  ["ヹ", "ベ"],
  ["ヺ", "ボ"],
]);

/** ヴ followed by a small vowel is one mora of the バ行 (ヴァ → バ); ヴ alone is ブ. */
const VU_PLUS: ReadonlyMap<string, string> = new Map([
  ["ァ", "バ"],
  ["ィ", "ビ"],
  ["ゥ", "ブ"],
  ["ェ", "ベ"],
  ["ォ", "ボ"],
]);

const VOWEL_ROWS: readonly [string, string][] = [
  ["a", "アカガサザタダナハバパマヤラワ"],
  ["i", "イキギシジチニヒビピミリ"],
  ["u", "ウクグスズツヌフブプムユル"],
  ["e", "エケゲセゼテデネヘベペメレ"],
  ["o", "オコゴソゾトドノホボポモヨロ"],
];
const VOWEL_OF: ReadonlyMap<string, string> = new Map(
  VOWEL_ROWS.flatMap(([v, chars]) => Array.from(chars, (c) => [c, v] as [string, string])),
);
/** The vowel kana that lengthen a mora ending in the given vowel (サトウ, オオノ, ケイ, ユウ). */
const LENGTHENERS: Readonly<Record<string, string>> = {
  a: "ア",
  i: "イ",
  u: "ウ",
  e: "イエ",
  o: "ウオ",
};

/**
 * The reading key of a kana string: katakana, no spaces or middle dots, small
 * kana large, ヴ → バ行, ヂ/ヅ → ジ/ズ, ヲ → オ, and every long vowel (ー, or a
 * vowel kana lengthening the mora before it) written as one ー. Idempotent.
 * Latin letters (romanised foreign names) are upper-cased.
 */
export function readingKey(kana: string): string {
  const s = normaliseKana(kana).toUpperCase();
  // Pass 1: ヴ combinations, small → large, spelling folds; drop separators.
  let flat = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    // A voiced mark left standing (nothing to compose onto) carries no reading.
    if (c === " " || c === "・" || c === "\u3000" || c === "=" || c === "゛" || c === "゜")
      continue;
    if (c === "ヴ") {
      const next = s[i + 1];
      const b = next === undefined ? undefined : VU_PLUS.get(next);
      if (b !== undefined) {
        flat += b;
        i++;
      } else flat += "ブ";
      continue;
    }
    flat += FOLD.get(c) ?? SMALL_TO_LARGE.get(c) ?? c;
  }
  // Pass 2: long vowels. `vowel` is the vowel of the last mora written, kept
  // across a ー so that オオオ, オーー and オー all give オー.
  let out = "";
  let vowel: string | undefined;
  let lastWasLong = false;
  for (const c of flat) {
    const lengthens = c === "ー" || (vowel !== undefined && (LENGTHENERS[vowel] ?? "").includes(c));
    if (lengthens) {
      if (vowel !== undefined && !lastWasLong) {
        out += "ー";
        lastWasLong = true;
      }
      continue;
    }
    out += c;
    vowel = VOWEL_OF.get(c);
    lastWasLong = false;
  }
  return out;
}
