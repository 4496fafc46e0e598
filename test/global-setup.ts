/**
 * One PostgreSQL for the whole test run: TEST_DATABASE_URL (a maintenance
 * database URL on an existing server) when set, else an embedded server in a
 * fresh temporary home. Each test file makes its own database (test/db.ts).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type EmbeddedServer, pruneOrphanClusters, startEmbedded } from "../src/db/embedded.ts";
import { ensureWebBuilt } from "../src/server/web-build.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

let server: EmbeddedServer | undefined;
let home: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  // Built once here, before any test file: browser tests and the served-process
  // tests both need web/dist, and parallel builds would race on it.
  await ensureWebBuilt();
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide("pgAdminUrl", external);
    return;
  }
  home = mkdtempSync(join(tmpdir(), "mimamori-test-"));
  // Let the postgres system user (used when tests run as root) pass through.
  chmodSync(home, 0o711);
  server = await startEmbedded({ home, database: "postgres" });
  project.provide("pgAdminUrl", server.adminUrl);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (server && !server.dataDir.startsWith(home ?? "\0"))
    rmSync(join(server.dataDir, ".."), { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
  // Tests that start the CLI in a temporary home of their own (as root, the
  // cluster goes under /var/lib/mimamori) delete the home but not the cluster.
  pruneOrphanClusters();
}
