import type { Kysely } from "kysely";

/**
 * The review page (名寄せの確認) shows, for each pair to decide, one source row
 * of each side's profile: a lookup of link_record by (run, profile key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("link_record_profile_idx")
    .on("link_record")
    .columns(["run_id", "profile_key"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("link_record_profile_idx").execute();
}
