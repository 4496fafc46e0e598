import { type Kysely, sql } from "kysely";

/**
 * 情報収集シート (issue 13, wf-sheets): templates edited by a municipality
 * (the built-in set lives in domain/sheets/templates.ts and is used when none
 * is stored), requests about one child to the child's affiliation with the
 * sharing mode and the snapshot of what that mode shares, the answers, and
 * in-app notifications. Row-level security is applied to every new table by
 * row-security.ts after the migration (municipality_id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("sheet_template")
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("questions", "jsonb", (c) => c.notNull())
    .addColumn("updated_by", "integer")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("sheet_template_pk", ["municipality_id", "key"])
    .execute();

  await db.schema
    .createTable("sheet_request")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("person_id", "text", (c) => c.notNull())
    // The child's name as sent (every mode passes it): the recipient's list
    // does not need to read the linkage tables.
    .addColumn("child_name", "text")
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("recipient_kind", "text", (c) =>
      c.notNull().check(sql`recipient_kind IN ('school','nursery','health_nurse','caseworker')`),
    )
    .addColumn("difficulties", sql`text[]`, (c) => c.notNull())
    .addColumn("mode", "text", (c) => c.notNull().check(sql`mode IN ('a','b','c')`))
    .addColumn("shared", "jsonb", (c) => c.notNull())
    .addColumn("questions", "jsonb", (c) => c.notNull())
    .addColumn("due_date", "date", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("sent").check(sql`status IN ('sent','answered','withdrawn')`),
    )
    .addColumn("batch_id", "text")
    .addColumn("note", "text")
    .addColumn("score_run_id", "integer")
    .addColumn("sent_by", "integer", (c) => c.notNull())
    .addColumn("sent_by_name", "text", (c) => c.notNull())
    .addColumn("sent_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("answers", "jsonb")
    .addColumn("answered_by", "integer")
    .addColumn("answered_by_name", "text")
    .addColumn("answered_at", "timestamptz")
    .addColumn("withdrawn_by", "integer")
    .addColumn("withdrawn_at", "timestamptz")
    .addColumn("withdraw_reason", "text")
    .addColumn("reminded_on", "date")
    .execute();
  await sql`CREATE INDEX sheet_request_recipient_idx ON sheet_request (municipality_id, recipient, status)`.execute(
    db,
  );
  await sql`CREATE INDEX sheet_request_person_idx ON sheet_request (municipality_id, person_id)`.execute(
    db,
  );

  await db.schema
    .createTable("notification")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("recipient_user_id", "integer", (c) =>
      c.notNull().references("app_user.id").onDelete("cascade"),
    )
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("link", "text")
    .addColumn("request_id", "integer", (c) => c.references("sheet_request.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("read_at", "timestamptz")
    .execute();
  await sql`CREATE INDEX notification_recipient_idx ON notification (recipient_user_id, read_at, id DESC)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("notification").execute();
  await db.schema.dropTable("sheet_request").execute();
  await db.schema.dropTable("sheet_template").execute();
}
