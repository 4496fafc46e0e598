/**
 * Writing the `export …` CSV files of cli.md: RFC 4180 lines, written under a
 * temporary name and renamed into place so a file is never half-written.
 */
import { once } from "node:events";
import { open, rename, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { createAuditRepository } from "../db/audit.repository.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { spreadsheetSafe } from "../domain/csv-safety.ts";
import { MimamoriError } from "../domain/errors.ts";
import { quoteCsvField } from "../ingest/csv.ts";
import { parseCommandArgs } from "./args.ts";
import type { GlobalOptions } from "./command.ts";
import { enterMunicipality, resolveMunicipality } from "./municipality.ts";

/**
 * One CSV line (with its newline); null is an empty cell. Text cells are
 * guarded against formula injection (domain/csv-safety.ts); numbers are not.
 */
export const csvLine = (cells: readonly (string | number | null)[]): string =>
  `${cells
    .map((c) =>
      quoteCsvField(c === null ? "" : typeof c === "number" ? String(c) : spreadsheetSafe(c)),
    )
    .join(",")}\n`;

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
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // Opened before streaming, so a missing folder is one Japanese error, not
    // an unhandled 'error' event of the stream that crashes the process.
    handle = await open(tmp, "w");
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `出力ファイル「${path}」を書けません。フォルダがあるか、書き込みの権限があるかを確認してください。`,
      [],
      e,
    );
  }
  const out = handle.createWriteStream();
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

/** What one export produces once the database is open. */
export interface ExportPlan {
  /** The CSV lines, header first. */
  readonly lines: AsyncIterable<string>;
  /** Audit target, e.g. `link_run:3`. */
  readonly target: string;
  /** Japanese description of the run for the closing message, e.g. 名寄せ実行番号 3、基準日 …. */
  readonly describe: string;
  /**
   * The persons the file discloses, filled while `lines` is read: recorded
   * with the audit row (audit_disclosure, issue 12), so the per-person report
   * ("who looked at this child") finds the export.
   */
  readonly disclosed?: ReadonlySet<string>;
}

/**
 * The shell every `export …` command shares: parse `--out`, open the database,
 * let `plan` pick the run and its lines, write atomically, audit `export.<what>`
 * (row count; the disclosed persons in audit_disclosure) and say what was written.
 */
export async function runExport(
  args: string[],
  globals: GlobalOptions,
  usage: string,
  what: string,
  plan: (db: Database, municipalityId: number) => Promise<ExportPlan>,
): Promise<number> {
  const { values } = parseCommandArgs(args, { out: { type: "string" } }, usage);
  const path = outPath(values.out, usage);
  const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
  try {
    const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
    const p = await plan(opened.db, municipalityId);
    const written = (await writeAtomically(path, p.lines)) - 1;
    const entry = {
      municipalityId,
      actorUserId: null,
      actor: "cli",
      action: `export.${what}`,
      target: p.target,
      detail: { rows: written },
    };
    const audit = createAuditRepository(opened.db);
    // The CLI runs in the council scope (systemScope): its exports link to children for members only.
    if (p.disclosed) await audit.appendDisclosure(entry, { persons: p.disclosed, council: true });
    else await audit.append(entry);
    process.stderr.write(
      `${path} に ${written.toLocaleString("ja-JP")} 行を書き出しました（${p.describe}）。\n`,
    );
    return 0;
  } finally {
    await opened.close();
  }
}
