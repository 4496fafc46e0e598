import { type Kysely, sql } from "kysely";

/**
 * Import history that tells the truth (issue 16): every time one snapshot
 * replaces another for runs (a corrected export with the same 抽出日, or a
 * correction of a manual entry), one row here, written in the same
 * transaction as `import_snapshot.superseded_by`. Undoing a replacement
 * restores the replaced snapshot and records who undid it and when; the row
 * stays, so the history shows both the replacement and its undo.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("import_replacement")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    // The snapshot that replaced, and the one it replaced. Retention deleting
    // either removes the record (the history of a deleted snapshot is its audit).
    .addColumn("snapshot_id", "integer", (c) =>
      c.notNull().references("import_snapshot.id").onDelete("cascade"),
    )
    .addColumn("replaced_snapshot_id", "integer", (c) =>
      c.notNull().references("import_snapshot.id").onDelete("cascade"),
    )
    // 'replace': a file with the same source and 抽出日; 'correct': an explicit
    // correction of a manual entry.
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind IN ('replace', 'correct')`))
    .addColumn("replaced_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("undone_at", "timestamptz")
    .addColumn("undone_by", "text")
    .execute();
  await db.schema
    .createIndex("import_replacement_snapshot_idx")
    .on("import_replacement")
    .columns(["snapshot_id"])
    .execute();
  await db.schema
    .createIndex("import_replacement_replaced_idx")
    .on("import_replacement")
    .columns(["replaced_snapshot_id"])
    .execute();
  // Replacements made before this migration, as far as superseded_by tells.
  await sql`
    INSERT INTO import_replacement (municipality_id, snapshot_id, replaced_snapshot_id, kind, replaced_at, actor)
    SELECT o.municipality_id, n.id, o.id, 'replace', n.imported_at, n.actor
    FROM import_snapshot o JOIN import_snapshot n ON n.id = o.superseded_by`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("import_replacement").execute();
}
