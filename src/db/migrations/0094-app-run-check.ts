import { type Kysely, sql } from "kysely";
import { APP_ROLE } from "../scope.ts";

/**
 * 0069's row check at the cost of a plain scan (issue 15, a run started from the web).
 *
 * `mimamori_attach_run_load_table` checks every row of a run's load table against the
 * parent's policies before attaching it. The policies compare each row with the scope
 * functions of 0040 (`municipality_id = mimamori_scope_municipality()`, link_record's
 * `mimamori_scope_council() OR source_id <> ALL (…)`), which PostgreSQL inlines into
 * `current_setting(…)` calls: one settings look-up and text-to-integer parse per row and
 * function. On city seed 1 that was 0.23 s of PostgreSQL CPU for the five tables' 0.98 M
 * rows (a plain count(*) of the same tables: under 0.05 s), ten times that on metro.
 *
 * The settings are transaction-local and cannot change during the one statement that
 * checks the table, so each scope function has one value for the whole check.
 * `mimamori_scope_constants(expression)` writes those values into the policy expression as
 * literals (`municipality_id = 7`, `false OR …`); the planner then folds what is constant
 * and each row is compared with a literal. Every row is still checked, against the same
 * policies read from pg_policy, in the caller's scope, with the same result and error.
 *
 * The rewrite is textual on pg_get_expr's output, so it is done only where it cannot change
 * the meaning: when a quoted literal or identifier mentions a scope function, or the text
 * holds an escape-string literal, the expression is returned unchanged (the per-row calls,
 * as before).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION mimamori_scope_constants(expression text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
    DECLARE
      calls text := '\\mmimamori_scope_(municipality|council|accounts)\\(\\)';
      bare text;
      result text := expression;
    BEGIN
      IF expression IS NULL OR position('\\' IN expression) > 0 THEN
        RETURN expression;
      END IF;
      -- The text outside quoted literals and quoted identifiers (pg_get_expr doubles the
      -- quotes inside them): every call must be there, or nothing is rewritten.
      bare := regexp_replace(expression, '''(?:[^'']|'''')*''|"(?:[^"]|"")*"', '', 'g');
      IF (SELECT count(*) FROM regexp_matches(expression, calls, 'g'))
         <> (SELECT count(*) FROM regexp_matches(bare, calls, 'g')) THEN
        RETURN expression;
      END IF;
      result := regexp_replace(result, '\\mmimamori_scope_municipality\\(\\)',
                               coalesce(mimamori_scope_municipality()::text, 'NULL::integer'), 'g');
      result := regexp_replace(result, '\\mmimamori_scope_council\\(\\)',
                               mimamori_scope_council()::text, 'g');
      result := regexp_replace(result, '\\mmimamori_scope_accounts\\(\\)',
                               mimamori_scope_accounts()::text, 'g');
      RETURN result;
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION mimamori_scope_constants(text) FROM PUBLIC`.execute(db);
  // 0069's function with the check's expression passed through mimamori_scope_constants;
  // the rest is unchanged.
  await sql`
    CREATE OR REPLACE FUNCTION mimamori_attach_run_load_table(parent text, run integer) RETURNS void
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
      -- The scope's values as literals, once (0094): not a settings look-up per row.
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE NOT coalesce(%s, false))', part,
                     mimamori_scope_constants(format('(%s) AND (%s)', permissive, coalesce(restrictive, 'true'))))
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
}

export async function down(): Promise<void> {
  throw new Error("the run partitions' functions cannot be reverted by a migration");
}
