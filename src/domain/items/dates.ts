/**
 * Calendar arithmetic for item evaluation. Dates arrive as `YYYY-MM-DD`
 * strings (validate.ts normalises every date column to that form); the
 * evaluator turns each one into a day number once and then compares
 * integers, which is what keeps 300,000 children × every item fast.
 */
import type { IsoDate } from "../types.ts";

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function civilToDay(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month, day] of a day number (inverse of {@link civilToDay}). */
export function dayToCivil(day: number): [number, number, number] {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : (MONTH_DAYS[m - 1] as number);
}

/** The value of `n` ASCII digits of `s` from `at`, or -1. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Day number of an ISO date; NaN for anything that is not a real
 * `YYYY-MM-DD` date. Parsed by hand: the evaluator parses millions of dates.
 */
export function dayOf(iso: string): number {
  if (iso.length !== 10 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) return Number.NaN;
  const y = digits(iso, 0, 4);
  const m = digits(iso, 5, 2);
  const d = digits(iso, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return Number.NaN;
  return civilToDay(y, m, d);
}

/** Day number of a cell value: a date string, else NaN (blank, missing or not a date). */
export function dayOfValue(v: unknown): number {
  return typeof v === "string" ? dayOf(v) : Number.NaN;
}

export function isoOfDay(day: number): IsoDate {
  const [y, m, d] = dayToCivil(day);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}` as IsoDate;
}

/**
 * The same day `months` later (negative: earlier), clamped to the month's end
 * (2024-01-31 + 1 month = 2024-02-29).
 */
export function addMonths(day: number, months: number): number {
  const [y, m, d] = dayToCivil(day);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return civilToDay(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/**
 * Age in completed years on `day`: the birthday must have been reached
 * (a 29 February birthday is reached on 1 March in common years).
 */
export function ageOn(birth: number, day: number): number {
  const [by, bm, bd] = dayToCivil(birth);
  const [y, m, d] = dayToCivil(day);
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age--;
  return age;
}

/** 年度: the April–March fiscal (and school) year a day falls in, as its starting year. */
export function fiscalYearOf(day: number): number {
  const [y, m] = dayToCivil(day);
  return m >= 4 ? y : y - 1;
}

/**
 * The 年度 in which a child enters 小学校: the April after the 6th birthday,
 * children born on 1 April going with the year before (学校教育法 §17 with
 * 年齢計算ニ関スル法律: one reaches an age at the end of the day before the
 * birthday, so a 1 April child is 6 on 31 March).
 */
export function schoolEntryYear(birth: number): number {
  const [y, m, d] = dayToCivil(birth);
  return m > 4 || (m === 4 && d >= 2) ? y + 7 : y + 6;
}

/**
 * Months from `start` to `endInclusive` (both days counted), as whole
 * calendar months plus the fraction of the month that is left:
 * 2024-04-01..2024-09-30 is exactly 6, 2024-04-01..2025-03-31 exactly 12.
 * The proration of B11/B12 needs this (30 days a year over 6 months → 15).
 */
export function monthsCovered(start: number, endInclusive: number): number {
  if (!(endInclusive >= start)) return 0;
  const end = endInclusive + 1;
  const [sy, sm] = dayToCivil(start);
  const [ey, em] = dayToCivil(end);
  let whole = (ey - sy) * 12 + (em - sm);
  while (whole > 0 && addMonths(start, whole) > end) whole--;
  const anchor = addMonths(start, whole);
  const next = addMonths(start, whole + 1);
  return whole + (end - anchor) / (next - anchor);
}
