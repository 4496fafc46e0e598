import { type Kysely, sql } from "kysely";

/**
 * The audit chain's order is the order of ids (verification links each row to
 * the row with the next lower id), so a row's id must be taken while the
 * chain lock is held. Before this migration the id came from the column
 * default, drawn before the trigger waited for the lock: two concurrent
 * appends could take ids 10 and 11, the one with id 11 take the lock first,
 * and row 10 then link to row 11 — a chain that verification reports as
 * broken although nobody touched it. Now the trigger reads the tail while it
 * holds the lock, and a row whose id is not above the tail's (it lost that
 * race) takes a fresh id from the sequence, which is above every id drawn so
 * far. Without a race nothing changes (no gaps); everything else is as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
      tail_id bigint;
      tail_hash bytea;
    BEGIN
      PERFORM pg_advisory_xact_lock(7346001);
      SELECT a.id, a.hash INTO tail_id, tail_hash FROM audit_log a ORDER BY a.id DESC LIMIT 1;
      IF tail_id IS NOT NULL AND NEW.id <= tail_id THEN
        NEW.id := nextval(pg_get_serial_sequence('public.audit_log', 'id'));
      END IF;
      NEW.at := clock_timestamp();
      NEW.prev_hash := coalesce(tail_hash, '\\x'::bytea);
      NEW.hash := audit_log_row_digest(NEW);
      RETURN NEW;
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("0090-audit-chain-order cannot be reverted (the audit log is append-only)");
}
