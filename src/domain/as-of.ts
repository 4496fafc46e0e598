/**
 * The 抽出日 (as-of date) an import is given: the day a department extracted
 * its data, so never after today in Japan. A typo such as 2062 for 2026 used
 * to be stored, and the next monthly run (whose 基準日 defaults to the newest
 * 抽出日) then aged every child by decades. One rule for every way in: the
 * web upload and 手入力 (routes/imports) and `mimamori import --as-of`, and a
 * 抽出日 the file itself carries — its 抽出日 column (a row error, like any bad
 * cell: domain/validate.ts) or a date in its name (the file is refused:
 * ingest/ingest.ts) — which would otherwise become the snapshot's 抽出日 the
 * same way.
 */
import { MimamoriError } from "./errors.ts";

/** Today's date in Japan (UTC+9, no daylight saving) at `now`, as YYYY-MM-DD. */
export function japanDate(now: Date): string {
  return new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
}

/** Where a 抽出日 came from: typed by the user, a row's 抽出日 column, or the file's name. */
export type AsOfOrigin = "typed" | "column" | "file_name";

/**
 * The Japanese reason a 抽出日 (YYYY-MM-DD) after `today` (YYYY-MM-DD in Japan,
 * {@link japanDate}) is refused, saying what to fix where it came from;
 * undefined when it is not after today.
 */
export function futureAsOfProblem(
  today: string,
  asOf: string,
  origin: AsOfOrigin,
): string | undefined {
  if (asOf <= today) return undefined;
  const late = `抽出日（${asOf}）が今日（${today}）より後になっています。`;
  switch (origin) {
    case "typed":
      return `${late}部署がデータを出力した日を入力してください。`;
    case "column":
      return `${late}部署がデータを出力した日が入っているか確認し、ファイルを直してから取り込み直してください。`;
    case "file_name":
      return `ファイル名から読み取った${late}ファイル名の日付を直すか、取込画面の「抽出日」欄（コマンドでは --as-of）で正しい日付を指定して取り込み直してください。`;
  }
}

/** Throws `invalid_input` (Japanese) when `asOf` (YYYY-MM-DD) is after today in Japan at `now`. */
export function refuseFutureAsOf(now: Date, asOf: string): void {
  const problem = futureAsOfProblem(japanDate(now), asOf, "typed");
  if (problem !== undefined) throw new MimamoriError("invalid_input", problem);
}
