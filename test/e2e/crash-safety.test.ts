/**
 * Crash safety of runs and imports (issue 16), with real processes killed by
 * SIGKILL (what the OOM killer and a power cut look like to PostgreSQL: no
 * cleanup runs). `node bin/mimamori.js run` is killed as each stage begins
 * and inside the two storing stages (MIMAMORI_TEST_CRASH_AT, cli/commands/
 * run.ts), and `import` is killed while its COPY is streaming rows. After
 * each kill: the previous run's exports are byte for byte unchanged, the
 * dead job is reported failed, the lock is free, and a new run succeeds.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportFlags } from "../../src/cli/commands/export-flags.ts";
import { exportLinks, exportPersons } from "../../src/cli/commands/export-links.ts";
import { exportScores } from "../../src/cli/commands/export-scores.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { ABANDONED_MESSAGE } from "../../src/db/run-job.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { applyRetention } from "../../src/pipeline/retention.ts";
import { getRunJob, listRunJobs, monthlyRun } from "../../src/pipeline/run.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const bin = join(import.meta.dirname, "..", "..", "bin", "mimamori.js");
const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };
const dir = mkdtempSync(join(tmpdir(), "mimamori-crash-"));
const data = join(dir, "data");
let t: TestDatabase;
let municipalityId: number;
let baseline: Record<string, string>;

beforeAll(async () => {
  t = await createTestDatabase();
  runSynth({ profile: "village", seed: 16, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  municipalityId = (
    await createMunicipalityRepository(t.db).ensureDefault(DEFAULT_MUNICIPALITY_NAME)
  ).id;
  for (const path of await listImportFiles([data]))
    await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
  await monthlyRun(t, { municipalityId, actor, origin: "cli" });
  baseline = await exports();
}, 240_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** The four result exports of the latest run, as text. */
async function exports(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const globals = { databaseUrl: t.url, home: dir };
  for (const [name, command] of [
    ["links", exportLinks],
    ["persons", exportPersons],
    ["flags", exportFlags],
    ["scores", exportScores],
  ] as const) {
    const path = join(dir, `${name}.csv`);
    expect(await command.run(["--out", path], globals)).toBe(0);
    out[name] = readFileSync(path, "utf8");
  }
  return out;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

function cli(
  args: string[],
  env: Record<string, string> = {},
  onSpawn?: (kill: () => void) => void,
): Promise<Exit> {
  const child = spawn(process.execPath, [bin, "--db", t.url, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  onSpawn?.(() => child.kill("SIGKILL"));
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal, out }));
  });
}

async function unpublished(): Promise<number> {
  const l = await t.db
    .selectFrom("link_run")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("completed_at", "is", null)
    .executeTakeFirstOrThrow();
  const s = await t.db
    .selectFrom("score_run")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("completed_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(l.n) + Number(s.n);
}

describe("a run killed at any point", () => {
  // Before anything is written, after the linkage run is written (unpublished),
  // inside the two storing stages (during COPY), and just before publishing.
  const points = ["store_links", "store_links+40", "evaluate", "store_scores+20", "publish"];
  for (const point of points) {
    it(`leaves the previous results intact when killed at ${point}`, async () => {
      const before = await listRunJobs(t, municipalityId);
      const r = await cli(["run"], { MIMAMORI_TEST_CRASH_AT: point });
      expect(r.signal, r.out).toBe("SIGKILL");
      // The dead job's lock went with its connection; the next reader marks it failed.
      const newest = (await listRunJobs(t, municipalityId))[0];
      expect(newest?.id).toBeGreaterThan(before[0]?.id ?? 0);
      let job = newest && (await getRunJob(t, municipalityId, newest.id));
      for (let i = 0; i < 50 && job?.state === "running"; i++) {
        await new Promise((res) => setTimeout(res, 100));
        job = await getRunJob(t, municipalityId, newest?.id as number);
      }
      expect(job?.state).toBe("failed");
      expect(job?.error).toBe(ABANDONED_MESSAGE);
      expect(job?.stage).toBe(point.split("+")[0]);
      expect(await exports()).toEqual(baseline);
    }, 120_000);
  }

  it("a new run afterwards cleans up and succeeds, and becomes the latest", async () => {
    const r = await cli(["run"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\[7\/7\] 結果の公開/);
    expect(await unpublished()).toBe(0);
    const [job] = await listRunJobs(t, municipalityId);
    expect(job?.state).toBe("succeeded");
    expect(Object.keys(job?.counts ?? {}).sort()).toEqual(
      ["read", "link", "store_links", "evaluate", "score", "store_scores", "publish"].sort(),
    );
    const latest = await t.db
      .selectFrom("link_run")
      .select("id")
      .where("completed_at", "is not", null)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(job?.linkRunId).toBe(latest.id);
    // Same data, same decisions, person ids carried over: the same results.
    expect(await exports()).toEqual(baseline);
  }, 120_000);
});

describe("one run at a time", () => {
  it("refuses a second run, in Japanese with who and since when, exit code 3", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((res) => {
      release = res;
    });
    let entered: () => void = () => {};
    const inLink = new Promise<void>((res) => {
      entered = res;
    });
    const first = monthlyRun(t, {
      municipalityId,
      actor: { userId: null, loginName: "yamada" },
      origin: "web",
      beforeStage: async (stage) => {
        if (stage !== "link") return;
        entered();
        await held;
      },
    });
    await inLink;
    await expect(monthlyRun(t, { municipalityId, actor, origin: "cli" })).rejects.toThrow(
      /yamada さんが画面から \d{4}-\d{2}-\d{2} \d{2}:\d{2} に開始した実行がまだ終わっていません/,
    );
    const r = await cli(["run"]);
    expect(r.code, r.out).toBe(3);
    expect(r.out).toMatch(/同時に実行できるのは 1 つだけです/);
    expect(r.out).toMatch(/実行中の段階: 名寄せ/);
    // Retention must not delete what the run is reading.
    await expect(
      applyRetention(t.db, {
        municipalityId,
        policy: { keepSnapshots: 1, keepMonths: null },
        today: AS_OF,
        withRuns: true,
        dryRun: false,
        actor,
      }),
    ).rejects.toThrow(/月次の実行（名寄せと判定）が進行中のため/);
    release();
    await first;
    expect((await listRunJobs(t, municipalityId))[0]?.state).toBe("succeeded");
  }, 120_000);
});

describe("an import killed while storing rows", () => {
  it("stores nothing of that file, and the same import afterwards succeeds", async () => {
    // A large 住民基本台帳 file (the village's rows repeated) so that COPY takes a while.
    const jumin = readFileSync(join(data, "jumin.csv"), "utf8").trimEnd().split("\n");
    const header = jumin[0] as string;
    const body = jumin.slice(1);
    const lines = [header];
    for (let i = 0; lines.length < 150_000; i++) lines.push(body[i % body.length] as string);
    const big = join(dir, "big", "jumin.csv");
    rmSync(join(dir, "big"), { recursive: true, force: true });
    (await import("node:fs")).mkdirSync(join(dir, "big"));
    writeFileSync(big, `${lines.join("\n")}\n`);

    const count = async () => {
      const s = await t.db
        .selectFrom("import_snapshot")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      const r = await t.db
        .selectFrom("import_row")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      return { snapshots: Number(s.n), rows: Number(r.n) };
    };
    const before = await count();
    // Kill the moment PostgreSQL shows the import's COPY running.
    const watcher = new pg.Client({ connectionString: t.url });
    await watcher.connect();
    let sawCopy = false;
    const r = await cli(["import", big, "--as-of", "2024-05-01"], {}, (kill) => {
      const poll = async () => {
        for (let i = 0; i < 2000; i++) {
          const q = await watcher.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY import_row%'",
          );
          if (q.rowCount && q.rowCount > 0) {
            sawCopy = true;
            kill();
            return;
          }
          await new Promise((res) => setTimeout(res, 5));
        }
      };
      void poll();
    });
    await watcher.end();
    expect(sawCopy, r.out).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    // The server rolls back the dead connection's transaction.
    let after = await count();
    for (let i = 0; i < 50 && after.rows !== before.rows; i++) {
      await new Promise((res) => setTimeout(res, 100));
      after = await count();
    }
    expect(after).toEqual(before);
    expect(await exports()).toEqual(baseline);

    const again = await cli(["import", big, "--as-of", "2024-05-01"]);
    expect(again.code, again.out).toBe(0);
    const done = await count();
    expect(done.snapshots).toBe(before.snapshots + 1);
    expect(done.rows).toBe(before.rows + lines.length - 1);
  }, 180_000);
});
