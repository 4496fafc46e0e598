import { type Kysely, sql } from "kysely";

/**
 * Retention of imported snapshots (issue 4: "older snapshots stay queryable
 * until retention removes them"): the municipality's policy, one row per
 * municipality. Without a row the default of pipeline/retention.ts applies
 * (docs/operations.md, Retention).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("retention_policy")
    .addColumn("municipality_id", "integer", (c) => c.primaryKey().references("municipality.id"))
    // The newest N snapshots of each source are kept, whatever their age (N ≥ 1).
    .addColumn("keep_snapshots", "integer", (c) => c.notNull().check(sql`keep_snapshots >= 1`))
    // Snapshots whose 抽出日 is within this many months are kept; null = no age rule.
    .addColumn("keep_months", "integer", (c) => c.check(sql`keep_months >= 0`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("retention_policy").execute();
}
