/**
 * Issue 15: on an independent town, `import` then `run` at once spent 13.5 s
 * of 21 s in scoring's read — planned on the statistics of tables that were
 * empty or much smaller before the bulk loads. Here autovacuum is off for the
 * run's tables, so only the code's own ANALYZE can refresh them, and the
 * commands come in the orders an operator uses: import then run at once, a
 * second month imported then run (the tables doubled since the last ANALYZE),
 * and a run again with nothing imported. The planner's row counts must be those of
 * the tables (not -1, "never analyzed", nor last month's): import_row's when the
 * scoring stage begins (the run engine's `beforeStage`), link_record's when the run is
 * published. The run analyzes import_row while the link stage reads it and the link
 * tables while scoring reads them (pipeline/run.ts linkAndScore), so neither read's
 * plan may need statistics: the link read's, taken right after the import before any
 * ANALYZE, reads the primary key in order; the scoring read's, taken with link_record's
 * statistics cleared, merges the two primary keys in order — no scan of every link and
 * row, no sort. No timings: a busy machine cannot make it fail.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { BUILT_IN_NAME_POOLS } from "../domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../domain/types.ts";
import { importFiles, listImportFiles } from "../pipeline/import.ts";
import { monthlyRun } from "../pipeline/run.ts";
import type { RunStage } from "../pipeline/stages.ts";
import { runSynth } from "../pipeline/synth.ts";
import { ORDERED_READ } from "./copy.ts";
import { rowFieldsQuery } from "./import.repository.ts";
import { createMunicipalityRepository } from "./municipality.repository.ts";
import { RUN_PARTITIONED } from "./run-partition.ts";
import { runAsOwner, withDataScope } from "./scope.ts";
import { linkedRowsQuery } from "./scoring.repository.ts";
import { FILLED_BY } from "./statistics.repository.ts";

const actor = { userId: null, loginName: "test" };
const dir = mkdtempSync(join(tmpdir(), "mimamori-run-statistics-"));
let t: TestDatabase;
let municipalityId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault("みまもり町"));
  // Only the code's ANALYZE may refresh the statistics (autovacuum could hide a missing one).
  // A table partitioned per run (0064) takes no storage parameters (autovacuum never
  // analyzes such a parent); its partitions are created by the runs.
  const partitioned = new Set<string>(RUN_PARTITIONED);
  for (const table of [...FILLED_BY.import, ...FILLED_BY.linkage, ...FILLED_BY.scoring])
    if (!partitioned.has(table))
      await sql.raw(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`).execute(t.db);
}, 120_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** The planner's row count of a table (pg_class.reltuples; -1: never analyzed) and its true count. */
async function counts(table: string): Promise<{ planned: number; actual: number }> {
  const planned = await sql<{ n: number }>`
    SELECT reltuples::float8 AS n FROM pg_class WHERE relname = ${table}`.execute(t.db);
  const actual = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(t.db);
  return { planned: Number(planned.rows[0]?.n), actual: Number(actual.rows[0]?.n) };
}

/** Plan nodes of a JSON EXPLAIN, flattened. */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [plan, ...children.flatMap(nodes)];
}

/**
 * The plan of scoring's read (scoring.repository.ts streamLinkedRows: the rows of one
 * snapshot of link run `runId`, link_record joined to import_row, one COPY per snapshot) for
 * the run's largest snapshot, under the settings its transaction uses.
 */
async function scoringReadPlan(runId: number): Promise<Record<string, unknown>[]> {
  const s = await sql<{ snapshot_id: number }>`
    SELECT snapshot_id FROM link_record WHERE run_id = ${runId}
    GROUP BY snapshot_id ORDER BY count(*) DESC LIMIT 1`.execute(t.db);
  const snapshot = s.rows[0]?.snapshot_id as number;
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(ORDERED_READ);
    const r = await client.query<{ "QUERY PLAN": Record<string, unknown>[] }>(
      `EXPLAIN (FORMAT JSON) ${linkedRowsQuery(municipalityId, runId, snapshot)}`,
    );
    await client.query("ROLLBACK");
    const explained = r.rows[0]?.["QUERY PLAN"] ?? [];
    const root = explained[0] as { Plan: Record<string, unknown> } | undefined;
    expect(root).toBeDefined();
    return nodes(root?.Plan ?? {});
  } finally {
    await client.end();
  }
}

/**
 * The plan of the link read (import.repository.ts streamRowFields) for the largest current
 * snapshot, under the settings its transaction uses, on whatever statistics import_row has now.
 */
async function linkReadPlan(): Promise<Record<string, unknown>[]> {
  const s = await sql<{ id: number }>`
    SELECT s.id FROM import_snapshot s JOIN import_row r ON r.snapshot_id = s.id
      AND r.municipality_id = s.municipality_id
    WHERE s.municipality_id = ${municipalityId}
    GROUP BY s.id ORDER BY count(*) DESC, s.id DESC LIMIT 1`.execute(t.db);
  const snapshot = s.rows[0]?.id as number;
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(ORDERED_READ);
    const r = await client.query<{ "QUERY PLAN": Record<string, unknown>[] }>(
      `EXPLAIN (FORMAT JSON) ${rowFieldsQuery(municipalityId, snapshot)}`,
    );
    await client.query("ROLLBACK");
    const root = r.rows[0]?.["QUERY PLAN"]?.[0] as { Plan: Record<string, unknown> } | undefined;
    expect(root).toBeDefined();
    return nodes(root?.Plan ?? {});
  } finally {
    await client.end();
  }
}

interface Seen {
  stage: RunStage;
  table: string;
  planned: number;
  actual: number;
}

/** Imports `data` then runs at once, recording the statistics as each reading stage begins. */
async function importThenRun(
  data: { dir: string; asOf: IsoDate } | null,
): Promise<{ seen: Seen[]; linkRunId: number }> {
  const seen: Seen[] = [];
  let plan: Record<string, unknown>[] = [];
  const linkRunId = await withDataScope({ municipalityId, council: true }, async () => {
    if (data !== null) {
      const reports = await importFiles(t, await listImportFiles([data.dir]), {
        municipalityId,
        actor,
        asOf: data.asOf,
      });
      // Every file with rows is imported (a month's synth has a few header-only files).
      expect(
        reports.filter(
          (r) => r.status !== "imported" && !(r.status === "failed" && r.rowsRead === 0),
        ),
      ).toEqual([]);
      // Before any ANALYZE (the run's runs while the link stage reads): the primary key, in
      // order, one snapshot's rows — no scan of every row of the table, no sort.
      const read = await linkReadPlan();
      expect(read.map((n) => n["Index Name"])).toContain("import_row_pkey");
      expect(read.map((n) => n["Node Type"])).not.toContain("Seq Scan");
      expect(read.map((n) => n["Node Type"])).not.toContain("Sort");
    }
    const result = await monthlyRun(t, {
      municipalityId,
      actor,
      origin: "cli",
      beforeStage: async (stage) => {
        // Scoring joins import_row, analyzed by then (the link tables are analyzed meanwhile).
        if (stage === "evaluate")
          seen.push({ stage, table: "import_row", ...(await counts("import_row")) });
      },
    });
    // Published: the run's link tables analyzed too.
    seen.push({ stage: "publish", table: "link_record", ...(await counts("link_record")) });
    // The scoring read's plan without any statistics of link_record (the run analyzes it while
    // that read runs): statistics of the parent and of the run's partition cleared, then put back.
    const runId = result.linked.runId;
    await runAsOwner(async () => {
      const cleared = ["link_record", `link_record_r${runId}`];
      await sql`
        SELECT pg_clear_relation_stats(current_schema(), c.relname),
               (SELECT count(pg_clear_attribute_stats(current_schema(), c.relname, a.attname, inh))
                  FROM pg_attribute a, (VALUES (false), (true)) AS i(inh)
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
        FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY (${cleared})`.execute(
        t.db,
      );
      expect((await counts(`link_record_r${runId}`)).planned).toBe(-1);
      plan = await scoringReadPlan(runId);
      await sql.raw(`ANALYZE link_record`).execute(t.db);
    });
    return runId;
  });
  // The scoring read merges the two primary keys in order: no scan of every row, no sort.
  const indexes = plan.map((n) => n["Index Name"]).filter((x) => x !== undefined);
  // link_record is partitioned per run (0064): the run's partition's key.
  expect(indexes.some((i) => /^link_record_r\d+_pkey$/.test(String(i)))).toBe(true);
  expect(indexes).toContain("import_row_pkey");
  expect(plan.filter((n) => n["Node Type"] === "Seq Scan").map((n) => n["Relation Name"])).toEqual(
    [],
  );
  expect(plan.map((n) => n["Node Type"])).not.toContain("Sort");
  expect(plan.map((n) => n["Node Type"])).toContain("Merge Join");
  return { seen, linkRunId };
}

/** Every table's planned count is within 10 % of its true count when it is read (import_row) or published (link_record). */
function expectFresh(seen: readonly Seen[]): void {
  expect(seen.length).toBe(2);
  for (const s of seen) {
    expect(s.actual, `${s.stage} ${s.table}`).toBeGreaterThan(0);
    expect(Math.abs(s.planned - s.actual) / s.actual, `${s.stage} ${s.table}`).toBeLessThan(0.1);
  }
}

describe("statistics when commands come one after the other (issue 15)", () => {
  it("import then run at once: every read is planned on the loaded tables", async () => {
    const data = join(dir, "m1");
    runSynth({
      profile: "village",
      seed: 3,
      out: data,
      asOf: "2025-04-01" as IsoDate,
      names: BUILT_IN_NAME_POOLS,
    });
    const { seen } = await importThenRun({ dir: data, asOf: "2025-04-01" as IsoDate });
    expectFresh(seen);
  }, 300_000);

  it("a second month imported then run: the tables grew, the statistics with them", async () => {
    const before = await counts("import_row");
    const data = join(dir, "m2");
    runSynth({
      profile: "village",
      seed: 3,
      out: data,
      asOf: "2025-05-01" as IsoDate,
      names: BUILT_IN_NAME_POOLS,
    });
    const { seen } = await importThenRun({ dir: data, asOf: "2025-05-01" as IsoDate });
    expectFresh(seen);
    // The import doubled import_row since the last ANALYZE: last month's counts would fail.
    const read = seen.find((s) => s.table === "import_row") as Seen;
    expect(read.actual).toBeGreaterThan(1.5 * before.actual);
  }, 300_000);

  it("a run again with nothing new imported: link_record holds every earlier run, planned as such", async () => {
    const { seen } = await importThenRun(null);
    expectFresh(seen);
  }, 300_000);
});
