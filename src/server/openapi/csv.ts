/**
 * What every CSV export of the API shares (issue 12): the request body (a
 * purpose, recorded in the audit log), the OpenAPI response, cells guarded
 * against formula injection (domain/csv-safety.ts) and quoted per RFC 4180,
 * UTF-8 with a BOM (Excel opens Japanese text correctly) and CRLF, and the
 * download headers (attachment, never cached). Routes build rows; this
 * module writes them, so the exports cannot drift apart.
 */
import { z } from "@hono/zod-openapi";
import { spreadsheetSafe } from "../../domain/csv-safety.ts";

/** The body of every export: why the data leaves the server (audited with the export). */
export const exportPurposeBody = z
  .object({
    purpose: z
      .string({ error: "出力の目的を入力してください。" })
      .trim()
      .min(4, "出力の目的を具体的に入力してください（4文字以上）。")
      .max(200, "出力の目的は200文字以内で入力してください。"),
  })
  .openapi("ExportPurposeBody");

/** The OpenAPI responses of a CSV export. */
export const csvResponses = {
  200: {
    description: "CSV（UTF-8、BOM 付き、改行 CRLF）",
    content: { "text/csv": { schema: z.string() } },
  },
};

/** The byte order mark at the start of every CSV file. */
export const CSV_BOM = "\uFEFF";

export type CsvCell = string | number | null | undefined;

/**
 * One cell: a text starting with = + - @, a tab or a carriage return gets a
 * leading ' (formula injection); quoted when it holds a quote, comma, line
 * break or surrounding spaces. Numbers are written as numbers.
 */
export function safeCell(v: CsvCell): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  const guarded = typeof v === "string" ? spreadsheetSafe(s) : s;
  return /[",\r\n]/.test(guarded) || guarded !== guarded.trim()
    ? `"${guarded.replaceAll('"', '""')}"`
    : guarded;
}

/** One line with its CRLF. */
export const csvLine = (cells: readonly CsvCell[]): string =>
  `${cells.map(safeCell).join(",")}\r\n`;

/** A whole file: BOM, header, rows. */
export function csvDocument(header: readonly string[], rows: Iterable<readonly CsvCell[]>): string {
  let text = CSV_BOM + csvLine(header);
  for (const r of rows) text += csvLine(r);
  return text;
}

/** The download: a CSV body (text or stream) as an attachment named `fileName`, never cached. */
export function csvDownload(body: string | ReadableStream<Uint8Array>, fileName: string): Response {
  return new Response(body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${fileName}"`,
      "Cache-Control": "no-store",
    },
  });
}
