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
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/database.ts";
import { ACCOUNT_LOOKUP, withDataScope } from "../src/db/scope.ts";
import { createUserRepository } from "../src/db/user.repository.ts";
import { startHttpServer } from "../src/server/http.ts";
import { createLogger } from "../src/server/logger.ts";
import { seedOpenCases } from "./open-cases.ts";
import { postgresCpuMs } from "./proc-cpu.ts";
import { BENCH_COORDINATOR, benchLogin, ensureScoredDatabase } from "./scored-database.ts";

const N = Number(process.env.MIMAMORI_BENCH_CPU_N ?? 200);

async function main() {
  const keep = process.env.MIMAMORI_BENCH_CPU_HOME;
  const dir = keep ? join(keep, "city") : mkdtempSync(join(tmpdir(), "mimamori-bench-cpu-"));
  const opened = await openDatabase({ home: join(dir, "home"), databaseUrl: undefined });
  const { municipalityId } = await ensureScoredDatabase(opened, dir, "city");
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
    const { cookie } = await benchLogin(base, BENCH_COORDINATOR);
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
      createUserRepository(opened.db).findByLogin(BENCH_COORDINATOR),
    );
    if (!top.run || !me) throw new Error("no run or user");
    const seeded = await seedOpenCases(opened.db, {
      municipalityId,
      runId: top.run.scoreRunId,
      userId: me.id,
      loginName: me.loginName,
      target: 1000,
    });
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
      const pg0 = postgresCpuMs(opened.embedded?.dataDir);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let size = 0;
      for (let i = 0; i < N; i++)
        size += Buffer.byteLength(await get(paths[i % paths.length] as string));
      const wall = (performance.now() - t0) / N;
      const c = process.cpuUsage(c0);
      const pg = (postgresCpuMs(opened.embedded?.dataDir) - pg0) / N;
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
