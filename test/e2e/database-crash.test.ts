/**
 * The database dying in the middle of a run (issue 16): every process of an
 * embedded PostgreSQL — postmaster, backends, checkpointer, WAL writer — is
 * killed with SIGKILL while the run is writing its links by COPY. No
 * shutdown runs; the next start replays the WAL (crash recovery). What a
 * real power cut adds — losing what the OS had not written to disk — is
 * PostgreSQL's fsync guarantee and is not simulated here. Afterwards the
 * previous results are the latest and unchanged, the dead job shows as
 * failed, and a new run succeeds.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportFlags } from "../../src/cli/commands/export-flags.ts";
import { exportLinks, exportPersons } from "../../src/cli/commands/export-links.ts";
import { exportScores } from "../../src/cli/commands/export-scores.ts";
import { connectKysely, type Database, migrateToLatest } from "../../src/db/database.ts";
import { type EmbeddedServer, startEmbedded } from "../../src/db/embedded.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { ABANDONED_MESSAGE } from "../../src/db/run-job.repository.ts";
import { allowUnscopedAsOwnerForTests } from "../../src/db/scope.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { listRunJobs, monthlyRun } from "../../src/pipeline/run.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";

// Set-up and checks here talk to their own embedded servers (not test/db.ts):
// unscoped statements run as the owner, as test/db.ts arranges for the others.
allowUnscopedAsOwnerForTests();

const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };
const base = mkdtempSync(join(tmpdir(), "mimamori-dbcrash-"));
chmodSync(base, 0o711);
const home = join(base, "home");
let server: EmbeddedServer;
let db: Database;
let municipalityId: number;

async function open(): Promise<void> {
  server = await startEmbedded({ home });
  db = await connectKysely(server.url, { home, poolSize: 5 });
}

beforeAll(async () => {
  await open();
  await migrateToLatest(db);
  const data = join(base, "data");
  runSynth({ profile: "village", seed: 5, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  municipalityId = (await createMunicipalityRepository(db).ensureDefault(DEFAULT_MUNICIPALITY_NAME))
    .id;
  const target = { db, url: server.url };
  for (const path of await listImportFiles([data]))
    await importFile(target, path, { municipalityId, actor, asOf: AS_OF });
  await monthlyRun(target, { municipalityId, actor, origin: "cli" });
}, 300_000);

afterAll(async () => {
  await db?.destroy();
  await server?.stop().catch(() => {});
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

/** SIGKILL to the postmaster and every process it started (read from /proc). */
function killCluster(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (after the parenthesised command name) is the parent pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) children.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  for (const pid of [postmaster, ...children]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  return children.length;
}

describe.runIf(process.platform === "linux")("the database killed during a run", () => {
  it("keeps the previous results, marks the job failed, and the next run succeeds", async () => {
    const before = await exportsOf(server.url);
    let killed = 0;
    const dataDir = server.dataDir;
    const run = monthlyRun(
      { db, url: server.url },
      {
        municipalityId,
        actor,
        origin: "cli",
        beforeStage: (stage) => {
          if (stage !== "store_links") return;
          setTimeout(() => {
            killed = killCluster(dataDir);
          }, 30);
        },
      },
    );
    await expect(run).rejects.toThrow();
    expect(killed).toBeGreaterThan(0);
    await db.destroy();

    // Start again: stale postmaster.pid removed, crash recovery from the WAL.
    await open();
    expect(await exportsOf(server.url)).toEqual(before);
    const [job] = await listRunJobs({ db }, municipalityId);
    expect(job?.state).toBe("failed");
    expect(job?.error).toBe(ABANDONED_MESSAGE);

    const again = await monthlyRun(
      { db, url: server.url },
      { municipalityId, actor, origin: "cli" },
    );
    expect(again.linked.persons).toBeGreaterThan(0);
    const unpublished = await db
      .selectFrom("link_run")
      .select("id")
      .where("completed_at", "is", null)
      .execute();
    expect(unpublished).toEqual([]);
    expect(await exportsOf(server.url)).toEqual(before);
  }, 300_000);
});
