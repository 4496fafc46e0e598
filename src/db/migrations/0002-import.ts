import { type Kysely, sql } from "kysely";

/**
 * Imports (issue 4): every imported file is a versioned snapshot of its
 * source, and every data row of the file is kept — stored or rejected — with
 * its file row number, raw cells and normalised values.
 *
 * Rows go into one generic table with JSONB rather than 19 typed tables:
 * - the 19 layouts are data (domain/layouts.ts) and evolve with the spec and
 *   with extra columns departments send; one table keeps the import path,
 *   COPY format and retention the same for all of them;
 * - rows are written once and then read whole per snapshot by the run
 *   (linkage, items), which reads them into typed domain records anyway —
 *   nothing queries individual columns across millions of rows in SQL;
 * - rejected rows sit in the same table with their errors, so "nothing lost"
 *   and the report come from one place.
 * The price is weaker typing in SQL; the validation in ingest/ is the single
 * place that guarantees the shape of `data`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("import_snapshot")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("source_id", "text", (c) => c.notNull())
    // 1, 2, 3 … per municipality and source, in import order.
    .addColumn("version", "integer", (c) => c.notNull())
    // 抽出日: --as-of, else the newest 抽出日 among the file's rows. Null only
    // when no row carried one (every row rejected).
    .addColumn("as_of", "date")
    .addColumn("file_name", "text", (c) => c.notNull())
    // sha256 of the file's bytes plus the options that shape what is stored
    // (mapping, --as-of, forced source): the same content twice is one snapshot.
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("encoding", "text")
    // The file's header as it was; raw cells in import_row follow this order.
    .addColumn("header", sql`text[]`, (c) => c.notNull())
    .addColumn("mapping", "jsonb")
    // Entered by hand (data held on paper) rather than read from a file.
    .addColumn("manual", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("rows_read", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rows_stored", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rows_rejected", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("imported_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor_user_id", "integer")
    .addColumn("actor", "text", (c) => c.notNull())
    // A later import of the same source, as-of date and file name (a corrected
    // export) replaces this one for runs; this one stays queryable.
    .addColumn("superseded_by", "integer", (c) =>
      c.references("import_snapshot.id").onDelete("set null"),
    )
    .addUniqueConstraint("import_snapshot_version_key", ["municipality_id", "source_id", "version"])
    .addUniqueConstraint("import_snapshot_content_key", [
      "municipality_id",
      "source_id",
      "content_hash",
    ])
    .execute();
  await db.schema
    .createIndex("import_snapshot_current_idx")
    .on("import_snapshot")
    .columns(["municipality_id", "source_id", "as_of"])
    .execute();

  // No foreign keys on import_row, deliberately: a per-row foreign-key check
  // on millions of COPY rows costs more than the whole load (measured: 47k vs
  // 69k rows/s). Rows are written only by import.repository.ts, in the same
  // transaction that creates their snapshot, with the snapshot's id and
  // municipality; deleting a snapshot deletes its rows (trigger below).
  await db.schema
    .createTable("import_row")
    .addColumn("snapshot_id", "integer", (c) => c.notNull())
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    // 1-based data row of the file (header and blank lines not counted).
    .addColumn("row_no", "integer", (c) => c.notNull())
    // 1-based physical line (CSV) or sheet row (.xlsx) where the row starts.
    .addColumn("line_no", "integer", (c) => c.notNull())
    .addColumn("as_of", "date")
    // The row as written: the CSV record itself (quotes and all), or for an
    // .xlsx row its cells written as a CSV record; in the snapshot's header order.
    .addColumn("raw", "text", (c) => c.notNull())
    // Normalised values keyed by canonical column (blanks left out); null for a
    // rejected row. json, not jsonb: stored as written (cheaper to load, key
    // order kept) and still queryable with -> and ->>.
    .addColumn("data", "json")
    // [{column, value, reason}] for a rejected row; null for a stored one.
    .addColumn("errors", "json")
    .addPrimaryKeyConstraint("import_row_pkey", ["snapshot_id", "row_no"])
    .addCheckConstraint("import_row_stored_or_rejected", sql`(data IS NULL) <> (errors IS NULL)`)
    .execute();

  // ON DELETE CASCADE without the foreign key: one statement per deletion
  // (retention removes whole snapshots), not one check per row on insert.
  await sql`
    CREATE FUNCTION import_snapshot_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM import_row WHERE snapshot_id IN (SELECT id FROM gone);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER import_snapshot_delete_rows AFTER DELETE ON import_snapshot
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION import_snapshot_delete_rows()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("import_row").execute();
  await db.schema.dropTable("import_snapshot").execute();
  await sql`DROP FUNCTION import_snapshot_delete_rows()`.execute(db);
}
