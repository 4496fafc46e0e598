/**
 * Opening the database: DATABASE_URL (or --db) when given, else the embedded
 * PostgreSQL of the home directory. Migrations run on open.
 */
import { Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import pg from "pg";
import { MimamoriError } from "../domain/errors.ts";
import { flushAuditWriter } from "./audit.repository.ts";
import { ChangeBus, registerChangeBus } from "./change-bus.ts";
import { type EmbeddedServer, startEmbedded } from "./embedded.ts";
import { prepareAppLogin } from "./login-role.ts";
import { migrations } from "./migrations/index.ts";
import { applyRowSecurity } from "./row-security.ts";
import type { DB } from "./schema.ts";
import { runAsOwner } from "./scope.ts";
import { registerPools, ScopedPostgresDialect } from "./scoped-driver.ts";
import { setSecretHome } from "./secret-box.ts";

// int8 (bigserial ids, count(*)) as string is pg's default; keep it, but parse
// dates as text-free Date objects (the default) and NUMERIC as number.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Database = Kysely<DB>;

export interface OpenedDatabase {
  readonly db: Database;
  /** The owner's URL (migrations, backup, jobs that run as owner). */
  readonly url: string;
  /** The app login role's URL (login-role.ts): what request-driven connections use. */
  readonly appUrl: string;
  /** Present when mimamori started its own PostgreSQL. */
  readonly embedded: EmbeddedServer | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly databaseUrl: string | undefined;
  /** The app login role's URL (default: DATABASE_APP_URL); only with databaseUrl. */
  readonly appDatabaseUrl?: string | undefined;
  readonly home: string;
  readonly migrate?: boolean;
  readonly onLog?: (line: string) => void;
  readonly poolSize?: number;
}

/** Where the two pools connect: the owner, and the app's login role (login-role.ts). */
export interface DatabaseUrls {
  readonly owner: string;
  readonly app: string;
}

/**
 * The application's Kysely: every statement runs on the app login role's
 * pool in the current data scope (scope.ts, scoped-driver.ts); only
 * runAsOwner uses the owner's pool.
 */
export function createKysely(urls: DatabaseUrls, poolSize = 10): Database {
  const bus = new ChangeBus();
  const pools = { app: createPool(urls.app, poolSize), owner: createPool(urls.owner, poolSize) };
  const db = new Kysely<DB>({ dialect: new ScopedPostgresDialect(pools, bus) });
  registerChangeBus(db, bus);
  registerPools(db, pools);
  return db;
}

/**
 * A Kysely on a server one started oneself (tests, benches): the app login
 * role prepared as openDatabase does (`home`: the embedded server's home, whose
 * password file the CLI and server of that home share).
 */
export async function connectKysely(
  ownerUrl: string,
  options: { readonly home?: string; readonly poolSize?: number } = {},
): Promise<Database> {
  const app = await prepareAppLogin({
    ownerUrl,
    home: options.home,
    preferFile: options.home !== undefined,
  });
  return createKysely({ owner: ownerUrl, app }, options.poolSize);
}

function createPool(url: string, poolSize: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection that the server ends (shutdown, restart, network) emits
  // 'error' on the pool; unhandled, that would crash the process. The pool
  // drops the client and the next query opens a fresh connection.
  pool.on("error", () => {});
  // A client whose server dies can emit 'error' twice (end of stream, then
  // ECONNRESET); the pool's own listener is gone after the first, and the
  // second would crash the process (seen when the database is killed mid-run,
  // test/e2e/database-crash.test.ts). Failed queries still reject.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return pool;
}

/** Opens (and by default migrates) the database described by the global options. */
export async function openDatabase(options: OpenOptions): Promise<OpenedDatabase> {
  // Secrets at rest (the SMTP password) are sealed with HOME/secret.key unless MIMAMORI_SECRET_KEY is set.
  setSecretHome(options.home);
  let embedded: EmbeddedServer | undefined;
  let url = options.databaseUrl;
  const appDatabaseUrl = options.appDatabaseUrl ?? envAppUrl();
  if (url === undefined) {
    if (appDatabaseUrl !== undefined) {
      throw new MimamoriError(
        "config",
        "DATABASE_APP_URL は DATABASE_URL と一緒に指定してください（内蔵 PostgreSQL ではアプリ用のログインロールを自動で作ります）。",
      );
    }
    embedded = await startEmbedded({ home: options.home, onLog: options.onLog });
    url = embedded.url;
  } else {
    await checkReachable(url);
  }
  let appUrl: string;
  try {
    appUrl = await prepareAppLogin({
      ownerUrl: url,
      appUrl: appDatabaseUrl,
      home: options.home,
      preferFile: embedded !== undefined,
    });
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  const db = createKysely({ owner: url, app: appUrl }, options.poolSize);
  const close = async () => {
    // Audit rows still queued for the group-commit writer are written first.
    await flushAuditWriter(db);
    await db.destroy();
    await embedded?.stop();
  };
  try {
    if (options.migrate !== false) await migrateToLatest(db);
  } catch (e) {
    await close();
    throw e;
  }
  return { db, url, appUrl, embedded, close };
}

function envAppUrl(): string | undefined {
  const v = process.env.DATABASE_APP_URL;
  return v === undefined || v === "" ? undefined : v;
}

async function checkReachable(url: string): Promise<void> {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  } catch (e) {
    throw new MimamoriError(
      "config",
      "DATABASE_URL の形式が正しくありません（例: postgres://ユーザー:パスワード@ホスト:5432/データベース名）。",
      [],
      e,
    );
  }
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (e) {
    throw new MimamoriError(
      "config",
      `DATABASE_URL の PostgreSQL に接続できません（${redactUrl(url)}）。ホスト・ポート・ユーザー名・パスワード・データベース名を確認してください。`,
      [e instanceof Error ? e.message : String(e)],
      e,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(解析できない URL)";
  }
}

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/**
 * Applies every pending migration as the owner (not the app role), then makes
 * sure every table with a municipality_id has row-level security (a table
 * added by a migration merged out of order included); one clear error if
 * anything fails.
 */
export function migrateToLatest(db: Database): Promise<string[]> {
  return runAsOwner(async () => {
    const applied = await migrateAsOwner(db);
    await applyRowSecurity(db);
    return applied;
  });
}

async function migrateAsOwner(db: Database): Promise<string[]> {
  // Unordered: a migration merged later with a lower number (parallel work)
  // still applies on a database that already ran a higher one.
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(),
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "?";
    throw new MimamoriError(
      "internal",
      `データベースの移行（マイグレーション ${failed}）に失敗しました。`,
      [error instanceof Error ? error.message : String(error)],
      error,
    );
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
