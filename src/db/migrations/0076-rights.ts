import { type Kysely, sql } from "kysely";

/**
 * 利用停止 (issue 12, rights of the people concerned): a person whose data
 * must no longer be used. From the next run the person is left out of the
 * population (scoring, lists, validation); the imported rows are kept as the
 * law requires. Lifting the stop is recorded too; the rows are never deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE usage_stop (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality(id),
      person_id text NOT NULL,
      reason text NOT NULL CHECK (length(reason) >= 4),
      actor text NOT NULL,
      stopped_at timestamptz NOT NULL DEFAULT now(),
      lifted_at timestamptz,
      lifted_by text,
      lift_reason text
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX usage_stop_active_idx ON usage_stop (municipality_id, person_id) WHERE lifted_at IS NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE usage_stop`.execute(db);
}
