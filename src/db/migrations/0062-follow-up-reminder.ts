import { type Kysely, sql } from "kysely";

/**
 * Follow-up reminders (issue 13): `follow_up.reminded_on` is the day the
 * server's background loop reminded the assignee that the follow-up fell due
 * (server/overdue-reminders.ts). Null until then; set in the statement that
 * picks the follow-up, so a follow-up is reminded once, whichever loop or
 * concurrent pass gets there first. A follow-up done before its date is never
 * reminded. The partial index keeps the loop's look-up to open, unreminded
 * follow-ups.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE follow_up ADD COLUMN reminded_on date`.execute(db);
  await sql`CREATE INDEX follow_up_due_unreminded_idx ON follow_up (municipality_id, due_on)
    WHERE done_at IS NULL AND reminded_on IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX follow_up_due_unreminded_idx`.execute(db);
  await sql`ALTER TABLE follow_up DROP COLUMN reminded_on`.execute(db);
}
