/**
 * What the generator hands to the I/O shell: one table per file, its encoding and line ending,
 * and its rows as a lazy iterable (a metro run writes millions of rows; nothing holds a whole
 * file as one string).
 */

export type Encoding = "utf8" | "utf8bom" | "cp932";

/** One data row and what the truth files say about it. */
export interface SynthRow {
  readonly cells: readonly string[];
  /** Index of the true person the row is about (World.persons). */
  readonly person: number;
  /** Set when the row was broken on purpose (truth/broken_rows.csv). */
  readonly broken?: { readonly column: string; readonly problem: string };
  /** Other people the row refers to (a mother's checkup → her child; 児童扶養手当 → 対象児童). */
  readonly related?: readonly { readonly role: string; readonly person: number }[];
}

export interface SourceTable {
  /** Source id of layouts.md (`jumin`, `shukketsu`, …). */
  readonly source: string;
  /** File name inside the output directory. */
  readonly file: string;
  readonly encoding: Encoding;
  readonly newline: "\n" | "\r\n";
  readonly header: readonly string[];
  rows(): Iterable<SynthRow>;
}

/** A plain text file (truth files). */
export interface TextTable {
  readonly file: string;
  readonly header: readonly string[];
  rows(): Iterable<readonly string[]>;
}

const NEEDS_QUOTE = /[",\r\n]/;

/** One CSV record (RFC 4180: quote a field holding a comma, quote or line break). */
export function csvLine(cells: readonly string[]): string {
  let out = "";
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i] as string;
    if (i > 0) out += ",";
    out += NEEDS_QUOTE.test(c) ? `"${c.replace(/"/g, '""')}"` : c;
  }
  return out;
}
