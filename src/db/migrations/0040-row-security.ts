import { type Kysely, sql } from "kysely";
import { applyRowSecurity } from "../row-security.ts";

/**
 * Several municipalities on one server (issue 12): row-level security.
 *
 * - Scope functions read the transaction-local settings that scope.ts sets
 *   with set_config(…, true): the municipality, council membership, and the
 *   account lookup of authentication.
 * - Special policies: app_user (also visible to an account lookup), session
 *   (visible when its user is), audit_log (read: own municipality; append:
 *   own municipality, pre-login rows without one, or from an account lookup;
 *   the chain trigger reads the tail as the owner).
 * - 要対協 facts (sources yotaikyo and ichiji_hogo, items B01 and B02) are
 *   council-only: RESTRICTIVE policies on import_snapshot, import_row (new
 *   column council_only, written at import and checked against its snapshot)
 *   and link_record, so only a transaction with
 *   mimamori.council = 'on' sees or writes them.
 *   The lists are domain/policy's COUNCIL_ONLY_SOURCES and COUNCIL_ONLY_ITEMS
 *   (test/row-security.test.ts checks they agree).
 * - Every other table with municipality_id gets the standard policy
 *   (row-security.ts), RLS is enabled and forced everywhere.
 */
const COUNCIL_SOURCES = sql`('yotaikyo', 'ichiji_hogo')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  // `--municipality CODE` selects by code: one municipality per code.
  await sql`CREATE UNIQUE INDEX municipality_code_key ON municipality (code)`.execute(db);

  await sql`
    CREATE FUNCTION mimamori_scope_municipality() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT nullif(current_setting('mimamori.municipality_id', true), '')::integer
    $$`.execute(db);
  await sql`
    CREATE FUNCTION mimamori_scope_council() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT coalesce(current_setting('mimamori.council', true), '') = 'on'
    $$`.execute(db);
  await sql`
    CREATE FUNCTION mimamori_scope_accounts() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT coalesce(current_setting('mimamori.accounts', true), '') = 'all'
    $$`.execute(db);

  await sql`
    CREATE POLICY municipality_isolation ON app_user
    USING (municipality_id = mimamori_scope_municipality() OR mimamori_scope_accounts())
    WITH CHECK (municipality_id = mimamori_scope_municipality() OR mimamori_scope_accounts())`.execute(
    db,
  );
  // app_user's own policy limits the subquery: a session is visible when its user is.
  await sql`
    CREATE POLICY user_visible ON session
    USING (user_id IN (SELECT id FROM app_user))
    WITH CHECK (user_id IN (SELECT id FROM app_user))`.execute(db);
  await sql`ALTER TABLE session ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`ALTER TABLE session FORCE ROW LEVEL SECURITY`.execute(db);

  await sql`
    CREATE POLICY municipality_isolation ON audit_log FOR SELECT
    USING (municipality_id = mimamori_scope_municipality())`.execute(db);
  await sql`
    CREATE POLICY municipality_append ON audit_log FOR INSERT
    WITH CHECK (municipality_id = mimamori_scope_municipality() OR municipality_id IS NULL
                OR mimamori_scope_accounts())`.execute(db);
  // The chain covers every municipality: its trigger reads the tail as the
  // function's owner (who runs migrations), with a policy for that role in
  // case it is not a superuser (FORCE applies to owners too).
  await sql`
    CREATE POLICY chain_tail ON audit_log FOR SELECT TO CURRENT_USER USING (true)`.execute(db);
  await sql`
    ALTER FUNCTION audit_log_chain() SECURITY DEFINER SET search_path = pg_catalog, public`.execute(
    db,
  );

  // 要対協 facts.
  await sql`
    CREATE POLICY council_only ON import_snapshot AS RESTRICTIVE
    USING (mimamori_scope_council() OR source_id NOT IN ${COUNCIL_SOURCES})
    WITH CHECK (mimamori_scope_council() OR source_id NOT IN ${COUNCIL_SOURCES})`.execute(db);

  await sql`ALTER TABLE import_row ADD COLUMN council_only boolean NOT NULL DEFAULT false`.execute(
    db,
  );
  await sql`
    UPDATE import_row r SET council_only = true FROM import_snapshot s
    WHERE s.id = r.snapshot_id AND s.source_id IN ${COUNCIL_SOURCES}`.execute(db);
  await sql`
    CREATE POLICY council_only ON import_row AS RESTRICTIVE
    USING (mimamori_scope_council() OR NOT council_only)
    WITH CHECK (mimamori_scope_council() OR NOT council_only)`.execute(db);
  // A row must belong to a snapshot the writer can see, and say whether that
  // snapshot is council-only: a forgotten flag cannot leak 要対協 rows.
  // (Uncorrelated subqueries: hashed once per statement, not per row.)
  await sql`
    CREATE POLICY council_flag ON import_row AS RESTRICTIVE FOR INSERT
    WITH CHECK (
      snapshot_id IN (SELECT id FROM import_snapshot)
      AND council_only = (snapshot_id IN (SELECT id FROM import_snapshot
                                          WHERE source_id IN ${COUNCIL_SOURCES})))`.execute(db);

  await sql`
    CREATE POLICY council_only ON link_record AS RESTRICTIVE
    USING (mimamori_scope_council() OR source_id NOT IN ${COUNCIL_SOURCES})
    WITH CHECK (mimamori_scope_council() OR source_id NOT IN ${COUNCIL_SOURCES})`.execute(db);
  // score_item B01/B02 are not hidden here: the run views recompute a
  // non-member's scores without their points, which needs those rows
  // (db/run-view.repository.ts); they filter them in SQL (docs/security.md).

  await applyRowSecurity(db);
}

export async function down(): Promise<void> {
  throw new Error("row-level security cannot be reverted by a migration");
}
