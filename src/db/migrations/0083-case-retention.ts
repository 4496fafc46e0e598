import { type Kysely, sql } from "kysely";

/**
 * Retention per case (issue 12, lifecycle). A closed case is deleted when its
 * retention has run out (pipeline/case-retention.ts); what the purge
 * deleted is kept as counts only in `purge_log` (never the content) and in
 * the audit log.
 *
 * case_event is append-only (0060's trigger). The purge is the one delete it
 * allows, and only inside a transaction that declared it with
 * `set_config('mimamori.purge', 'on', true)` (local to that transaction);
 * every other UPDATE or DELETE is still refused.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE purge_log (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality(id),
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      kind text NOT NULL,
      policy jsonb NOT NULL,
      counts jsonb NOT NULL
    )`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION case_event_append_only() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('mimamori.purge', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'case_event is an append-only trail: record a correction as a new event';
    END $$ LANGUAGE plpgsql`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION case_event_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'case_event is an append-only trail: record a correction as a new event';
    END $$ LANGUAGE plpgsql`.execute(db);
  await sql`DROP TABLE purge_log`.execute(db);
}
