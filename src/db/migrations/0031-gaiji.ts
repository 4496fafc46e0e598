import { type Kysely, sql } from "kysely";

/**
 * A municipality's 外字 table (issue 14): the vendor's private-use code points
 * → the characters they stand for (喬木村 reference/003), applied to names
 * before 名寄せ (domain/ja/name.ts). One row per municipality; the entries as
 * JSON `[{code, char}]`, checked by buildGaijiTable on save and on load.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("gaiji_table")
    .addColumn("municipality_id", "integer", (c) => c.primaryKey().references("municipality.id"))
    .addColumn("entries", "jsonb", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("gaiji_table").execute();
}
