/**
 * Online backup and restore of the embedded PostgreSQL (issue 16): a home
 * with imported data and a run is backed up while its server runs and while
 * another connection keeps writing (audit rows), with PostgreSQL's
 * low-level backup API; `node bin/mimamori.js restore` puts it into a fresh
 * home; that home starts, and its exports, row counts and audit chain are
 * compared with the original.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupCommand, restoreCommand } from "../../src/cli/commands/backup.ts";
import { exportFlags } from "../../src/cli/commands/export-flags.ts";
import { exportLinks, exportPersons } from "../../src/cli/commands/export-links.ts";
import { exportScores } from "../../src/cli/commands/export-scores.ts";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { connectKysely, type Database, migrateToLatest } from "../../src/db/database.ts";
import { type EmbeddedServer, startEmbedded } from "../../src/db/embedded.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { allowUnscopedAsOwnerForTests } from "../../src/db/scope.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { BACKUP_MANIFEST, backupDatabase } from "../../src/pipeline/backup.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { monthlyRun } from "../../src/pipeline/run.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";

// Set-up and checks here talk to their own embedded servers (not test/db.ts):
// unscoped statements run as the owner, as test/db.ts arranges for the others.
allowUnscopedAsOwnerForTests();

const bin = join(import.meta.dirname, "..", "..", "bin", "mimamori.js");
const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };
const base = mkdtempSync(join(tmpdir(), "mimamori-backup-"));
// The postgres system user (tests run as root) must pass through to the homes.
chmodSync(base, 0o711);
const homeA = join(base, "a");
const homeB = join(base, "b");
const out = join(base, "backup");
let serverA: EmbeddedServer;
let dbA: Database;
let serverB: EmbeddedServer | undefined;
let dbB: Database | undefined;
let municipalityId: number;

beforeAll(async () => {
  serverA = await startEmbedded({ home: homeA });
  dbA = await connectKysely(serverA.url, { home: homeA, poolSize: 5 });
  await migrateToLatest(dbA);
  const target = { db: dbA, url: serverA.url };
  const data = join(base, "data");
  runSynth({ profile: "village", seed: 3, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  municipalityId = (
    await createMunicipalityRepository(dbA).ensureDefault(DEFAULT_MUNICIPALITY_NAME)
  ).id;
  for (const path of await listImportFiles([data]))
    await importFile(target, path, { municipalityId, actor, asOf: AS_OF });
  await monthlyRun(target, { municipalityId, actor, origin: "cli" });
}, 300_000);

afterAll(async () => {
  await dbB?.destroy();
  await serverB?.stop();
  await dbA?.destroy();
  await serverA?.stop();
  rmSync(base, { recursive: true, force: true });
});

async function exportsOf(url: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const [name, command] of [
    ["links", exportLinks],
    ["persons", exportPersons],
    ["flags", exportFlags],
    ["scores", exportScores],
  ] as const) {
    const path = join(base, `${name}.csv`);
    expect(await command.run(["--out", path], { databaseUrl: url, home: base })).toBe(0);
    result[name] = readFileSync(path, "utf8");
  }
  return result;
}

async function counts(db: Database): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of [
    "import_snapshot",
    "import_row",
    "link_run",
    "link_record",
    "score_run",
    "score_result",
  ] as const) {
    const r = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    result[table] = Number(r.n);
  }
  return result;
}

async function auditCount(db: Database): Promise<number> {
  const r = await db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout.on("data", (d: Buffer) => {
    text += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    text += d.toString();
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out: text })));
}

describe("backup while running and writing, restore into a fresh home", () => {
  it("restores what was committed, consistent, with the same exports", async () => {
    const exportsA = await exportsOf(serverA.url);
    const countsA = await counts(dbA);
    // A writer on its own connection keeps committing during the whole backup.
    const audit = createAuditRepository(dbA);
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await audit.append({
          municipalityId,
          actorUserId: null,
          actor: "writer",
          action: "test.write",
          detail: { n: written },
        });
        written++;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const auditAtStart = await auditCount(dbA);
    const manifest = await backupDatabase({ url: serverA.url, home: homeA, out });
    const auditAtStop = await auditCount(dbA);
    writing = false;
    await writer;
    expect(written).toBeGreaterThan(0);
    expect(manifest.walFiles.length).toBeGreaterThan(0);
    expect(existsSync(join(out, BACKUP_MANIFEST))).toBe(true);
    expect(existsSync(join(out, "data", "backup_label"))).toBe(true);
    expect(existsSync(join(out, "data", "postmaster.pid"))).toBe(false);
    expect(statSync(join(out, "server.json")).mode & 0o077).toBe(0);

    const r = await cli(["--home", homeB, "restore", "--from", out]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/に戻しました/);

    serverB = await startEmbedded({ home: homeB });
    dbB = await connectKysely(serverB.url, { home: homeB, poolSize: 5 });
    expect(await counts(dbB)).toEqual(countsA);
    expect(await exportsOf(serverB.url)).toEqual(exportsA);
    // Everything committed before the backup started is there; nothing after it stopped.
    const restoredAudit = await auditCount(dbB);
    expect(restoredAudit).toBeGreaterThanOrEqual(auditAtStart);
    expect(restoredAudit).toBeLessThanOrEqual(auditAtStop + 4 /* the exports' audit rows */);
    // The hash chain (written under concurrent load) is intact in the copy.
    const chain = await createAuditRepository(dbB).verifyChain({ full: true });
    expect(chain.ok).toBe(true);
    // The original keeps serving.
    expect(await auditCount(dbA)).toBeGreaterThanOrEqual(auditAtStop);
  }, 300_000);

  it("refuses to restore over a home in use, and leaves it alone", async () => {
    await expect(
      restoreCommand.run(["--from", out], { databaseUrl: undefined, home: homeA }),
    ).rejects.toThrow(/すでに使われているホームです/);
    expect(await auditCount(dbA)).toBeGreaterThan(0);
  });

  it("refuses a second backup into the same folder, and DATABASE_URL servers", async () => {
    await expect(backupDatabase({ url: serverA.url, home: homeA, out })).rejects.toThrow(
      /すでにあります/,
    );
    await expect(
      backupCommand.run(["--out", join(base, "x")], { databaseUrl: serverA.url, home: homeA }),
    ).rejects.toThrow(/pg_basebackup/);
    await expect(
      restoreCommand.run(["--from", join(base, "data")], {
        databaseUrl: undefined,
        home: join(base, "c"),
      }),
    ).rejects.toThrow(/バックアップではありません/);
  });
});
