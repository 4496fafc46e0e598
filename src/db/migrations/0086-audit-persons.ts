import { type Kysely, sql } from "kysely";

/**
 * Per-person access reports (issue 12, "who looked at this child"): routes
 * that show persons in a list, search, agenda or household write the ids
 * they showed into `detail.persons` of their audit row. A GIN index on that
 * array makes `detail->'persons' @> '["P…"]'` an index lookup (the direct
 * views are found by the existing (municipality_id, person_id, id) index).
 * No new table: the audit log keeps municipality_id on every row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX audit_log_persons_idx ON audit_log
      USING gin ((detail->'persons') jsonb_path_ops)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS audit_log_persons_idx`.execute(db);
}
