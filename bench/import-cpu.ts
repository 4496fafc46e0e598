/**
 * CPU of the monthly run's import stage alone (issue 15), Node and PostgreSQL apart, for a
 * shared machine where wall time measures the neighbours: `npx tsx bench/import-cpu.ts DIR
 * [OUT.json] [--compare BEFORE.json]`. DIR is a `mimamori synth` folder (e.g. /tmp/city). A
 * fresh embedded PostgreSQL; every file imported as `mimamori import DIR` and the monthly run
 * do (`importFiles`, two at a time, as-of 2025-04-01, in the municipality's council scope),
 * then ANALYZE as the run does after import. Node CPU is `process.cpuUsage()`; PostgreSQL's is
 * the user + system time of the postmaster and its children from /proc (as bench/run-cpu.ts).
 * Also WAL bytes written, the kernel's peak RSS of this process and the 1-minute load average.
 * Run it under `node --cpu-prof --import tsx` for a Node profile of the import alone.
 *
 * Then a SHA-256 digest of what the import stored — every import_row (by source, file and
 * row, not snapshot id: line, 抽出日, raw, data, errors, council flag) and every snapshot's
 * counts, header, encoding and 抽出日 — written to OUT.json; with --compare the script exits 1
 * when the digest differs from the earlier file (`--no-digest`: not computed, for a profile of
 * the import alone). A hand-run tool: not run by `npm test`.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { sql } from "kysely";
import { openDatabase } from "../src/db/database.ts";
import { embeddedClusterLocation } from "../src/db/embedded.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { runAsOwner, withDataScope } from "../src/db/scope.ts";
import { refreshStatistics } from "../src/db/statistics.repository.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFiles, listImportFiles } from "../src/pipeline/import.ts";
import { cpuBenchArgs, postgresTreeCpuMs, postmasterOf } from "./proc-cpu.ts";

const AS_OF = "2025-04-01" as IsoDate;
const { data, outFile, before } = cpuBenchArgs(
  "bench/import-cpu.ts DIR [OUT.json] [--compare BEFORE.json] [--no-digest]",
);

const dir = mkdtempSync(join(tmpdir(), "mimamori-import-cpu-"));
const home = join(dir, "home");
const opened = await openDatabase({ home, databaseUrl: undefined });
const rows: string[][] = [];
let digest = "";
let files = 0;
let stored = 0;
try {
  const owner = async <T>(q: ReturnType<typeof sql<T>>) =>
    runAsOwner(async () => (await q.execute(opened.db)).rows[0] as T);
  const postmaster = await postmasterOf(opened.db);
  const wal = async () =>
    (await owner(sql<{ lsn: string }>`SELECT pg_current_wal_lsn()::text AS lsn`)).lsn;
  const { id: municipalityId } = await createMunicipalityRepository(opened.db).ensureDefault(
    "見守町",
  );
  const actor = { userId: null, loginName: "bench" };
  const paths = await listImportFiles([data]);
  files = paths.length;
  let mark = {
    node: process.cpuUsage(),
    pg: postgresTreeCpuMs(postmaster),
    t: performance.now(),
    lsn: await wal(),
  };
  const lap = async (label: string) => {
    const c = process.cpuUsage(mark.node);
    const pg = postgresTreeCpuMs(postmaster);
    const t = performance.now();
    const lsn = await wal();
    const bytes = await owner(
      sql<{ n: string }>`SELECT pg_wal_lsn_diff(${lsn}::pg_lsn, ${mark.lsn}::pg_lsn)::bigint AS n`,
    );
    rows.push([
      label,
      ((c.user + c.system) / 1e6).toFixed(2),
      ((pg - mark.pg) / 1000).toFixed(2),
      ((t - mark.t) / 1000).toFixed(1),
      (Number(bytes.n) / 2 ** 20).toFixed(0),
      String(Math.round(process.resourceUsage().maxRSS / 1024)),
      (loadavg()[0] as number).toFixed(2),
    ]);
    mark = {
      node: process.cpuUsage(),
      pg: postgresTreeCpuMs(postmaster),
      t: performance.now(),
      lsn,
    };
  };
  await withDataScope({ municipalityId, council: true }, async () => {
    const reports = await importFiles(opened, paths, { municipalityId, actor, asOf: AS_OF });
    await lap("import");
    for (const r of reports) {
      if (r.status !== "imported") throw new Error(`${r.fileName}: ${r.status}`);
      stored += r.rowsStored;
    }
    await refreshStatistics(opened.db, "import");
    await lap("ANALYZE after import");
  });
  if (!process.argv.includes("--no-digest"))
    digest = await runAsOwner(async () => {
      const h = createHash("sha256");
      const snapshots = await sql<{ line: string }>`
      SELECT concat_ws('|', source_id, file_name, version, as_of, format, encoding, header::text,
                       rows_read, rows_stored, rows_rejected, manual) AS line
      FROM import_snapshot WHERE municipality_id = ${municipalityId}
      ORDER BY source_id, file_name`.execute(opened.db);
      for (const r of snapshots.rows) h.update(`${r.line}\n`);
      const lines = await sql<{ line: string }>`
      SELECT concat_ws('|', s.source_id, s.file_name, r.row_no, r.line_no, r.as_of, r.raw,
                       r.data::text, r.errors::text, r.council_only) AS line
      FROM import_row r JOIN import_snapshot s
        ON s.id = r.snapshot_id AND s.municipality_id = r.municipality_id
      WHERE r.municipality_id = ${municipalityId}
      ORDER BY s.source_id, s.file_name, r.row_no`.execute(opened.db);
      for (const r of lines.rows) h.update(`${r.line}\n`);
      return h.digest("hex");
    });
} finally {
  await opened.close();
  // Run as root, the cluster lives outside the (private) temporary home, under
  // /var/lib/mimamori/<hash> (db/embedded.ts): removed with it, not left behind.
  const { dataDir } = embeddedClusterLocation(home);
  rmSync(dir, { recursive: true, force: true });
  if (!dataDir.startsWith(home)) rmSync(dirname(dataDir), { recursive: true, force: true });
}
process.stdout.write(
  `${files} files, ${stored.toLocaleString("en-US")} rows stored\n| step | Node CPU s | PostgreSQL CPU s | wall s | WAL MiB | peak RSS MiB | load |\n|---|---:|---:|---:|---:|---:|---:|\n${rows
    .map((r) => `| ${r.join(" | ")} |`)
    .join("\n")}\nimport_rows ${digest}\n`,
);
if (outFile) writeFileSync(outFile, `${JSON.stringify({ digest, rows }, null, 1)}\n`);
if (before) {
  const old = JSON.parse(readFileSync(before, "utf8")) as { digest: string };
  const same = old.digest === digest;
  process.stdout.write(same ? "digest: same\n" : "digest DIFFERS\n");
  if (!same) process.exitCode = 1;
}
