/**
 * Import snapshots and rows (0002-import). Reads go through Kysely; the write
 * of one file is a single transaction on a dedicated pg client, because COPY
 * (pg-copy-streams) needs the raw connection and the snapshot row, its rows
 * and the supersede step must commit or vanish together.
 */
import { sql } from "kysely";
import pg from "pg";
import { isCouncilOnlySource } from "../domain/policy/index.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import type { RowError, Value } from "../domain/validate.ts";
import { bulkWriter, copyOutFlat, copyText, integer, interner, ORDERED_READ } from "./copy.ts";
import type { Database } from "./database.ts";
import { jsonFieldReader } from "./json-fields.ts";
import { beginScoped } from "./scope.ts";
import { scopedStream } from "./scoped-driver.ts";

export interface SnapshotSummary {
  readonly id: number;
  readonly sourceId: SourceId;
  readonly version: number;
  readonly asOf: IsoDate | null;
  readonly fileName: string;
  readonly contentHash: string;
  readonly format: string;
  readonly encoding: string | null;
  readonly manual: boolean;
  readonly rowsRead: number;
  readonly rowsStored: number;
  readonly rowsRejected: number;
  readonly importedAt: Date;
  readonly actor: string;
  readonly supersededBy: number | null;
}

/** A stored (valid) row's values (streamStoredRows). */
export interface StoredValues {
  readonly snapshotId: number;
  readonly rowNo: number;
  readonly asOf: IsoDate;
  /** Normalised values keyed by canonical column name (absent = blank). */
  readonly data: Readonly<Record<string, Value>>;
}

/** Some columns of a stored (valid) row, as the link stage reads them (streamRowFields). */
export interface StoredFields {
  readonly snapshotId: number;
  readonly rowNo: number;
  readonly asOf: IsoDate;
  /** The values of the columns asked for, in their order; null where blank. */
  readonly values: readonly Value[];
}

/** A stored (valid) row, as runs read it. */
export interface StoredRow extends StoredValues {
  readonly lineNo: number;
  /** The row as written, a CSV record in the snapshot's header order (ingest/csv.ts `parseCsvRecord` splits it). */
  readonly raw: string;
}

export interface RejectedRow {
  readonly snapshotId: number;
  readonly rowNo: number;
  readonly lineNo: number;
  readonly errors: readonly RowError[];
  /** The row as written (a CSV record). */
  readonly raw: string;
}

function snapshotColumns() {
  return [
    "id",
    "source_id",
    "version",
    sql<string | null>`to_char(as_of, 'YYYY-MM-DD')`.as("as_of"),
    "file_name",
    "content_hash",
    "format",
    "encoding",
    "manual",
    "rows_read",
    "rows_stored",
    "rows_rejected",
    "imported_at",
    "actor",
    "superseded_by",
  ] as const;
}

interface SnapshotRow {
  id: number;
  source_id: string;
  version: number;
  as_of: string | null;
  file_name: string;
  content_hash: string;
  format: string;
  encoding: string | null;
  manual: boolean;
  rows_read: number;
  rows_stored: number;
  rows_rejected: number;
  imported_at: Date;
  actor: string;
  superseded_by: number | null;
}

function toSummary(r: SnapshotRow): SnapshotSummary {
  return {
    id: r.id,
    sourceId: r.source_id as SourceId,
    version: r.version,
    asOf: r.as_of as IsoDate | null,
    fileName: r.file_name,
    contentHash: r.content_hash,
    format: r.format,
    encoding: r.encoding,
    manual: r.manual,
    rowsRead: r.rows_read,
    rowsStored: r.rows_stored,
    rowsRejected: r.rows_rejected,
    importedAt: r.imported_at,
    actor: r.actor,
    supersededBy: r.superseded_by,
  };
}

/**
 * The query of {@link createImportRepository}'s streamRowFields (the link read) for one
 * snapshot: its stored rows in row order. Exported for the plan test (db/run-statistics.test.ts:
 * the run analyzes import_row while this read runs, so its plan must not need the statistics).
 */
export function rowFieldsQuery(municipalityId: number, snapshotId: number): string {
  // The 抽出日 as the date itself, ISO text under the read's `DateStyle = ISO`: to_char per
  // row was about a third of the statement's PostgreSQL CPU (city seed 1: 330–430 → 210–250 ms).
  return `SELECT row_no, as_of, data FROM import_row
          WHERE municipality_id = ${integer(municipalityId)} AND snapshot_id = ${integer(snapshotId)}
            AND data IS NOT NULL
          ORDER BY row_no`;
}

export function createImportRepository(db: Database) {
  async function* storedRowPages(
    municipalityId: number,
    snapshotId: number,
    pageSize: number,
  ): AsyncGenerator<StoredRow[]> {
    const last = await db
      .selectFrom("import_row")
      .select((eb) => eb.fn.max("row_no").as("last_row"))
      .where("snapshot_id", "=", snapshotId)
      .executeTakeFirst();
    const lastRow = last?.last_row ?? 0;
    for (let from = 1; from <= lastRow; from += pageSize) {
      const page = await db
        .selectFrom("import_row")
        .where("municipality_id", "=", municipalityId)
        .where("snapshot_id", "=", snapshotId)
        .where("data", "is not", null)
        .where("row_no", ">=", from)
        .where("row_no", "<", from + pageSize)
        .orderBy("row_no")
        .select([
          "row_no",
          "line_no",
          sql<string>`to_char(as_of, 'YYYY-MM-DD')`.as("as_of"),
          "data",
          "raw",
        ])
        .execute();
      if (page.length === 0) continue;
      yield page.map((r) => ({
        snapshotId,
        rowNo: r.row_no,
        lineNo: r.line_no,
        asOf: r.as_of as IsoDate,
        data: r.data as Record<string, Value>,
        raw: r.raw,
      }));
    }
  }

  return {
    /** Every snapshot of a municipality (optionally one source), newest first. */
    async listSnapshots(
      municipalityId: number,
      options: { sourceId?: SourceId } = {},
    ): Promise<SnapshotSummary[]> {
      let q = db
        .selectFrom("import_snapshot")
        .select(snapshotColumns())
        .where("municipality_id", "=", municipalityId)
        .orderBy("id", "desc");
      if (options.sourceId !== undefined) q = q.where("source_id", "=", options.sourceId);
      return (await q.execute()).map(toSummary);
    },

    async findSnapshot(municipalityId: number, id: number): Promise<SnapshotSummary | undefined> {
      const r = await db
        .selectFrom("import_snapshot")
        .select(snapshotColumns())
        .where("municipality_id", "=", municipalityId)
        .where("id", "=", id)
        .executeTakeFirst();
      return r && toSummary(r);
    },

    /**
     * What a run uses: for each source, the snapshots with the newest as-of
     * date on or before `asOf` (default: any), leaving out superseded ones.
     * Several files of one source with the same 抽出日 (one per school) are
     * all current together. Manual entries add to what is there: every
     * manual entry not corrected (superseded) with a 抽出日 on or before
     * `asOf` is current, whatever the files' dates (issue 16).
     */
    async currentSnapshots(
      municipalityId: number,
      options: { asOf?: IsoDate; sourceId?: SourceId } = {},
    ): Promise<SnapshotSummary[]> {
      const limit = options.asOf ?? "infinity";
      const rows = await sql<SnapshotRow>`
        SELECT s.id, s.source_id, s.version, to_char(s.as_of, 'YYYY-MM-DD') AS as_of, s.file_name,
               s.content_hash, s.format, s.encoding, s.manual, s.rows_read, s.rows_stored,
               s.rows_rejected, s.imported_at, s.actor, s.superseded_by
        FROM import_snapshot s
        WHERE s.municipality_id = ${municipalityId}
          AND s.superseded_by IS NULL
          AND (${options.sourceId ?? null}::text IS NULL OR s.source_id = ${options.sourceId ?? null})
          AND s.as_of <= ${limit}::date
          AND (s.manual OR s.as_of = (
            SELECT max(o.as_of) FROM import_snapshot o
            WHERE o.municipality_id = s.municipality_id AND o.source_id = s.source_id
              AND o.superseded_by IS NULL AND NOT o.manual AND o.as_of <= ${limit}::date))
        ORDER BY s.source_id, s.id`.execute(db);
      return rows.rows.map(toSummary);
    },

    /** The newest as-of date among current imports (the default as-of of a run). */
    async newestAsOf(municipalityId: number): Promise<IsoDate | undefined> {
      const r = await db
        .selectFrom("import_snapshot")
        .select(sql<string | null>`to_char(max(as_of), 'YYYY-MM-DD')`.as("as_of"))
        .where("municipality_id", "=", municipalityId)
        .where("superseded_by", "is", null)
        .executeTakeFirst();
      return (r?.as_of ?? undefined) as IsoDate | undefined;
    },

    /**
     * The stored rows of some snapshots, in (snapshot, row) order, in pages of
     * at most `pageSize` so a run never holds a million rows' JSON at once.
     * Pages are row-number ranges, not "the next N after row r": right after a
     * COPY the table has no statistics, and PostgreSQL answered a keyset page
     * by sorting every remaining row of the snapshot — reading a metro run's
     * 3.1 M rows took 124 s against 3.1 s for a city's 0.3 M.
     */
    async *streamStoredRows(
      municipalityId: number,
      snapshotIds: readonly number[],
      pageSize = 10_000,
    ): AsyncGenerator<StoredRow[]> {
      for (const snapshotId of snapshotIds)
        for await (const page of storedRowPages(municipalityId, snapshotId, pageSize)) yield page;
    },

    /**
     * What 名寄せ reads of the stored rows of one snapshot: row number, 抽出日
     * and the values of `columns`, in row order — without the row as written (`raw`, about
     * half of a row's bytes) and its line number, which the link stage never uses, and
     * without the row's other columns: the JSON is scanned for `columns` only
     * (db/json-fields.ts; JSON.parse of every row was about a third of the read's Node CPU),
     * and parsed whole only when it is not in the import's plain form.
     * One `COPY (SELECT …) TO STDOUT` (issue 15, db/copy.ts `copyOut`), in
     * batches as the server sends them: against pages of result objects about
     * half of Node's CPU for the read. The order comes from the primary key;
     * sorts are off in its transaction so that no plan made without statistics
     * (right after the import's COPY) sorts the snapshot instead.
     */
    async *streamRowFields(
      municipalityId: number,
      snapshotId: number,
      columns: readonly string[],
    ): AsyncGenerator<StoredFields[]> {
      const intern = interner();
      const read = jsonFieldReader(columns);
      yield* scopedStream(db, async function* (client) {
        await client.query(`${ORDERED_READ}; SET LOCAL DateStyle = ISO`);
        const statement = `COPY (${rowFieldsQuery(municipalityId, snapshotId)}) TO STDOUT`;
        for await (const f of copyOutFlat(client, statement)) {
          const rows: StoredFields[] = new Array(f.length / 3);
          for (let i = 0, at = 0; at < f.length; i++, at += 3) {
            const text = f[at + 2] as string;
            const values: Value[] = new Array(columns.length).fill(null);
            if (!read(text, values)) {
              const data = JSON.parse(text) as Record<string, Value>;
              for (let i = 0; i < columns.length; i++) {
                const c = columns[i] as string;
                values[i] = Object.hasOwn(data, c) ? (data[c] as Value) : null;
              }
            }
            rows[i] = {
              snapshotId,
              rowNo: Number(f[at]),
              asOf: intern(f[at + 1] as string) as IsoDate,
              values,
            };
          }
          yield rows;
        }
      });
    },

    /** Bytes PostgreSQL holds for all imported rows (table, TOAST and indexes), for sizing. */
    async rowStorageBytes(): Promise<number> {
      const r = await sql<{ n: string }>`SELECT pg_total_relation_size('import_row') AS n`.execute(
        db,
      );
      return Number(r.rows[0]?.n ?? 0);
    },

    /** Every replacement of a municipality (optionally one source's), newest first (import history). */
    async listReplacements(
      municipalityId: number,
      options: { sourceId?: SourceId } = {},
    ): Promise<Replacement[]> {
      let q = db
        .selectFrom("import_replacement as r")
        .innerJoin("import_snapshot as n", (j) =>
          j
            .onRef("n.id", "=", "r.snapshot_id")
            .onRef("n.municipality_id", "=", "r.municipality_id"),
        )
        .select([
          "r.id",
          "r.snapshot_id",
          "r.replaced_snapshot_id",
          "r.kind",
          "r.replaced_at",
          "r.actor",
          "r.undone_at",
          "r.undone_by",
        ])
        .where("r.municipality_id", "=", municipalityId)
        .orderBy("r.id", "desc");
      if (options.sourceId !== undefined) q = q.where("n.source_id", "=", options.sourceId);
      return (await q.execute()).map((r) => ({
        id: r.id,
        snapshotId: r.snapshot_id,
        replacedSnapshotId: r.replaced_snapshot_id,
        kind: r.kind,
        replacedAt: r.replaced_at,
        actor: r.actor,
        undoneAt: r.undone_at,
        undoneBy: r.undone_by,
      }));
    },

    /**
     * Undoes the replacements that `snapshotId` made: the snapshots it
     * replaced are current again and `snapshotId` itself is no longer current
     * (superseded by the first of them), in one transaction under the source's
     * import lock. Only while `snapshotId` is still current. Returns the
     * restored snapshots, or a reason it cannot be done.
     */
    async undoReplacement(
      municipalityId: number,
      snapshotId: number,
      actor: string,
    ): Promise<
      | { ok: true; sourceId: SourceId; restored: ReplacedSnapshot[] }
      | { ok: false; reason: "not_found" | "not_current" | "nothing_replaced" }
    > {
      return db.transaction().execute(async (trx) => {
        const snap = await trx
          .selectFrom("import_snapshot")
          .select(["id", "source_id", "superseded_by"])
          .where("municipality_id", "=", municipalityId)
          .where("id", "=", snapshotId)
          .executeTakeFirst();
        if (!snap) return { ok: false, reason: "not_found" } as const;
        await sql`SELECT pg_advisory_xact_lock(hashtext('mimamori.import'), hashtext(${`${municipalityId}/${snap.source_id}`}))`.execute(
          trx,
        );
        const locked = await trx
          .selectFrom("import_snapshot")
          .select(["superseded_by"])
          .where("id", "=", snapshotId)
          .forUpdate()
          .executeTakeFirstOrThrow();
        if (locked.superseded_by !== null) return { ok: false, reason: "not_current" } as const;
        const open = await trx
          .selectFrom("import_replacement")
          .select(["id", "replaced_snapshot_id"])
          .where("snapshot_id", "=", snapshotId)
          .where("undone_at", "is", null)
          .orderBy("replaced_snapshot_id")
          .execute();
        if (open.length === 0) return { ok: false, reason: "nothing_replaced" } as const;
        const ids = open.map((r) => r.replaced_snapshot_id);
        const restored = await sql<ReplacedRow>`
          UPDATE import_snapshot SET superseded_by = NULL
          WHERE municipality_id = ${municipalityId} AND superseded_by = ${snapshotId}
            AND id = ANY(${ids}::int[])
          RETURNING id, version, file_name, to_char(as_of, 'YYYY-MM-DD') AS as_of, rows_stored,
                    rows_rejected, imported_at, actor, manual`.execute(trx);
        await trx
          .updateTable("import_snapshot")
          .set({ superseded_by: ids[0] as number })
          .where("id", "=", snapshotId)
          .execute();
        await trx
          .updateTable("import_replacement")
          .set({ undone_at: sql`now()`, undone_by: actor })
          .where(
            "id",
            "in",
            open.map((r) => r.id),
          )
          .execute();
        return {
          ok: true,
          sourceId: snap.source_id as SourceId,
          restored: restored.rows.map(toReplaced).sort((a, b) => a.id - b.id),
        } as const;
      });
    },

    /** The header of a snapshot's file as it was (raw cells follow this order). */
    async snapshotHeader(municipalityId: number, snapshotId: number): Promise<string[]> {
      const r = await db
        .selectFrom("import_snapshot")
        .select("header")
        .where("municipality_id", "=", municipalityId)
        .where("id", "=", snapshotId)
        .executeTakeFirst();
      return r?.header ?? [];
    },

    /** The rejected rows of a snapshot with their errors, in row order. */
    async listRejectedRows(
      municipalityId: number,
      snapshotId: number,
      options: { limit?: number; afterRow?: number } = {},
    ): Promise<RejectedRow[]> {
      const rows = await db
        .selectFrom("import_row")
        .select(["row_no", "line_no", "errors", "raw"])
        .where("municipality_id", "=", municipalityId)
        .where("snapshot_id", "=", snapshotId)
        .where("errors", "is not", null)
        .where("row_no", ">", options.afterRow ?? 0)
        .orderBy("row_no")
        .limit(options.limit ?? 1000)
        .execute();
      return rows.map((r) => ({
        snapshotId,
        rowNo: r.row_no,
        lineNo: r.line_no,
        errors: r.errors as RowError[],
        raw: r.raw,
      }));
    },
  };
}

export type ImportRepository = ReturnType<typeof createImportRepository>;

/** One replacement (or correction) of a snapshot, and its undo if undone. */
export interface Replacement {
  readonly id: number;
  /** The snapshot that replaced. */
  readonly snapshotId: number;
  readonly replacedSnapshotId: number;
  readonly kind: "replace" | "correct";
  readonly replacedAt: Date;
  readonly actor: string;
  readonly undoneAt: Date | null;
  readonly undoneBy: string | null;
}

/** A snapshot that an import replaced (or would replace), as the report and history show it. */
export interface ReplacedSnapshot {
  readonly id: number;
  readonly version: number;
  readonly fileName: string;
  readonly asOf: IsoDate | null;
  readonly rowsStored: number;
  readonly rowsRejected: number;
  readonly importedAt: Date;
  readonly actor: string;
  readonly manual: boolean;
}

interface ReplacedRow {
  id: number;
  version: number;
  file_name: string;
  as_of: string | null;
  rows_stored: number;
  rows_rejected: number;
  imported_at: Date;
  actor: string;
  manual: boolean;
}

function toReplaced(r: ReplacedRow): ReplacedSnapshot {
  return {
    id: r.id,
    version: r.version,
    fileName: r.file_name,
    asOf: r.as_of as IsoDate | null,
    rowsStored: r.rows_stored,
    rowsRejected: r.rows_rejected,
    importedAt: r.imported_at,
    actor: r.actor,
    manual: r.manual,
  };
}

/** One row for {@link ImportTransaction.copyRows}: stored when `values` is set, rejected otherwise. */
export interface RowToStore {
  readonly row: number;
  readonly line: number;
  readonly asOf: IsoDate | null;
  /** The row as written, a CSV record. */
  readonly raw: string;
  readonly values?: readonly Value[];
  readonly errors?: readonly RowError[];
}

export interface NewSnapshot {
  readonly fileName: string;
  readonly contentHash: string;
  readonly format: string;
  readonly encoding: string | null;
  readonly header: readonly string[];
  readonly mapping: unknown;
  readonly manual: boolean;
  readonly actorUserId: number | null;
  readonly actor: string;
}

/** Characters a JSON string literal must escape (or, for lone surrogates, should). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON must escape
const JSON_SPECIAL = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * A JSON string literal, already in COPY's text format. Text needing no JSON
 * escape (no quote, backslash, control character or surrogate — nearly every
 * value) is quoted as is and needs no COPY escape either; anything else goes
 * through JSON.stringify (which also turns lone surrogates into escapes) and
 * then COPY escaping of its backslashes.
 */
function jsonCopyString(s: string): string {
  return JSON_SPECIAL.test(s) ? copyText(JSON.stringify(s)) : `"${s}"`;
}

/** JSON for the normalised values, keys in layout order, blanks left out, in COPY's text format. */
function dataJson(keys: readonly string[], values: readonly Value[]): string {
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (out.length > 1) out += ",";
    out += keys[i];
    out += typeof v === "string" ? jsonCopyString(v) : String(v);
  }
  return `${out}}`;
}

/**
 * The write side of one import, in one transaction on its own connection:
 * lock the source, check for the same content, create the snapshot, COPY its
 * rows, close it, supersede the snapshot it corrects. Nothing is visible to
 * others until `commit`.
 */
export interface ImportTransaction {
  /** A snapshot of this source with the same content hash, if any. */
  findByHash(
    contentHash: string,
  ): Promise<{ id: number; version: number; asOf: IsoDate | null; importedAt: Date } | undefined>;
  createSnapshot(s: NewSnapshot): Promise<{ id: number; version: number }>;
  /**
   * COPYs rows (stored and rejected alike) into the snapshot; `columns` are the layout's
   * canonical names. `direct`: straight into import_row, no staging table (db/copy.ts).
   */
  copyRows(
    snapshotId: number,
    columns: readonly string[],
    batches: AsyncIterable<readonly RowToStore[]>,
  ): Promise<{ direct: boolean }>;
  finishSnapshot(
    snapshotId: number,
    counts: { asOf: IsoDate | null; rowsRead: number; rowsStored: number; rowsRejected: number },
  ): Promise<void>;
  /**
   * Marks older current snapshots of this source with the same as-of date as
   * superseded by `snapshotId`: those with the same file name, or all of them
   * when `allWithSameAsOf`. Manual entries are never replaced by a file (they
   * add to what is there; docs/import.md). Each replacement is recorded in
   * import_replacement. Returns the replaced snapshots, oldest first.
   */
  supersede(
    snapshotId: number,
    options: { allWithSameAsOf: boolean; actor: string },
  ): Promise<ReplacedSnapshot[]>;
  /**
   * Marks exactly the snapshots `ids` as superseded by `snapshotId` (an
   * explicit correction of a manual entry), recorded as kind 'correct'. Only
   * current snapshots of this source are touched; returns those that were.
   */
  supersedeIds(
    snapshotId: number,
    ids: readonly number[],
    options: { actor: string },
  ): Promise<ReplacedSnapshot[]>;
  commit(): Promise<void>;
  /** Rolls back (if still open) and releases the connection; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Connections for import transactions, kept open across the files of one
 * command: opening a PostgreSQL connection (SCRAM authentication, a new
 * backend process) costs 10–20 ms, which a folder of 19 small files would pay
 * 19 times. At most `max` transactions are open at once.
 */
export interface ImportConnections {
  /** Like {@link beginImport}, on a reused connection. */
  begin(municipalityId: number, sourceId: SourceId): Promise<ImportTransaction>;
  /** Closes every connection; transactions must be closed first. */
  close(): Promise<void>;
}

export function openImportConnections(url: string, max = 2): ImportConnections {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle connection the server ends would emit 'error' on the pool; the pool drops it.
  pool.on("error", () => {});
  return {
    async begin(municipalityId, sourceId) {
      const client = await pool.connect();
      return startImport(client, municipalityId, sourceId, (broken) => {
        client.release(broken);
        return Promise.resolve();
      });
    },
    close: () => pool.end(),
  };
}

/**
 * Opens a connection on `url`, begins a transaction and takes the lock of
 * (municipality, source), so two imports of one source run one after the
 * other and version numbers and duplicate checks stay exact. The connection
 * is closed with the transaction.
 */
export async function beginImport(
  url: string,
  municipalityId: number,
  sourceId: SourceId,
): Promise<ImportTransaction> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return startImport(client, municipalityId, sourceId, () => client.end().catch(() => {}));
}

/**
 * Begins the transaction on `client`. `release` gives the connection back
 * (`broken`: it may be mid-statement and must not be reused).
 */
async function startImport(
  client: pg.ClientBase,
  municipalityId: number,
  sourceId: SourceId,
  release: (broken: boolean) => Promise<void>,
): Promise<ImportTransaction> {
  let open = false;
  try {
    await beginScoped(client);
    open = true;
    await client.query("SELECT pg_advisory_xact_lock(hashtext('mimamori.import'), hashtext($1))", [
      `${municipalityId}/${sourceId}`,
    ]);
  } catch (e) {
    await release(true);
    throw e;
  }
  let closed = false;
  // Snapshots created in this transaction: the only ones copyRows writes rows of.
  const created = new Set<number>();
  return {
    async findByHash(contentHash) {
      const r = await client.query<{
        id: number;
        version: number;
        as_of: string | null;
        imported_at: Date;
      }>(
        `SELECT id, version, to_char(as_of, 'YYYY-MM-DD') AS as_of, imported_at FROM import_snapshot
         WHERE municipality_id = $1 AND source_id = $2 AND content_hash = $3`,
        [municipalityId, sourceId, contentHash],
      );
      const row = r.rows[0];
      return (
        row && {
          id: row.id,
          version: row.version,
          asOf: row.as_of as IsoDate | null,
          importedAt: row.imported_at,
        }
      );
    },

    async createSnapshot(s) {
      const r = await client.query<{ id: number; version: number }>(
        `INSERT INTO import_snapshot
           (municipality_id, source_id, version, file_name, content_hash, format, encoding,
            header, mapping, manual, actor_user_id, actor)
         SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11
         FROM import_snapshot WHERE municipality_id = $1 AND source_id = $2
         RETURNING id, version`,
        [
          municipalityId,
          sourceId,
          s.fileName,
          s.contentHash,
          s.format,
          s.encoding,
          s.header,
          s.mapping === undefined || s.mapping === null ? null : JSON.stringify(s.mapping),
          s.manual,
          s.actorUserId,
          s.actor,
        ],
      );
      const row = r.rows[0] as { id: number; version: number };
      created.add(row.id);
      return row;
    },

    async copyRows(snapshotId, columns, batches) {
      // Straight into import_row when the login role bypasses row security (db/copy.ts,
      // issue 15: no staging copy of every row). The policies' checks, made here instead:
      // the snapshot is this transaction's (inserted under the policies of the scope, whose
      // municipality bulkWriter checks), every line carries its municipality, and the
      // council-only flag comes from the snapshot's source.
      if (!created.has(snapshotId))
        throw new Error(`copyRows: snapshot ${snapshotId} was not created by this import`);
      const bulk = await bulkWriter(client, municipalityId);
      // Column names are layout names (no backslash, quote or control character).
      const keys = columns.map((c) => `${JSON.stringify(c)}:`);
      const prefix = `${snapshotId}\t${municipalityId}\t`;
      // 要対協 rows are visible to council members only (migration 0040 checks the flag).
      const councilOnly = isCouncilOnlySource(sourceId) ? "t" : "f";
      const lines = async function* (): AsyncGenerator<string> {
        for await (const batch of batches) {
          const parts: string[] = new Array(batch.length);
          for (let i = 0; i < batch.length; i++) {
            const r = batch[i] as RowToStore;
            const data = r.values === undefined ? "\\N" : dataJson(keys, r.values);
            const errors = r.errors === undefined ? "\\N" : copyText(JSON.stringify(r.errors));
            parts[i] =
              `${prefix}${r.row}\t${r.line}\t${r.asOf ?? "\\N"}\t${copyText(r.raw)}\t${data}\t${errors}\t${councilOnly}\n`;
          }
          if (parts.length > 0) yield parts.join("");
        }
      };
      await bulk.copy(
        "COPY import_row (snapshot_id, municipality_id, row_no, line_no, as_of, raw, data, errors, council_only) FROM STDIN",
        lines(),
      );
      return { direct: bulk.direct };
    },

    async finishSnapshot(snapshotId, c) {
      await client.query(
        `UPDATE import_snapshot SET as_of = $2, rows_read = $3, rows_stored = $4, rows_rejected = $5
         WHERE id = $1`,
        [snapshotId, c.asOf, c.rowsRead, c.rowsStored, c.rowsRejected],
      );
    },

    async supersede(snapshotId, options) {
      const r = await client.query<ReplacedRow>(
        `WITH replaced AS (
           UPDATE import_snapshot o SET superseded_by = n.id
           FROM import_snapshot n
           WHERE n.id = $1 AND o.municipality_id = n.municipality_id AND o.source_id = n.source_id
             AND o.id <> n.id AND o.superseded_by IS NULL AND o.as_of = n.as_of
             AND NOT o.manual AND NOT n.manual
             AND ($2 OR o.file_name = n.file_name)
           RETURNING o.*),
         recorded AS (
           INSERT INTO import_replacement (municipality_id, snapshot_id, replaced_snapshot_id, kind, actor)
           SELECT municipality_id, $1, id, 'replace', $3 FROM replaced)
         SELECT id, version, file_name, to_char(as_of, 'YYYY-MM-DD') AS as_of, rows_stored,
                rows_rejected, imported_at, actor, manual
         FROM replaced ORDER BY id`,
        [snapshotId, options.allWithSameAsOf, options.actor],
      );
      return r.rows.map(toReplaced);
    },

    async supersedeIds(snapshotId, ids, options) {
      const r = await client.query<ReplacedRow>(
        `WITH replaced AS (
           UPDATE import_snapshot o SET superseded_by = n.id
           FROM import_snapshot n
           WHERE n.id = $1 AND o.municipality_id = n.municipality_id AND o.source_id = n.source_id
             AND o.id <> n.id AND o.superseded_by IS NULL AND o.id = ANY($2::int[])
           RETURNING o.*),
         recorded AS (
           INSERT INTO import_replacement (municipality_id, snapshot_id, replaced_snapshot_id, kind, actor)
           SELECT municipality_id, $1, id, 'correct', $3 FROM replaced)
         SELECT id, version, file_name, to_char(as_of, 'YYYY-MM-DD') AS as_of, rows_stored,
                rows_rejected, imported_at, actor, manual
         FROM replaced ORDER BY id`,
        [snapshotId, ids, options.actor],
      );
      return r.rows.map(toReplaced);
    },

    async commit() {
      await client.query("COMMIT");
      open = false;
    },

    async close() {
      if (closed) return;
      closed = true;
      let broken = false;
      try {
        if (open) await client.query("ROLLBACK");
      } catch (e) {
        broken = true;
        throw e;
      } finally {
        await release(broken);
      }
    },
  };
}
