/**
 * Dates as whole days since 1970-01-01 (proleptic Gregorian, no time zone), and the date
 * spellings Japanese department files use. Integers keep the generator exact and fast; the
 * string forms are the ones layouts.md lists as importable (西暦 `2024-04-01`, `2024/4/1`,
 * `20240401`; 和暦 `令和6年4月1日`, `R6.4.1`, `R06.04.01`, 元年 for year 1; full-width digits).
 */

/** Days since 1970-01-01. */
export type Day = number;

/** Days from civil (Howard Hinnant's algorithm), exact for any proleptic Gregorian date. */
export function dayOf(y: number, m: number, d: number): Day {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date of a day: [year, month 1–12, day 1–31]. */
export function ymdOf(day: Day): [number, number, number] {
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

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

export function isValidYmd(y: number, m: number, d: number): boolean {
  return Number.isInteger(y) && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** `2024-04-01` → Day; undefined when malformed or impossible. */
export function parseIsoDay(s: string): Day | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isValidYmd(y, mo, d) ? dayOf(y, mo, d) : undefined;
}

/** The same calendar day `years` later (29 Feb → 28 Feb in common years). */
export function addYears(day: Day, years: number): Day {
  const [y, m, d] = ymdOf(day);
  return dayOf(y + years, m, Math.min(d, daysInMonth(y + years, m)));
}

/** The same day of month `months` later, clamped to the month's length. */
export function addMonths(day: Day, months: number): Day {
  const [y, m, d] = ymdOf(day);
  const idx = y * 12 + (m - 1) + months;
  const ny = Math.floor(idx / 12);
  const nm = (idx % 12) + 1;
  return dayOf(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** Age in completed years on `day` (Japanese law counts the day before the birthday; irrelevant here). */
export function ageOn(birth: Day, day: Day): number {
  const [by, bm, bd] = ymdOf(birth);
  const [y, m, d] = ymdOf(day);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Start year of the Japanese fiscal / school year (April–March) containing `day`. */
export function fiscalYearOf(day: Day): number {
  const [y, m] = ymdOf(day);
  return m >= 4 ? y : y - 1;
}

/**
 * School grade on `day`: children born 2 April Y … 1 April Y+1 enter 小1 in April Y+7
 * (学校教育法 §17: school age starts the April after the 6th birthday; the 1 April birthday
 * joins the earlier year because age is reached the day before the birthday).
 * Returns 1–9 for 小1…中3, 0 or less before school, 10+ after 中3.
 */
export function schoolGradeOn(birth: Day, day: Day): number {
  const [by, bm, bd] = ymdOf(birth);
  const cohort = bm > 4 || (bm === 4 && bd >= 2) ? by : by - 1;
  return fiscalYearOf(day) - cohort - 6;
}

/** The day a child starts 小1: 1 April of the year its school cohort is 7 (see schoolGradeOn). */
export function schoolStartDay(birth: Day): Day {
  const [by, bm, bd] = ymdOf(birth);
  const cohort = bm > 4 || (bm === 4 && bd >= 2) ? by : by - 1;
  return dayOf(cohort + 7, 4, 1);
}

export function isoOf(day: Day): string {
  const [y, m, d] = ymdOf(day);
  return `${y}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}`;
}

/** Japanese eras with their first day (元号法; 明治 counted from the Gregorian switch, 1873). */
const ERAS: readonly { kanji: string; letter: string; start: Day; firstYear: number }[] = [
  { kanji: "令和", letter: "R", start: dayOf(2019, 5, 1), firstYear: 2019 },
  { kanji: "平成", letter: "H", start: dayOf(1989, 1, 8), firstYear: 1989 },
  { kanji: "昭和", letter: "S", start: dayOf(1926, 12, 25), firstYear: 1926 },
  { kanji: "大正", letter: "T", start: dayOf(1912, 7, 30), firstYear: 1912 },
  { kanji: "明治", letter: "M", start: dayOf(1873, 1, 1), firstYear: 1868 },
];

/** The era a day belongs to and the era year (1 = 元年). */
export function eraOf(day: Day): { kanji: string; letter: string; year: number } {
  const [y] = ymdOf(day);
  for (const e of ERAS) {
    if (day >= e.start) return { kanji: e.kanji, letter: e.letter, year: y - e.firstYear + 1 };
  }
  throw new Error(`date before 明治: ${isoOf(day)}`);
}

/** How a source spells dates. */
export type DateStyle =
  | "iso" // 2024-04-01
  | "slash" // 2024/4/1
  | "slash0" // 2024/04/01
  | "compact" // 20240401
  | "wareki" // 令和6年4月1日 (元年 for year 1)
  | "warekiShort" // R6.4.1
  | "warekiShort0"; // R06.04.01

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatDay(day: Day, style: DateStyle): string {
  const [y, m, d] = ymdOf(day);
  switch (style) {
    case "iso":
      return `${y}-${pad2(m)}-${pad2(d)}`;
    case "slash":
      return `${y}/${m}/${d}`;
    case "slash0":
      return `${y}/${pad2(m)}/${pad2(d)}`;
    case "compact":
      return `${y}${pad2(m)}${pad2(d)}`;
    case "wareki": {
      const e = eraOf(day);
      return `${e.kanji}${e.year === 1 ? "元" : e.year}年${m}月${d}日`;
    }
    case "warekiShort": {
      const e = eraOf(day);
      return `${e.letter}${e.year}.${m}.${d}`;
    }
    case "warekiShort0": {
      const e = eraOf(day);
      return `${e.letter}${pad2(e.year)}.${pad2(m)}.${pad2(d)}`;
    }
  }
}

/** ASCII digits → full-width (what an IME produces when a clerk types a date by hand). */
export function toFullWidthDigits(s: string): string {
  return s.replace(/[0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

/**
 * Memoised formatting: the same few thousand days are written millions of times in a metro
 * run, so each (style, day) string is built once.
 */
export class DayFormatter {
  private readonly cache = new Map<number, string>();
  constructor(readonly style: DateStyle) {}
  format(day: Day): string {
    let s = this.cache.get(day);
    if (s === undefined) {
      s = formatDay(day, this.style);
      this.cache.set(day, s);
    }
    return s;
  }
}
