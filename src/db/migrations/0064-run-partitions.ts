import { type Kysely, sql } from "kysely";
import { partitionByRun, type SqlRunner } from "../run-partition.ts";
import { APP_ROLE } from "../scope.ts";

/**
 * link_person, person_search_key and link_record partitioned by LIST (run_id),
 * one partition per run (issue 15; db/run-partition.ts says why and how a run
 * writes them). Each table is rebuilt as a partitioned table with the same
 * columns, keys, indexes, foreign keys, triggers, policies and grants; the rows
 * of each existing run are moved into that run's partition (built and attached
 * as a run's store does); the old table is dropped.
 *
 * Deleting a link_run (retention, a dead run's clean-up) drops the run's
 * partitions: the delete trigger of 0003 becomes SECURITY DEFINER (dropping a
 * table needs its owner) and NOTIFYs `run_data` itself, since a DROP fires no
 * statement trigger (0093). Row deletions of 利用停止, 訂正 and person retention
 * go through the parents as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const run: SqlRunner = async (text) =>
    (await sql.raw(text).execute(db)).rows as Record<string, unknown>[];
  // A partition gets its parent's policies, RLS (enabled and forced, so the owner too is
  // subject) and grants: reading a partition by name sees no more than reading the parent.
  await sql`
    CREATE FUNCTION mimamori_secure_partition(parent regclass, part regclass) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    DECLARE p record; g record;
    BEGIN
      FOR p IN SELECT polname, polpermissive, polcmd, polroles,
                      pg_get_expr(polqual, polrelid) AS qual, pg_get_expr(polwithcheck, polrelid) AS chk
                 FROM pg_policy WHERE polrelid = parent ORDER BY polname LOOP
        EXECUTE format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', p.polname, part,
          CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
          CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                        WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
          CASE WHEN p.polroles = '{0}' THEN 'PUBLIC'
               ELSE (SELECT string_agg(quote_ident(rolname), ', ') FROM pg_roles
                      WHERE oid = ANY (p.polroles)) END,
          CASE WHEN p.qual IS NULL THEN '' ELSE ' USING (' || p.qual || ')' END,
          CASE WHEN p.chk IS NULL THEN '' ELSE ' WITH CHECK (' || p.chk || ')' END);
      END LOOP;
      EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
      EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', part);
      FOR g IN SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
                      string_agg(a.privilege_type, ', ') AS privileges
                 FROM pg_class c, aclexplode(c.relacl) a
                WHERE c.oid = parent AND a.grantee <> c.relowner GROUP BY a.grantee LOOP
        EXECUTE format('GRANT %s ON %s TO %s', g.privileges, part, g.grantee);
      END LOOP;
    END $$`.execute(db);
  // A run's partitions for a login that does not own the tables (an app login): created empty
  // and attached (indexes, foreign keys from the parent), then written through the parent
  // under its policies. Only for a run of the scope's municipality.
  await sql`
    CREATE FUNCTION mimamori_add_run_partitions(run integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE t text;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM link_run WHERE id = run
                      AND municipality_id = mimamori_scope_municipality()) THEN
        RAISE EXCEPTION 'link_run % is not a run of the scope''s municipality', run;
      END IF;
      FOREACH t IN ARRAY ARRAY['link_person', 'person_search_key', 'link_record'] LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)', t || '_r' || run, t, run);
        PERFORM mimamori_secure_partition(t::regclass, (t || '_r' || run)::regclass);
      END LOOP;
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION mimamori_add_run_partitions(integer) FROM PUBLIC`.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION mimamori_add_run_partitions(integer) TO ${sql.id(APP_ROLE)}`.execute(
    db,
  );
  // This migration's tables, named here: the list in run-partition.ts grows with later ones.
  for (const table of ["link_person", "person_search_key", "link_record"] as const)
    await partitionByRun(run, table);
  await sql`
    CREATE OR REPLACE FUNCTION link_run_delete_records() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE t text;
    BEGIN
      FOREACH t IN ARRAY ARRAY['link_record', 'person_search_key', 'link_person'] LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I', t || '_r' || OLD.id);
      END LOOP;
      -- A DROP fires no statement trigger (0093): the caches are told here.
      PERFORM pg_notify('mimamori_change', 'run_data');
      RETURN OLD;
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("per-run partitions cannot be reverted by a migration");
}
