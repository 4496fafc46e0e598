/**
 * COPY … FROM STDIN in PostgreSQL's text format, shared by the repositories
 * that bulk-load (import, linkage, scoring), and COPY (query) TO STDOUT for
 * the monthly run's bulk reads.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
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

/** `n` as SQL text when it is a safe integer (COPY takes no bind parameters); throws otherwise. */
export function integer(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${String(n)}`);
  return String(n);
}

/**
 * Planner settings of the transaction of an ordered bulk read (scoring.repository.ts streamLinkedRows,
 * import.repository.ts streamRowValues): the order must come from the primary keys —
 * a merge join of two index scans — whatever the statistics say.
 */
export const ORDERED_READ =
  "SET LOCAL enable_hashjoin = off; SET LOCAL enable_nestloop = off; SET LOCAL enable_sort = off";

const COPY_UNESCAPES = /\\(.)/g;
const COPY_UNESCAPED: Readonly<Record<string, string>> = {
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** One field of COPY's text output: null for \N, escapes undone (the inverse of {@link copyCell}). */
export function copyField(s: string): string | null {
  if (s === "\\N") return null;
  return s.includes("\\") ? s.replace(COPY_UNESCAPES, (_, c: string) => COPY_UNESCAPED[c] ?? c) : s;
}

/**
 * A function returning one flat copy of each distinct text it is given. A field
 * {@link copyOut} yields is a slice of the chunk it arrived in (V8 keeps a slice of 13
 * characters or more as a view of its parent string), so a field kept for the rest of a
 * run would keep its whole chunk alive — every chunk, when each row keeps one (source
 * ids, file names). Repeated values kept through this are held once, and flat.
 */
export function interner(): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    let v = seen.get(s);
    if (v === undefined) {
      v = JSON.parse(JSON.stringify(s)) as string;
      seen.set(v, v);
    }
    return v;
  };
}

/**
 * The rows of `statement` (`COPY (SELECT …) TO STDOUT`, text format) on `client`, as
 * arrays of fields ({@link copyField}), a batch per chunk the server sends: {@link copyOutFlat}
 * with one array per row, for callers that keep rows as arrays (tests, small reads).
 */
export async function* copyOut(
  client: pg.ClientBase,
  statement: string,
): AsyncGenerator<(string | null)[][]> {
  let width = -1;
  for await (const batch of copyOutFlat(client, statement, (w) => (width = w))) {
    const rows: (string | null)[][] = [];
    for (let at = 0; at < batch.length; at += width) rows.push(batch.slice(at, at + width));
    yield rows;
  }
}

/**
 * The fields of `statement`'s rows (`COPY (SELECT …) TO STDOUT`, text format) on `client`,
 * a batch per chunk the server sends, each batch one flat array: row `i`'s field `j` is
 * `batch[i * width + j]` ({@link copyField}: null for \N, escapes undone; slices of the
 * chunk: see {@link interner} before keeping one). `onWidth` is told the number of fields
 * of a row once, before the first batch; every row must have that many (else this throws).
 *
 * Against paged SELECTs (issue 15, the monthly run's reads): one statement, no per-row
 * result objects, one UTF-8 decode per chunk, and rows are handed on as they arrive, so
 * nothing but the caller's own state outlives a chunk. No array per row either (a
 * `split("\t")` per row and a `map` of it were two arrays per row, ~7 % of the reads' Node
 * CPU): the fields are cut out of the chunk with indexOf. The caller checks the statement's
 * literals (COPY takes no bind parameters) and runs it in its scoped transaction:
 * row-level security applies to the query as to any SELECT.
 */
export async function* copyOutFlat(
  client: pg.ClientBase,
  statement: string,
  onWidth?: (width: number) => void,
): AsyncGenerator<(string | null)[]> {
  const stream = client.query(copyTo(statement));
  const decoder = new TextDecoder();
  let rest = "";
  let width = -1;
  for await (const chunk of stream) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    const fields: (string | null)[] = [];
    let start = 0;
    // The next tab at or after the current field (-1: none left in this text), kept across
    // rows so that a row's last field does not search the rest of the chunk again.
    let tab = text.indexOf("\t");
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const before = fields.length;
      let at = start;
      while (tab !== -1 && tab < nl) {
        fields.push(copyField(text.slice(at, tab)));
        at = tab + 1;
        tab = text.indexOf("\t", at);
      }
      fields.push(copyField(text.slice(at, nl)));
      if (width === -1) {
        width = fields.length - before;
        onWidth?.(width);
      } else if (fields.length - before !== width)
        throw new Error(`COPY TO: a row of ${fields.length - before} fields, not ${width}`);
      start = nl + 1;
    }
    rest = text.slice(start);
    if (fields.length > 0) yield fields;
  }
  rest += decoder.decode();
  if (rest !== "") throw new Error("COPY TO: output ended inside a row");
}

const COPY_STATEMENT = /^COPY (\w+) \(([\w, ]+)\) FROM STDIN$/;

/**
 * What a bulk load sends: lines of COPY text (each ending in \n), as strings or as bytes
 * (UTF-8; a byte chunk holds whole lines). Bytes spare the writer a string per line where it
 * can write the line's characters itself (link_identity from the packed anchors).
 */
export type CopyChunk = string | Uint8Array;
/** The lines of one COPY, sync or async. */
export type CopyInput = Iterable<CopyChunk> | AsyncIterable<CopyChunk>;

/**
 * Streams `lines` (each ending in \n) into `statement` (`COPY table (columns)
 * FROM STDIN`) on `client`, in 64 KiB chunks.
 *
 * PostgreSQL refuses COPY FROM into a table with row-level security for a
 * role subject to it (the app role, scope.ts). So the lines go into a
 * temporary table of the same shape (no RLS, no WAL), and one INSERT … SELECT
 * moves them into the table, where the policies check every row (WITH CHECK).
 * With `run`, migration 0094's function moves them instead where it may (then
 * true: the per-row foreign-key look-ups were skipped, see below).
 * Must run inside the client's transaction.
 */
export async function copyLines(
  client: pg.ClientBase,
  statement: string,
  lines: CopyInput,
  options: {
    readonly direct?: boolean;
    readonly options?: "FREEZE";
    /** The staged rows are this run's: moved by migration 0094's function when it may (below). */
    readonly run?: RunReference;
  } = {},
): Promise<boolean> {
  const m = COPY_STATEMENT.exec(statement);
  if (!m) throw new Error(`copyLines: not a COPY … FROM STDIN statement: ${statement}`);
  const table = m[1] as string;
  const columns = m[2] as string;
  const source =
    Symbol.asyncIterator in lines
      ? Readable.from(lines as AsyncIterable<CopyChunk>)
      : Readable.from(chunks(lines as Iterable<CopyChunk>));
  if (options.direct === true) {
    // Inside bypassingRowSecurity (below): straight into the table.
    const withOptions = options.options === undefined ? "" : ` WITH (${options.options})`;
    await pipeline(
      source,
      client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN${withOptions}`)),
    );
    return false;
  }
  const staging = `${table}_staging`;
  await client.query(`CREATE TEMP TABLE ${staging} (LIKE ${table}) ON COMMIT DROP`);
  await pipeline(source, client.query(copyFrom(`COPY ${staging} (${columns}) FROM STDIN`)));
  if (options.run !== undefined) {
    // A run's rows on a login subject to the policies (a run started from the web): 0094's
    // SECURITY DEFINER function inserts them as the owner's path does, without a foreign-key
    // look-up per row, every row checked against the run, the municipality and the policies;
    // false where it may not (no superuser owner, other triggers): then the INSERT below.
    const r = await client.query<{ moved: boolean }>(
      "SELECT mimamori_insert_run_rows($1, $2, $3, $4) AS moved",
      [table, options.run.table, options.run.id, columns.split(/,\s*/)],
    );
    if (r.rows[0]?.moved === true) {
      await client.query(`DROP TABLE ${staging}`);
      return true;
    }
  }
  await client.query(
    `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM ${staging}; DROP TABLE ${staging}`,
  );
  return false;
}

function* chunks(lines: Iterable<CopyChunk>): Generator<CopyChunk> {
  let buf = "";
  for (const line of lines) {
    if (typeof line !== "string") {
      // Bytes are chunks already: passed on as they are, after the text before them.
      if (buf !== "") yield buf;
      buf = "";
      yield line;
      continue;
    }
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
  /** copyLines, directly when allowed (and without per-row foreign-key checks when proven safe). */
  copy(statement: string, lines: CopyInput): Promise<void>;
  /**
   * Throws unless the current scope may write a row of `sourceId` (council-only
   * sources: council members only) — the check migration 0040's policy makes
   * on link_record, made here for rows that bypass it.
   */
  checkSource(sourceId: string): void;
  /** Tables whose load skipped the per-row foreign-key triggers (tests, benchmarks). */
  readonly unchecked: ReadonlySet<string>;
}

/** The run row every line of a run's bulk load refers to: `(run_id) REFERENCES table (id)`. */
export interface RunReference {
  readonly table: "link_run" | "score_run";
  readonly id: number;
}

/**
 * The writer of a run's bulk load on `client` (inside its scoped transaction)
 * for `municipalityId`: direct COPYs when the login role bypasses row-level
 * security (after checking the run is the scope's municipality; every line the
 * caller writes carries that municipality id), else through staging tables
 * under the app role's policies.
 *
 * With `run` (the run row the lines belong to, inserted earlier in the same
 * transaction) and a superuser login, a direct COPY also skips PostgreSQL's
 * per-row foreign-key checks (`SET LOCAL session_replication_role = replica`
 * around that COPY only, issue 15), when {@link foreignKeysCheckedInCode}
 * proves the table's only triggers are foreign keys `(run_id) REFERENCES
 * run.table (id)`: then the writer checks the one referential fact itself —
 * the run row exists, and every line starts with `run_id<TAB>municipality_id`
 * of this run — and refuses the load otherwise.
 */
export async function bulkWriter(
  client: pg.ClientBase,
  municipalityId: number,
  run?: RunReference,
): Promise<BulkWriter> {
  const owner = runsAsOwner();
  const scope = currentDataScope();
  const session = await sessionRights(client);
  const direct = session.bypass;
  if (direct && !owner && scope?.municipalityId !== municipalityId)
    throw new Error(
      `bulk load for municipality ${municipalityId} outside its scope (${scope?.municipalityId ?? "none"})`,
    );
  const council = owner || scope?.council === true;
  const unchecked = new Set<string>();
  let runChecked = false;
  const copyDirect = (statement: string, lines: CopyInput) =>
    bypassingRowSecurity(client, owner ? null : APP_ROLE, async () => {
      const table = COPY_STATEMENT.exec(statement)?.[1];
      const skip =
        run !== undefined &&
        session.superuser &&
        table !== undefined &&
        statement.includes(`${table} (run_id, municipality_id, `) &&
        (await foreignKeysCheckedInCode(client, table, run.table));
      if (!skip || run === undefined || table === undefined) {
        await copyLines(client, statement, lines, { direct: true });
        return;
      }
      if (!runChecked) {
        // The one fact the skipped triggers would check: the run row is there (this transaction's).
        const r = await client.query(
          `SELECT 1 FROM ${run.table} WHERE id = $1 AND municipality_id = $2`,
          [run.id, municipalityId],
        );
        if (r.rowCount !== 1)
          throw new Error(`bulk load for ${run.table} ${run.id}: no such run of the municipality`);
        runChecked = true;
      }
      const prefix = `${run.id}\t${municipalityId}\t`;
      await client.query("SET LOCAL session_replication_role = replica");
      await copyLines(client, statement, checkedLines(lines, prefix, table), { direct: true });
      await client.query("SET LOCAL session_replication_role = origin");
      unchecked.add(table);
    });
  return {
    direct,
    unchecked,
    copy: (statement, lines) =>
      direct
        ? copyDirect(statement, lines)
        : copyLines(client, statement, lines, { run }).then((skipped) => {
            if (skipped) unchecked.add(COPY_STATEMENT.exec(statement)?.[1] as string);
          }),
    checkSource(sourceId) {
      if (direct && !council && isCouncilOnlySource(sourceId))
        throw new Error(`a council-only row (${sourceId}) outside a council scope`);
    },
  };
}

/** Whether the login role bypasses row security, and whether it is a superuser. */
async function sessionRights(
  client: pg.ClientBase,
): Promise<{ bypass: boolean; superuser: boolean }> {
  const r = await client.query<{ bypass: boolean; superuser: boolean }>(
    "SELECT rolsuper OR rolbypassrls AS bypass, rolsuper AS superuser FROM pg_roles WHERE rolname = session_user",
  );
  return { bypass: r.rows[0]?.bypass === true, superuser: r.rows[0]?.superuser === true };
}

/**
 * `lines`, each checked to begin with `prefix` (run id and municipality) before it is
 * sent. Sync input stays sync, so copyLines still sends it in 64 KiB chunks (an async
 * generator of single lines would become one COPY message per line).
 */
export function checkedLines(lines: CopyInput, prefix: string, table: string): CopyInput {
  const refuse = () => {
    throw new Error(`bulk load into ${table}: a line of another run or municipality`);
  };
  const bytes = Buffer.from(prefix, "utf8");
  const check = (chunk: CopyChunk) => {
    // A chunk may hold several lines (import batches): check each line's start.
    let at = 0;
    if (typeof chunk === "string") {
      while (at < chunk.length) {
        if (!chunk.startsWith(prefix, at)) refuse();
        const end = chunk.indexOf("\n", at);
        at = end === -1 ? chunk.length : end + 1;
      }
      return chunk;
    }
    const b = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (at < b.length) {
      if (
        at + bytes.length > b.length ||
        b.compare(bytes, 0, bytes.length, at, at + bytes.length) !== 0
      )
        refuse();
      const end = b.indexOf(10, at);
      at = end === -1 ? b.length : end + 1;
    }
    return chunk;
  };
  if (Symbol.asyncIterator in lines)
    return (async function* () {
      for await (const chunk of lines as AsyncIterable<CopyChunk>) yield check(chunk);
    })();
  return (function* () {
    for (const chunk of lines as Iterable<CopyChunk>) yield check(chunk);
  })();
}

/**
 * True when the only triggers on `table` are PostgreSQL's foreign-key checks of
 * `(run_id) REFERENCES runTable (id)` (or `(run_id, municipality_id)
 * REFERENCES runTable (id, municipality_id)`, as migration 0096 widens it) and
 * `(municipality_id) REFERENCES municipality (id)` — so `session_replication_role = replica`, which disables
 * every ordinary trigger, skips nothing but the checks {@link bulkWriter}
 * makes itself (the run row of the municipality exists, and the run row's own
 * foreign key proves the municipality does). Any other trigger or foreign key
 * (one added by a later migration) makes it false: the COPY keeps every check.
 * Triggers that do not fire on INSERT (0093's NOTIFY on UPDATE / DELETE /
 * TRUNCATE) are not counted: a COPY would not fire them anyway.
 */
export async function foreignKeysCheckedInCode(
  client: pg.ClientBase,
  table: string,
  runTable: string,
): Promise<boolean> {
  const r = await client.query<{ other_triggers: number; other_keys: number; keys: number }>(
    `WITH fk AS (
       SELECT k.oid, k.confrelid,
              -- referencing=referenced column pairs, sorted
              (SELECT array_agg(a.attname::text || '=' || r.attname::text
                                ORDER BY a.attname::text || '=' || r.attname::text)
                 FROM unnest(k.conkey, k.confkey) AS u(c, f)
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.c
                 JOIN pg_attribute r ON r.attrelid = k.confrelid AND r.attnum = u.f) AS pairs
       FROM pg_constraint k WHERE k.conrelid = $1::regclass AND k.contype = 'f')
     SELECT
       (SELECT count(*)::int FROM pg_trigger t
         WHERE t.tgrelid = $1::regclass
           AND (NOT t.tgisinternal OR t.tgconstraint NOT IN (SELECT oid FROM fk))
           -- only triggers that fire on INSERT (tgtype bit 4) matter to a COPY: the
           -- cache NOTIFY triggers of 0093 watch UPDATE / DELETE / TRUNCATE
           AND (t.tgtype::int & 4) <> 0) AS other_triggers,
       (SELECT count(*)::int FROM fk
         WHERE NOT (
           (confrelid = $2::regclass
            AND pairs IN ('{run_id=id}', '{municipality_id=municipality_id,run_id=id}'))
           OR (confrelid = 'municipality'::regclass AND pairs = '{municipality_id=id}')))
         AS other_keys,
       (SELECT count(*)::int FROM fk) AS keys`,
    [table, runTable],
  );
  const row = r.rows[0];
  return row !== undefined && row.other_triggers === 0 && row.other_keys === 0 && row.keys > 0;
}
