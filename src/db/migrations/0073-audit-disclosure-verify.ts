import { type Kysely, sql } from "kysely";

/**
 * `audit verify` checks the persons an export disclosed (issue 12): the
 * audit row of an export keeps the count and SHA-256 of the sorted ids
 * (`detail.disclosed`, covered by the hash chain) and the ids are in
 * `audit_disclosure` chunks (migration 0078). This migration lets the check
 * recompute that digest, incrementally like the chain:
 *
 * - `seq`: every chunk gets the next number of a sequence, set by a trigger
 *   whatever the INSERT says (a SECURITY DEFINER function, so the app role
 *   needs no right on the sequence and cannot choose the number). A check
 *   that has seen every chunk up to seq N looks again only at chunks after N
 *   — so a chunk appended later to an OLD export (the app role may INSERT)
 *   is found by the next incremental check, not only by a full one.
 * - `audit_checkpoint.disclosure_seq`: the highest seq a checkpoint's check
 *   covered (0 for checkpoints written before: the next check starts from 0
 *   once, then from its own checkpoint).
 * - `audit_disclosure_verify(after_id, up_to_id, after_seq)`: recomputes the
 *   digest and count of every export row in (after_id, up_to_id] and of every
 *   row that has a chunk with seq > after_seq (whatever its id), and flags a chunk of
 *   another municipality than its row, or of a row that is not an export or
 *   is gone. Returns ids only (never content), as SECURITY DEFINER across
 *   municipalities like audit_log_verify_range (0045).
 *
 * The digest is the one `disclosedSummary` (audit.repository.ts) writes: the
 * ids in chunk order and, within a chunk, array order (the sorted list as
 * appendDisclosure split it), joined by "\n", SHA-256 of the UTF-8 bytes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Migrations run in name order: on a new database this one comes before 0078
  // made audit_disclosure, and 0078 numbers its chunks itself (numberDisclosures).
  const exists = await sql<{ t: string | null }>`
    SELECT to_regclass('audit_disclosure')::text AS t`.execute(db);
  if (exists.rows[0]?.t) await numberDisclosures(db);

  await sql`ALTER TABLE audit_checkpoint
    ADD COLUMN disclosure_seq bigint NOT NULL DEFAULT 0`.execute(db);

  await sql`
    CREATE FUNCTION audit_disclosure_verify(after_id bigint, up_to_id bigint, after_seq bigint)
    RETURNS TABLE (checked bigint, first_bad bigint, max_seq bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
      RETURN QUERY
      WITH candidate AS (
        SELECT a.id FROM audit_log a
         WHERE a.id > after_id AND a.id <= up_to_id AND a.detail ? 'disclosed'
        UNION
        SELECT d.audit_id FROM audit_disclosure d WHERE d.seq > after_seq
      ), per AS (
        SELECT c.id, a.id IS NOT NULL AS has_row, a.detail->'disclosed' AS disclosed,
               s.ids, s.n, s.foreign_chunks
        FROM candidate c
        LEFT JOIN audit_log a ON a.id = c.id
        CROSS JOIN LATERAL (
          SELECT string_agg(u.p, E'\\n' ORDER BY d.chunk, u.ord) AS ids,
                 count(u.p) AS n,
                 count(*) FILTER (WHERE d.municipality_id IS DISTINCT FROM a.municipality_id)
                   AS foreign_chunks
          FROM audit_disclosure d
          CROSS JOIN LATERAL unnest(d.persons) WITH ORDINALITY AS u(p, ord)
          WHERE d.audit_id = c.id
        ) s
      )
      SELECT count(*)::bigint,
             min(id) FILTER (WHERE NOT has_row
               OR disclosed IS NULL
               OR foreign_chunks > 0
               OR n::text IS DISTINCT FROM disclosed->>'persons'
               OR encode(sha256(convert_to(coalesce(ids, ''), 'UTF8')), 'hex')
                  IS DISTINCT FROM disclosed->>'sha256'),
             (SELECT max(d.seq) FROM audit_disclosure d)
      FROM per;
    END $$`.execute(db);
}

/**
 * Numbers audit_disclosure's chunks (idempotent): the sequence, the column
 * (existing chunks numbered in order), its index and the trigger that sets it
 * on every INSERT. Run by this migration on a database that already has the
 * table, and by 0078 right after it creates the table on a new one.
 */
export async function numberDisclosures(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SEQUENCE IF NOT EXISTS audit_disclosure_seq`.execute(db);
  await sql`ALTER TABLE audit_disclosure ADD COLUMN IF NOT EXISTS seq bigint`.execute(db);
  await sql`UPDATE audit_disclosure SET seq = nextval('audit_disclosure_seq')
             WHERE seq IS NULL`.execute(db);
  await sql`ALTER TABLE audit_disclosure ALTER COLUMN seq SET NOT NULL`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS audit_disclosure_seq_idx ON audit_disclosure (seq)`.execute(
    db,
  );
  await sql`
    CREATE OR REPLACE FUNCTION audit_disclosure_number() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
      NEW.seq := nextval('audit_disclosure_seq');
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE TRIGGER audit_disclosure_number BEFORE INSERT ON audit_disclosure
    FOR EACH ROW EXECUTE FUNCTION audit_disclosure_number()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS audit_disclosure_verify(bigint, bigint, bigint)`.execute(db);
  await sql`ALTER TABLE audit_checkpoint DROP COLUMN IF EXISTS disclosure_seq`.execute(db);
  await sql`DROP TRIGGER IF EXISTS audit_disclosure_number ON audit_disclosure`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_disclosure_number()`.execute(db);
  await sql`ALTER TABLE audit_disclosure DROP COLUMN IF EXISTS seq`.execute(db);
  await sql`DROP SEQUENCE IF EXISTS audit_disclosure_seq`.execute(db);
}
