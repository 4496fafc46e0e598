import { type Kysely, sql } from "kysely";
import { MAIL_PASSWORD_PURPOSE } from "../mail.repository.ts";
import { isSealed, sealSecret } from "../secret-box.ts";

/**
 * The SMTP relay's password sealed at rest (issue 13; db/secret-box.ts,
 * AES-256-GCM with the key of MIMAMORI_SECRET_KEY or HOME/secret.key): a
 * password stored in plaintext by 0061's settings is sealed in place. No
 * password, or one already sealed: nothing to do, and no key is created.
 * Down leaves the sealed value (opening it needs the key; enter the password
 * again after a downgrade).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const r = await sql<{ auth_password: string }>`
    SELECT auth_password FROM mail_setting WHERE id = 1 AND auth_password IS NOT NULL`.execute(db);
  const stored = r.rows[0]?.auth_password;
  if (stored === undefined || isSealed(stored)) return;
  await sql`UPDATE mail_setting SET auth_password = ${sealSecret(stored, MAIL_PASSWORD_PURPOSE)}
    WHERE id = 1`.execute(db);
}

export async function down(_db: Kysely<unknown>): Promise<void> {}
