/**
 * Writing the `export …` CSV files of cli.md: RFC 4180 lines, written under a
 * temporary name and renamed into place so a file is never half-written.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { MimamoriError } from "../domain/errors.ts";
import { quoteCsvField } from "../ingest/csv.ts";

/** One CSV line (with its newline); null is an empty cell. */
export const csvLine = (cells: readonly (string | number | null)[]): string =>
  `${cells.map((c) => quoteCsvField(c === null ? "" : String(c))).join(",")}\n`;

/** The absolute path of `--out`, or a Japanese usage error when it is missing. */
export function outPath(out: string | undefined, usage: string): string {
  if (!out) {
    throw new MimamoriError("invalid_input", "--out で書き出すファイルを指定してください。", [
      `使い方: ${usage}`,
    ]);
  }
  return resolve(out);
}

/** Writes lines to `path` atomically; returns the number of lines written. */
export async function writeAtomically(path: string, lines: AsyncIterable<string>): Promise<number> {
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  let count = 0;
  try {
    for await (const line of lines) {
      if (!out.write(line)) await once(out, "drain");
      count++;
    }
    out.end();
    await once(out, "finish");
    await rename(tmp, path);
    return count;
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}
