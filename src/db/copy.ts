/**
 * COPY … FROM STDIN in PostgreSQL's text format, shared by the repositories
 * that bulk-load (import, linkage, scoring).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { isCouncilOnlySource } from "../domain/policy/index.ts";
import { APP_ROLE, currentDataScope, runsAsOwner } from "./scope.ts";

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
  options: { readonly direct?: boolean } = {},
): Promise<void> {
  const m = COPY_STATEMENT.exec(statement);
  if (!m) throw new Error(`copyLines: not a COPY … FROM STDIN statement: ${statement}`);
  const table = m[1] as string;
  const columns = m[2] as string;
  const source =
    Symbol.asyncIterator in lines
      ? Readable.from(lines as AsyncIterable<string>)
      : Readable.from(chunks(lines as Iterable<string>));
  if (options.direct === true) {
    // Inside bypassingRowSecurity (below): straight into the table.
    await pipeline(source, client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
    return;
  }
  const staging = `${table}_staging`;
  await client.query(`CREATE TEMP TABLE ${staging} (LIKE ${table}) ON COMMIT DROP`);
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

/**
 * Whether the connection's login role bypasses row-level security (a
 * superuser or BYPASSRLS role: the embedded server's owner). Only then can
 * {@link bypassingRowSecurity} COPY straight into a table with row security.
 */
export async function sessionBypassesRowSecurity(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query<{ bypass: boolean }>(
    "SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = session_user",
  );
  return r.rows[0]?.bypass === true;
}

/**
 * Runs `fn` (direct COPYs of a bulk load, issue 15) as the login role instead
 * of the app role, for the rest of the transaction's statements it sends,
 * then returns to `role`. Writing through a staging table and INSERT … SELECT
 * doubles the database's work for a run's millions of rows; a direct COPY is
 * refused under row-level security, so the policies do not check these rows:
 * the caller must have checked every line against the scope itself (the
 * municipality, council-only sources) — see saveLinkRun and saveScoreRun.
 * Must run inside the client's transaction, and only when
 * {@link sessionBypassesRowSecurity}.
 */
export async function bypassingRowSecurity<T>(
  client: pg.ClientBase,
  role: string | null,
  fn: () => Promise<T>,
): Promise<T> {
  await client.query("SET LOCAL ROLE NONE");
  const result = await fn();
  // A failure above aborts the transaction (rolled back by the caller): nothing to restore.
  if (role !== null) await client.query(`SET LOCAL ROLE ${role}`);
  return result;
}

/** How a bulk load writes its rows: see {@link bulkWriter}. */
export interface BulkWriter {
  /** True when the lines go straight into the tables (no staging table). */
  readonly direct: boolean;
  /** copyLines, directly when allowed. */
  copy(statement: string, lines: Iterable<string> | AsyncIterable<string>): Promise<void>;
  /**
   * Throws unless the current scope may write a row of `sourceId` (council-only
   * sources: council members only) — the check migration 0040's policy makes
   * on link_record, made here for rows that bypass it.
   */
  checkSource(sourceId: string): void;
}

/**
 * The writer of a run's bulk load on `client` (inside its scoped transaction)
 * for `municipalityId`: direct COPYs when the login role bypasses row-level
 * security (after checking the run is the scope's municipality; every line the
 * caller writes carries that municipality id), else through staging tables
 * under the app role's policies.
 */
export async function bulkWriter(
  client: pg.ClientBase,
  municipalityId: number,
): Promise<BulkWriter> {
  const owner = runsAsOwner();
  const scope = currentDataScope();
  const direct = await sessionBypassesRowSecurity(client);
  if (direct && !owner && scope?.municipalityId !== municipalityId)
    throw new Error(
      `bulk load for municipality ${municipalityId} outside its scope (${scope?.municipalityId ?? "none"})`,
    );
  const council = owner || scope?.council === true;
  return {
    direct,
    copy: (statement, lines) =>
      direct
        ? bypassingRowSecurity(client, owner ? null : APP_ROLE, () =>
            copyLines(client, statement, lines, { direct: true }),
          )
        : copyLines(client, statement, lines),
    checkSource(sourceId) {
      if (direct && !council && isCouncilOnlySource(sourceId))
        throw new Error(`a council-only row (${sourceId}) outside a council scope`);
    },
  };
}
