import { type Kysely, sql } from "kysely";
import { notifyBreakGlass } from "./0074-break-glass-notify.ts";

/**
 * Issue 12 (remaining): the municipality's pseudonymisation key (HMAC-SHA-256
 * of person and household ids for the analyst export; never exported, kept
 * only here and in backups) and break-the-glass grants (a user's time-limited
 * access to one child outside their scope, with the reason; reported to the
 * coordinating office). Row-level security: both are municipal tables, covered
 * by applyRowSecurity after the migration run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE pseudonym_key (
      municipality_id integer PRIMARY KEY REFERENCES municipality(id),
      key bytea NOT NULL CHECK (length(key) >= 32),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE TABLE break_glass (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality(id),
      user_id integer NOT NULL REFERENCES app_user(id),
      login_name text NOT NULL,
      person_id text NOT NULL,
      reason text NOT NULL CHECK (length(reason) >= 10),
      opened_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      CHECK (expires_at > opened_at)
    )`.execute(db);
  await sql`CREATE INDEX break_glass_user_idx ON break_glass (municipality_id, user_id, person_id, expires_at)`.execute(
    db,
  );
  await sql`CREATE INDEX break_glass_opened_idx ON break_glass (municipality_id, opened_at DESC)`.execute(
    db,
  );
  // On a new database 0074 ran before this table existed (its NOTIFY triggers).
  await notifyBreakGlass(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE break_glass`.execute(db);
  await sql`DROP TABLE pseudonym_key`.execute(db);
}
