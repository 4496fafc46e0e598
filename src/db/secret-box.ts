/**
 * Secrets at rest (issue 13: the SMTP relay's password). A secret is stored
 * sealed with AES-256-GCM: `v1:` + base64(iv ‖ tag ‖ ciphertext), a fresh
 * 12-byte iv each time, and the column it belongs to as additional data (a
 * sealed value copied into another column does not open). A database dump or
 * backup alone then does not carry the relay's password.
 *
 * The key (32 bytes) comes from `MIMAMORI_SECRET_KEY` (base64 or hex), else
 * from `secret.key` in the mimamori home (`--home` / MIMAMORI_HOME), created
 * with mode 0600 on first use. The key is not in the database: back it up
 * with the home, apart from database backups (docs/operations.md); losing it
 * means entering the SMTP password again, nothing else.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MimamoriError } from "../domain/errors.ts";

const PREFIX = "v1:";
const KEY_FILE = "secret.key";

let home: string | undefined;
let cached: { source: string; key: Buffer } | undefined;

/**
 * The mimamori home whose `secret.key` holds the key (openDatabase sets it).
 * Not named use…: Biome's useHookAtTopLevel takes such names for React hooks.
 */
export function setSecretHome(dir: string | undefined): void {
  home = dir;
}

function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32)
    throw new MimamoriError(
      "config",
      `${where} の鍵が正しくありません（32 バイトを base64 44 文字か 16 進 64 文字で）。鍵のバックアップから戻すか、新しい鍵を \`openssl rand -base64 32\` で作ってください（新しい鍵では SMTP のパスワードを入力し直す必要があります）。`,
    );
  return key;
}

/** The key: MIMAMORI_SECRET_KEY, else HOME/secret.key (created, 0600, on first use). */
function secretKey(): Buffer {
  const env = process.env.MIMAMORI_SECRET_KEY;
  const source = env ? `env:${env}` : `file:${home ?? ""}`;
  if (cached?.source === source) return cached.key;
  let key: Buffer;
  if (env) {
    key = parseKey(env, "MIMAMORI_SECRET_KEY");
  } else {
    if (!home)
      throw new MimamoriError(
        "config",
        "秘密鍵の置き場所が決まっていません。--home（MIMAMORI_HOME）を指定するか、MIMAMORI_SECRET_KEY を設定してください。",
      );
    const file = join(home, KEY_FILE);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    try {
      // wx: never overwrite a key another process created first.
      writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    key = parseKey(readFileSync(file, "utf8"), file);
  }
  cached = { source, key };
  return key;
}

/** Whether a stored value is sealed (else it is plaintext from before 0063). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** Seals `plain` for the column `purpose` (e.g. "mail_setting.auth_password"). */
export function sealSecret(plain: string, purpose: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secretKey(), iv);
  cipher.setAAD(Buffer.from(purpose, "utf8"));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

/**
 * Opens a value sealed by {@link sealSecret} for the same `purpose`. A wrong
 * key (or a changed value) is refused with a Japanese message saying what
 * the operator can do.
 */
export function openSecret(stored: string, purpose: string): string {
  if (!isSealed(stored))
    throw new MimamoriError(
      "config",
      "保存された秘密の値が暗号化されていません。`mimamori db migrate` を実行するか、メール通知の設定で SMTP のパスワードを入力し直してください。",
    );
  const raw = Buffer.from(stored.slice(PREFIX.length), "base64");
  try {
    const decipher = createDecipheriv("aes-256-gcm", secretKey(), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(purpose, "utf8"));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch (e) {
    if (e instanceof MimamoriError) throw e;
    throw new MimamoriError(
      "config",
      "保存された SMTP のパスワードを復号できません。鍵（mimamori のホームの secret.key または MIMAMORI_SECRET_KEY）がパスワードを保存したときと違います。鍵のバックアップを戻すか、管理 → メール通知の設定（または mimamori mail set --password-file）でパスワードを入力し直してください。",
    );
  }
}
