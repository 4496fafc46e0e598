/**
 * Dates as departments write them (layouts.md, "Dates"): ISO and slash forms,
 * compact `YYYYMMDD`, 和暦 with kanji or letter eras (`令和6年4月1日`,
 * `R6.4.1`, `R06.04.01`, `令和元年5月1日`), full-width digits, Excel serial
 * numbers. An impossible date — 2023-02-30, or an era year outside its era
 * such as R1.4.30 (which is 平成31年) — is an error with a Japanese reason,
 * never a silent guess. Nothing here throws on any input.
 */
import type { IsoDate } from "../types.ts";

export type DateResult =
  | { readonly ok: true; readonly value: IsoDate }
  | { readonly ok: false; readonly reason: string };

/**
 * How to read an ambiguous value, set per column in a mapping file:
 * - `auto`: every unambiguous form of layouts.md (the default);
 * - `dmy` / `mdy`: `1/4/2024` read day-first / month-first (auto refuses it);
 * - `era-code`: 7 digits `GYYMMDD` with era digit 1 明治 … 5 令和, as many
 *   住民記録 systems export (`5060401` = 令和6年4月1日);
 * - `excel-serial`: a bare number is an Excel serial (as in .xlsx cells).
 */
export type DateFormatHint = "auto" | "dmy" | "mdy" | "era-code" | "excel-serial";

export const DATE_FORMAT_HINTS: readonly DateFormatHint[] = [
  "auto",
  "dmy",
  "mdy",
  "era-code",
  "excel-serial",
];

export interface DateParseOptions {
  readonly hint?: DateFormatHint;
  /** Read a bare number of up to 7 digits as an Excel serial (values of .xlsx cells). */
  readonly excelSerial?: boolean;
}

export interface Era {
  /** Letter used in short forms (`R6.4.1`). */
  readonly letter: "M" | "T" | "S" | "H" | "R";
  readonly name: string;
  /** First day of the era (Gregorian). */
  readonly start: IsoDate;
  /** Last day, or undefined for the current era. */
  readonly end: IsoDate | undefined;
  /** Digit used by 7-digit era codes (`GYYMMDD`). */
  readonly code: number;
}

/**
 * Era boundaries. 明治: 改元の詔 of 1868-10-23 (dates of 明治1–5 are read as
 * Gregorian; the lunar calendar before 1873 is not modelled — no living person
 * needs it). 大正 from 1912-07-30 and 昭和 from 1926-12-25 (the days after the
 * emperors' deaths). 平成 from 1989-01-08 (昭和64年政令第1号), 令和 from
 * 2019-05-01 (平成31年政令第143号).
 */
export const ERAS: readonly Era[] = [
  { letter: "M", name: "明治", start: iso(1868, 10, 23), end: iso(1912, 7, 29), code: 1 },
  { letter: "T", name: "大正", start: iso(1912, 7, 30), end: iso(1926, 12, 24), code: 2 },
  { letter: "S", name: "昭和", start: iso(1926, 12, 25), end: iso(1989, 1, 7), code: 3 },
  { letter: "H", name: "平成", start: iso(1989, 1, 8), end: iso(2019, 4, 30), code: 4 },
  { letter: "R", name: "令和", start: iso(2019, 5, 1), end: undefined, code: 5 },
];

/**
 * Accepted years. The lower bound is the first year an era name can express;
 * the upper bound catches typos like 2204 for 2024 without limiting real data.
 */
export const MIN_YEAR = 1868;
export const MAX_YEAR = 2199;

const ERA_BY_TOKEN: ReadonlyMap<string, Era> = new Map(
  ERAS.flatMap((e) => [
    [e.letter, e],
    [e.name, e],
    [e.name.charAt(0), e],
  ]),
);

const FORMS_HINT =
  "2024-04-01、2024/4/1、20240401、令和6年4月1日、R6.4.1 のいずれかの形にしてください";

function iso(y: number, m: number, d: number): IsoDate {
  return `${String(y).padStart(4, "0")}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}` as IsoDate;
}

/** The user's value for a message, shortened so a stray huge cell cannot flood the report. */
function quote(input: string): string {
  const t = input.trim();
  return t.length > 30 ? `${t.slice(0, 30)}…` : t;
}

function fail(reason: string): DateResult {
  return { ok: false, reason };
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days in month `m` (1–12) of Gregorian year `y`. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * A Gregorian year, month and day → IsoDate, or the reason it is not a date.
 * `label` is how the user wrote it, for the message.
 */
export function dateFromParts(y: number, m: number, d: number, label?: string): DateResult {
  const shown = label ?? `${y}年${m}月${d}日`;
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) {
    return fail(`日付として読めません（「${shown}」）。${FORMS_HINT}。`);
  }
  if (y < MIN_YEAR || y > MAX_YEAR) {
    return fail(`年が範囲外です（${shown}）。${MIN_YEAR}年〜${MAX_YEAR}年の日付にしてください。`);
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    return fail(`存在しない日付です（${shown}）。`);
  }
  return { ok: true, value: iso(y, m, d) };
}

/** The era of a Gregorian date, or undefined before 明治. */
export function eraOf(date: IsoDate): Era | undefined {
  for (let i = ERAS.length - 1; i >= 0; i--) {
    const e = ERAS[i] as Era;
    if (date >= e.start) return e;
  }
  return undefined;
}

/**
 * A Gregorian date in 和暦: `令和元年5月1日` (`kanji`) or `R1.5.1` (`letter`).
 * Returns undefined before 明治.
 */
export function formatWareki(
  date: IsoDate,
  style: "kanji" | "letter" = "kanji",
): string | undefined {
  const era = eraOf(date);
  if (!era) return undefined;
  const y = Number(date.slice(0, 4)) - Number(era.start.slice(0, 4)) + 1;
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  if (style === "letter") return `${era.letter}${y}.${m}.${d}`;
  return `${era.name}${y === 1 ? "元" : y}年${m}月${d}日`;
}

/** 和暦 year/month/day → Gregorian, checking the date lies inside the era. */
function fromWareki(era: Era, eraYear: number, m: number, d: number): DateResult {
  const label = `${era.name}${eraYear === 1 ? "元" : eraYear}年${m}月${d}日`;
  if (eraYear < 1) {
    return fail(`元号の年は1（元年）から始まります（「${era.name}${eraYear}年」）。`);
  }
  const y = Number(era.start.slice(0, 4)) + eraYear - 1;
  const r = dateFromParts(y, m, d, label);
  if (!r.ok) return r;
  if (r.value < era.start) {
    const right = formatWareki(r.value);
    return fail(
      `${label}は${era.name}の始まり（${longDate(era.start)}）より前です。` +
        (right ? `${right}の誤りではないか確認してください。` : ""),
    );
  }
  if (era.end !== undefined && r.value > era.end) {
    return fail(
      `${label}は${era.name}の終わり（${longDate(era.end)}）より後です。` +
        `${formatWareki(r.value)}の誤りではないか確認してください。`,
    );
  }
  return r;
}

function longDate(d: IsoDate): string {
  return `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
}

const MS_PER_DAY = 86_400_000;
/** Day 0 of Excel's 1900 system as used for serials ≥ 61 (1899-12-30, because of the 1900 leap-year bug). */
const EXCEL_1900_EPOCH = Date.UTC(1899, 11, 30);
const EXCEL_1904_EPOCH = Date.UTC(1904, 0, 1);
/** Largest serial Excel accepts (9999-12-31). */
const EXCEL_MAX_SERIAL = 2_958_465;

/**
 * An Excel date serial → IsoDate. In the 1900 system Excel counts the
 * non-existent 1900-02-29 as serial 60 (kept for Lotus 1-2-3 compatibility,
 * Microsoft KB 214326), so serials 1–59 are one day off from 61 onwards and
 * 60 itself is not a date. A time fraction is dropped.
 */
export function excelSerialToDate(serial: number, date1904 = false): DateResult {
  if (!Number.isFinite(serial) || serial < 0 || serial > EXCEL_MAX_SERIAL) {
    return fail(`Excel の日付の値が範囲外です（${serial}）。`);
  }
  const day = Math.floor(serial);
  let ms: number;
  if (date1904) ms = EXCEL_1904_EPOCH + day * MS_PER_DAY;
  else if (day === 60) return fail("Excel の日付 60 は存在しない 1900年2月29日 を表しています。");
  else if (day === 0) return fail("Excel の日付 0 は日付ではありません。");
  else ms = EXCEL_1900_EPOCH + (day < 60 ? day + 1 : day) * MS_PER_DAY;
  const t = new Date(ms);
  return dateFromParts(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

const KANJI_DIGITS: Readonly<Record<string, number>> = {
  〇: 0,
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** `十二` → 12, `三十一` → 31, `二〇二四` → 2024; undefined when not a simple numeral. */
function kanjiNumeral(s: string): number | undefined {
  const ten = s.indexOf("十");
  if (ten < 0) {
    let n = 0;
    for (const ch of s) {
      const v = KANJI_DIGITS[ch];
      if (v === undefined) return undefined;
      n = n * 10 + v;
    }
    return n;
  }
  if (s.indexOf("十", ten + 1) >= 0 || ten > 1 || s.length - ten > 2) return undefined;
  const tens = ten === 0 ? 1 : KANJI_DIGITS[s.charAt(0)];
  const ones = ten === s.length - 1 ? 0 : KANJI_DIGITS[s.charAt(ten + 1)];
  if (tens === undefined || ones === undefined || tens === 0) return undefined;
  return tens * 10 + ones;
}

/** Digit value of the char at `i`, or -1. */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * `YYYY-MM-DD` and `YYYY/M/D` (the forms most exports use) read without
 * regular expressions or normalisation — imports hold millions of dates.
 * Undefined when `s` is not exactly in one of those shapes.
 */
function parseWesternFast(s: string): DateResult | undefined {
  const n = s.length;
  if (n === 8) return parseCompactFast(s);
  if (n < 8 || n > 10) return undefined;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const d = digitAt(s, i);
    if (d < 0) return undefined;
    y = y * 10 + d;
  }
  const sep = s.charCodeAt(4);
  if (sep !== 0x2d && sep !== 0x2f) return undefined;
  let i = 5;
  let m = digitAt(s, i++);
  if (m < 0) return undefined;
  if (s.charCodeAt(i) !== sep) {
    const m2 = digitAt(s, i++);
    if (m2 < 0) return undefined;
    m = m * 10 + m2;
  }
  if (s.charCodeAt(i++) !== sep) return undefined;
  let d = digitAt(s, i++);
  if (d < 0) return undefined;
  if (i < n) {
    const d2 = digitAt(s, i++);
    if (d2 < 0) return undefined;
    d = d * 10 + d2;
  }
  if (i !== n) return undefined;
  if (y >= MIN_YEAR && y <= MAX_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)) {
    return { ok: true, value: n === 10 && sep === 0x2d ? (s as IsoDate) : iso(y, m, d) };
  }
  return dateFromParts(y, m, d, s);
}

/** `YYYYMMDD` read without regular expressions; undefined when not 8 ASCII digits. */
function parseCompactFast(s: string): DateResult | undefined {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const d = digitAt(s, i);
    if (d < 0) return undefined;
    v = v * 10 + d;
  }
  const y = Math.floor(v / 10000);
  const m = Math.floor(v / 100) % 100;
  const d = v % 100;
  if (y >= MIN_YEAR && y <= MAX_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)) {
    return { ok: true, value: iso(y, m, d) };
  }
  return dateFromParts(y, m, d, s);
}

/**
 * Characters NFKC changes in a date: full-width forms (U+FF00–FFEF) and the
 * era ligatures ㍻ ㋿ (U+3200–33FF). Most dates have none, and NFKC is costly.
 */
const NEEDS_NFKC_RE = /[\u3200-\u33ff\uff00-\uffef]/;

const TIME_SUFFIX_RE = /(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const SPACES_RE = /\s+/g;
const KANJI_NUMERAL_RE = /[〇一二三四五六七八九十]+/g;
const WESTERN_RE = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/;
const WESTERN_KANJI_RE = /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})$/;
const WAREKI_RE =
  /^(明治|大正|昭和|平成|令和|[明大昭平令MTSHR])(元|\d{1,3})(?:年(\d{1,2})月(\d{1,2})日?|([-/.])(\d{1,2})\5(\d{1,2}))$/;
const WAREKI_COMPACT_RE = /^([MTSHR])(\d{2})(\d{2})(\d{2})$/;
const ERA_CODE_RE = /^([1-5])(\d{2})(\d{2})(\d{2})$/;
const DAY_FIRST_RE = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$/;
const SERIAL_RE = /^\d{1,7}(?:\.\d+)?$/;
const NO_DAY_RE =
  /^(?:\d{4}(?:[-/.]\d{1,2}|年\d{1,2}月?)?|(?:明治|大正|昭和|平成|令和|[明大昭平令MTSHR])(?:元|\d{1,3})(?:年(?:\d{1,2}月?)?|[-/.]\d{1,2}))$/;
const TWO_DIGIT_YEAR_RE = /^\d{2}([-/.])\d{1,2}\1\d{1,2}$/;

/**
 * Parses a date in any form of layouts.md. Returns `{ ok: true, value }` or
 * `{ ok: false, reason }` with a Japanese reason; never throws.
 */
export function parseDate(input: string, options: DateParseOptions = {}): DateResult {
  if (typeof input !== "string") return fail("日付として読めません。");
  const hint = options.hint ?? "auto";
  // Fast path: the canonical form, which most exports and all our own files use.
  if (hint === "auto" || hint === "excel-serial") {
    const fast = parseWesternFast(input);
    if (fast !== undefined) return fast;
  }
  // NFKC folds full-width digits/letters and the era ligatures ㍻ ㋿ into plain text.
  let s = (NEEDS_NFKC_RE.test(input) ? input.normalize("NFKC") : input).trim();
  if (s === "") return fail("日付が空です。");
  if (s.length > 40) return fail(`日付として読めません（長すぎます）。${FORMS_HINT}。`);
  s = s.replace(TIME_SUFFIX_RE, "").replace(SPACES_RE, "").toUpperCase();
  s = s.replace(KANJI_NUMERAL_RE, (k) => {
    const n = kanjiNumeral(k);
    return n === undefined ? k : String(n);
  });

  if ((hint === "excel-serial" || options.excelSerial) && SERIAL_RE.test(s)) {
    return excelSerialToDate(Number(s));
  }
  if (hint === "era-code") {
    const m = ERA_CODE_RE.exec(s);
    if (m) {
      const era = ERAS[Number(m[1]) - 1] as Era;
      return fromWareki(era, Number(m[2]), Number(m[3]), Number(m[4]));
    }
  }
  if (hint === "dmy" || hint === "mdy") {
    const m = DAY_FIRST_RE.exec(s);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[3]);
      return hint === "dmy"
        ? dateFromParts(Number(m[4]), b, a, quote(input))
        : dateFromParts(Number(m[4]), a, b, quote(input));
    }
  }
  const shown = quote(input);
  let m = WESTERN_RE.exec(s);
  if (m) return dateFromParts(Number(m[1]), Number(m[3]), Number(m[4]), shown);
  m = WESTERN_KANJI_RE.exec(s) ?? COMPACT_RE.exec(s);
  if (m) return dateFromParts(Number(m[1]), Number(m[2]), Number(m[3]), shown);
  m = WAREKI_RE.exec(s);
  if (m) {
    const era = ERA_BY_TOKEN.get(m[1] as string) as Era;
    const eraYear = m[2] === "元" ? 1 : Number(m[2]);
    const month = m[3] ?? m[6];
    const day = m[4] ?? m[7];
    return fromWareki(era, eraYear, Number(month), Number(day));
  }
  m = WAREKI_COMPACT_RE.exec(s);
  if (m) {
    const era = ERA_BY_TOKEN.get(m[1] as string) as Era;
    return fromWareki(era, Number(m[2]), Number(m[3]), Number(m[4]));
  }
  if (NO_DAY_RE.test(s))
    return fail(`日付に日がありません（「${shown}」）。年月日まで入力してください。`);
  if (TWO_DIGIT_YEAR_RE.test(s)) {
    return fail(
      `年が2桁です（「${shown}」）。西暦4桁か元号付き（R6.4.1 など）で入力してください。`,
    );
  }
  if (DAY_FIRST_RE.test(s)) {
    return fail(
      `日・月・年の順か月・日・年の順か判断できません（「${shown}」）。マッピングファイルの dates で dmy か mdy を指定してください。`,
    );
  }
  return fail(`日付として読めません（「${shown}」）。${FORMS_HINT}。`);
}
