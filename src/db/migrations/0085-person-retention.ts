import { type Kysely, sql } from "kysely";

/**
 * Retention of raw rows per person (issue 12, lifecycle;
 * pipeline/person-retention.ts). A purged import row keeps its key
 * (snapshot_id, row_no) — link_record, link_mother_child, score evidence and
 * the views of stored runs join on it — but loses its content: raw becomes
 * '', data and errors NULL, purged_at the time of the purge. Every reader that
 * feeds a run reads `data IS NOT NULL` only, so the next run neither links
 * nor scores from a purged row; views show 「保存期間の経過により削除済み」.
 *
 * person_retention_setting: years after the 18th birthday (or after leaving)
 * a municipality keeps a person's raw rows (`retention --persons --save`).
 * Row-level security as every municipal table (row-security.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Nullable, no default: a catalogue change only, no rewrite of import_row.
  await sql`ALTER TABLE import_row ADD COLUMN purged_at timestamptz`.execute(db);
  await sql`ALTER TABLE import_row DROP CONSTRAINT import_row_stored_or_rejected`.execute(db);
  await sql`ALTER TABLE import_row ADD CONSTRAINT import_row_stored_or_rejected
      CHECK (CASE WHEN purged_at IS NULL THEN (data IS NULL) <> (errors IS NULL)
                  ELSE data IS NULL AND errors IS NULL AND raw = '' END)`.execute(db);
  await sql`CREATE TABLE person_retention_setting (
      municipality_id integer PRIMARY KEY REFERENCES municipality(id),
      years integer NOT NULL CHECK (years BETWEEN 0 AND 100),
      updated_at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE person_retention_setting`.execute(db);
  await sql`ALTER TABLE import_row DROP CONSTRAINT import_row_stored_or_rejected`.execute(db);
  await sql`ALTER TABLE import_row ADD CONSTRAINT import_row_stored_or_rejected
      CHECK ((data IS NULL) <> (errors IS NULL))`.execute(db);
  await sql`ALTER TABLE import_row DROP COLUMN purged_at`.execute(db);
}
