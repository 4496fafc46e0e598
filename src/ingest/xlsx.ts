/**
 * Streaming .xlsx reading (layouts.md: "Also .xlsx (first sheet, header row
 * 1)"). Rows come out as strings so that CSV and Excel go through the same
 * validation; a cell Excel stores as a date becomes `YYYY-MM-DD`, and a plain
 * number in a date column is read as an Excel serial by the validator.
 */
import type { Readable } from "node:stream";

export interface SheetRow {
  /** Row number in the sheet (1-based). */
  readonly line: number;
  readonly fields: string[];
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A cell value of exceljs → the text a CSV export of it would hold. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (v instanceof Date) {
    // exceljs builds dates from serials in UTC; the time of day is not kept.
    if (Number.isNaN(v.getTime())) return "";
    return `${v.getUTCFullYear()}-${pad(v.getUTCMonth() + 1)}-${pad(v.getUTCDate())}`;
  }
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText))
      return o.richText.map((r: { text?: unknown }) => String(r.text ?? "")).join("");
    if ("result" in o) return cellText(o.result);
    if ("formula" in o || "sharedFormula" in o) return "";
    if ("text" in o) return cellText(o.text);
    if ("error" in o) return String(o.error);
    // A text cell pointing into the shared-strings part the workbook lacks (or
    // that came after the sheet): the text is not there to read. Read on, every
    // such cell became "[object Object]" and the file failed as having none of
    // the source's columns.
    if ("sharedString" in o) throw new Error("shared string missing");
  }
  return String(v);
}

/**
 * Why a workbook could not be read, in Japanese, from the error the reader
 * (exceljs → unzipper, saxes) threw: its messages ("FILE_ENDED",
 * "2:65480: documents may contain only one root.", "Cannot read properties of
 * undefined") mean nothing to the department that sent the file, and they
 * used to reach the import report as they were.
 */
export function xlsxProblem(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/FILE_ENDED|unexpected end|end of (file|data)|premature close|truncated/i.test(m))
    return "ファイルが途中で切れています（コピーや送信が途中で止まった可能性があります）。";
  if (/^\d+:\d+: /.test(m) || /unclosed|root|disallowed character|attribute|tag/i.test(m))
    return "シートの中身（XML）が壊れています。";
  if (/signature|zip|central directory|inflate|deflate|header/i.test(m))
    return "Excel（.xlsx）の形式（zip）として壊れています。";
  if (/shared string/i.test(m))
    return "文字の入ったセルの中身（共有文字列 sharedStrings.xml）がファイルにありません。";
  return "Excel で保存された .xlsx ファイルではないか、必要な部分（ブックやシートの定義）が欠けています。";
}

/** What the department can do about a workbook that cannot be read. */
export const XLSX_RESAVE =
  "元のファイルを Excel で開けるか確かめ、「名前を付けて保存」で .xlsx または CSV として保存し直してから取り込んでください。";

/**
 * The non-empty rows of the workbook's first sheet. Shared strings and
 * styles are cached (needed to resolve text and date formats); the sheet
 * itself is streamed.
 */
export async function* readXlsxRows(stream: Readable): AsyncGenerator<SheetRow> {
  // Loaded on first use: exceljs takes about half a second to load, which every
  // `mimamori` command (and a CSV-only import) would otherwise pay at start-up.
  const { default: ExcelJS } = await import("exceljs");
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: "emit",
    sharedStrings: "cache",
    styles: "cache",
    hyperlinks: "ignore",
    entries: "ignore",
  });
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const values = row.values as unknown[];
      const fields: string[] = [];
      let blank = true;
      for (let i = 1; i < values.length; i++) {
        const t = cellText(values[i]);
        if (t.trim() !== "") blank = false;
        fields.push(t);
      }
      if (!blank) yield { line: row.number, fields };
    }
    // Only the first sheet is read; leaving the loop stops the unzip.
    return;
  }
}
