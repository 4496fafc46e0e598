import { type Kysely, sql } from "kysely";

/**
 * The incremental check of exports' persons (0073) missed a chunk numbered
 * before a check but committed after it: `seq` comes from a sequence when the
 * chunk is INSERTed, so a transaction that drew seq 100, stayed open while
 * another committed seq 101 and a check ran (recording "covered up to 101"),
 * and then committed, was never looked at again by a quick check (gov's
 * finding, session 8). A sequence number says when a chunk was written, not
 * when it became visible.
 *
 * Now every chunk also records the transaction that wrote it (`xid`, a
 * 64-bit transaction id that never wraps, set by the same trigger whatever the
 * INSERT says), and a checkpoint records the oldest transaction still running
 * when its check read the chunks (`disclosure_xmin`, the xmin of the check's
 * snapshot). Every chunk the check could not see was written by a transaction
 * running then or started later, so its xid is at least that xmin: the next
 * check looks again at every chunk with `xid >= disclosure_xmin` (besides
 * `seq > disclosure_seq`, which covers checkpoints written before this
 * migration, and chunks written before it, whose xid is unknown). It may look
 * at a few chunks twice; it cannot skip one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE audit_disclosure ADD COLUMN xid xid8`.execute(db);
  await sql`CREATE INDEX audit_disclosure_xid_idx ON audit_disclosure (xid)`.execute(db);
  await sql`ALTER TABLE audit_checkpoint ADD COLUMN disclosure_xmin xid8`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION audit_disclosure_number() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
      NEW.seq := nextval('audit_disclosure_seq');
      NEW.xid := pg_current_xact_id();
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION audit_disclosure_verify(after_id bigint, up_to_id bigint, after_seq bigint,
                                            after_xmin xid8)
    RETURNS TABLE (checked bigint, first_bad bigint, max_seq bigint, xmin xid8)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
      RETURN QUERY
      WITH candidate AS (
        SELECT a.id FROM audit_log a
         WHERE a.id > after_id AND a.id <= up_to_id AND a.detail ? 'disclosed'
        UNION
        SELECT d.audit_id FROM audit_disclosure d WHERE d.seq > after_seq
        UNION
        SELECT d.audit_id FROM audit_disclosure d
         WHERE after_xmin IS NOT NULL AND d.xid >= after_xmin
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
             (SELECT max(d.seq) FROM audit_disclosure d),
             -- The statement's snapshot, the one the chunks above were read with.
             pg_snapshot_xmin(pg_current_snapshot())
      FROM per;
    END $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS audit_disclosure_verify(bigint, bigint, bigint, xid8)`.execute(
    db,
  );
  await sql`
    CREATE OR REPLACE FUNCTION audit_disclosure_number() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
      NEW.seq := nextval('audit_disclosure_seq');
      RETURN NEW;
    END $$`.execute(db);
  await sql`ALTER TABLE audit_checkpoint DROP COLUMN IF EXISTS disclosure_xmin`.execute(db);
  await sql`DROP INDEX IF EXISTS audit_disclosure_xid_idx`.execute(db);
  await sql`ALTER TABLE audit_disclosure DROP COLUMN IF EXISTS xid`.execute(db);
}
