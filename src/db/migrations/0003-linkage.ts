import { type Kysely, sql } from "kysely";

/**
 * 名寄せ (issue 5): one row per linkage run with the settings, trained model
 * and person-id assignment it used and produced (so a run can be replayed and
 * the next run keeps person ids stable); its persons; one link per imported
 * source row; the review queue; and reviewers' decisions, which outlive runs
 * (they are keyed by profile keys, stable while the data are unchanged).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("link_run")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("as_of", "date", (c) => c.notNull())
    .addColumn("snapshot_ids", sql`integer[]`, (c) => c.notNull())
    .addColumn("settings", "jsonb", (c) => c.notNull())
    .addColumn("model", "jsonb", (c) => c.notNull())
    .addColumn("assignment", "jsonb", (c) => c.notNull())
    .addColumn("stats", "jsonb", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("link_run_municipality_idx")
    .on("link_run")
    .columns(["municipality_id", "id"])
    .execute();

  await db.schema
    .createTable("link_person")
    .addColumn("run_id", "integer", (c) =>
      c.notNull().references("link_run.id").onDelete("cascade"),
    )
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("resident_nos", sql`text[]`, (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("name_kana", "text")
    .addColumn("birth_date", "date")
    .addColumn("sex", "text")
    .addColumn("household_no", "text")
    // False: no resident-registry record (居所不明 risk when the person is a child).
    .addColumn("resident", "boolean", (c) => c.notNull())
    .addPrimaryKeyConstraint("link_person_pkey", ["run_id", "person_id"])
    .execute();

  // Written by COPY, like import_row: no foreign key per row (the run row is
  // created in the same transaction; deleting a run deletes its links by trigger).
  await db.schema
    .createTable("link_record")
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("snapshot_id", "integer", (c) => c.notNull())
    .addColumn("row_no", "integer", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("person_id", "text")
    .addColumn("method", "text", (c) => c.notNull())
    .addColumn("probability", sql`double precision`)
    .addColumn("profile_key", "text", (c) => c.notNull())
    // The link's explanation as per-comparison levels and weights (bits, tf included);
    // labels, m and u come from the run's settings and model.
    .addColumn("levels", sql`smallint[]`)
    .addColumn("weights", sql`real[]`)
    .addPrimaryKeyConstraint("link_record_pkey", ["run_id", "snapshot_id", "row_no"])
    .execute();
  await db.schema
    .createIndex("link_record_person_idx")
    .on("link_record")
    .columns(["run_id", "person_id"])
    .execute();
  await sql`
    CREATE FUNCTION link_run_delete_records() RETURNS trigger AS $$
    BEGIN
      DELETE FROM link_record WHERE run_id = OLD.id;
      RETURN OLD;
    END $$ LANGUAGE plpgsql`.execute(db);
  await sql`
    CREATE TRIGGER link_run_delete_records BEFORE DELETE ON link_run
    FOR EACH ROW EXECUTE FUNCTION link_run_delete_records()`.execute(db);

  await db.schema
    .createTable("link_review")
    .addColumn("run_id", "integer", (c) =>
      c.notNull().references("link_run.id").onDelete("cascade"),
    )
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("left_key", "text", (c) => c.notNull())
    .addColumn("right_key", "text", (c) => c.notNull())
    .addColumn("left_person", "text")
    .addColumn("right_person", "text")
    .addColumn("weight", sql`double precision`, (c) => c.notNull())
    .addColumn("probability", sql`double precision`, (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("explanation", "jsonb", (c) => c.notNull())
    .addPrimaryKeyConstraint("link_review_pkey", ["run_id", "left_key", "right_key"])
    .execute();

  await db.schema
    .createTable("link_decision")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    // Stored with left_key < right_key, so one pair has one decision.
    .addColumn("left_key", "text", (c) => c.notNull())
    .addColumn("right_key", "text", (c) => c.notNull())
    .addColumn("same", "boolean", (c) => c.notNull())
    .addColumn("decided_by_user_id", "integer")
    .addColumn("decided_by", "text", (c) => c.notNull())
    .addColumn("decided_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("link_decision_pair_key", ["municipality_id", "left_key", "right_key"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("link_decision").execute();
  await db.schema.dropTable("link_review").execute();
  await sql`DROP TRIGGER IF EXISTS link_run_delete_records ON link_run`.execute(db);
  await sql`DROP FUNCTION IF EXISTS link_run_delete_records()`.execute(db);
  await db.schema.dropTable("link_record").execute();
  await db.schema.dropTable("link_person").execute();
  await db.schema.dropTable("link_run").execute();
}
