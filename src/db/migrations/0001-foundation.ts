import { type Kysely, sql } from "kysely";

/**
 * Foundation: municipalities, users, sessions and the append-only audit log.
 * Every table holding municipal data carries municipality_id so that several
 * towns can later share one server (isolated by row-level security; see
 * docs/ARCHITECTURE.md for what is and is not enforced yet).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("municipality")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("code", "text")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("app_user")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("login_name", "text", (c) => c.notNull().unique())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("roles", sql`text[]`, (c) => c.notNull())
    .addColumn("must_change_password", "boolean", (c) => c.notNull())
    .addColumn("disabled", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("password_changed_at", "timestamptz")
    .addColumn("last_login_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("session")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) =>
      c.notNull().references("app_user.id").onDelete("cascade"),
    )
    .addColumn("csrf_token", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("session_user_idx").on("session").column("user_id").execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.references("municipality.id"))
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor_user_id", "integer")
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target", "text")
    .addColumn("detail", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("prev_hash", "bytea", (c) => c.notNull())
    .addColumn("hash", "bytea", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_log_at_idx").on("audit_log").column("at").execute();

  // The hash chain: each row's hash covers its content and the previous row's
  // hash, so editing or removing a row anywhere breaks every later hash. The
  // advisory lock serialises writers so the chain never forks.
  await sql`
    CREATE FUNCTION audit_log_row_digest(r audit_log) RETURNS bytea
    LANGUAGE sql IMMUTABLE AS $$
      SELECT sha256(r.prev_hash || convert_to(concat_ws(E'\\x1f',
        r.id::text, coalesce(r.municipality_id::text, ''),
        extract(epoch FROM r.at)::text, coalesce(r.actor_user_id::text, ''),
        r.actor, r.action, coalesce(r.target, ''), r.detail::text), 'UTF8'))
    $$`.execute(db);
  await sql`
    CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(7346001);
      NEW.at := clock_timestamp();
      NEW.prev_hash := coalesce(
        (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '\\x'::bytea);
      NEW.hash := audit_log_row_digest(NEW);
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain()`.execute(db);
  // Append-only: no UPDATE, DELETE or TRUNCATE through any path of the app.
  await sql`
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '監査ログは追記のみです（変更・削除はできません）';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("foundation migration cannot be reverted");
}
