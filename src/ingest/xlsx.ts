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
  }
  return String(v);
}

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
