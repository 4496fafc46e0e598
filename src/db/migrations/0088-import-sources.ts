import { type Kysely, sql } from "kysely";

/**
 * データ提供 accounts bring in their own department's sources only (issue 12):
 * `app_user.import_sources` lists the source ids an account may import (file,
 * 手入力, 訂正, 取消) and see in the import history. NULL means every source
 * (the accounts made before this migration keep working; the account inventory
 * shows them as 「すべて（未設定）」 for the periodic 棚卸). 要対協 / 一時保護 sources
 * still need council membership whatever the list says.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE app_user ADD COLUMN IF NOT EXISTS import_sources text[]`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE app_user DROP COLUMN IF EXISTS import_sources`.execute(db);
}
