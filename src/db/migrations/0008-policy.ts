import { type Kysely, sql } from "kysely";

/**
 * The policy module (issue 12): 要対協 membership becomes a mark on the user
 * (`council`), not a role, and an account can be scoped to one affiliation
 * (a school, a nursery, an office). Users who held the old `council` role keep
 * their access: they become `staff` marked as council members.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("app_user")
    .addColumn("council", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("affiliation", "text")
    .execute();
  await sql`
    UPDATE app_user
       SET council = true,
           roles = array(SELECT DISTINCT unnest(array_remove(roles, 'council') || ARRAY['staff']))
     WHERE 'council' = ANY(roles)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("app_user").dropColumn("council").dropColumn("affiliation").execute();
}
