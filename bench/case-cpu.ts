/**
 * CPU per request of the home page's and the conference screen's API calls
 * (issue 13), as opposed to their latency under load (web.bench.ts): on a
 * shared machine latency measures the neighbours as much as mimamori, while
 * CPU time spent per request is ours. `npx tsx bench/case-cpu.ts`:
 *
 * a `city` database (synth --seed 1, imported, linked, scored; kept in
 * MIMAMORI_BENCH_CPU_HOME/city and reused when set) with ~1,000 open cases
 * seeded by bench/open-cases.ts, the HTTP server in this process, one
 * coordinator (要対協 member) sending each call `N` times one after the
 * other (after a warm-up). Node's CPU is `process.cpuUsage()` over the calls
 * (the fetch client runs in the same process: its share is measured alone
 * against a static path and reported); PostgreSQL's is the user + system time
 * of the embedded server's processes (/proc/PID/stat of the postmaster and
 * its children) over the same calls. Also the response size.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { openDatabase } from "../src/db/database.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { ACCOUNT_LOOKUP, withDataScope } from "../src/db/scope.ts";
import { createUserRepository } from "../src/db/user.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFiles, listImportFiles } from "../src/pipeline/import.ts";
import { runLinkage } from "../src/pipeline/linkage.ts";
import { scoreRun } from "../src/pipeline/score.ts";
import { runSynth } from "../src/pipeline/synth.ts";
import { hashPassword } from "../src/server/auth/password.ts";
import { startHttpServer } from "../src/server/http.ts";
import { createLogger } from "../src/server/logger.ts";
import { seedOpenCases } from "./open-cases.ts";

const AS_OF = "2025-04-01" as IsoDate;
const PASSWORD = "bench-coordinator-2026";
const N = Number(process.env.MIMAMORI_BENCH_CPU_N ?? 200);
const TICK_MS = 10; // USER_HZ = 100 on Linux

/** User + system CPU (ms) of a process tree rooted at `root` (the postmaster). */
function treeCpuMs(root: number): number {
  let ticks = 0;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after the command name (which may contain spaces): state ppid … utime(14) stime(15).
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pid = Number(d);
    const ppid = Number(f[1]);
    if (pid === root || ppid === root) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_MS;
}

async function main() {
  const keep = process.env.MIMAMORI_BENCH_CPU_HOME;
  const dir = keep ? join(keep, "city") : mkdtempSync(join(tmpdir(), "mimamori-bench-cpu-"));
  const reuse = existsSync(join(dir, "built"));
  const opened = await openDatabase({ home: join(dir, "home"), databaseUrl: undefined });
  const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
    "見守町",
  );
  const actor = { userId: null, loginName: "bench" };
  if (!reuse)
    await withDataScope({ municipalityId, council: true }, async () => {
      const data = join(dir, "data");
      runSynth({ profile: "city", seed: 1, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
      await importFiles(opened, await listImportFiles([data]), {
        municipalityId,
        actor,
        asOf: AS_OF,
      });
      await runLinkage(opened, { municipalityId, actor });
      await scoreRun(opened, { municipalityId, actor });
      await createUserRepository(opened.db).insert({
        municipalityId,
        loginName: "bench-coord",
        displayName: "負荷 試験",
        passwordHash: await hashPassword(PASSWORD),
        roles: ["coordinator"],
        council: true,
        mustChangePassword: false,
      });
      writeFileSync(join(dir, "built"), new Date().toISOString());
    });
  const server = await startHttpServer({
    db: opened.db,
    databaseUrl: opened.url,
    logger: createLogger("silent"),
    port: 0,
    host: "127.0.0.1",
    enforceSecondFactor: false,
  });
  try {
    const base = server.url.replace(/\/$/, "");
    const res = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: base },
      body: JSON.stringify({ loginName: "bench-coord", password: PASSWORD }),
    });
    if (res.status !== 200) throw new Error(`login ${res.status}`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const get = async (path: string) => {
      const r = await fetch(`${base}${path}`, { headers: { cookie } });
      const body = await r.text();
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${body}`);
      return body;
    };
    const top = JSON.parse(await get("/api/children/top-flagged")) as {
      run: { scoreRunId: number } | null;
    };
    const me = await withDataScope(ACCOUNT_LOOKUP, () =>
      createUserRepository(opened.db).findByLogin("bench-coord"),
    );
    if (!top.run || !me) throw new Error("no run or user");
    const seeded = await seedOpenCases(opened.db, {
      municipalityId,
      runId: top.run.scoreRunId,
      userId: me.id,
      loginName: me.loginName,
      target: 1000,
    });
    const pid = await withDataScope(ACCOUNT_LOOKUP, async () => {
      const r = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(opened.db);
      return r.rows[0]?.pid as number;
    });
    const postmaster = Number(
      readFileSync(`/proc/${pid}/stat`, "utf8")
        .slice(readFileSync(`/proc/${pid}/stat`, "utf8").lastIndexOf(")") + 2)
        .split(" ")[1],
    );
    const calls: [string, string[]][] = [
      ["static (client + session overhead)", ["/api/auth/me"]],
      [
        "home (me, follow-ups, top-flagged, notifications)",
        ["/api/auth/me", "/api/follow-ups/mine", "/api/children/top-flagged", "/api/notifications"],
      ],
      ["notifications", ["/api/notifications"]],
      [
        `conference agenda (${seeded.agenda} children)`,
        [`/api/conferences/${seeded.conferenceId}`],
      ],
    ];
    const lines: string[] = [];
    process.stdout.write(
      `open cases ${seeded.openCases}, agenda ${seeded.agenda}, N ${N}, load before ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" / ")}\n`,
    );
    for (const [label, paths] of calls) {
      let bytes = 0;
      for (const p of paths) for (let i = 0; i < 5; i++) bytes = (await get(p)).length;
      const pg0 = treeCpuMs(postmaster);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let size = 0;
      for (let i = 0; i < N; i++)
        size += Buffer.byteLength(await get(paths[i % paths.length] as string));
      const wall = (performance.now() - t0) / N;
      const c = process.cpuUsage(c0);
      const pg = (treeCpuMs(postmaster) - pg0) / N;
      const node = (c.user + c.system) / 1000 / N;
      lines.push(
        `| ${label} | ${node.toFixed(1)} ms | ${pg.toFixed(1)} ms | ${wall.toFixed(1)} ms | ${(size / N / 1024).toFixed(0)} KB |`,
      );
      void bytes;
    }
    process.stdout.write(
      `| call | Node CPU / request | PostgreSQL CPU / request | wall / request (one user) | response |\n|---|---:|---:|---:|---:|\n${lines.join("\n")}\n`,
    );
    process.stdout.write(
      `load after ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" / ")}\n`,
    );
  } finally {
    await server.close();
    await opened.close();
  }
}

await main();
