/**
 * COPY … FROM STDIN in PostgreSQL's text format, shared by the repositories
 * that bulk-load (import, linkage, scoring).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/** Text in COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyText(s: string): string {
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c] as string) : s;
}

/** One cell: text escaped as {@link copyText}; null as \N. */
export function copyCell(v: string | number | boolean | null): string {
  if (v === null) return "\\N";
  return typeof v === "string" ? copyText(v) : String(v);
}

/** A PostgreSQL array literal of numbers. */
export function numberArray(xs: readonly number[] | null): string | null {
  return xs === null ? null : `{${xs.join(",")}}`;
}

/** A PostgreSQL text[] literal. */
export function textArray(xs: readonly string[]): string {
  return `{${xs.map((x) => `"${x.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(",")}}`;
}

const COPY_STATEMENT = /^COPY (\w+) \(([\w, ]+)\) FROM STDIN$/;

/**
 * Streams `lines` (each ending in \n) into `statement` (`COPY table (columns)
 * FROM STDIN`) on `client`, in 64 KiB chunks.
 *
 * PostgreSQL refuses COPY FROM into a table with row-level security for a
 * role subject to it (the app role, scope.ts). So the lines go into a
 * temporary table of the same shape (no RLS, no WAL), and one INSERT … SELECT
 * moves them into the table, where the policies check every row (WITH CHECK).
 * Must run inside the client's transaction.
 */
export async function copyLines(
  client: pg.ClientBase,
  statement: string,
  lines: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  const m = COPY_STATEMENT.exec(statement);
  if (!m) throw new Error(`copyLines: not a COPY … FROM STDIN statement: ${statement}`);
  const table = m[1] as string;
  const columns = m[2] as string;
  const staging = `${table}_staging`;
  await client.query(`CREATE TEMP TABLE ${staging} (LIKE ${table}) ON COMMIT DROP`);
  const source =
    Symbol.asyncIterator in lines
      ? Readable.from(lines as AsyncIterable<string>)
      : Readable.from(chunks(lines as Iterable<string>));
  await pipeline(source, client.query(copyFrom(`COPY ${staging} (${columns}) FROM STDIN`)));
  await client.query(
    `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM ${staging}; DROP TABLE ${staging}`,
  );
}

function* chunks(lines: Iterable<string>): Generator<string> {
  let buf = "";
  for (const line of lines) {
    buf += line;
    if (buf.length > 1 << 16) {
      yield buf;
      buf = "";
    }
  }
  if (buf !== "") yield buf;
}
