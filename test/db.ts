/**
 * A fresh, migrated database for one test file, on the run's shared server
 * (test/global-setup.ts). Call in beforeAll; call `drop` in afterAll.
 */
import { randomBytes } from "node:crypto";
import { Migrator } from "kysely";
import pg from "pg";
import { inject } from "vitest";
import { createKysely, type Database, migrateToLatest } from "../src/db/database.ts";
import { loginRoleName, prepareAppLogin } from "../src/db/login-role.ts";
import { migrations } from "../src/db/migrations/index.ts";
import { applyRowSecurity } from "../src/db/row-security.ts";
import { allowUnscopedAsOwnerForTests } from "../src/db/scope.ts";

// Test set-up and direct repository calls run outside any data scope; they run
// as the owner. Code under a scope (HTTP requests, CLI commands, withDataScope
// in a test) still runs as the app role under row-level security, and the
// served and CLI processes of test/e2e fail closed as in production.
allowUnscopedAsOwnerForTests();

export interface TestDatabase {
  readonly db: Database;
  /** The owner's URL. */
  readonly url: string;
  /** The app login role's URL (not owner, no BYPASSRLS), as a served process would use. */
  readonly appUrl: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const appUrl = await prepareAppLogin({ ownerUrl: url });
  const db = createKysely({ owner: url, app: appUrl }, 5);
  if (options.migrate !== false) await migrateToLatest(db);
  return {
    db,
    url,
    appUrl,
    async drop() {
      await db.destroy();
      // pg-pool's end() resolves before its sockets are closed; dropping WITH
      // (FORCE) at once would kill a closing connection and surface as an
      // unhandled error. Wait for the sessions to go first.
      await waitForNoSessions(adminUrl, name);
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      // Roles are cluster-wide: the database's login role goes with it.
      await adminQuery(adminUrl, `DROP ROLE IF EXISTS ${loginRoleName(name)}`);
    },
  };
}

async function waitForNoSessions(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const r = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
        [database],
      );
      if (r.rows[0]?.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end();
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Migrates `db` to the migration just before `name` (in name order, as a new
 * database runs them) and applies row security: a database as it was before
 * `name`, for a test that then writes old-schema rows and runs the rest.
 */
export async function migrateToJustBefore(db: Database, name: string): Promise<void> {
  const previous = Object.keys(migrations)
    .sort()
    .filter((n) => n < name)
    .at(-1) as string;
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  }).migrateTo(previous);
  if (error) throw error;
  await applyRowSecurity(db);
}
