/**
 * The 抽出日 (as-of date) an import is given: the day a department extracted
 * its data, so never after today in Japan. A typo such as 2062 for 2026 used
 * to be stored, and the next monthly run (whose 基準日 defaults to the newest
 * 抽出日) then aged every child by decades. One rule for every way in: the
 * web upload and 手入力 (routes/imports) and `mimamori import --as-of`.
 */
import { MimamoriError } from "./errors.ts";

/** Today's date in Japan (UTC+9, no daylight saving) at `now`, as YYYY-MM-DD. */
export function japanDate(now: Date): string {
  return new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
}

/** Throws `invalid_input` (Japanese) when `asOf` (YYYY-MM-DD) is after today in Japan at `now`. */
export function refuseFutureAsOf(now: Date, asOf: string): void {
  const today = japanDate(now);
  if (asOf > today)
    throw new MimamoriError(
      "invalid_input",
      `抽出日（${asOf}）が今日（${today}）より後になっています。部署がデータを出力した日を入力してください。`,
    );
}
