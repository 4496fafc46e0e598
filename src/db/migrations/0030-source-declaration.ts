import { type Kysely, sql } from "kysely";

/**
 * A municipality's declared sources (issue 14, domain/sources/declaration.ts):
 * its own sources (a 妊娠届アンケート) and built-ins it extends with typed
 * columns. One row per municipality and source id, the declaration as JSON
 * exactly as checked; replacing one updates the row (the audit log keeps who
 * and when). Import rows keep their values keyed by column name, so an earlier
 * snapshot is read with the current declaration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("source_declaration")
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("declaration", "jsonb", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("source_declaration_pkey", ["municipality_id", "source_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("source_declaration").execute();
}
