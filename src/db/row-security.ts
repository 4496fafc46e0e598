/**
 * Row-level security for every municipal table (a table with a
 * municipality_id column) and every table of a user's rows (a user_id
 * column, e.g. session): the standard policy `municipality_isolation`
 * (or `user_visible`: rows of users the scope can see)
 * (rows of the scope's municipality only, WITH CHECK on writes), RLS enabled
 * and FORCEd (the owner is subject too), and the app role's privileges.
 *
 * Run by migration 0040 and again after every migration run
 * (database.ts migrateToLatest), so a table that a later (or out-of-order)
 * migration adds is covered without that migration having to know: a table
 * that already has a permissive policy keeps its own (0040 writes special ones for
 * app_user, audit_log and session). test/row-security.test.ts fails when a
 * municipal table is left without RLS.
 */
import { Kysely, sql } from "kysely";
import type pg from "pg";
import { APP_ROLE } from "./scope.ts";

/** Tables the app role may read and append to, never change (the audit log and an export's persons). */
export const APPEND_ONLY: ReadonlySet<string> = new Set(["audit_log", "audit_disclosure"]);
/** Kysely's own bookkeeping: owner only. */
const OWNER_ONLY = new Set(["kysely_migration", "kysely_migration_lock"]);

// biome-ignore lint/suspicious/noExplicitAny: runs on any schema version (migrations use Kysely<unknown>)
export async function applyRowSecurity(db: Kysely<any>): Promise<void> {
  await ensureAppRole(db);
  const tables = await sql<{
    name: string;
    municipal: boolean;
    personal: boolean;
    rls: boolean;
    forced: boolean;
    policies: number;
    granted: boolean;
  }>`
    SELECT c.relname AS name,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                   AND a.attname = 'municipality_id' AND NOT a.attisdropped) AS municipal,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                   AND a.attname = 'user_id' AND NOT a.attisdropped) AS personal,
           c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
           (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive) AS policies,
           has_table_privilege(${APP_ROLE}, c.oid, 'SELECT') AS granted
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
    ORDER BY c.relname`.execute(db);
  const role = sql.id(APP_ROLE);
  for (const t of tables.rows) {
    if (OWNER_ONLY.has(t.name)) continue;
    const table = sql.id(t.name);
    if (!t.granted) {
      await (APPEND_ONLY.has(t.name)
        ? sql`GRANT SELECT, INSERT ON ${table} TO ${role}`
        : sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${role}`
      ).execute(db);
    }
    if (!t.municipal && !t.personal) continue;
    if (t.policies === 0) {
      await (t.municipal
        ? sql`
        CREATE POLICY municipality_isolation ON ${table}
        USING (municipality_id = mimamori_scope_municipality())
        WITH CHECK (municipality_id = mimamori_scope_municipality())`
        : // A user's row (sessions, recovery codes, login challenges): visible
          // when the user is (app_user's own policy limits the subquery).
          sql`
        CREATE POLICY user_visible ON ${table}
        USING (user_id IN (SELECT id FROM app_user))
        WITH CHECK (user_id IN (SELECT id FROM app_user))`
      ).execute(db);
    }
    if (!t.rls) await sql`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`.execute(db);
    if (!t.forced) await sql`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`.execute(db);
  }
  const sequences = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'S'
      AND c.relname NOT LIKE 'kysely%'
      AND NOT CASE WHEN c.relkind = 'S'
                   THEN has_sequence_privilege(${APP_ROLE}, c.oid, 'USAGE') END`.execute(db);
  for (const s of sequences.rows)
    await sql`GRANT USAGE, SELECT ON SEQUENCE ${sql.id(s.name)} TO ${role}`.execute(db);
}

/**
 * The app role (cluster-wide, so created once per server; parallel test
 * databases may race to create it). NOLOGIN: it holds the grants; the app's
 * LOGIN role (login-role.ts) is a member and inherits them, and each scoped
 * transaction also takes it with SET LOCAL ROLE (so the owner, a member too,
 * can run COPY paths scoped). Not the owner, no BYPASSRLS, NOINHERIT.
 */
// biome-ignore lint/suspicious/noExplicitAny: see applyRowSecurity
export async function ensureAppRole(db: Kysely<any> | pg.ClientBase): Promise<void> {
  if (db instanceof Kysely) await sql.raw(APP_ROLE_STATEMENT).execute(db);
  else await db.query(APP_ROLE_STATEMENT);
}

const APP_ROLE_STATEMENT = `
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        BEGIN
          CREATE ROLE "${APP_ROLE}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
          NULL;
        END;
      END IF;
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
         AND NOT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') THEN
        EXECUTE format('GRANT %I TO %I', '${APP_ROLE}', current_user);
      END IF;
    END $$`;
