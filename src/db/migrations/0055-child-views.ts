import { type Kysely, sql } from "kysely";

/**
 * Child view, household and search (issue 11): a name search key per person
 * of a linkage run (written with the run, domain/ja/search-key.ts), matched by
 * prefix; and the indexes the per-child reads need (one child's items and
 * scores, a household's members, persons by birth date).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("person_search_key")
    .addColumn("run_id", "integer", (c) =>
      c.notNull().references("link_run.id").onDelete("cascade"),
    )
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX person_search_key_idx ON person_search_key (run_id, key text_pattern_ops)`.execute(
    db,
  );
  await sql`CREATE INDEX IF NOT EXISTS link_person_household_idx ON link_person (run_id, household_no)`.execute(
    db,
  );
  await sql`CREATE INDEX IF NOT EXISTS link_person_birth_idx ON link_person (run_id, birth_date)`.execute(
    db,
  );
  await sql`CREATE INDEX IF NOT EXISTS link_person_resident_no_idx ON link_person USING gin (resident_nos)`.execute(
    db,
  );
  await sql`CREATE INDEX IF NOT EXISTS score_result_flagged_idx ON score_result (run_id, flagged, score DESC, total_points DESC)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("person_search_key").execute();
  await sql`DROP INDEX IF EXISTS link_person_household_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS link_person_birth_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS link_person_resident_no_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS score_result_flagged_idx`.execute(db);
}
