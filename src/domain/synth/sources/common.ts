/**
 * Shared pieces of the source writers: which 宛名番号 a record carries, how each department
 * spells names, dates, sexes and booleans, and how a row is broken on purpose.
 */
import { canonicalVariant, isCp932Variant, isJisX0208Variant } from "../../ja/variants.ts";
import {
  type DateStyle,
  type Day,
  DayFormatter,
  daysInMonth,
  isValidYmd,
  toFullWidthDigits,
  ymdOf,
} from "../calendar.ts";
import {
  kanaTypo,
  toHalfWidthKana,
  toHiragana,
  varyJiZu,
  varyLongVowel,
  varyVu,
} from "../kana-mess.ts";
import type { Rng } from "../random.ts";
import type { Person, Stint, World } from "../world.ts";

/** The stint covering `day`, else the last one before it, else the first. */
export function stintAt(p: Person, day: Day): Stint | undefined {
  let best: Stint | undefined;
  for (const st of p.stints) {
    if (st.from <= day && (st.to === null || day < st.to)) return st;
    if (st.from <= day) best = st;
  }
  return best ?? p.stints[0];
}

/** True when the person lived in the municipality on `day`. */
export function residentOn(p: Person, day: Day): boolean {
  for (const st of p.stints) if (st.from <= day && (st.to === null || day < st.to)) return true;
  return false;
}

/** Days of [lo, hi) the person was resident (for partial school years). */
export function residentSpans(p: Person, lo: Day, hi: Day): [Day, Day][] {
  const out: [Day, Day][] = [];
  for (const st of p.stints) {
    const a = Math.max(lo, st.from);
    const b = Math.min(hi, st.to ?? hi);
    if (a < b) out.push([a, b]);
  }
  return out;
}

export function residentNoAt(p: Person, day: Day): string {
  return stintAt(p, day)?.residentNo ?? "";
}

/** Person id as the truth files write it. */
export function personId(index: number): string {
  return `P${String(index + 1).padStart(7, "0")}`;
}

export function householdId(index: number): string {
  return `H${String(index + 1).padStart(6, "0")}`;
}

/** How one department writes names. */
export interface NameStyle {
  /**
   * exact: the registry form; jis0208: the registry form, but characters outside JIS X 0208
   * become the 外字 mark; typed: a clerk retypes the name, usually with the common form.
   */
  readonly kanji: "exact" | "jis0208" | "typed";
  /** typed: probability that a variant is written in its common form. */
  readonly foldP: number;
  /** The 外字 placeholder this system writes (〓 is the JIS 下駄記号, ● another common one). */
  readonly gaijiMark: "〓" | "●";
  /** Separator between family and given name. */
  readonly space: "full" | "half" | "none" | "mixed";
  readonly kana: "katakana" | "hiragana" | "halfwidth" | "halfwidth_nosmall" | "mixed";
  readonly longVowelP: number;
  readonly jiZuP: number;
  readonly vuP: number;
  readonly typoP: number;
  /** Alphabet names written in katakana in the kanji field (schools do this). */
  readonly foreignKatakanaP: number;
  /** Alphabet names in full-width letters (many registry systems store them so). */
  readonly fullWidthAlphabet: boolean;
  /** A kanji-country family name read the other customary way (王 ワン / オウ). */
  readonly kanaAltP: number;
  /**
   * A foreign resident's registered 通称 written instead of the registered name (decided per
   * person, not per row: every file of the department agrees). 0 for the registry itself.
   */
  readonly aliasP: number;
}

/** Salt of the per-person 通称 decision (the same person, the same answer in every file). */
const ALIAS_SALT = 0x5a11a5;

/** True when a department with 通称 probability `p` writes this person's 通称. */
export function writesAlias(p: Person, aliasP: number): boolean {
  return p.alias !== null && aliasP > 0 && mix(p.id, ALIAS_SALT) / 2 ** 32 < aliasP;
}

const FULLWIDTH_ALPHA = (s: string) =>
  s.replace(/[A-Z ]/g, (c) => (c === " " ? "　" : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));

function separator(style: NameStyle, rng: Rng): string {
  switch (style.space) {
    case "full":
      return "　";
    case "half":
      return " ";
    case "none":
      return "";
    case "mixed":
      return (["　", " ", ""] as const)[rng.weighted([0.5, 0.3, 0.2])] as string;
  }
}

function writeKanji(s: string, style: NameStyle, rng: Rng): string {
  if (style.kanji === "exact") return s;
  let out = "";
  for (const ch of s) {
    const canon = canonicalVariant(ch);
    if (canon === ch) {
      out += ch;
      continue;
    }
    if (style.kanji === "typed" && rng.chance(style.foldP)) {
      out += canon;
      continue;
    }
    // The variant itself: a system limited to JIS X 0208 (or a CP932 file) cannot hold it.
    const holdable = style.kanji === "jis0208" ? isJisX0208Variant(ch) : isCp932Variant(ch);
    out += holdable ? ch : style.gaijiMark;
  }
  return out;
}

function writeKana(s: string, style: NameStyle, rng: Rng): string {
  let k = s;
  if (style.longVowelP > 0 && rng.chance(style.longVowelP)) k = varyLongVowel(k, rng);
  if (style.jiZuP > 0 && rng.chance(style.jiZuP)) k = varyJiZu(k, rng);
  if (style.vuP > 0 && rng.chance(style.vuP)) k = varyVu(k);
  if (style.typoP > 0 && rng.chance(style.typoP)) k = kanaTypo(k, rng);
  const form =
    style.kana === "mixed"
      ? (["katakana", "hiragana", "halfwidth"] as const)[rng.weighted([0.6, 0.25, 0.15])]
      : style.kana;
  switch (form) {
    case "katakana":
      return k;
    case "hiragana":
      return toHiragana(k);
    case "halfwidth":
      return toHalfWidthKana(k);
    case "halfwidth_nosmall":
      return toHalfWidthKana(k, true);
    default:
      return k;
  }
}

/**
 * 氏名 and 氏名カナ of a person as a department writes them; `on` is the day the record was
 * made (a record made before a surname change keeps the former name). Without `on`, the
 * current name.
 */
export function renderName(p: Person, style: NameStyle, rng: Rng, on?: Day): [string, string] {
  const sep = separator(style, rng);
  if (writesAlias(p, style.aliasP) && p.alias) {
    // The 通称 is a name in kanji with its reading, typed like any Japanese name.
    const a = p.alias;
    const kanaSep = sep === "" ? (rng.chance(0.5) ? "" : " ") : sep === "　" ? "　" : " ";
    return [
      `${writeKanji(a.family, style, rng)}${sep}${writeKanji(a.given, style, rng)}`,
      writeKana(`${a.familyKana}${kanaSep}${a.givenKana}`, style, rng),
    ];
  }
  const former = on !== undefined && p.formerFamily !== null && on < p.formerFamily.until;
  const family = former ? (p.formerFamily?.family as string) : p.family;
  const familyKana = former
    ? (p.formerFamily?.familyKana as string)
    : p.familyKanaAlt !== "" && rng.chance(style.kanaAltP)
      ? p.familyKanaAlt
      : p.familyKana;
  const kanaSep = sep === "" ? (rng.chance(0.5) ? "" : " ") : sep === "　" ? "　" : " ";
  // Multi-part foreign names ("ヴァン アン") take the same separator as family/given.
  const inner = kanaSep === "" ? " " : kanaSep;
  const kanaRaw = `${familyKana.replace(/ /g, inner)}${kanaSep}${p.givenKana.replace(/ /g, inner)}`;
  let kanji: string;
  if (p.alphabetName) {
    if (rng.chance(style.foreignKatakanaP))
      kanji = `${familyKana}${sep === "" ? "　" : sep}${p.givenKana}`;
    else {
      const plain = `${p.family} ${p.given}`;
      kanji = style.fullWidthAlphabet ? FULLWIDTH_ALPHA(plain) : plain;
    }
  } else {
    kanji = `${writeKanji(family, style, rng)}${sep}${writeKanji(p.given, style, rng)}`;
  }
  return [kanji, writeKana(kanaRaw, style, rng)];
}

/** How one department writes dates: one style, or a mix (hand-kept registers). */
export class DateWriter {
  private readonly formatters: DayFormatter[];
  constructor(
    styles: readonly DateStyle[],
    private readonly weights: readonly number[] = styles.map(() => 1),
    private readonly fullWidthP = 0,
  ) {
    this.formatters = styles.map((s) => new DayFormatter(s));
  }

  get styles(): DateStyle[] {
    return this.formatters.map((f) => f.style);
  }

  write(day: Day, rng: Rng): string {
    const f =
      this.formatters.length === 1
        ? (this.formatters[0] as DayFormatter)
        : (this.formatters[rng.weighted(this.weights)] as DayFormatter);
    const s = f.format(day);
    return this.fullWidthP > 0 && rng.chance(this.fullWidthP) ? toFullWidthDigits(s) : s;
  }

  /** An impossible date in this writer's first style (30 Feb, or 令和 before 1 May 2019). */
  impossible(day: Day, rng: Rng): string {
    const [y] = ymdOf(day);
    const style = this.formatters[0]?.style ?? "iso";
    switch (style) {
      case "wareki":
        return rng.chance(0.5) ? "令和元年4月30日" : `令和${Math.max(2, y - 2018)}年2月30日`;
      case "warekiShort":
        return rng.chance(0.5) ? "R1.4.30" : `R${Math.max(2, y - 2018)}.2.30`;
      case "warekiShort0":
        return `R${String(Math.max(2, y - 2018)).padStart(2, "0")}.02.30`;
      case "compact":
        return `${y}0230`;
      case "slash":
        return `${y}/2/30`;
      case "slash0":
        return `${y}/02/30`;
      default:
        return `${y}-02-30`;
    }
  }
}

/**
 * A birth date with two digits transposed, as a keying slip (12 ↔ 21 in the day, or the month
 * and day swapped); the result is always a real date, so only linkage can catch it.
 * Returns undefined when no transposition of this date gives a real, different date.
 */
export function transposedBirth(day: Day): [number, number, number] | undefined {
  const [y, m, d] = ymdOf(day);
  const dd = d >= 10 ? Number(String(d).split("").reverse().join("")) : -1;
  if (dd >= 1 && dd !== d && isValidYmd(y, m, dd)) return [y, m, dd];
  if (d <= 12 && d !== m && m <= daysInMonth(y, d)) return [y, d, m];
  return undefined;
}

/** Sex codes per department (layouts.md: 1/2, 男/女, 男性/女性, M/F). */
export type SexStyle = "12" | "男女" | "男性女性" | "MF";
export function writeSex(sex: 1 | 2, style: SexStyle): string {
  switch (style) {
    case "12":
      return sex === 1 ? "1" : "2";
    case "男女":
      return sex === 1 ? "男" : "女";
    case "男性女性":
      return sex === 1 ? "男性" : "女性";
    case "MF":
      return sex === 1 ? "M" : "F";
  }
}

/** Boolean codes per department (layouts.md). `○` writes false as blank. */
export type BoolStyle = "10" | "はいいいえ" | "有無" | "ありなし" | "○";
export function writeBool(v: boolean, style: BoolStyle): string {
  switch (style) {
    case "10":
      return v ? "1" : "0";
    case "はいいいえ":
      return v ? "はい" : "いいえ";
    case "有無":
      return v ? "有" : "無";
    case "ありなし":
      return v ? "あり" : "なし";
    case "○":
      return v ? "○" : "";
  }
}

/** Stable small hash of a person id for deterministic assignment (class numbers, exam days). */
export function mix(id: number, salt: number): number {
  let h = Math.imul(id ^ salt, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

/** The household's district on `day` (after a move within the municipality, the new one). */
export function districtOn(world: World, p: Person, day: Day): number {
  const hh = world.households[p.hh];
  if (!hh) return 0;
  if (hh.relocation && day >= hh.relocation.day) return hh.relocation.district;
  const st = stintAt(p, day);
  return hh.stays[st?.stay ?? 0]?.district ?? 0;
}
