/**
 * The whole monthly run as a municipality runs it, against an embedded
 * PostgreSQL: `mimamori import` of every file (two at a time), `runLinkage`
 * and `scoreRun` — including the scoring stage's read of every linked row
 * back from the database, which the in-memory scoring benchmark leaves out.
 *
 * Issue 6: a full monthly run of `town` in < 30 s. Profiles come from
 * MIMAMORI_BENCH_RUN_PROFILES (default "town,city,metro").
 * MIMAMORI_BENCH_DIRS=metro=/tmp/metro,… reuses folders `mimamori synth
 * --seed 1 --as-of 2025-04-01` already wrote (their generation is then not timed).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../src/db/database.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { withDataScope } from "../src/db/scope.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFiles, listImportFiles } from "../src/pipeline/import.ts";
import { linkAndScore } from "../src/pipeline/run.ts";

const AS_OF = "2025-04-01" as IsoDate;
const s = (ms: number) => (ms / 1000).toFixed(1);
/** This process's peak resident set so far, in bytes (getrusage: kilobytes on Linux). */
const maxRss = () => process.resourceUsage().maxRSS * 1024;
const n = (x: number) => x.toLocaleString("en-US");

function reusedDirs(): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const part of (process.env.MIMAMORI_BENCH_DIRS ?? "").split(",")) {
    const [profile, dir] = part.split("=");
    if (profile && dir && existsSync(join(dir, "truth"))) dirs.set(profile, dir);
  }
  return dirs;
}

export default async function bench(): Promise<string> {
  const profiles = (process.env.MIMAMORI_BENCH_RUN_PROFILES ?? "town,city,metro")
    .split(",")
    .filter((p) => p !== "");
  const reuse = reusedDirs();
  const detail: string[] = [];
  const out = [
    "## Monthly run end to end (import → link → score, PostgreSQL)",
    "",
    "`synth --seed 1 --as-of 2025-04-01`, then in one process against a fresh embedded",
    "PostgreSQL: every file imported (two at a time), 名寄せ, then scoring — which reads",
    "every linked row back from the database, evaluates all items and 8 types and stores",
    "item results and scores. Database start-up and generation are not timed. Peak RSS is",
    "this Node process's (PostgreSQL runs in its own processes). Target (issue 6): `town` < 30 s;",
    "issue 15: `metro` < 120 s and < 2 GB, `city` < 15 s. As `mimamori run` does (pipeline/run.ts",
    "linkAndScore), planner statistics are refreshed (ANALYZE) after import, link and score — import's",
    "while the link stage reads and links, link's while scoring reads: in the stage totals, not in",
    "their parts (the time the run waited for each ANALYZE is in the second table).",
    "",
    "| profile | source rows | import | link (read + link + store) | score (read + evaluate + store) | total | children scored | peak RSS |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const profile of profiles) {
    const dir = mkdtempSync(join(tmpdir(), `mimamori-bench-run-${profile}-`));
    try {
      const data = reuse.get(profile) ?? join(dir, "data");
      if (!reuse.has(profile)) {
        // In a child process: generating metro in this one left its high-water mark (the
        // "after import" peak) at 2.6 GB before anything was imported.
        const { MIMAMORI_NAMES: _, ...env } = process.env;
        execFileSync(
          process.execPath,
          [
            fileURLToPath(new URL("../bin/mimamori.js", import.meta.url)),
            "synth",
            "--profile",
            profile,
            "--seed",
            "1",
            "--as-of",
            AS_OF,
            "--out",
            data,
          ],
          { env, stdio: ["ignore", "ignore", "inherit"] },
        );
      }
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 200);
      const opened = await openDatabase({ home: join(dir, "home"), databaseUrl: undefined });
      try {
        const actor = { userId: null, loginName: "bench" };
        const clock = () => performance.now();
        const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
          "見守町",
        );
        const files = await listImportFiles([data]);
        const load0 = loadavg()[0] as number;
        // The kernel's high-water mark after import, link and score (the sampler above misses
        // peaks inside long synchronous steps; this does not, but never goes down: profiles run
        // smallest first).
        const marks: number[] = [];
        // Row-level security: the run works in the municipality's data scope, as the CLI does.
        const { t0, t1, t2, t3, reports, linked, scored, analyze } = await withDataScope(
          { municipalityId, council: true },
          async () => {
            const t0 = performance.now();
            const reports = await importFiles(opened, files, {
              municipalityId,
              actor,
              asOf: AS_OF,
            });
            const t1 = performance.now();
            marks.push(maxRss());
            // As the monthly run does (pipeline/run.ts linkAndScore): fresh planner statistics
            // after each bulk-loading stage — import_row's gathered while the link stage reads
            // and links, the link tables' while scoring reads and evaluates; each one's wait is
            // timed with the stage it overlaps.
            let t2 = 0;
            const waits: Partial<Record<string, number>> = {};
            const { linked, scored } = await linkAndScore(opened, {
              municipalityId,
              actor,
              clock,
              onLinked: () => {
                t2 = performance.now();
                marks.push(maxRss());
              },
              onStatistics: (stage, ms) => {
                waits[stage] = ms;
              },
            });
            const t3 = performance.now();
            marks.push(maxRss());
            const analyze = [waits.import ?? 0, waits.linkage ?? 0, waits.scoring ?? 0];
            return { t0, t1, t2, t3, reports, linked, scored, analyze };
          },
        );
        const rows = reports.reduce((a, r) => a + (r.status === "imported" ? r.rowsStored : 0), 0);
        const lt = linked.timings;
        const st = scored.timings;
        const load1 = loadavg()[0] as number;
        const inner = Object.entries(lt)
          .filter(([k]) => k.startsWith("link.") && k !== "link.workers")
          .map(([k, v]) => `${k.slice(5)} ${s(v)}`)
          .concat(`worker threads ${lt["link.workers"] ?? 0}`)
          .concat(`waited for ANALYZE after import, link, score ${analyze.map(s).join(" + ")}`)
          .join(", ");
        peak = Math.max(peak, maxRss());
        const mib = (b: number) => Math.round(b / 2 ** 20);
        detail.push(
          `| ${profile} | ${inner} | ${marks.map(mib).join(" / ")} MiB | ${load0.toFixed(2)} → ${load1.toFixed(2)} |`,
        );
        out.push(
          `| ${profile} | ${n(rows)} | ${s(t1 - t0)} s | ${s(t2 - t1)} s (${s(lt.read ?? 0)} + ${s(lt.link ?? 0)} + ${s(lt.store ?? 0)}) | ${s(t3 - t2)} s (${s(st.read ?? 0)} + ${s(st.score ?? 0)} + ${s(st.store ?? 0)}) | ${s(t3 - t0)} s | ${n(scored.children)} | ${Math.round(peak / 2 ** 20)} MiB |`,
        );
      } finally {
        clearInterval(sampler);
        await opened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  out.push(
    "",
    "Inside the link stage (s), and the 1-minute load average when the profile started → ended",
    "(the machine's other users; above 2 every figure includes waiting for a core):",
    "",
    "| profile | link stage by step | peak RSS after import / link / score | load average |",
    "|---|---|---|---|",
    ...detail,
  );
  return out.join("\n");
}
