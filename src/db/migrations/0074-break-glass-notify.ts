import { type Kysely, sql } from "kysely";

/**
 * NOTIFY on break-the-glass grants (issue 11 benchmark, issue 12 scope): a
 * 支援担当's scope — the children of their school, cases and grants — is kept
 * in memory per reader (db/child.repository.ts ReaderSets) and must widen the
 * moment a grant is opened, also when another server or the CLI opened it.
 * The grant is written to `break_glass`; its topic is `casework`, like the
 * workflow's tables of migration 0071 (whose function this uses: the payload
 * is the topic alone, never an id). Grants end by time, which the cache
 * checks on every use, and are never changed or deleted by the app.
 *
 * Migrations run in name order: on a new database this one comes before 0075
 * made break_glass, and 0075 adds the triggers itself (notifyBreakGlass).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const exists = await sql<{ t: string | null }>`
    SELECT to_regclass('break_glass')::text AS t`.execute(db);
  if (exists.rows[0]?.t) await notifyBreakGlass(db);
}

/** The triggers (idempotent); needs mimamori_notify_topic() of 0071. */
export async function notifyBreakGlass(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE TRIGGER break_glass_notify_topic AFTER INSERT OR UPDATE OR DELETE
    ON break_glass FOR EACH ROW EXECUTE FUNCTION mimamori_notify_topic('casework')`.execute(db);
  await sql`
    CREATE OR REPLACE TRIGGER break_glass_notify_truncate AFTER TRUNCATE
    ON break_glass FOR EACH STATEMENT EXECUTE FUNCTION mimamori_notify_topic('casework')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS break_glass_notify_truncate ON break_glass`.execute(db);
  await sql`DROP TRIGGER IF EXISTS break_glass_notify_topic ON break_glass`.execute(db);
}
