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

/**
 * Runs ANALYZE on the tables `stage` fills. A table partitioned per run (0064) is not
 * analyzed whole — that would sample every earlier run's partition again each month — but
 * its newest partition (the run just written) and, on PostgreSQL 18 and later, the parent
 * alone (`ANALYZE ONLY`: its own sample). The parent's statistics are what the planner uses
 * for a query that names the parent — every query does — so they are never left out: before
 * PostgreSQL 18 the whole table is analyzed.
 *
 * The tables are analyzed on up to `connections` connections at once (default 2), each taking
 * the next table, largest first: one ANALYZE statement uses one core, and while a run waits
 * for its statistics Node is idle, so on two cores the second connection halves the wait
 * (docs/benchmarks.md, "Monthly run end to end": the run's ANALYZE after link and score).
 */
export async function refreshStatistics(
  db: Database,
  stage: FillingStage,
  options: { readonly connections?: number } = {},
): Promise<void> {
  await runAsOwner(async () => {
    const tables: readonly string[] = FILLED_BY[stage];
    const partitioned = await sql<{ parent: string; newest: string | null; only: boolean }>`
      SELECT p.relname AS parent,
             (SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = p.oid
               ORDER BY substring(c.relname FROM '_r([0-9]+)$')::bigint DESC NULLS LAST LIMIT 1) AS newest,
             current_setting('server_version_num')::int >= 180000 AS only
      FROM pg_class p JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE n.nspname = current_schema() AND p.relkind = 'p' AND p.relname = ANY (${tables})`.execute(
      db,
    );
    const byParent = new Map(partitioned.rows.map((r) => [r.parent, r]));
    const targets = tables.flatMap((t) => {
      const p = byParent.get(t);
      if (p === undefined) return [t];
      // Before PostgreSQL 18 a parent's own statistics come only with all its partitions'
      // (autovacuum never analyzes a parent, and without them the planner guesses 200
      // persons per run: migration 0068): the whole table, then.
      if (!p.only) return [t];
      return [`ONLY ${t}`, ...(p.newest === null ? [] : [`"${p.newest}"`])];
    });
    if (targets.length === 0) return;
    // Largest first, so that the connections finish together: a table's size on disk
    // (a parent's: its partitions' — its own sample is drawn from them).
    const sizes = await sql<{ target: string; bytes: string }>`
      SELECT t AS target,
             (SELECT coalesce(sum(pg_relation_size(r.relid)), 0)
                FROM pg_partition_tree(regexp_replace(t, '^ONLY ', '')::regclass) r) AS bytes
      FROM unnest(${targets}::text[]) AS t`.execute(db);
    const bytes = new Map(sizes.rows.map((r) => [r.target, Number(r.bytes)]));
    const queue = [...targets].sort((a, b) => (bytes.get(b) ?? 0) - (bytes.get(a) ?? 0));
    const analyzeNext = async (): Promise<void> => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift())
        // Table names come from the constant above and the catalog, never from input.
        await sql.raw(`ANALYZE ${t}`).execute(db);
    };
    const n = Math.max(1, Math.min(options.connections ?? 2, queue.length));
    // Each call takes a connection of the pool of its own; all are awaited before a failure
    // is reported, so no ANALYZE is left running behind the caller.
    const done = await Promise.allSettled(Array.from({ length: n }, analyzeNext));
    const failed = done.find((d) => d.status === "rejected");
    if (failed) throw failed.reason;
  });
}
