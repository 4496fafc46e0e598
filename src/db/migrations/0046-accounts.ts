import { type Kysely, sql } from "kysely";

/**
 * Accounts (issue 12): TOTP second factor with recovery codes, lockout and
 * login throttling kept in PostgreSQL (so a restart does not reset them),
 * absolute session lifetime and a recent-authentication time per session, and
 * the short-lived login challenge between the password and the second factor.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE app_user
    ADD COLUMN totp_secret text,
    ADD COLUMN totp_enabled_at timestamptz,
    ADD COLUMN totp_last_step bigint,
    ADD COLUMN totp_pending_secret text,
    ADD COLUMN failed_login_count integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_until timestamptz`.execute(db);

  // One-time recovery codes; only a SHA-256 of each is kept.
  await sql`CREATE TABLE user_recovery_code (
      user_id integer NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      code_hash text NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, code_hash)
    )`.execute(db);

  // Failed logins per key (login name + client address), for throttling.
  // Pre-login and keyed by what was typed, so not tied to a municipality.
  await sql`CREATE TABLE login_failure (
      key text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX login_failure_key_idx ON login_failure (key, at)`.execute(db);

  // The step between a correct password and a correct second factor (or the
  // enrolment an administrator must complete first): its own cookie, never a session.
  await sql`CREATE TABLE login_challenge (
      token_hash text PRIMARY KEY,
      user_id integer NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('totp', 'enrol')),
      attempts integer NOT NULL DEFAULT 0,
      client_address text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`.execute(db);

  await sql`ALTER TABLE session
    ADD COLUMN absolute_expires_at timestamptz NOT NULL DEFAULT now() + interval '12 hours',
    ADD COLUMN authenticated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN client_address text`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("0046-accounts cannot be reverted");
}
