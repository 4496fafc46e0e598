/**
 * CPU seconds of the monthly run's stages, Node and PostgreSQL apart (issue 15), for a shared
 * machine where wall time measures the neighbours: `npx tsx bench/run-cpu.ts DIR [OUT.json]
 * [--compare BEFORE.json]`. DIR is a `mimamori synth` folder (e.g. /tmp/city). A fresh embedded
 * PostgreSQL; import, then link and score with their ANALYZEs as the run engine runs them
 * (pipeline/run.ts linkAndScore), in the municipality's data scope. Node CPU is `process.cpuUsage()` (worker threads
 * included); PostgreSQL's is the user + system time of the cluster's postmaster and its children
 * (/proc/PID/stat, exited children through the postmaster's cutime/cstime). Also the kernel's
 * peak RSS of this process after each stage and the 1-minute load average.
 *
 * Then SHA-256 digests of what the run stored: every row's link (by source, file and row, not
 * snapshot id), the persons, the person-id state (link_identity), the name search keys, the
 * review queue, the mother–child links, every item result with its evidence, every score, and the two
 * runs' stats without timings — written to OUT.json; with --compare the script exits 1 when a
 * digest differs from the earlier file and names it. A hand-run tool: not run by `npm test`.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { openDatabase } from "../src/db/database.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { withDataScope } from "../src/db/scope.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFiles, listImportFiles } from "../src/pipeline/import.ts";
import { linkAndScore } from "../src/pipeline/run.ts";
import { readPopulation } from "../src/pipeline/score.ts";
import type { RunStage, StageReporter } from "../src/pipeline/stages.ts";
import { cpuBenchArgs, postgresTreeCpuMs, postmasterOf } from "./proc-cpu.ts";

const AS_OF = "2025-04-01" as IsoDate;
const { data, outFile, before } = cpuBenchArgs(
  "bench/run-cpu.ts DIR [OUT.json] [--compare BEFORE.json]",
);

// MIMAMORI_RUN_CPU_LOGIN=app runs link and score on the app login's connections, as a run
// started from the web does (serve.ts: neither owner nor BYPASSRLS); the default is the
// owner's URL, as `mimamori run` at the command line. The import is the owner's either way.
const login = process.env.MIMAMORI_RUN_CPU_LOGIN ?? "owner";
if (login !== "owner" && login !== "app")
  throw new Error(`MIMAMORI_RUN_CPU_LOGIN: owner or app, not ${login}`);
// MIMAMORI_RUN_CPU_KEEP=DIR keeps the database there (a home reused by later hand checks).
const keep = process.env.MIMAMORI_RUN_CPU_KEEP;
const dir = keep ?? mkdtempSync(join(tmpdir(), "mimamori-run-cpu-"));
const opened = await openDatabase({ home: join(dir, "home"), databaseUrl: undefined });
const rows: string[][] = [];
const digests: Record<string, string> = {};
try {
  const postmaster = await postmasterOf(opened.db);
  const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
    "見守町",
  );
  const actor = { userId: null, loginName: "bench" };
  const files = await listImportFiles([data]);
  let mark = { node: process.cpuUsage(), pg: postgresTreeCpuMs(postmaster), t: performance.now() };
  const lap = (label: string) => {
    const c = process.cpuUsage(mark.node);
    const pg = postgresTreeCpuMs(postmaster);
    const t = performance.now();
    rows.push([
      label,
      ((c.user + c.system) / 1e6).toFixed(2),
      ((pg - mark.pg) / 1000).toFixed(2),
      ((t - mark.t) / 1000).toFixed(1),
      String(Math.round(process.resourceUsage().maxRSS / 1024)),
      (loadavg()[0] as number).toFixed(2),
    ]);
    mark = { node: process.cpuUsage(), pg, t };
  };
  const progress: StageReporter = {
    async enter(_stage: RunStage) {},
    async done(stage: RunStage) {
      lap(stage);
    },
  };
  await withDataScope({ municipalityId, council: true }, async () => {
    await importFiles(opened, files, { municipalityId, actor, asOf: AS_OF });
    lap("import");
    // As the run engine runs it (pipeline/run.ts linkAndScore): import_row is analyzed while
    // the link stage reads and links, the link tables while scoring reads and evaluates, so
    // their CPU is in those laps; their own laps are the waits after.
    const runner = login === "app" ? { db: opened.db, url: opened.appUrl } : opened;
    const { linked, scored } = await linkAndScore(runner, {
      municipalityId,
      actor,
      progress,
      onStatistics: (stage) =>
        lap(
          stage === "import"
            ? "link: audit and return, ANALYZE after import (waited)"
            : stage === "linkage"
              ? "score: audit and return, ANALYZE after link (waited)"
              : "ANALYZE after score",
        ),
    });
    // The scoring read alone (its stage "evaluate" above includes evaluating the items).
    await readPopulation(opened.db, municipalityId, linked.runId);
    lap("score read again, alone (readPopulation)");
    const part = async (q: ReturnType<typeof sql<{ line: string }>>) => {
      const h = createHash("sha256");
      for (const r of (await q.execute(opened.db)).rows) h.update(`${r.line}\n`);
      return h.digest("hex");
    };
    const lr = linked.runId;
    const sr = scored.runId;
    digests.links = await part(sql<{ line: string }>`
      SELECT concat_ws('|', source_id, file_name, row_no, person_id, method, probability, profile_key,
                       levels::text, weights::text) AS line
      FROM link_record WHERE municipality_id = ${municipalityId} AND run_id = ${lr}
      ORDER BY source_id, file_name, row_no`);
    digests.persons = await part(sql<{ line: string }>`
      SELECT concat_ws('|', person_id, resident_nos::text, name, name_kana, birth_date, sex,
                       household_no, resident) AS line
      FROM link_person WHERE municipality_id = ${municipalityId} AND run_id = ${lr}
      ORDER BY person_id`);
    digests.items = await part(sql<{ line: string }>`
      SELECT concat_ws('|', person_id, item_id, evidence::text) AS line
      FROM score_item WHERE municipality_id = ${municipalityId} AND run_id = ${sr}
      ORDER BY person_id, item_id`);
    digests.scores = await part(sql<{ line: string }>`
      SELECT concat_ws('|', person_id, type_index, difficulty, applicable, score, threshold, flagged,
                       total_points, excluded_by::text) AS line
      FROM score_result WHERE municipality_id = ${municipalityId} AND run_id = ${sr}
      ORDER BY person_id, type_index`);
    // What the link store writes besides links and persons (issue 15: the store's rewrites
    // must keep them byte for byte).
    digests.identity = await part(sql<{ line: string }>`
      SELECT concat_ws('|', anchor, person_id, run_id) AS line
      FROM link_identity WHERE municipality_id = ${municipalityId} ORDER BY anchor`);
    digests.searchKeys = await part(sql<{ line: string }>`
      SELECT concat_ws('|', person_id, key) AS line
      FROM person_search_key WHERE municipality_id = ${municipalityId} AND run_id = ${lr}
      ORDER BY person_id, key`);
    digests.reviews = await part(sql<{ line: string }>`
      SELECT concat_ws('|', left_key, right_key, left_person, right_person, weight, probability,
                       reason, explanation::text, left_anchors::text, right_anchors::text, pairs,
                       rows, sources::text, schools::text, left_sources::text,
                       right_sources::text) AS line
      FROM link_review WHERE municipality_id = ${municipalityId} AND run_id = ${lr}
      ORDER BY left_key, right_key`);
    digests.motherChild = await part(sql<{ line: string }>`
      SELECT concat_ws('|', source_id, file_name, row_no, mother_person_id, child_person_id,
                       method) AS line
      FROM link_mother_child WHERE municipality_id = ${municipalityId} AND run_id = ${lr}
      ORDER BY source_id, file_name, row_no, child_person_id`);
    digests.linkStats = await part(sql<{ line: string }>`
      SELECT (stats - 'timings')::text AS line FROM link_run
      WHERE municipality_id = ${municipalityId} AND id = ${lr}`);
    digests.scoreStats = await part(sql<{ line: string }>`
      SELECT (stats - 'correctionsReadAt')::text AS line FROM score_run
      WHERE municipality_id = ${municipalityId} AND id = ${sr}`);
    digests.summary = createHash("sha256")
      .update(
        JSON.stringify({
          ...linked,
          timings: undefined,
          runId: undefined,
          s: { ...scored, timings: undefined, runId: undefined, linkRunId: undefined },
        }),
      )
      .digest("hex");
  });
} finally {
  await opened.close();
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(
  `link and score as the ${login} login\n| step | Node CPU s | PostgreSQL CPU s | wall s | peak RSS MiB | load |\n|---|---:|---:|---:|---:|---:|\n${rows
    .map((r) => `| ${r.join(" | ")} |`)
    .join("\n")}\n`,
);
const sum = (k: 1 | 2) => rows.reduce((a, r) => a + Number(r[k]), 0).toFixed(2);
process.stdout.write(`total Node ${sum(1)} s, PostgreSQL ${sum(2)} s\n`);
for (const [k, v] of Object.entries(digests)) process.stdout.write(`${k} ${v}\n`);
if (outFile) writeFileSync(outFile, `${JSON.stringify({ digests, rows }, null, 1)}\n`);
if (before) {
  const old = JSON.parse(readFileSync(before, "utf8")).digests as Record<string, string>;
  const differ = Object.keys(digests).filter((k) => old[k] !== digests[k]);
  process.stdout.write(differ.length === 0 ? "digests: same\n" : `digests DIFFER: ${differ}\n`);
  if (differ.length > 0) process.exitCode = 1;
}
