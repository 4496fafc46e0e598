/**
 * Opening the database: DATABASE_URL (or --db) when given, else the embedded
 * PostgreSQL of the home directory. Migrations run on open.
 */
import { Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import pg from "pg";
import { MimamoriError } from "../domain/errors.ts";
import { flushAuditWriter } from "./audit.repository.ts";
import { type EmbeddedServer, startEmbedded } from "./embedded.ts";
import { migrations } from "./migrations/index.ts";
import { applyRowSecurity } from "./row-security.ts";
import type { DB } from "./schema.ts";
import { runAsOwner } from "./scope.ts";
import { ScopedPostgresDialect } from "./scoped-driver.ts";

// int8 (bigserial ids, count(*)) as string is pg's default; keep it, but parse
// dates as text-free Date objects (the default) and NUMERIC as number.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Database = Kysely<DB>;

export interface OpenedDatabase {
  readonly db: Database;
  readonly url: string;
  /** Present when mimamori started its own PostgreSQL. */
  readonly embedded: EmbeddedServer | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly databaseUrl: string | undefined;
  readonly home: string;
  readonly migrate?: boolean;
  readonly onLog?: (line: string) => void;
  readonly poolSize?: number;
}

/**
 * The application's Kysely: every statement runs as the app role in the
 * current data scope (scope.ts, scoped-driver.ts).
 */
export function createKysely(url: string, poolSize = 10): Database {
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
  return new Kysely<DB>({ dialect: new ScopedPostgresDialect({ pool }) });
}

/** Opens (and by default migrates) the database described by the global options. */
export async function openDatabase(options: OpenOptions): Promise<OpenedDatabase> {
  let embedded: EmbeddedServer | undefined;
  let url = options.databaseUrl;
  if (url === undefined) {
    embedded = await startEmbedded({ home: options.home, onLog: options.onLog });
    url = embedded.url;
  } else {
    await checkReachable(url);
  }
  const db = createKysely(url, options.poolSize);
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
  return { db, url, embedded, close };
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
