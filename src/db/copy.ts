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

/** Streams `lines` (each ending in \n) into `statement` on `client`, in 64 KiB chunks. */
export async function copyLines(
  client: pg.ClientBase,
  statement: string,
  lines: Iterable<string>,
): Promise<void> {
  const chunks = function* () {
    let buf = "";
    for (const line of lines) {
      buf += line;
      if (buf.length > 1 << 16) {
        yield buf;
        buf = "";
      }
    }
    if (buf !== "") yield buf;
  };
  await pipeline(Readable.from(chunks()), client.query(copyFrom(statement)));
}
