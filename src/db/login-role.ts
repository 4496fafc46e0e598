/**
 * The application's own LOGIN role (issue 12: "the application connecting as
 * a role that is neither owner nor BYPASSRLS").
 *
 * mimamori keeps two connection pools (database.ts): the OWNER's, for
 * migrations and the few jobs that must run as the owner (scope.ts
 * runAsOwner), and the APP pool that every request, CLI command and pipeline
 * statement in a data scope uses. The app pool logs in as a role that
 *
 * - is not the owner, not a superuser, has NOBYPASSRLS, cannot create roles
 *   or databases, and is not a member of the owner (so `SET ROLE owner` is
 *   refused and `RESET ROLE` only returns to itself);
 * - holds only the grants of the NOLOGIN role `mimamori_app` (row-security.ts
 *   grants table and sequence privileges to it), by membership with INHERIT.
 *
 * Where its credentials come from:
 * - DATABASE_APP_URL, when the operator gives one (with DATABASE_URL): used as
 *   is and checked (checkAppLogin); if it is not yet a member of mimamori_app
 *   and the owner may grant that, it is granted.
 * - Otherwise mimamori creates `mimamori_login_<database>` itself, which
 *   needs an owner with CREATEROLE (or a superuser: the embedded PostgreSQL's
 *   owner is one). Its password is random, kept in a file the operator never
 *   needs to read: HOME/app-login.secret (mode 0600) — with the embedded
 *   PostgreSQL, and with DATABASE_URL when that URL carries no password; when
 *   DATABASE_URL has a password, the login password is derived from it
 *   (HMAC-SHA-256), so that every host sharing that DATABASE_URL agrees on it
 *   without a shared file. The password is sent to PostgreSQL as a
 *   SCRAM-SHA-256 verifier, never in clear text (so never in a server log).
 *
 * Statements here are DDL on roles and catalog checks: they run on one
 * short-lived owner client, before the pools open.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { MimamoriError } from "../domain/errors.ts";
import { ensureAppRole } from "./row-security.ts";
import { APP_ROLE } from "./scope.ts";

/** The file (under the home directory) holding the generated login password. */
export const LOGIN_SECRET_FILE = "app-login.secret";

/** The login role mimamori creates for `database` (one per database: roles are cluster-wide). */
export function loginRoleName(database: string): string {
  const plain = `mimamori_login_${database}`;
  if (/^[a-z0-9_]+$/.test(database) && plain.length <= 63) return plain;
  return `mimamori_login_${createHash("sha256").update(database).digest("hex").slice(0, 16)}`;
}

export interface AppLoginOptions {
  /** The owner's URL (DATABASE_URL, or the embedded server's). */
  readonly ownerUrl: string;
  /** DATABASE_APP_URL when given. */
  readonly appUrl?: string | undefined;
  /** The home directory, for the generated password's file (undefined: derive only). */
  readonly home?: string | undefined;
  /** Use the file even when the owner URL carries a password (the embedded PostgreSQL). */
  readonly preferFile?: boolean;
}

/**
 * Makes sure the app's login role exists and may connect, and returns the
 * URL the app pool uses. Throws a MimamoriError (Japanese, what to do) when
 * the configuration cannot give a safe login role.
 */
export async function prepareAppLogin(options: AppLoginOptions): Promise<string> {
  const owner = await connect(options.ownerUrl, "DATABASE_URL");
  try {
    const me = await owner.query<{
      db: string;
      name: string;
      super: boolean;
      createrole: boolean;
    }>(
      `SELECT current_database() AS db, current_user AS name, r.rolsuper AS super,
              r.rolcreaterole AS createrole
       FROM pg_roles r WHERE r.rolname = current_user`,
    );
    const info = me.rows[0] as { db: string; name: string; super: boolean; createrole: boolean };
    const mayCreateRoles = info.super || info.createrole;
    if (mayCreateRoles) await ensureAppRole(owner);

    if (options.appUrl !== undefined) {
      const appUser = userOf(options.appUrl);
      if (appUser === info.name) {
        throw new MimamoriError(
          "config",
          "DATABASE_APP_URL の利用者が DATABASE_URL（データベースの所有者）と同じです。行単位のアクセス制御を確実にするため、所有者ではない別のログイン用ロールを DATABASE_APP_URL に指定してください（docs/operations.md「アプリ用ロール」）。",
        );
      }
      if (mayCreateRoles) {
        // Membership in mimamori_app gives the table grants; harmless if already there.
        await owner.query(
          `DO $$ BEGIN
             IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${lit(appUser)})
                AND NOT pg_has_role(${lit(appUser)}, ${lit(APP_ROLE)}, 'MEMBER') THEN
               EXECUTE format('GRANT %I TO %I', ${lit(APP_ROLE)}, ${lit(appUser)});
             END IF;
           END $$`,
        );
      }
      await checkAppLogin(options.appUrl, info.name, info.db);
      return options.appUrl;
    }

    const role = loginRoleName(info.db);
    const password = loginPassword(options, role);
    const appUrl = withCredentials(options.ownerUrl, role, password);
    if (await canConnect(appUrl)) {
      if (mayCreateRoles) await grantAppRole(owner, role);
      await checkAppLogin(appUrl, info.name, info.db);
      return appUrl;
    }
    if (!mayCreateRoles) {
      throw new MimamoriError(
        "config",
        `DATABASE_URL の利用者「${info.name}」にはロールを作る権限（CREATEROLE）がないため、アプリ用のログインロールを用意できません。所有者ではないログイン用ロールを作って DATABASE_APP_URL に指定するか、所有者に CREATEROLE を与えてください（docs/operations.md「アプリ用ロール」）。`,
      );
    }
    await createOrUpdateLoginRole(owner, role, password);
    await grantAppRole(owner, role);
    await checkAppLogin(appUrl, info.name, info.db);
    return appUrl;
  } finally {
    await owner.end().catch(() => {});
  }
}

async function createOrUpdateLoginRole(
  owner: pg.Client,
  role: string,
  password: string,
): Promise<void> {
  const verifier = scramVerifier(password);
  const statement = `DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${lit(role)}) THEN
        BEGIN
          EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS INHERIT NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L', ${lit(role)}, ${lit(verifier)});
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
      ELSE
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS INHERIT NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L', ${lit(role)}, ${lit(verifier)});
      END IF;
    END $$`;
  // Two processes starting at once may update the same role: retry once.
  try {
    await owner.query(statement);
  } catch {
    await new Promise((r) => setTimeout(r, 100));
    await owner.query(statement);
  }
}

async function grantAppRole(owner: pg.Client, role: string): Promise<void> {
  await owner.query(
    `DO $$ BEGIN
       IF NOT pg_has_role(${lit(role)}, ${lit(APP_ROLE)}, 'MEMBER') THEN
         BEGIN
           EXECUTE format('GRANT %I TO %I', ${lit(APP_ROLE)}, ${lit(role)});
         EXCEPTION WHEN unique_violation THEN NULL;
         END;
       END IF;
     END $$`,
  );
}

/**
 * Refuses a login role that would weaken row-level security: the owner, a
 * superuser, BYPASSRLS, a member of the owner (SET ROLE would lift RLS), or
 * one without mimamori_app's grants.
 */
export async function checkAppLogin(
  appUrl: string,
  ownerName: string,
  database: string,
): Promise<void> {
  const app = await connect(appUrl, "DATABASE_APP_URL");
  try {
    const r = await app.query<{
      name: string;
      db: string;
      super: boolean;
      bypass: boolean;
      createrole: boolean;
      owner_member: boolean;
      app_member: boolean;
    }>(
      `SELECT current_user AS name, current_database() AS db, r.rolsuper AS super, r.rolbypassrls AS bypass,
              r.rolcreaterole AS createrole,
              pg_has_role(current_user, $1, 'MEMBER') AS owner_member,
              pg_has_role(current_user, $2, 'USAGE') AS app_member
       FROM pg_roles r WHERE r.rolname = current_user`,
      [ownerName, APP_ROLE],
    );
    const row = r.rows[0];
    if (!row) throw new Error("current_user not in pg_roles");
    const problems: string[] = [];
    if (row.db !== database)
      problems.push(
        `DATABASE_APP_URL のデータベース「${row.db}」が DATABASE_URL のデータベース「${database}」と違います`,
      );
    if (row.name === ownerName || row.owner_member)
      problems.push(`「${row.name}」はデータベースの所有者（${ownerName}）か、そのメンバーです`);
    if (row.super) problems.push(`「${row.name}」はスーパーユーザーです`);
    if (row.bypass) problems.push(`「${row.name}」に BYPASSRLS が付いています`);
    if (row.createrole) problems.push(`「${row.name}」に CREATEROLE が付いています`);
    if (!row.app_member)
      problems.push(
        `「${row.name}」は ${APP_ROLE} のメンバーではありません（GRANT ${APP_ROLE} TO ${row.name}; を所有者で実行してください）`,
      );
    if (problems.length > 0) {
      throw new MimamoriError(
        "config",
        "アプリ用のログインロールが安全ではないため起動を中止しました。所有者ではなく、スーパーユーザー・BYPASSRLS・CREATEROLE を持たず、mimamori_app のメンバーであるロールを使ってください（docs/operations.md「アプリ用ロール」）。",
        problems,
      );
    }
  } finally {
    await app.end().catch(() => {});
  }
}

function loginPassword(options: AppLoginOptions, role: string): string {
  const ownerPassword = passwordOf(options.ownerUrl);
  if (ownerPassword && !options.preferFile) {
    return createHmac("sha256", ownerPassword)
      .update(`mimamori app login:${role}`)
      .digest("base64url");
  }
  if (options.home === undefined) {
    throw new MimamoriError(
      "config",
      "アプリ用ログインロールのパスワードを置く場所がありません。DATABASE_APP_URL を指定してください。",
    );
  }
  return readOrCreateSecret(join(options.home, LOGIN_SECRET_FILE));
}

/** The secret in `file`, created (mode 0600, exclusively: two processes agree) when missing. */
function readOrCreateSecret(file: string): string {
  if (!existsSync(file)) {
    try {
      writeFileSync(file, `${randomBytes(24).toString("base64url")}\n`, {
        mode: 0o600,
        flag: "wx",
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new MimamoriError(
          "config",
          `アプリ用ログインロールのパスワードのファイル ${file} を作れません。--home の書き込み権限を確認してください。`,
          [],
          e,
        );
      }
    }
  }
  const secret = readFileSync(file, "utf8").trim();
  if (!/^[A-Za-z0-9_-]{16,}$/.test(secret)) {
    throw new MimamoriError(
      "config",
      `アプリ用ログインロールのパスワードのファイル ${file} の内容が正しくありません。ファイルを削除してから起動し直すと、新しいパスワードで作り直します。`,
    );
  }
  return secret;
}

/**
 * A SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's format) for
 * `password`: CREATE/ALTER ROLE … PASSWORD with it stores the same as the
 * clear password would, without the password ever reaching the server.
 */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function connect(url: string, name: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => {});
  try {
    await client.connect();
    return client;
  } catch (e) {
    await client.end().catch(() => {});
    throw new MimamoriError(
      "config",
      `${name} の PostgreSQL に接続できません（${redact(url)}）。ホスト・ポート・ユーザー名・パスワード・データベース名を確認してください。`,
      [e instanceof Error ? e.message : String(e)],
      e,
    );
  }
}

function userOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username);
  } catch (e) {
    throw new MimamoriError(
      "config",
      "DATABASE_APP_URL の形式が正しくありません（例: postgres://ユーザー:パスワード@ホスト:5432/データベース名）。",
      [],
      e,
    );
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return "";
  }
}

function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(解析できない URL)";
  }
}

/** A SQL string literal of a role name or verifier (single quotes doubled). */
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
