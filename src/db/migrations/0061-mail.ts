import { type Kysely, sql } from "kysely";

/**
 * Optional mail for in-app notifications (issue 13, wf): off by default, as a
 * closed network (LGWAN) has no mail unless the municipality's relay is set.
 *
 * - `app_user.email`: a staff member's optional address (personal data of
 *   staff: shown to administrators and to the user, never logged or audited
 *   in full).
 * - `mail_setting`: one row per installation (id = 1), no municipality_id: the
 *   relay serves the whole server. The password is write-only for the API
 *   and the CLI (docs/security.md).
 * - `mail_outbox`: the durable queue the background sender works through.
 *   It carries the notification's kind and link path only — never its text,
 *   which may name a school or a date — and reads the address at send time,
 *   so a removed address stops the mail. No foreign key to notification:
 *   this migration may run before 0065-sheets on a fresh database.
 *
 * Row-level security is applied to mail_outbox (municipality_id) by
 * row-security.ts after the migration run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("app_user")
    .addColumn("email", "text", (c) =>
      c.check(
        sql`email IS NULL OR (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$')`,
      ),
    )
    .execute();

  await db.schema
    .createTable("mail_setting")
    .addColumn("id", "integer", (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
    .addColumn("enabled", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("host", "text")
    .addColumn("port", "integer", (c) => c.check(sql`port BETWEEN 1 AND 65535`))
    .addColumn("security", "text", (c) =>
      c.notNull().defaultTo("starttls").check(sql`security IN ('starttls', 'tls', 'none')`),
    )
    .addColumn("auth_user", "text")
    .addColumn("auth_password", "text")
    .addColumn("from_address", "text")
    .addColumn("app_url", "text")
    .addColumn("updated_by", "text")
    .addColumn("updated_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("mail_outbox")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("recipient_user_id", "integer", (c) =>
      c.notNull().references("app_user.id").onDelete("cascade"),
    )
    .addColumn("notification_id", "integer")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("link", "text")
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("queued")
        .check(sql`status IN ('queued', 'sent', 'failed', 'cancelled')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("sent_at", "timestamptz")
    .execute();
  await sql`CREATE INDEX mail_outbox_due_idx ON mail_outbox (municipality_id, next_attempt_at) WHERE status = 'queued'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("mail_outbox").execute();
  await db.schema.dropTable("mail_setting").execute();
  await db.schema.alterTable("app_user").dropColumn("email").execute();
}
