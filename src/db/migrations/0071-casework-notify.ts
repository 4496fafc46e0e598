import { type Kysely, sql } from "kysely";

/**
 * NOTIFY on changes of the screening workflow (issue 13 benchmark: the home
 * page and the conference screen under 50 users). The server keeps each
 * reader's answers of 自分の予定, お知らせ, the conference list and screen
 * and the assignees in memory (server/services/reader-answers.ts) and drops
 * them when any of these tables change — here or in another process (the
 * CLI, a second server, the background reminder loop of another server),
 * through the channel migration 0092's feed listens on
 * (db/change-feed.repository.ts).
 *
 * - `casework`: cases, their events, 候補リスト and entries, conferences,
 *   plans, actions, follow-ups, evaluations, 情報収集シート requests;
 * - `notification`: お知らせ;
 * - `municipality`: its name (the session's answer names it).
 *
 * ROW level, unlike 0092 / 0093: the reminder passes run an UPDATE every
 * 30 s that usually changes nothing, and a statement-level trigger would
 * notify (and so clear every reader's answers) each time. PostgreSQL folds
 * identical payloads of one transaction, so a bulk change still sends one
 * notification. TRUNCATE (statement level only) notifies too. The payload
 * is the topic alone — never an id, name or any personal data: any role
 * connected to the database may LISTEN. This migration defines its own
 * function: on a fresh database it runs before 0092.
 */
const CASEWORK_TABLES: readonly [table: string, topic: string][] = [
  ["child_case", "casework"],
  ["case_event", "casework"],
  ["review_list", "casework"],
  ["review_list_entry", "casework"],
  ["conference", "casework"],
  ["support_plan", "casework"],
  ["support_action", "casework"],
  ["follow_up", "casework"],
  ["result_evaluation", "casework"],
  ["sheet_request", "casework"],
  ["notification", "notification"],
  ["municipality", "municipality"],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION mimamori_notify_topic() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      PERFORM pg_notify('mimamori_change', TG_ARGV[0]);
      RETURN NULL;
    END $$`.execute(db);
  for (const [table, topic] of CASEWORK_TABLES) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_notify_topic`)} AFTER INSERT OR UPDATE OR DELETE
      ON ${sql.table(table)} FOR EACH ROW
      EXECUTE FUNCTION mimamori_notify_topic(${sql.lit(topic)})`.execute(db);
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_notify_truncate`)} AFTER TRUNCATE
      ON ${sql.table(table)} FOR EACH STATEMENT
      EXECUTE FUNCTION mimamori_notify_topic(${sql.lit(topic)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table] of CASEWORK_TABLES) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_notify_truncate`)} ON ${sql.table(table)}`.execute(
      db,
    );
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_notify_topic`)} ON ${sql.table(table)}`.execute(
      db,
    );
  }
  await sql`DROP FUNCTION IF EXISTS mimamori_notify_topic()`.execute(db);
}
