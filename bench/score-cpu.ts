/**
 * CPU seconds of the scoring stage alone, split into its parts, on a database already imported
 * and linked (issue 15, score lane): `npx tsx bench/score-cpu.ts HOME [OUT.json] [--compare
 * BEFORE.json] [--repeat N]`. HOME is a mimamori home whose embedded PostgreSQL holds a linked
 * run, e.g. one kept by `MIMAMORI_RUN_CPU_KEEP=DIR npx tsx bench/run-cpu.ts /tmp/city` (HOME =
 * DIR/home). Each repetition is one `scoreRun` of the newest link run, as `mimamori run` makes
 * it (a new score run each time); its clock records Node CPU (`process.cpuUsage`), the time V8
 * spent in garbage collection (PerformanceObserver "gc") and PostgreSQL's CPU (/proc) at each
 * of its laps: read (readPopulation), evaluate (items and exclusion filters, then the scores and
 * capacity plan), store (evidence made, COPY encoding, the partitions' indexes and attach). Also
 * the WAL bytes of the store and the kernel's peak RSS.
 *
 * Then SHA-256 digests of each run's item results (with evidence), scores and stats (without
 * the read time of corrections) — every repetition must give the same; with --compare the
 * script exits 1 when they differ from the earlier file's. A hand-run tool: not run by `npm test`.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { sql } from "kysely";
import pg from "pg";
import { openDatabase } from "../src/db/database.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { runAsOwner, withDataScope } from "../src/db/scope.ts";
import { scoreRun } from "../src/pipeline/score.ts";
import { cpuBenchArgs, postgresTreeCpuMs, postmasterOf } from "./proc-cpu.ts";

// --repeat N is taken out before the shared arguments are read (its N is not a file).
const repeatAt = process.argv.indexOf("--repeat");
const repeat = repeatAt >= 0 ? Number(process.argv.splice(repeatAt, 2)[1]) : 2;
if (!Number.isSafeInteger(repeat) || repeat < 1) throw new Error("--repeat N: N ≥ 1");
const {
  data: home,
  outFile,
  before,
} = cpuBenchArgs(
  "bench/score-cpu.ts HOME [OUT.json] [--compare BEFORE.json] [--repeat N] [--statements]",
);

// Collections are reported after the fact (the observer runs between tasks): each is
// attributed to a part by its start time.
const collections: { start: number; ms: number; major: boolean }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
    collections.push({
      start: e.startTime,
      ms: e.duration,
      major: (kind & constants.NODE_PERFORMANCE_GC_MAJOR) !== 0,
    });
  }
}).observe({ entryTypes: ["gc"] });
const gcBetween = (a: number, b: number) => {
  const inside = collections.filter((c) => c.start >= a && c.start < b);
  const major = inside.filter((c) => c.major);
  return `${(inside.reduce((s, c) => s + c.ms, 0) / 1000).toFixed(2)} (${major.length} major, ${(major.reduce((s, c) => s + c.ms, 0) / 1000).toFixed(2)})`;
};

// --statements: PostgreSQL CPU per statement of the store, from the backend's /proc entry
// (pg's processID) read whenever the connection issues its next statement: each delta is the
// statement issued before it (COPY included, which returns a stream rather than a promise).
const perStatement = new Map<string, { cpu: number; calls: number }>();
if (process.argv.includes("--statements")) {
  const backendMs = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  };
  const last = new WeakMap<object, { label: string; at: number }>();
  const settle = (client: pg.Client, next: string) => {
    const pid = (client as unknown as { processID: number | null }).processID;
    if (!pid) return;
    let now: number;
    try {
      now = backendMs(pid);
    } catch {
      return;
    }
    const prev = last.get(client);
    if (prev) {
      const e = perStatement.get(prev.label) ?? { cpu: 0, calls: 0 };
      e.cpu += now - prev.at;
      e.calls++;
      perStatement.set(prev.label, e);
    }
    last.set(client, { label: next, at: now });
  };
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string };
    const text = typeof q === "string" ? q : (q?.text ?? "?");
    settle(this, text.replace(/\s+/g, " ").replace(/_r\d+/g, "_rN").trim().slice(0, 90));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}

const opened = await openDatabase({ home: join(home, "home"), databaseUrl: undefined });
const rows: string[][] = [];
const digests: Record<string, string>[] = [];
try {
  const postmaster = await postmasterOf(opened.db);
  const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
    "見守町",
  );
  const actor = { userId: null, loginName: "bench" };
  const lsn = async () =>
    runAsOwner(async () => {
      const r = await sql<{ b: string }>`SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS b`.execute(
        opened.db,
      );
      return Number(r.rows[0]?.b);
    });
  for (let rep = 0; rep < repeat; rep++) {
    const marks: { node: number; pg: number; t: number }[] = [];
    const clock = () => {
      const c = process.cpuUsage();
      marks.push({
        node: (c.user + c.system) / 1000,
        pg: postgresTreeCpuMs(postmaster),
        t: performance.now(),
      });
      return performance.now();
    };
    const load0 = loadavg()[0] as number;
    const wal0 = await lsn();
    let storeWal = 0;
    const scored = await withDataScope({ municipalityId, council: true }, async () => {
      const s = await scoreRun(opened, { municipalityId, actor, clock });
      return s;
    });
    storeWal = (await lsn()) - wal0;
    // Let the observer deliver the last collections' entries.
    await new Promise((r) => setTimeout(r, 50));
    const labels = ["read", "evaluate + score", "store"];
    for (let i = 0; i < 3; i++) {
      const a = marks[i] as (typeof marks)[number];
      const b = marks[i + 1] as (typeof marks)[number];
      rows.push([
        String(rep + 1),
        labels[i] as string,
        ((b.node - a.node) / 1000).toFixed(2),
        gcBetween(a.t, b.t),
        ((b.pg - a.pg) / 1000).toFixed(2),
        ((b.t - a.t) / 1000).toFixed(1),
        i === 2 ? (storeWal / 2 ** 20).toFixed(1) : "",
        String(Math.round(process.resourceUsage().maxRSS / 1024)),
        load0.toFixed(2),
      ]);
    }
    const part = async (q: ReturnType<typeof sql<{ line: string }>>) => {
      const h = createHash("sha256");
      const r = await withDataScope({ municipalityId, council: true }, () => q.execute(opened.db));
      for (const x of r.rows) h.update(`${x.line}\n`);
      return h.digest("hex");
    };
    const sr = scored.runId;
    digests.push({
      items: await part(sql<{ line: string }>`
        SELECT concat_ws('|', person_id, item_id, evidence::text) AS line
        FROM score_item WHERE municipality_id = ${municipalityId} AND run_id = ${sr}
        ORDER BY person_id, item_id`),
      scores: await part(sql<{ line: string }>`
        SELECT concat_ws('|', person_id, type_index, difficulty, applicable, score, threshold,
                         flagged, total_points, excluded_by::text) AS line
        FROM score_result WHERE municipality_id = ${municipalityId} AND run_id = ${sr}
        ORDER BY person_id, type_index`),
      scoreStats: await part(sql<{ line: string }>`
        SELECT (stats - 'correctionsReadAt')::text AS line FROM score_run
        WHERE municipality_id = ${municipalityId} AND id = ${sr}`),
    });
  }
} finally {
  await opened.close();
}
process.stdout.write(
  `| rep | part | Node CPU s | GC wall s (major: count, s) | PostgreSQL CPU s | wall s | WAL MiB | peak RSS MiB | load |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n${rows
    .map((r) => `| ${r.join(" | ")} |`)
    .join("\n")}\n`,
);
const first = digests[0] as Record<string, string>;
for (const [k, v] of Object.entries(first)) process.stdout.write(`${k} ${v}\n`);
const unstable = digests.filter((d) => JSON.stringify(d) !== JSON.stringify(first)).length;
if (unstable > 0) {
  process.stdout.write(`repetitions DIFFER (${unstable} of ${digests.length})\n`);
  process.exitCode = 1;
}
if (perStatement.size > 0) {
  process.stdout.write("\nPostgreSQL CPU per statement (all repetitions, ≥ 20 ms):\n");
  for (const [k, v] of [...perStatement].sort((a, b) => b[1].cpu - a[1].cpu))
    if (v.cpu >= 20) process.stdout.write(`${(v.cpu / 1000).toFixed(2)} s ×${v.calls} ${k}\n`);
}
if (outFile) writeFileSync(outFile, `${JSON.stringify({ digests: first, rows }, null, 1)}\n`);
if (before) {
  const old = JSON.parse(readFileSync(before, "utf8")).digests as Record<string, string>;
  const differ = Object.keys(first).filter((k) => old[k] !== first[k]);
  process.stdout.write(differ.length === 0 ? "digests: same\n" : `digests DIFFER: ${differ}\n`);
  if (differ.length > 0) process.exitCode = 1;
}
