/**
 * How the schema would be distributed by municipality (issue 12, Citus-style;
 * docs/ARCHITECTURE.md「分散の準備」). Every table with a municipality_id
 * column is a municipal table, distributed on municipality_id, and each of its
 * primary keys, unique keys, unique indexes and foreign keys to other
 * municipal tables carries municipality_id (migration 0096). The exceptions
 * are listed here with their reason; test/distribution-keys.test.ts fails
 * when a table is neither municipal nor listed, or when a municipal table has
 * a key without municipality_id.
 *
 * A new table belongs to a municipality as a rule: give it municipality_id
 * (NOT NULL) and put municipality_id in its keys; list it here only when it
 * truly serves the whole server.
 */

/**
 * Tables with a municipality_id column that are NOT distributed: in a Citus
 * deployment they are reference tables (copied to every node), so municipal
 * tables can reference them with single-column foreign keys.
 */
export const REFERENCE_TABLES: Readonly<Record<string, string>> = {
  municipality:
    "the municipalities themselves (no municipality_id: its id is the distribution value); every municipal table references it",
  app_user:
    "login names are unique across the server and looked up before any municipality is known; sessions, login challenges and recovery codes reference it",
  audit_log:
    "one hash chain over the whole server (audit verify, checkpoints); pre-login rows have no municipality",
};

/** Tables without municipality_id that serve the whole server, and why. */
export const GLOBAL_TABLES: Readonly<Record<string, string>> = {
  session:
    "a login's session, found by its cookie before the municipality is known; belongs to an app_user",
  login_challenge:
    "the step between password and second factor, found by its cookie; belongs to an app_user",
  login_failure: "throttling by login name and address before anyone is identified",
  user_recovery_code: "an app_user's second-factor recovery codes",
  mail_setting: "the one SMTP relay of the installation (id = 1)",
  audit_checkpoint: "checkpoints of the server-wide audit chain (audit_log)",
  kysely_migration: "the migration tool's record of applied migrations",
  kysely_migration_lock: "the migration tool's lock",
};
