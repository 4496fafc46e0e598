import { type Kysely, sql } from "kysely";

/**
 * An administrator's reset of a user's second factor (issue 12, lost phone)
 * must make that user enrol a new one at the next login, whatever the role:
 * `totp_must_enrol` is set by the reset and cleared when enrolment is
 * confirmed. Roles that always need TOTP (admin, 総括管理) enrol anyway.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE app_user ADD COLUMN totp_must_enrol boolean NOT NULL DEFAULT false`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE app_user DROP COLUMN IF EXISTS totp_must_enrol`.execute(db);
}
