import { type Kysely, sql } from "kysely";

/**
 * NOTIFY on changes that in-process caches depend on (issue 11): the server
 * keeps sessions, masking rules and the run head in memory, and another
 * process (the CLI, a second server) must be able to make it drop them.
 * Each trigger sends `pg_notify('mimamori_change', topic[:user id])` at
 * commit; src/db/change-feed.repository.ts LISTENs on one connection and
 * clears the matching caches (src/db/change-bus.ts).
 *
 * The payload is a topic and, for session / app_user rows, the user id —
 * never a token hash, name or any personal data: any role connected to the
 * database may LISTEN. Statement-level where a row key is not needed, so a
 * bulk change sends one notification. Identical payloads of one transaction
 * are folded by PostgreSQL.
 *
 * - session: deleted (logout, disabling, expiry sweep) or its token, user,
 *   absolute expiry, CSRF token or authentication time changed (rotation,
 *   re-authentication). The sliding `expires_at` / `last_seen_at` write is
 *   left out: it only extends a session.
 * - app_user: any update or delete (disabled, roles, 要対協 membership,
 *   affiliation, password, last login).
 * - masking_rule_version: a new version.
 * - score_run: a run started, completed, indexed or deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION mimamori_notify_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF TG_LEVEL = 'ROW' THEN
        PERFORM pg_notify('mimamori_change', TG_ARGV[0] || ':' ||
          CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id::text ELSE NEW.user_id::text END);
      ELSE
        PERFORM pg_notify('mimamori_change', TG_ARGV[0]);
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  // app_user has `id`, not `user_id`: its own function.
  await sql`
    CREATE OR REPLACE FUNCTION mimamori_notify_user_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      PERFORM pg_notify('mimamori_change', 'app_user:' ||
        CASE WHEN TG_OP = 'DELETE' THEN OLD.id::text ELSE NEW.id::text END);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER session_notify_change
    AFTER DELETE OR UPDATE OF token_hash, user_id, absolute_expires_at, csrf_token, authenticated_at
    ON session FOR EACH ROW EXECUTE FUNCTION mimamori_notify_change('session')`.execute(db);
  await sql`
    CREATE TRIGGER app_user_notify_change AFTER UPDATE OR DELETE
    ON app_user FOR EACH ROW EXECUTE FUNCTION mimamori_notify_user_change()`.execute(db);
  await sql`
    CREATE TRIGGER masking_rule_version_notify_change AFTER INSERT OR UPDATE OR DELETE
    ON masking_rule_version FOR EACH STATEMENT EXECUTE FUNCTION mimamori_notify_change('masking')`.execute(
    db,
  );
  await sql`
    CREATE TRIGGER score_run_notify_change AFTER INSERT OR UPDATE OR DELETE
    ON score_run FOR EACH STATEMENT EXECUTE FUNCTION mimamori_notify_change('score_run')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS score_run_notify_change ON score_run`.execute(db);
  await sql`DROP TRIGGER IF EXISTS masking_rule_version_notify_change ON masking_rule_version`.execute(
    db,
  );
  await sql`DROP TRIGGER IF EXISTS app_user_notify_change ON app_user`.execute(db);
  await sql`DROP TRIGGER IF EXISTS session_notify_change ON session`.execute(db);
  await sql`DROP FUNCTION IF EXISTS mimamori_notify_user_change()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS mimamori_notify_change()`.execute(db);
}
