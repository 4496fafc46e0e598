/**
 * Migrations 0064 and 0067 (per-run partitions of link_person, person_search_key and
 * link_record; score_item and score_result) on a database that holds runs: runs' rows written into the
 * old tables on the schema just before 0064, then every later migration (0096
 * among them) runs. Every row lands in its run's partition, the partitions
 * carry their parent's keys (with municipality_id), policies, forced RLS and
 * grants, the app role reads a partition by name no more than the parent, and
 * deleting a run drops its partitions.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "../src/db/database.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { withDataScope } from "../src/db/scope.ts";
import { createTestDatabase, migrateToJustBefore, type TestDatabase } from "./db.ts";

const NAME = "0064-run-partitions";
const TABLES = ["link_person", "person_search_key", "link_record"] as const;
let t: TestDatabase;
let a: number;
let b: number;
let runs: number[];
let scoreRuns: number[];

const count = async (table: string, where = sql`true`) =>
  (
    await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE ${where}`.execute(t.db)
  ).rows[0]?.n ?? -1;

beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  await migrateToJustBefore(t.db, NAME);
  const municipalities = createMunicipalityRepository(t.db);
  a = (await municipalities.ensureDefault("テスト村")).id;
  b = (
    await sql<{ id: number }>`INSERT INTO municipality (name, code) VALUES ('別の町', '999999')
      RETURNING id`.execute(t.db)
  ).rows[0]?.id as number;
  runs = [];
  for (const [m, persons] of [
    [a, 3],
    [a, 2],
    [b, 1],
  ] as const) {
    const id = (
      await sql<{ id: number }>`
        INSERT INTO link_run (municipality_id, as_of, snapshot_ids, settings, model, stats, actor, completed_at)
        VALUES (${m}, '2025-04-01', '{}', '{}', '{}', '{}', 'test', now()) RETURNING id`.execute(
        t.db,
      )
    ).rows[0]?.id as number;
    runs.push(id);
    for (let p = 1; p <= persons; p++) {
      const person = `P${String(p).padStart(8, "0")}`;
      await sql`INSERT INTO link_person (run_id, municipality_id, person_id, resident_nos, name, resident)
        VALUES (${id}, ${m}, ${person}, ${[`R${p}`]}, '見守 太郎', true)`.execute(t.db);
      await sql`INSERT INTO person_search_key (run_id, municipality_id, person_id, key)
        VALUES (${id}, ${m}, ${person}, ${`ミマモリ${p}`})`.execute(t.db);
      // One ordinary row and one council-only (要対協) row per person.
      for (const [row, source] of [
        [p * 2, "jumin"],
        [p * 2 + 1, "yotaikyo"],
      ] as const)
        await sql`INSERT INTO link_record (run_id, municipality_id, snapshot_id, row_no, source_id,
            file_name, person_id, method, probability, profile_key)
          VALUES (${id}, ${m}, 1, ${row}, ${source}, 'f.csv', ${person}, 'id', null, ${`k${p}`})`.execute(
          t.db,
        );
    }
  }
  // Two scoring runs of municipality A's second link run: 2 item rows and 1 score each.
  const rule = (
    await sql<{
      id: number;
    }>`INSERT INTO rule_version (municipality_id, label, effective_from, rules, actor)
      VALUES (${a}, 'v1', '2025-04-01', '{}', 'test') RETURNING id`.execute(t.db)
  ).rows[0]?.id as number;
  scoreRuns = [];
  for (let k = 0; k < 2; k++) {
    const id = (
      await sql<{ id: number }>`
        INSERT INTO score_run (municipality_id, link_run_id, rule_version_id, as_of, snapshot_ids,
          code_version, catalog_version, difficulties, stats, actor, completed_at)
        VALUES (${a}, ${runs[1] as number}, ${rule}, '2025-04-01', '{}', 'c', 'c', '{貧困}', '{}',
          'test', now()) RETURNING id`.execute(t.db)
    ).rows[0]?.id as number;
    scoreRuns.push(id);
    for (const item of ["B01", "C03"])
      await sql`INSERT INTO score_item (run_id, municipality_id, person_id, item_id, evidence)
        VALUES (${id}, ${a}, 'P00000001', ${item}, '{}')`.execute(t.db);
    await sql`INSERT INTO score_result (run_id, municipality_id, person_id, type_index, difficulty,
        applicable, score, threshold, flagged, total_points, excluded_by)
      VALUES (${id}, ${a}, 'P00000001', 0, '貧困', true, 3, 2, true, 5, '{}')`.execute(t.db);
  }
  const applied = await migrateToLatest(t.db);
  expect(applied).toContain(NAME);
  expect(applied).toContain("0067-score-partitions");
}, 240_000);

afterAll(async () => {
  await t?.drop();
});

describe("0067 on a database with scoring runs", () => {
  it("moves each scoring run's item results and scores into its partitions, secured", async () => {
    for (const table of ["score_item", "score_result"]) {
      for (const run of scoreRuns) {
        const expected = table === "score_item" ? 2 : 1;
        expect(await count(table, sql`run_id = ${run}`), table).toBe(expected);
        expect(await count(`${table}_r${run}`), table).toBe(expected);
        const r = await sql<{ forced: boolean; policies: number; indexes: number }>`
          SELECT c.relforcerowsecurity AS forced,
            (SELECT count(*)::int FROM pg_policy WHERE polrelid = c.oid) AS policies,
            (SELECT count(*)::int FROM pg_index WHERE indrelid = c.oid) AS indexes
          FROM pg_class c WHERE c.relname = ${`${table}_r${run}`}`.execute(t.db);
        expect(r.rows[0]).toEqual({
          forced: true,
          policies: 1,
          indexes: table === "score_item" ? 2 : 3,
        });
      }
    }
    const other = await withDataScope({ municipalityId: b, council: true }, () =>
      count(`score_result_r${scoreRuns[0]}`),
    );
    expect(other).toBe(0);
  });

  it("drops a scoring run's partitions when it is deleted", async () => {
    await withDataScope({ municipalityId: a, council: true }, () =>
      sql`DELETE FROM score_run WHERE id = ${scoreRuns[0] as number}`.execute(t.db),
    );
    const left = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent IN ('score_item'::regclass, 'score_result'::regclass) ORDER BY 1`.execute(
      t.db,
    );
    expect(left.rows.map((x) => x.name)).toEqual([
      `score_item_r${scoreRuns[1]}`,
      `score_result_r${scoreRuns[1]}`,
    ]);
  });
});

describe("0068 after the moves", () => {
  it("gives each partitioned parent its own planner statistics, which autovacuum never makes", async () => {
    // Without them the planner guessed 200 persons per run and hashed every score of the run
    // for one 支援担当's search (docs/benchmarks.md, web benchmark).
    for (const table of [...TABLES, "score_item", "score_result"]) {
      const r = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stats
         WHERE schemaname = current_schema() AND tablename = ${table} AND inherited`.execute(t.db);
      expect(r.rows[0]?.n, table).toBeGreaterThan(0);
    }
  });
});

describe("0064 on a database with runs", () => {
  it("moves every run's rows into that run's partition", async () => {
    for (const table of TABLES) {
      const kind = await sql<{ kind: string }>`
        SELECT relkind::text AS kind FROM pg_class WHERE oid = ${table}::regclass`.execute(t.db);
      expect(kind.rows[0]?.kind, table).toBe("p");
      for (const [i, run] of runs.entries()) {
        const per = [3, 2, 1][i] as number;
        const expected = table === "link_record" ? per * 2 : per;
        expect(await count(table, sql`run_id = ${run}`), table).toBe(expected);
        expect(await count(`${table}_r${run}`), table).toBe(expected);
      }
    }
  });

  it("gives each partition its parent's keys, policies, forced RLS and grants", async () => {
    const r = await sql<{
      name: string;
      rls: boolean;
      forced: boolean;
      policies: string[];
      pkey: string;
      app: boolean;
    }>`
      SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
        array(SELECT polname::text FROM pg_policy WHERE polrelid = c.oid ORDER BY 1) AS policies,
        (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
          WHERE k.conrelid = c.oid AND k.contype = 'p') AS pkey,
        has_table_privilege('mimamori_app', c.oid, 'SELECT') AS app
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'link_record'::regclass ORDER BY c.relname`.execute(t.db);
    expect(r.rows.length).toBe(3);
    for (const row of r.rows) {
      expect(row.rls && row.forced, row.name).toBe(true);
      expect(row.policies).toEqual(["council_only", "municipality_isolation"]);
      expect(row.pkey).toContain("municipality_id");
      expect(row.app).toBe(true);
    }
  });

  it("lets the app role read a partition by name no more than through its parent", async () => {
    const first = `link_record_r${runs[0]}`;
    const seen = (council: boolean, m: number) =>
      withDataScope({ municipalityId: m, council }, async () => ({
        partition: await count(first),
        parent: await count("link_record", sql`run_id = ${runs[0] as number}`),
      }));
    expect(await seen(true, a)).toEqual({ partition: 6, parent: 6 });
    // 要対協 rows: council members only, by name too.
    expect(await seen(false, a)).toEqual({ partition: 3, parent: 3 });
    // Another municipality's scope: nothing.
    expect(await seen(true, b)).toEqual({ partition: 0, parent: 0 });
  });

  it("drops a run's partitions when the run is deleted, and keeps the others", async () => {
    await withDataScope({ municipalityId: a, council: true }, () =>
      sql`DELETE FROM link_run WHERE id = ${runs[0] as number}`.execute(t.db),
    );
    for (const table of TABLES) {
      const left = await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = ${table}::regclass ORDER BY c.relname`.execute(t.db);
      expect(left.rows.map((x) => x.name)).toEqual([
        `${table}_r${runs[1]}`,
        `${table}_r${runs[2]}`,
      ]);
      expect(await count(table, sql`run_id = ${runs[1] as number}`)).toBeGreaterThan(0);
    }
  });
});
