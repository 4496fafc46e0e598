import { type Kysely, sql } from "kysely";

/**
 * Planner statistics of the per-run partitioned tables (0064, 0067) on a
 * database that had runs before they were partitioned.
 *
 * Autovacuum analyzes each partition but never a partitioned parent, and a
 * query names the parent: without the parent's own statistics the planner
 * assumes 200 distinct persons per run. A 支援担当's name search on a city
 * migrated from 0063 then hashed all 240,000 score_result rows of the run
 * for one child (76 ms instead of 1 ms; the web benchmark's p95 1.8 s). A
 * run made after the upgrade analyzes its parents (statistics.repository.ts);
 * this gives the runs moved by 0064 / 0067 the same, once: ANALYZE of a
 * parent samples its partitions together, then each partition.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const present = await sql<{ t: string }>`
    SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'p'
       AND c.relname IN ('link_person', 'link_record', 'person_search_key', 'score_item', 'score_result')
     ORDER BY 1`.execute(db);
  // Names from the catalog, limited to the list above.
  if (present.rows.length > 0)
    await sql.raw(`ANALYZE ${present.rows.map((r) => r.t).join(", ")}`).execute(db);
}

export async function down(): Promise<void> {
  // Statistics are not schema: nothing to undo.
}
