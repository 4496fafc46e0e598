import { type Kysely, sql } from "kysely";
import { partitionByRun, type SqlRunner } from "../run-partition.ts";
import { APP_ROLE } from "../scope.ts";

/**
 * score_item and score_result partitioned by LIST (run_id), one partition per scoring run
 * (issue 15, the score store; as 0064 did for the link store, db/run-partition.ts): a run's
 * item results and scores go into fresh tables by COPY, their indexes (score_item's two,
 * score_result's three) are built once after the load, and the tables are attached.
 *
 * Deleting a score_run drops its partitions: the delete trigger of 0004 / 0050 becomes
 * SECURITY DEFINER, still deletes the run's score_child rows, and NOTIFYs `run_data`
 * itself (a DROP fires no statement trigger, 0093).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const run: SqlRunner = async (text) =>
    (await sql.raw(text).execute(db)).rows as Record<string, unknown>[];
  // This migration's tables, named here: the list in run-partition.ts may grow.
  for (const table of ["score_item", "score_result"] as const) await partitionByRun(run, table);
  // A scoring run's partitions for a login that does not own the tables (see 0064).
  await sql`
    CREATE FUNCTION mimamori_add_score_run_partitions(run integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE t text;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM score_run WHERE id = run
                      AND municipality_id = mimamori_scope_municipality()) THEN
        RAISE EXCEPTION 'score_run % is not a run of the scope''s municipality', run;
      END IF;
      FOREACH t IN ARRAY ARRAY['score_item', 'score_result'] LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)', t || '_r' || run, t, run);
        PERFORM mimamori_secure_partition(t::regclass, (t || '_r' || run)::regclass);
      END LOOP;
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION mimamori_add_score_run_partitions(integer) FROM PUBLIC`.execute(
    db,
  );
  await sql`GRANT EXECUTE ON FUNCTION mimamori_add_score_run_partitions(integer) TO ${sql.id(APP_ROLE)}`.execute(
    db,
  );
  await sql`
    CREATE OR REPLACE FUNCTION score_run_delete_rows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE t text;
    BEGIN
      FOREACH t IN ARRAY ARRAY['score_item', 'score_result'] LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I', t || '_r' || OLD.id);
      END LOOP;
      DELETE FROM score_child WHERE run_id = OLD.id;
      -- A DROP fires no statement trigger (0093): the caches are told here.
      PERFORM pg_notify('mimamori_change', 'run_data');
      RETURN OLD;
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("per-run partitions cannot be reverted by a migration");
}
