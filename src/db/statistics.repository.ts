/**
 * Planner statistics after bulk loads (issue 15). A monthly run writes and
 * then reads back hundreds of thousands of rows within seconds; autovacuum's
 * ANALYZE comes a minute or more later, so until then PostgreSQL plans the
 * run's reads with the statistics of the empty or much smaller tables (an
 * independently generated town: scoring's read took 13.5 s of a 21 s run when
 * `run` followed `import` at once). The run engine refreshes the statistics of
 * the tables a stage has just filled before the next stage reads them.
 *
 * ANALYZE needs the table's owner (or MAINTAIN), so it runs as the owner. It
 * reads only a sample of the table and returns nothing to the caller, so the
 * row-level security of the app role has nothing to guard here; the sample
 * statistics in pg_statistic are visible to the owner only (pg_stats hides
 * tables with row security from roles it applies to).
 */
import { sql } from "kysely";
import type { Database } from "./database.ts";
import { runAsOwner } from "./scope.ts";

/** The tables each stage fills, in the order a run fills them. */
export const FILLED_BY = {
  import: ["import_snapshot", "import_row"],
  linkage: [
    "link_run",
    "link_person",
    "link_record",
    "link_mother_child",
    "link_identity",
    "person_search_key",
  ],
  scoring: ["score_run", "score_item", "score_result", "score_child"],
} as const satisfies Record<string, readonly string[]>;

export type FillingStage = keyof typeof FILLED_BY;

/** Runs ANALYZE on the tables `stage` fills. */
export async function refreshStatistics(db: Database, stage: FillingStage): Promise<void> {
  await runAsOwner(async () => {
    // Table names come from the constant above, never from input.
    await sql.raw(`ANALYZE ${FILLED_BY[stage].join(", ")}`).execute(db);
  });
}
