import { type Kysely, sql } from "kysely";
import { APP_ROLE } from "../scope.ts";

/**
 * The rest of a run started from the web on the owner's bulk path (issue 15).
 *
 * A run's rows outside the per-run partitions (`link_identity`, `link_mother_child`) are
 * written by db/copy.ts's bulkWriter. The owner's login COPYs them straight into the table
 * with PostgreSQL's per-row foreign-key checks switched off (`session_replication_role =
 * replica`) after checking in code the one fact those checks would find: the lines are
 * this run's, of the scope's municipality, and the run row exists. The app login (a run
 * from the web: neither owner nor BYPASSRLS) cannot: it COPYs into a temporary staging
 * table and INSERTs from it under the policies, and every row runs a foreign-key look-up
 * (an SPI query locking the referenced row). On city seed 1 that INSERT of
 * link_identity's 486,028 rows took 2.1 s of PostgreSQL CPU against 0.6 s for the owner's
 * COPY; the policies themselves cost next to nothing.
 *
 * `mimamori_insert_run_rows(target, run_table, run, columns)` — SECURITY DEFINER, callable
 * by `mimamori_app` only — moves the caller's staging table `pg_temp.<target>_staging` into
 * `target` as the owner's path would, when it may:
 *
 * - only when the functions' owner is a superuser (it alone may set
 *   session_replication_role); otherwise it returns false and the caller INSERTs under the
 *   policies as before;
 * - only when `target` (a plain table of this schema the app role may INSERT into) has no
 *   trigger that fires on INSERT but foreign keys `(run_id[, municipality_id]) REFERENCES
 *   run_table` and `(municipality_id) REFERENCES municipality`, as copy.ts
 *   foreignKeysCheckedInCode requires of the owner's path; otherwise false;
 * - the run must be of the scope's municipality; it and the municipality are locked FOR KEY
 *   SHARE, once, as the skipped checks would have locked them once per row;
 * - the staging table must be a plain table of the caller's session, and each of
 *   `columns` a column of both tables, of one type;
 * - the rows are inserted with the triggers off and checked as inserted (RETURNING): each
 *   must be of this run and the scope's municipality and pass the target's policies for an
 *   INSERT by the app role, in the caller's scope (0069's check, 0094's literals), or the
 *   whole call fails with SQLSTATE 42501 and the transaction rolls back — nothing stays.
 *
 * Also: these functions and 0069's resolve table names in this schema with the session's
 * temporary schema searched last (`search_path = <schema>, pg_temp`), so a temporary table
 * named like a run table cannot stand in for it (PostgreSQL's advice for SECURITY DEFINER).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]
    ?.s as string;
  const path = sql`${sql.id(schema)}, pg_temp`;
  await sql`
    CREATE FUNCTION mimamori_insert_run_rows(target text, run_table text, run integer, columns text[])
    RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${path} AS $$
    DECLARE
      target_oid oid;
      staging_oid oid;
      scope integer := mimamori_scope_municipality();
      cols text;
      permissive text;
      restrictive text;
      refused bigint;
      n bigint;
      previous text;
    BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN false;
      END IF;
      IF run_table IS NULL OR run_table NOT IN ('link_run', 'score_run') THEN
        RAISE EXCEPTION '% is not a run table', run_table USING ERRCODE = '42501';
      END IF;
      SELECT c.oid INTO target_oid FROM pg_class c
       WHERE c.oid = to_regclass(quote_ident(target)) AND c.relkind = 'r'
         AND c.relnamespace = ${sql.lit(schema)}::regnamespace;
      -- Not a plain table of this schema the app role may insert into (a partitioned parent,
      -- a view, no grant): the caller's INSERT under the policies decides.
      IF target_oid IS NULL OR NOT has_table_privilege(${sql.lit(APP_ROLE)}, target_oid, 'INSERT') THEN
        RETURN false;
      END IF;
      -- The foreign keys the owner's path checks in code, and nothing else that fires on INSERT.
      IF EXISTS (
           SELECT 1 FROM pg_trigger t WHERE t.tgrelid = target_oid AND (t.tgtype::int & 4) <> 0
              AND (NOT t.tgisinternal OR t.tgconstraint NOT IN (
                     SELECT oid FROM pg_constraint WHERE conrelid = target_oid AND contype = 'f')))
         OR NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = target_oid AND contype = 'f')
         OR EXISTS (
           SELECT 1 FROM pg_constraint k WHERE k.conrelid = target_oid AND k.contype = 'f'
              AND NOT (
                (k.confrelid = run_table::regclass
                 AND (SELECT array_agg(a.attname::text || '=' || r.attname::text
                                       ORDER BY a.attname::text || '=' || r.attname::text)
                        FROM unnest(k.conkey, k.confkey) AS u(c, f)
                        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.c
                        JOIN pg_attribute r ON r.attrelid = k.confrelid AND r.attnum = u.f)
                     IN ('{run_id=id}', '{municipality_id=municipality_id,run_id=id}'))
                OR (k.confrelid = 'municipality'::regclass
                    AND k.conkey = (SELECT array[attnum] FROM pg_attribute
                                     WHERE attrelid = target_oid AND attname = 'municipality_id')
                    AND k.confkey = (SELECT array[attnum] FROM pg_attribute
                                      WHERE attrelid = k.confrelid AND attname = 'id')))) THEN
        RETURN false;
      END IF;
      -- What the skipped checks would have looked up (and locked) for every row.
      EXECUTE format('SELECT 1 FROM %I WHERE id = $1 AND municipality_id = $2 FOR KEY SHARE', run_table)
        USING run, scope;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN
        RAISE EXCEPTION '% % is not a run of the scope''s municipality', run_table, run
          USING ERRCODE = '42501';
      END IF;
      PERFORM 1 FROM municipality WHERE id = scope FOR KEY SHARE;
      SELECT c.oid INTO staging_oid FROM pg_class c
       WHERE c.relnamespace = pg_my_temp_schema() AND c.relname = target || '_staging'
         AND c.relkind = 'r';
      IF staging_oid IS NULL THEN
        RAISE EXCEPTION 'no staging table for %', target USING ERRCODE = '42501';
      END IF;
      IF coalesce(cardinality(columns), 0) = 0 OR EXISTS (
           SELECT 1 FROM unnest(columns) AS u(name)
            WHERE NOT EXISTS (
              SELECT 1 FROM pg_attribute a JOIN pg_attribute s
                ON s.attrelid = staging_oid AND s.attname = a.attname AND s.atttypid = a.atttypid
               AND s.attnum > 0 AND NOT s.attisdropped
               WHERE a.attrelid = target_oid AND a.attname = u.name AND a.attnum > 0
                 AND NOT a.attisdropped)) THEN
        RAISE EXCEPTION 'columns % are not those of % and its staging table', columns, target
          USING ERRCODE = '42501';
      END IF;
      cols := (SELECT string_agg(quote_ident(c), ', ' ORDER BY o)
                 FROM unnest(columns) WITH ORDINALITY AS u(c, o));
      -- The target's policies for an INSERT by the app role (as 0069's attach reads them).
      SELECT string_agg('(' || coalesce(pg_get_expr(polwithcheck, polrelid), pg_get_expr(polqual, polrelid)) || ')', ' OR ')
               FILTER (WHERE polpermissive),
             string_agg('(' || coalesce(pg_get_expr(polwithcheck, polrelid), pg_get_expr(polqual, polrelid)) || ')', ' AND ')
               FILTER (WHERE NOT polpermissive)
        INTO permissive, restrictive
        FROM pg_policy
       WHERE polrelid = target_oid AND polcmd IN ('a', '*')
         AND EXISTS (SELECT 1 FROM unnest(polroles) r
                      WHERE r = 0 OR pg_has_role(${sql.lit(APP_ROLE)}, r, 'MEMBER'));
      IF permissive IS NULL THEN
        RAISE EXCEPTION '% has no policy that lets % insert', target, ${sql.lit(APP_ROLE)}
          USING ERRCODE = '42501';
      END IF;
      previous := current_setting('session_replication_role');
      PERFORM set_config('session_replication_role', 'replica', true);
      -- Checked as inserted (defaults filled in), as a WITH CHECK would.
      EXECUTE format(
        'WITH ins AS (INSERT INTO %I (%s) SELECT %s FROM %s RETURNING *)
         SELECT count(*) FILTER (WHERE NOT coalesce(run_id = %s AND municipality_id = %s AND %s, false))
           FROM ins',
        target, cols, cols, staging_oid::regclass, run, coalesce(scope::text, 'NULL'),
        mimamori_scope_constants(format('(%s) AND (%s)', permissive, coalesce(restrictive, 'true'))))
        INTO refused;
      PERFORM set_config('session_replication_role', previous, true);
      IF refused > 0 THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "%"', target
          USING ERRCODE = '42501';
      END IF;
      RETURN true;
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION mimamori_insert_run_rows(text, text, integer, text[]) FROM PUBLIC`.execute(
    db,
  );
  await sql`GRANT EXECUTE ON FUNCTION mimamori_insert_run_rows(text, text, integer, text[]) TO ${sql.id(APP_ROLE)}`.execute(
    db,
  );
  // 0069's functions and 0094's rewrite: the session's temporary schema searched last.
  for (const fn of [
    sql`mimamori_check_run_of_scope(text, integer)`,
    sql`mimamori_create_run_load_table(text, integer)`,
    sql`mimamori_attach_run_load_table(text, integer)`,
    sql`mimamori_scope_constants(text)`,
  ])
    await sql`ALTER FUNCTION ${fn} SET search_path = ${path}`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("the run store's functions cannot be reverted by a migration");
}
