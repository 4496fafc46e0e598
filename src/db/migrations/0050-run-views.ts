import { type Kysely, sql } from "kysely";

/**
 * The web app's run views (issue 11): 判定一覧, ルール詳細 and the dashboard
 * filter, sort and count a scoring run in SQL, never in Node.
 *
 * - `score_child`: one row per scored child of a run with what the list filters
 *   on besides scores — age on the as-of date, 所属 (school or nursery from the
 *   newest linked row naming one), 学年, 世帯番号. Filled once per run from the
 *   linkage tables by INSERT … SELECT (db/run-view.repository.ts), on first use.
 * - Indexes for the filters: item → persons (held-item conditions and the
 *   matrix), type → score order (the priority order), 所属 and age.
 * - `municipality_setting`: small per-municipality settings as JSON by key
 *   (e.g. `freshness_months`, the age after which a source counts as stale).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("score_child")
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("age", "smallint")
    .addColumn("affiliation", "text")
    .addColumn("grade", "text")
    .addColumn("household_no", "text")
    .addPrimaryKeyConstraint("score_child_pkey", ["run_id", "person_id"])
    .execute();
  await db.schema
    .createIndex("score_child_affiliation_idx")
    .on("score_child")
    .columns(["run_id", "affiliation"])
    .execute();
  await db.schema
    .createIndex("score_child_age_idx")
    .on("score_child")
    .columns(["run_id", "age"])
    .execute();
  await db.schema
    .createIndex("score_child_household_idx")
    .on("score_child")
    .columns(["run_id", "household_no"])
    .execute();
  // Marks a run whose score_child rows are written (readers fill it otherwise).
  await sql`ALTER TABLE score_run ADD COLUMN children_indexed_at timestamptz`.execute(db);

  await db.schema
    .createIndex("score_item_item_idx")
    .on("score_item")
    .columns(["run_id", "item_id", "person_id"])
    .execute();
  await sql`CREATE INDEX score_result_order_idx ON score_result
    (run_id, type_index, score DESC, total_points DESC, person_id)`.execute(db);
  await sql`CREATE INDEX score_result_flagged_idx ON score_result (run_id, type_index, person_id)
    WHERE flagged`.execute(db);

  // Deleting a run deletes its child rows too (like score_item / score_result, 0004).
  await sql`
    CREATE OR REPLACE FUNCTION score_run_delete_rows() RETURNS trigger AS $$
    BEGIN
      DELETE FROM score_item WHERE run_id = OLD.id;
      DELETE FROM score_result WHERE run_id = OLD.id;
      DELETE FROM score_child WHERE run_id = OLD.id;
      RETURN OLD;
    END $$ LANGUAGE plpgsql`.execute(db);

  await db.schema
    .createTable("municipality_setting")
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "jsonb", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("municipality_setting_pkey", ["municipality_id", "key"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("municipality_setting").execute();
  await sql`
    CREATE OR REPLACE FUNCTION score_run_delete_rows() RETURNS trigger AS $$
    BEGIN
      DELETE FROM score_item WHERE run_id = OLD.id;
      DELETE FROM score_result WHERE run_id = OLD.id;
      RETURN OLD;
    END $$ LANGUAGE plpgsql`.execute(db);
  await sql`DROP INDEX IF EXISTS score_result_flagged_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS score_result_order_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS score_item_item_idx`.execute(db);
  await sql`ALTER TABLE score_run DROP COLUMN IF EXISTS children_indexed_at`.execute(db);
  await db.schema.dropTable("score_child").execute();
}
