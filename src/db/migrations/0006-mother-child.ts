import type { Kysely } from "kysely";

/**
 * 妊婦/産婦健診 rows are keyed by the mother (layouts.md); a 名寄せ run also
 * resolves the child each row is about (domain/linkage/mother-child.ts: by
 * 子宛名番号, else by the layouts.md birth-date rule; twins give two lines), so
 * that scoring and the child view read one stored answer. One line per (row,
 * child); rows whose child was not found have no line (their count is in the
 * run's stats).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("link_mother_child")
    .addColumn("run_id", "integer", (c) =>
      c.notNull().references("link_run.id").onDelete("cascade"),
    )
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("snapshot_id", "integer", (c) => c.notNull())
    .addColumn("row_no", "integer", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("mother_person_id", "text")
    .addColumn("child_person_id", "text", (c) => c.notNull())
    // "id" (子宛名番号) or "rule" (the birth-date rule of layouts.md).
    .addColumn("method", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("link_mother_child_pkey", [
      "run_id",
      "snapshot_id",
      "row_no",
      "child_person_id",
    ])
    .execute();
  await db.schema
    .createIndex("link_mother_child_child_idx")
    .on("link_mother_child")
    .columns(["run_id", "child_person_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("link_mother_child").execute();
}
