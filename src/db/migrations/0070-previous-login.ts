import { type Kysely, sql } from "kysely";

/**
 * 「最終ログイン」 on the home page must show the login before the current one
 * (issue 16: it showed the login just made). Each login moves last_login_at
 * into previous_login_at before setting last_login_at to now.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE app_user ADD COLUMN previous_login_at timestamptz`.execute(db);
}
