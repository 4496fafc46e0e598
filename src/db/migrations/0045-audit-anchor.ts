import { type Kysely, sql } from "kysely";

/**
 * Audit log, second step (issue 12):
 * - "from where" (client address), "why" (purpose) and the child concerned
 *   (person_id, for "who looked at this child") as columns, covered by the hash;
 * - verified checkpoints (last verified id + hash) so the audit page verifies
 *   only new rows instead of the whole chain on every view;
 * - verification and the chain trigger as SECURITY DEFINER functions, so that
 *   a role limited by row-level security still sees (and links to) the one
 *   global chain, and verification returns only ids and hashes, never content.
 *
 * The digest adds the new fields as tagged, NULL-skipped parts (concat_ws skips
 * NULLs), so every row written before this migration keeps its hash.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE audit_log
    ADD COLUMN client_address text,
    ADD COLUMN person_id text,
    ADD COLUMN purpose text`.execute(db);
  await sql`CREATE INDEX audit_log_person_idx ON audit_log (municipality_id, person_id, id)
    WHERE person_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id)`.execute(db);
  await sql`CREATE INDEX audit_log_municipality_idx ON audit_log (municipality_id, id)`.execute(db);

  await sql`
    CREATE OR REPLACE FUNCTION audit_log_row_digest(r audit_log) RETURNS bytea
    LANGUAGE sql IMMUTABLE AS $$
      SELECT sha256(r.prev_hash || convert_to(concat_ws(E'\\x1f',
        r.id::text, coalesce(r.municipality_id::text, ''),
        extract(epoch FROM r.at)::text, coalesce(r.actor_user_id::text, ''),
        r.actor, r.action, coalesce(r.target, ''), r.detail::text,
        'addr=' || r.client_address, 'person=' || r.person_id, 'purpose=' || r.purpose), 'UTF8'))
    $$`.execute(db);
  await sql`ALTER FUNCTION audit_log_chain() SECURITY DEFINER`.execute(db);
  await sql`ALTER FUNCTION audit_log_chain() SET search_path = public, pg_temp`.execute(db);

  await sql`
    CREATE TABLE audit_checkpoint (
      id bigserial PRIMARY KEY,
      last_id bigint NOT NULL,
      hash bytea NOT NULL,
      -- rows from the start of the chain up to last_id
      rows_covered bigint NOT NULL,
      full_check boolean NOT NULL,
      verified_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  // Verifies up to max_rows rows after (after_id, after_hash): every row's hash
  // must be its recomputed digest and its prev_hash the hash before it.
  await sql`
    CREATE FUNCTION audit_log_verify_range(after_id bigint, after_hash bytea, max_rows integer)
    RETURNS TABLE (checked bigint, first_bad bigint, last_id bigint, last_hash bytea)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      WITH page AS (
        SELECT a.id, a.hash, a.prev_hash, audit_log_row_digest(a) AS recomputed
        FROM audit_log a WHERE a.id > after_id ORDER BY a.id LIMIT max_rows
      ), chain AS (
        SELECT id, hash, prev_hash, recomputed,
               coalesce(lag(hash) OVER (ORDER BY id), after_hash) AS expected_prev
        FROM page
      )
      SELECT count(*)::bigint,
             min(id) FILTER (WHERE hash <> recomputed OR prev_hash <> expected_prev),
             max(id),
             (SELECT c.hash FROM chain c ORDER BY c.id DESC LIMIT 1)
      FROM chain
    $$`.execute(db);
  // The stored hash of one row (null when the row is gone): checks an anchor.
  await sql`
    CREATE FUNCTION audit_log_hash_at(row_id bigint) RETURNS bytea
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      SELECT hash FROM audit_log WHERE id = row_id
    $$`.execute(db);
  // The newest row's id and hash (the tail a checkpoint records).
  await sql`
    CREATE FUNCTION audit_log_tail() RETURNS TABLE (id bigint, hash bytea)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      SELECT a.id, a.hash FROM audit_log a ORDER BY a.id DESC LIMIT 1
    $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("0045-audit-anchor cannot be reverted (the audit log is append-only)");
}
