/**
 * CPU of the monthly run's two reads alone (issue 15), Node and PostgreSQL apart, on a database
 * kept by `MIMAMORI_RUN_CPU_KEEP=DIR npx tsx bench/run-cpu.ts …` (its newest link run):
 * `npx tsx bench/read-cpu.ts DIR [ROUNDS] [link|score|both]`. Each round reads what the link
 * stage reads (`readLinkInput`: rows → LinkRecord columns, mother facts) and what the scoring
 * stage reads (`readPopulation`), and prints Node CPU (`process.cpuUsage()`), PostgreSQL CPU
 * (the cluster's processes from /proc, as bench/run-cpu.ts), wall time, peak RSS and the
 * 1-minute load average, then a SHA-256 of what each read returned (every LinkRecord and mother
 * fact; every person's rows and residence periods), so two versions of the code can be
 * compared on the same database. A hand-run tool: not run by `npm test`.
 */
import { createHash } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { openDatabase } from "../src/db/database.ts";
import { createImportRepository } from "../src/db/import.repository.ts";
import { createLinkageRepository } from "../src/db/linkage.repository.ts";
import { runAsOwner, withDataScope } from "../src/db/scope.ts";
import { readLinkInput } from "../src/pipeline/linkage.ts";
import { readPopulation } from "../src/pipeline/score.ts";
import { loadSources } from "../src/pipeline/sources.ts";
import { postgresTreeCpuMs, postmasterOf } from "./proc-cpu.ts";

const [dir, roundsArg, which = "both"] = process.argv.slice(2);
if (!dir) throw new Error("usage: bench/read-cpu.ts DIR [ROUNDS] [link|score|both]");
const rounds = Number(roundsArg ?? 3);
const opened = await openDatabase({ home: join(dir, "home"), databaseUrl: undefined });
try {
  const postmaster = await postmasterOf(opened.db);
  const municipalityId = await runAsOwner(async () => {
    const r = await sql<{ id: number }>`SELECT min(id) AS id FROM municipality`.execute(opened.db);
    return r.rows[0]?.id as number;
  });
  /** Times `fn`; the digest of what it read is computed after the measurement. */
  const measure = async (label: string, fn: () => Promise<() => string>) => {
    const node = process.cpuUsage();
    const pg = postgresTreeCpuMs(postmaster);
    const t = performance.now();
    const digest = await fn();
    const c = process.cpuUsage(node);
    const pgMs = postgresTreeCpuMs(postmaster) - pg;
    const wall = performance.now() - t;
    process.stdout.write(
      `${label}\tNode ${((c.user + c.system) / 1e6).toFixed(2)} s\tPostgreSQL ${(pgMs / 1000).toFixed(2)} s\twall ${(wall / 1000).toFixed(1)} s\tpeak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\tload ${(loadavg()[0] as number).toFixed(2)}\t${digest().slice(0, 16)}\n`,
    );
  };
  await withDataScope({ municipalityId, council: true }, async () => {
    const link = await createLinkageRepository(opened.db).latestRun(municipalityId);
    if (!link) throw new Error("no link run in this database");
    const snapshots = await createImportRepository(opened.db).currentSnapshots(municipalityId, {
      asOf: link.asOf,
    });
    const sources = await loadSources(opened.db, municipalityId);
    for (let round = 1; round <= rounds; round++) {
      if (which !== "score")
        await measure(`link read ${round}`, async () => {
          const input = await readLinkInput(opened.db, municipalityId, snapshots, sources);
          return () => {
            const h = createHash("sha256");
            for (let i = 0; i < input.records.length; i++)
              h.update(`${JSON.stringify(input.records.at(i))}|${input.rowNos[i]}\n`);
            h.update(JSON.stringify(input.motherFacts));
            h.update(JSON.stringify(input.snapshotStart));
            h.update(JSON.stringify(input.rejected));
            return h.digest("hex");
          };
        });
      if (which !== "link")
        await measure(`score read ${round}`, async () => {
          const { population, persons } = await readPopulation(opened.db, municipalityId, link.id, {
            declared: sources,
          });
          return () => {
            const h = createHash("sha256");
            h.update(JSON.stringify(persons));
            for (const p of population.persons) h.update(`${JSON.stringify(p)}\n`);
            h.update(JSON.stringify(population.householdRows));
            return h.digest("hex");
          };
        });
    }
  });
} finally {
  await opened.close();
}
