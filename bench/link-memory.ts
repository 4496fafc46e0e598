/**
 * Where the link stage's memory goes (issue 15, peak RSS < 2 GB on metro):
 * `npx tsx bench/link-memory.ts HOME DATA [--runs N] [--live] [--snapshot STEP]` imports the
 * `mimamori synth` folder DATA into the embedded PostgreSQL of HOME once (kept for the next
 * call: HOME/imported marks it), then runs `runLinkage` N times (default 1; a second run reads
 * the first run's person-id state, as a second month does) and prints, at the end of each step
 * of the stage (read, prepare, blocking, …, persons, store), the kernel's peak RSS so far, RSS,
 * V8 heap used / total, external and array buffers. The steps are the clock calls of
 * pipeline/linkage.ts and domain/linkage (their order is fixed; no worker threads here).
 * --live collects garbage before each reading (live heap, not what the run reaches: it
 * changes the run's own collections). --snapshot STEP writes a heap snapshot at the end of
 * that step (city only: a metro snapshot needs several GB more).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { getHeapStatistics, writeHeapSnapshot } from "node:v8";
import { openDatabase } from "../src/db/database.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { withDataScope } from "../src/db/scope.ts";
import { refreshStatistics } from "../src/db/statistics.repository.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFiles, listImportFiles } from "../src/pipeline/import.ts";
import { runLinkage } from "../src/pipeline/linkage.ts";
import { releaseStageMemory } from "../src/pipeline/release-memory.ts";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const valued = new Set(["--runs", "--snapshot"]);
const [home, data] = args.filter((a, i) => !a.startsWith("--") && !valued.has(args[i - 1] ?? ""));
if (!home || !data) {
  process.stderr.write(
    "usage: tsx bench/link-memory.ts HOME DATA [--runs N] [--live] [--snapshot STEP]\n",
  );
  process.exit(2);
}
const runs = Number(flag("--runs") ?? 1);
const live = args.includes("--live");
const snapshotAt = flag("--snapshot");

/** The clock calls of one runLinkage without worker threads, in order (see the header). */
const STEPS = [
  "start",
  "read",
  "settings",
  "workers",
  "link.start",
  "prepare",
  "decisions",
  "blocking",
  "comparisons",
  "training",
  "scoring",
  "clustering",
  "review",
  "engine",
  "persons",
  "link",
  "store",
];
const mib = (b: number) => Math.round(b / 2 ** 20);

mkdirSync(home, { recursive: true });
const opened = await openDatabase({ home, databaseUrl: undefined });
try {
  const actor = { userId: null, loginName: "bench" };
  const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
    "見守町",
  );
  await withDataScope({ municipalityId, council: true }, async () => {
    if (!existsSync(join(home, "imported"))) {
      const files = await listImportFiles([data]);
      await importFiles(opened, files, { municipalityId, actor, asOf: "2025-04-01" as IsoDate });
      await refreshStatistics(opened.db, "import");
      writeFileSync(join(home, "imported"), "");
      releaseStageMemory();
      process.stdout.write(
        `imported ${data}; max RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`,
      );
    }
    for (let run = 1; run <= runs; run++) {
      const lines: string[] = [];
      let k = 0;
      let last = performance.now();
      const clock = () => {
        const now = performance.now();
        const step = STEPS[k] ?? `step${k}`;
        if (live) releaseStageMemory();
        const m = process.memoryUsage();
        const h = getHeapStatistics();
        lines.push(
          `| ${step} | ${((now - last) / 1000).toFixed(1)} | ${mib(process.resourceUsage().maxRSS * 1024)} | ${mib(m.rss)} | ${mib(m.heapUsed)} | ${mib(h.total_heap_size)} | ${mib(m.external)} | ${mib(m.arrayBuffers)} |`,
        );
        if (snapshotAt === step) writeHeapSnapshot(join(home, `link-${run}-${step}.heapsnapshot`));
        k++;
        last = performance.now();
        return now;
      };
      const load0 = loadavg()[0] as number;
      const report = await runLinkage(opened, { municipalityId, actor, clock, workers: 0 });
      await refreshStatistics(opened.db, "linkage");
      releaseStageMemory();
      process.stdout.write(
        [
          `run ${run}: ${report.rows} rows, ${report.persons} persons; load ${load0.toFixed(2)} → ${(loadavg()[0] as number).toFixed(2)}${live ? "; --live (collected before each reading)" : ""}`,
          "| end of step | s | peak RSS | RSS | heap used | heap total | external | array buffers |",
          "|---|---:|---:|---:|---:|---:|---:|---:|",
          ...lines,
          "",
        ].join("\n"),
      );
    }
  });
} finally {
  await opened.close();
}
