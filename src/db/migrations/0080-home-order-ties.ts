import { type Kysely, sql } from "kysely";

/**
 * The home page's order (home_flagged, migration 0095) now breaks equal
 * scores like 判定一覧 (db/review-order.ts: the type's tie-break, age in
 * completed years, younger first by default) instead of older first by
 * birth date. The stored orders are a cache written by the first reader of
 * a run: dropping them makes the next reader write them in the new order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // home_flagged's rows go with their marker (ON DELETE CASCADE). Migrations
  // run in name order: on a new database this one comes before 0095 made the
  // table, and there is nothing to drop.
  await sql`
    DO $$ BEGIN
      IF to_regclass('home_flagged_run') IS NOT NULL THEN DELETE FROM home_flagged_run; END IF;
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  // Nothing to restore: the orders are rewritten on the next read.
}
