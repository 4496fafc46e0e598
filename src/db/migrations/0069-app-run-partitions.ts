import { type Kysely, sql } from "kysely";
import { APP_ROLE } from "../scope.ts";

/**
 * The load-then-index-then-attach path of a run's partitions (0064, 0067) for a login that
 * does not own the tables: the app login of a run started from the web (issue 15). Until now
 * such a run got its partitions empty, indexed and secured from 0064's / 0067's functions
 * and wrote through the partitioned parents under their policies: staging table, then
 * INSERT … SELECT with every row added to every B-tree (and link_person's GIN) one at a time.
 *
 * Two SECURITY DEFINER functions, callable by `mimamori_app` only, give it the owner's path
 * (db/run-partition.ts):
 *
 * - `mimamori_create_run_load_table(parent, run)` creates `<parent>_r<run>` for a run of the
 *   scope's municipality, a plain table like the parent with `CHECK (run_id = run)` and no
 *   row security yet, and grants `mimamori_app` INSERT on it and nothing else: the caller
 *   COPYs (FREEZE) its rows in but cannot read the table. Created in the caller's
 *   transaction, so no other transaction ever sees it; an abort leaves nothing.
 * - `mimamori_attach_run_load_table(parent, run)` then checks EVERY row against the parent's
 *   policies for an INSERT by `mimamori_app` in the caller's scope — the permissive checks
 *   OR-ed, the restrictive ones AND-ed, read from pg_policy so a policy added later is
 *   checked too: the municipality (`municipality_isolation`) and link_record's 要対協 /
 *   一時保護 rows outside a council scope (`council_only`) — and refuses the whole table
 *   (SQLSTATE 42501, like a WITH CHECK) if one fails. Then it builds the parent's indexes
 *   on it (keys as constraints, named as run-partition.ts attachRunPartition names them),
 *   attaches it (the CHECK spares the scan of the partition bound; the parent's foreign keys
 *   are cloned and validated), takes away the load grant, gives it the parent's RLS,
 *   policies and grants (0064's mimamori_secure_partition) and drops the CHECK.
 *
 * Both refuse a parent outside the five per-run tables and a run of another municipality;
 * the attach refuses a table that is not such a fresh load table (owned by the parents'
 * owner, not a partition, with the run CHECK). 0064's / 0067's empty-partition functions
 * have no caller any more and are dropped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The run table of each per-run partitioned table (run-partition.ts RUN_PARTITIONS).
  await sql`
    CREATE FUNCTION mimamori_run_table_of(parent text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE WHEN parent IN ('link_person', 'person_search_key', 'link_record') THEN 'link_run'
                  WHEN parent IN ('score_item', 'score_result') THEN 'score_run' END
    $$`.execute(db);
  await sql`
    CREATE FUNCTION mimamori_check_run_of_scope(parent text, run integer) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
    DECLARE run_table text := mimamori_run_table_of(parent); ok boolean;
    BEGIN
      IF run_table IS NULL THEN
        RAISE EXCEPTION '% is not a table partitioned per run', parent USING ERRCODE = '42501';
      END IF;
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1
                        AND municipality_id = mimamori_scope_municipality())', run_table)
        INTO ok USING run;
      IF NOT ok THEN
        RAISE EXCEPTION '% % is not a run of the scope''s municipality', run_table, run
          USING ERRCODE = '42501';
      END IF;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION mimamori_create_run_load_table(parent text, run integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE part text := parent || '_r' || run;
    BEGIN
      PERFORM mimamori_check_run_of_scope(parent, run);
      EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS, CONSTRAINT %I CHECK (run_id = %s))',
                     part, parent, part || '_run', run);
      EXECUTE format('GRANT INSERT ON %I TO %I', part, ${sql.lit(APP_ROLE)});
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION mimamori_attach_run_load_table(parent text, run integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    SET maintenance_work_mem = '256MB' AS $$
    DECLARE
      part text := parent || '_r' || run;
      parent_oid regclass;
      part_oid oid;
      permissive text;
      restrictive text;
      refused boolean;
      i record;
      m text[];
      name text;
    BEGIN
      PERFORM mimamori_check_run_of_scope(parent, run);
      parent_oid := parent::regclass;
      SELECT c.oid INTO part_oid FROM pg_class c, pg_class p
       WHERE p.oid = parent_oid AND c.relname = part AND c.relnamespace = p.relnamespace
         AND c.relkind = 'r' AND NOT c.relispartition AND NOT c.relrowsecurity
         AND c.relowner = p.relowner
         AND EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c'
                        AND k.conname = part || '_run' AND k.convalidated
                        AND pg_get_constraintdef(k.oid) = format('CHECK ((run_id = %s))', run));
      IF part_oid IS NULL THEN
        RAISE EXCEPTION '% is not a load table of run %', part, run USING ERRCODE = '42501';
      END IF;
      -- The parent's policies for an INSERT by the app role, as PostgreSQL combines them.
      SELECT string_agg('(' || coalesce(pg_get_expr(polwithcheck, polrelid), pg_get_expr(polqual, polrelid)) || ')', ' OR ')
               FILTER (WHERE polpermissive),
             string_agg('(' || coalesce(pg_get_expr(polwithcheck, polrelid), pg_get_expr(polqual, polrelid)) || ')', ' AND ')
               FILTER (WHERE NOT polpermissive)
        INTO permissive, restrictive
        FROM pg_policy
       WHERE polrelid = parent_oid AND polcmd IN ('a', '*')
         AND EXISTS (SELECT 1 FROM unnest(polroles) r
                      WHERE r = 0 OR pg_has_role(${sql.lit(APP_ROLE)}, r, 'MEMBER'));
      IF permissive IS NULL THEN
        RAISE EXCEPTION '% has no policy that lets % insert', parent, ${sql.lit(APP_ROLE)} USING ERRCODE = '42501';
      END IF;
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE NOT coalesce((%s) AND (%s), false))',
                     part, permissive, coalesce(restrictive, 'true'))
        INTO refused;
      IF refused THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "%"', parent
          USING ERRCODE = '42501';
      END IF;
      EXECUTE format('REVOKE ALL ON %I FROM %I', part, ${sql.lit(APP_ROLE)});
      -- The parent's indexes, named and built as run-partition.ts attachRunPartition does.
      FOR i IN SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS definition, k.contype AS kind,
                      array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(n, o)
                            JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n
                            WHERE u.o <= x.indnkeyatts ORDER BY u.o) AS columns
                 FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                 LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid
                WHERE x.indrelid = parent_oid ORDER BY c.relname LOOP
        name := CASE WHEN starts_with(i.name, parent || '_')
                     THEN part || substr(i.name, length(parent) + 1)
                     ELSE part || '_' || i.name END;
        IF i.kind IN ('p', 'u') THEN
          EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s (%s)', part, name,
                         CASE i.kind WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                         (SELECT string_agg(quote_ident(c), ', ') FROM unnest(i.columns) c));
          CONTINUE;
        END IF;
        m := regexp_match(i.definition, '^CREATE (UNIQUE )?INDEX \\S+ ON (?:ONLY )?\\S+ (USING .*)$');
        IF m IS NULL THEN
          RAISE EXCEPTION 'index % of %: unexpected definition %', i.name, parent, i.definition;
        END IF;
        EXECUTE format('CREATE %sINDEX %I ON %I %s', coalesce(m[1], ''), name, part, m[2]);
      END LOOP;
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', parent, part, run);
      PERFORM mimamori_secure_partition(parent_oid, part::regclass);
      -- Implied by the partition's bound from now on.
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_run');
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION mimamori_check_run_of_scope(text, integer) FROM PUBLIC`.execute(
    db,
  );
  for (const fn of ["mimamori_create_run_load_table", "mimamori_attach_run_load_table"]) {
    await sql`REVOKE ALL ON FUNCTION ${sql.id(fn)}(text, integer) FROM PUBLIC`.execute(db);
    await sql`GRANT EXECUTE ON FUNCTION ${sql.id(fn)}(text, integer) TO ${sql.id(APP_ROLE)}`.execute(
      db,
    );
  }
  await sql`DROP FUNCTION mimamori_add_run_partitions(integer)`.execute(db);
  await sql`DROP FUNCTION mimamori_add_score_run_partitions(integer)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("the run partitions' functions cannot be reverted by a migration");
}
