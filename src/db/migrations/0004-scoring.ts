import { type Kysely, sql } from "kysely";

/**
 * Data items and scoring (issue 6): a municipality's rule versions (rule set
 * as data, with the date it takes effect), and scoring runs — each recording
 * the rule version, the linkage run and snapshots, the as-of date and the code
 * version it used, so any past result can be reproduced — with the items that
 * held per person (evidence as data) and a score per child and difficulty type.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("rule_version")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    // The rule set's own version label (RuleSet.version), unique per municipality.
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("effective_from", "date", (c) => c.notNull())
    .addColumn("note", "text", (c) => c.notNull().defaultTo(""))
    // RuleSet (catalog, types, exclusions, decisions, capacity; model cards inside).
    .addColumn("rules", "jsonb", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("rule_version_label_key", ["municipality_id", "label"])
    .execute();

  await db.schema
    .createTable("score_run")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("link_run_id", "integer", (c) => c.notNull().references("link_run.id"))
    .addColumn("rule_version_id", "integer", (c) => c.notNull().references("rule_version.id"))
    .addColumn("as_of", "date", (c) => c.notNull())
    // The import snapshots the linkage run read (copied: the run must stay reproducible).
    .addColumn("snapshot_ids", sql`integer[]`, (c) => c.notNull())
    .addColumn("code_version", "text", (c) => c.notNull())
    .addColumn("catalog_version", "text", (c) => c.notNull())
    // Enabled difficulty types in rule order (score_result.type_index refers to it).
    .addColumn("difficulties", sql`text[]`, (c) => c.notNull())
    // Counts only (children, items, flagged per type, timings).
    .addColumn("stats", "jsonb", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("score_run_municipality_idx")
    .on("score_run")
    .columns(["municipality_id", "id"])
    .execute();

  // Written by COPY (a metro run holds about a million item results): no
  // foreign key per row; deleting a run deletes its rows by trigger.
  await db.schema
    .createTable("score_item")
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("item_id", "text", (c) => c.notNull())
    // Evidence (domain/items/evidence.ts): rows cited, value found, criterion met.
    .addColumn("evidence", "jsonb", (c) => c.notNull())
    .addPrimaryKeyConstraint("score_item_pkey", ["run_id", "person_id", "item_id"])
    .execute();

  await db.schema
    .createTable("score_result")
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("type_index", "smallint", (c) => c.notNull())
    .addColumn("difficulty", "text", (c) => c.notNull())
    .addColumn("applicable", "boolean", (c) => c.notNull())
    .addColumn("score", sql`double precision`, (c) => c.notNull())
    .addColumn("threshold", sql`double precision`, (c) => c.notNull())
    .addColumn("flagged", "boolean", (c) => c.notNull())
    .addColumn("total_points", "integer", (c) => c.notNull())
    // Why a flagged child is left off the review list (exclusion filters, decisions).
    .addColumn("excluded_by", sql`text[]`, (c) => c.notNull())
    .addPrimaryKeyConstraint("score_result_pkey", ["run_id", "person_id", "type_index"])
    .execute();

  await sql`
    CREATE FUNCTION score_run_delete_rows() RETURNS trigger AS $$
    BEGIN
      DELETE FROM score_item WHERE run_id = OLD.id;
      DELETE FROM score_result WHERE run_id = OLD.id;
      RETURN OLD;
    END $$ LANGUAGE plpgsql`.execute(db);
  await sql`
    CREATE TRIGGER score_run_delete_rows BEFORE DELETE ON score_run
    FOR EACH ROW EXECUTE FUNCTION score_run_delete_rows()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS score_run_delete_rows ON score_run`.execute(db);
  await sql`DROP FUNCTION IF EXISTS score_run_delete_rows()`.execute(db);
  await db.schema.dropTable("score_result").execute();
  await db.schema.dropTable("score_item").execute();
  await db.schema.dropTable("score_run").execute();
  await db.schema.dropTable("rule_version").execute();
}
