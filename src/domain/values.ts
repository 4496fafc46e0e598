/**
 * Normalisers for the non-date value types of layouts.md ("File rules"):
 * booleans, 性別 codes, numbers with thousands separators, enumerations,
 * ids, kana, 学年, 年度 and ICD-10 codes. Each takes the raw cell text and
 * returns a normalised value or a Japanese reason; none of them throws.
 *
 * A blank cell is `null` (unknown) for every type except 性別, where
 * layouts.md itself says blank means 不明. Whether a blank is allowed at all
 * (a required column) is decided by the validator, not here.
 */
import { ERAS, MAX_YEAR, MIN_YEAR } from "./ja/date.ts";
import { normaliseKana } from "./ja/kana.ts";
import { normalizeSpaces, removeSpaces } from "./ja/width.ts";

export type ValueResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/** 性別 as stored: layouts.md codes 1 男, 2 女, 9 (or blank) 不明. */
export type Sex = "male" | "female" | "unknown";

const ok = <T>(value: T): ValueResult<T> => ({ ok: true, value });

// Shared results for the few values that repeat on every row, so that
// validating millions of cells does not allocate one object per cell for them.
const NULL: ValueResult<null> = Object.freeze({ ok: true, value: null });
const TRUE: ValueResult<boolean> = Object.freeze({ ok: true, value: true });
const FALSE: ValueResult<boolean> = Object.freeze({ ok: true, value: false });
const SEX_RESULT: Readonly<Record<Sex, ValueResult<Sex>>> = {
  male: Object.freeze({ ok: true, value: "male" }),
  female: Object.freeze({ ok: true, value: "female" }),
  unknown: Object.freeze({ ok: true, value: "unknown" }),
};
const fail = <T>(reason: string): ValueResult<T> => ({ ok: false, reason });

/** Cell text for a message, shortened so one stray huge cell cannot flood a report. */
export function quoteValue(raw: string): string {
  const t = raw.trim();
  return t.length > 30 ? `${t.slice(0, 30)}…` : t;
}

/**
 * NFKC (full-width digits and letters, half-width kana → standard forms),
 * no spaces, lower case: the key under which code values are compared.
 */
export function foldCode(raw: string): string {
  return removeSpaces(raw.normalize("NFKC")).toLowerCase();
}

/** True for a cell that holds nothing but white space (ASCII, NBSP, U+3000, BOM). */
export function isBlank(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (!(c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x3000 || c === 0xa0 || c === 0xfeff)) {
      return false;
    }
  }
  return true;
}

/**
 * Boolean codes of layouts.md: `1/0`, `はい/いいえ`, `有/無`, `あり/なし`,
 * `該当/非該当`, `○/(blank)`, `true/false`, `Y/N`. The three circle
 * characters (○ U+25CB, 〇 U+3007, ◯ U+25EF) all occur for 丸 in Japanese
 * forms; `×` is their usual opposite.
 */
const BOOLEAN_CODES: ReadonlyMap<string, boolean> = new Map([
  ...[
    "1",
    "はい",
    "ハイ",
    "有",
    "有り",
    "あり",
    "アリ",
    "該当",
    "○",
    "〇",
    "◯",
    "true",
    "y",
    "yes",
  ].map((k) => [k, true] as const),
  ...[
    "0",
    "いいえ",
    "イイエ",
    "無",
    "無し",
    "なし",
    "ナシ",
    "非該当",
    "×",
    "✕",
    "false",
    "n",
    "no",
  ].map((k) => [k, false] as const),
]);

/** A boolean cell; blank is null (for `○/(blank)` columns a blank is "not marked", never true). */
export function parseBoolean(raw: string): ValueResult<boolean | null> {
  const fast = BOOLEAN_CODES.get(raw);
  if (fast !== undefined) return fast ? TRUE : FALSE;
  if (isBlank(raw)) return NULL;
  const v = BOOLEAN_CODES.get(foldCode(raw));
  if (v !== undefined) return v ? TRUE : FALSE;
  return fail(
    `はい・いいえとして読めません（「${quoteValue(raw)}」）。1/0、はい/いいえ、有/無、あり/なし、該当/非該当、○/空欄、true/false、Y/N のいずれかにしてください。`,
  );
}

const SEX_CODES: ReadonlyMap<string, Sex> = new Map([
  ...["1", "男", "男性", "m", "male"].map((k) => [k, "male"] as const),
  ...["2", "女", "女性", "f", "female"].map((k) => [k, "female"] as const),
  ...["9", "0", "不明"].map((k) => [k, "unknown"] as const),
]);

/**
 * 性別: `1/2` (1 男, 2 女 — the JIS X 0303 / 住民基本台帳 coding), `男/女`,
 * `男性/女性`, `M/F`; `9`, `0` (ISO 5218 "not known") or blank is 不明.
 */
export function parseSex(raw: string): ValueResult<Sex> {
  const fast = SEX_CODES.get(raw);
  if (fast !== undefined) return SEX_RESULT[fast];
  if (isBlank(raw)) return SEX_RESULT.unknown;
  const v = SEX_CODES.get(foldCode(raw));
  if (v !== undefined) return SEX_RESULT[v];
  return fail(
    `性別として読めません（「${quoteValue(raw)}」）。1/2、男/女、男性/女性、M/F、不明は 9 か空欄にしてください。`,
  );
}

export interface NumberOptions {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Unit suffixes that may follow the number (`kg`, `cm`, `日`), dropped. */
  readonly units?: readonly string[];
}

/** A number needing no folding (the common case, checked before the costly NFKC). */
const PLAIN_NUMBER_RE = /^-?\d{1,15}(?:\.\d{1,15})?$/;

/** The value of a string of 1–9 ASCII digits, or -1 (the allocation-free common case). */
function digitsValue(s: string): number {
  if (s.length === 0 || s.length > 9) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
/** Minus signs seen in exports: U+2212 MINUS, and ▲/△ which Japanese ledgers use for negatives. */
const MINUS_RE = /^[\u2212▲△]/;

/** A number, with thousands separators (`1,234`), full-width digits and an optional unit. */
export function parseNumber(raw: string, options: NumberOptions = {}): ValueResult<number | null> {
  const fast = digitsValue(raw);
  if (
    fast >= 0 &&
    (options.min === undefined || fast >= options.min) &&
    (options.max === undefined || fast <= options.max)
  ) {
    return ok(fast);
  }
  if (isBlank(raw)) return NULL;
  let s = raw;
  if (!PLAIN_NUMBER_RE.test(raw)) {
    s = removeSpaces(raw.normalize("NFKC")).replace(MINUS_RE, "-").replaceAll(",", "");
    for (const unit of options.units ?? []) {
      if (s.toLowerCase().endsWith(unit.toLowerCase()) && s.length > unit.length) {
        s = s.slice(0, s.length - unit.length);
        break;
      }
    }
  }
  if (!NUMBER_RE.test(s)) return fail(`数値として読めません（「${quoteValue(raw)}」）。`);
  const n = Number(s);
  if (options.integer && !Number.isInteger(n)) {
    return fail(`整数で入力してください（「${quoteValue(raw)}」）。`);
  }
  if (
    (options.min !== undefined && n < options.min) ||
    (options.max !== undefined && n > options.max)
  ) {
    const range = `${options.min ?? ""}〜${options.max ?? ""}`;
    return fail(`値が範囲外です（「${quoteValue(raw)}」）。${range} の値にしてください。`);
  }
  return ok(n);
}

/** Enumeration folding: besides {@link foldCode}, the many spellings of 〜か月 (ヶ月, ケ月, カ月, ～, ・). */
export function foldEnum(raw: string): string {
  return foldCode(raw)
    .replace(/[ヶケヵカ]月/g, "か月")
    .replace(/[~〜～・ー－−‐]/g, "-");
}

/** A compiled enumeration: canonical values plus aliases, looked up by folded key. */
export interface Enumeration {
  readonly values: readonly string[];
  readonly lookup: ReadonlyMap<string, string>;
}

/** Builds an {@link Enumeration}; `aliases` maps other spellings onto canonical values. */
export function enumeration(
  values: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): Enumeration {
  const lookup = new Map<string, string>();
  for (const v of values) lookup.set(foldEnum(v), v);
  for (const [alias, v] of Object.entries(aliases)) {
    if (!values.includes(v)) throw new Error(`alias ${alias} → ${v}: not a value`);
    lookup.set(foldEnum(alias), v);
  }
  return { values, lookup };
}

/** One of an enumeration's values; blank is null. */
export function parseEnum(raw: string, e: Enumeration): ValueResult<string | null> {
  if (isBlank(raw)) return NULL;
  const v = e.lookup.get(raw) ?? e.lookup.get(foldEnum(raw));
  if (v !== undefined) return ok(v);
  return fail(`使えない値です（「${quoteValue(raw)}」）。使える値: ${e.values.join("、")}`);
}

/** Excel turns long digit strings into `1.23457E+11`; the digits are gone and cannot be recovered. */
const ASCII_ID_RE = /^[!-~]+$/;
const SCIENTIFIC_RE = /^\d(?:\.\d+)?e[+-]?\d+$/i;

/**
 * An identifier such as 宛名番号 or 受給者証番号: half-width, no spaces.
 * Leading zeros are kept — they are part of the number in most systems.
 */
export function parseId(raw: string): ValueResult<string | null> {
  if (isBlank(raw)) return NULL;
  const s = ASCII_ID_RE.test(raw) ? raw : removeSpaces(raw.normalize("NFKC"));
  if (SCIENTIFIC_RE.test(s)) {
    return fail(
      `番号が指数表記になっています（「${quoteValue(raw)}」）。Excel で開いて保存すると番号が壊れるため、元のシステムから出力し直してください。`,
    );
  }
  return ok(s);
}

/**
 * Characters allowed in 氏名カナ (layouts.md: full- or half-width katakana or
 * hiragana): hiragana, katakana incl. ヴ and small forms, ー, ・, iteration
 * marks, (han)dakuten, half-width katakana, and spaces between names.
 */
const KANA_RE = /^[\u3041-\u3096\u309b-\u309f\u30a0-\u30ff\uff65-\uff9f\s\u3000]+$/;

/**
 * 氏名カナ: checked to be kana, then brought to full-width katakana (ja/kana.ts)
 * so that every source spells the same reading the same way.
 */
export function parseKana(raw: string): ValueResult<string | null> {
  if (isBlank(raw)) return NULL;
  if (!KANA_RE.test(raw.trim())) {
    return fail(
      `カナ以外の文字が含まれています（「${quoteValue(raw)}」）。カタカナかひらがなで入力してください。`,
    );
  }
  return ok(normaliseKana(normalizeSpaces(raw)));
}

const GRADE_RE = /^(?:小学校?|中学校?|高等学校|高校?|小|中|高|義務教育学校)?(\d{1,2})(?:年生?)?$/;

/**
 * 学年 as the number within the school (`1`, `１年`, `3年生`, `小3`, `中1` → 1).
 * The school level is in 学校名; the raw text is kept beside the number.
 */
export function parseGrade(raw: string): ValueResult<number | null> {
  if (isBlank(raw)) return NULL;
  const m = GRADE_RE.exec(removeSpaces(raw.normalize("NFKC")));
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(n >= 1 && n <= 12)) {
    return fail(
      `学年として読めません（「${quoteValue(raw)}」）。1〜9 の数字（「3年」も可）にしてください。`,
    );
  }
  return ok(n);
}

const FISCAL_YEAR_RE = /^(\d{4})(?:年度?)?$/;
const FISCAL_WAREKI_RE = /^(明治|大正|昭和|平成|令和|[MTSHR])(元|\d{1,2})(?:年度?)?$/i;

/**
 * 年度 (April–March fiscal year) as its starting Gregorian year: `2024`,
 * `2024年度`, `令和6年度`, `R6`. 平成31年度 and 令和元年度 are both 2019:
 * the 2019 fiscal year began in 平成 and both names are in official use.
 */
export function parseFiscalYear(raw: string): ValueResult<number | null> {
  if (isBlank(raw)) return NULL;
  const s = removeSpaces(raw.normalize("NFKC"));
  let year = Number.NaN;
  const w = FISCAL_YEAR_RE.exec(s);
  if (w) year = Number(w[1]);
  const e = FISCAL_WAREKI_RE.exec(s);
  if (e) {
    const token = (e[1] as string).toUpperCase();
    const era = ERAS.find((x) => x.letter === token || x.name === token);
    const n = e[2] === "元" ? 1 : Number(e[2]);
    const start = Number(era?.start.slice(0, 4));
    const last = era?.end === undefined ? MAX_YEAR : Number(era.end.slice(0, 4));
    if (era && n >= 1 && start + n - 1 <= last) year = start + n - 1;
    else return fail(`年度が元号の範囲外です（「${quoteValue(raw)}」）。`);
  }
  if (!(year >= MIN_YEAR && year <= MAX_YEAR)) {
    return fail(
      `年度として読めません（「${quoteValue(raw)}」）。2024 か 令和6年度 の形にしてください。`,
    );
  }
  return ok(year);
}

const ICD10_RE = /^([A-Z])(\d{2})(?:\.?(\d{1,2}))?$/;

/** ICD-10 code in dotted form (`F84.0`; `f840` and `Ｆ８４．０` are accepted). */
export function parseIcd10(raw: string): ValueResult<string | null> {
  if (isBlank(raw)) return NULL;
  const m = ICD10_RE.exec(removeSpaces(raw.normalize("NFKC")).toUpperCase());
  if (!m)
    return fail(
      `ICD-10 コードとして読めません（「${quoteValue(raw)}」）。F84.0 の形にしてください。`,
    );
  return ok(m[3] === undefined ? `${m[1]}${m[2]}` : `${m[1]}${m[2]}.${m[3]}`);
}
