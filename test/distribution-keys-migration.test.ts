/**
 * Migration 0096 (distribution keys) on a database that holds real data: a
 * village imported, linked and scored, a child view and the home list read
 * (home_flagged filled) and a case opened, all on the schema just before
 * 0096; then 0096 runs. Every table keeps its rows, the keys carry
 * municipality_id, and the app answers as before (child view, 判定一覧,
 * home list, a new monthly run writing into the widened keys).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "../src/db/database.ts";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFile, listImportFiles } from "../src/pipeline/import.ts";
import { monthlyRun } from "../src/pipeline/run.ts";
import { runSynth } from "../src/pipeline/synth.ts";
import type { App } from "../src/server/app.ts";
import { createTestDatabase, migrateToJustBefore, type TestDatabase } from "./db.ts";
import { type Client, createTestApp, loginAs } from "./http.ts";

const AS_OF = "2024-04-01" as IsoDate;
const NAME = "0096-distribution-keys";
const dir = mkdtempSync(join(tmpdir(), "mimamori-keys-"));
let t: TestDatabase;
let app: App;
let municipalityId: number;
let scoreRunId: number;
let council: Client;
let flaggedChild: string;

async function counts(): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'kysely%'
     ORDER BY 1`.execute(t.db);
  const out: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(name)}`.execute(
      t.db,
    );
    out[name] = r.rows[0]?.n ?? 0;
  }
  return out;
}

async function keysWithoutMunicipality(): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_constraint k
      JOIN pg_attribute m ON m.attrelid = k.conrelid AND m.attname = 'municipality_id'
     WHERE k.contype IN ('p', 'u', 'f') AND NOT (m.attnum = ANY (k.conkey))
       AND k.conrelid::regclass::text NOT IN ('app_user', 'audit_log')
       AND (k.contype <> 'f' OR k.confrelid::regclass::text NOT IN ('municipality', 'app_user'))`.execute(
    t.db,
  );
  return r.rows[0]?.n ?? -1;
}

interface ChildView {
  identity: { personId: string };
  types: { difficulty: string; items: { itemId: string }[] }[];
  records: unknown[];
}

let before: Record<string, number>;
let viewBefore: ChildView;
let listBefore: unknown;
let homeBefore: unknown;

beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  await migrateToJustBefore(t.db, NAME);

  const target = { db: t.db, url: t.url };
  runSynth({ profile: "village", seed: 5, out: dir, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト村")).id;
  const actor = { userId: null, loginName: "test" };
  for (const path of await listImportFiles([dir]))
    await importFile(target, path, { municipalityId, actor, asOf: AS_OF });
  const run = await monthlyRun(target, { municipalityId, actor, origin: "cli" });
  scoreRunId = run.scored.runId;
  app = await createTestApp(t.db, t.url);
  council = await loginAs(app, t.db, "coord.council", ["coordinator"], {
    council: true,
    municipalityId,
  });
  const f = await sql<{ person_id: string }>`
    SELECT person_id FROM score_result WHERE run_id = ${scoreRunId} AND flagged
     ORDER BY score DESC, person_id LIMIT 1`.execute(t.db);
  flaggedChild = f.rows[0]?.person_id as string;
  expect(flaggedChild).toBeTruthy();
  const view = await council.json<ChildView>(`/api/children/${flaggedChild}`);
  expect(view.status).toBe(200);
  viewBefore = view.body;
  const runList = await council.json(`/api/runs/${scoreRunId}/children?limit=20`);
  expect(runList.status).toBe(200);
  listBefore = runList.body;
  const home = await council.json("/api/children/top-flagged?limit=20");
  expect(home.status).toBe(200);
  homeBefore = home.body;
  // A candidate list with an entry (review_list, review_list_entry and their keys).
  const list = await council.json<{ id: number }>("/api/review-lists", {
    method: "POST",
    body: { month: "2024-04", runId: scoreRunId },
  });
  expect(list.status).toBe(201);
  const difficulty = (
    await sql<{ difficulty: string }>`
      SELECT difficulty FROM score_result WHERE run_id = ${scoreRunId} AND person_id = ${flaggedChild}
       AND flagged ORDER BY score DESC LIMIT 1`.execute(t.db)
  ).rows[0]?.difficulty;
  const entry = await council.json(`/api/review-lists/${list.body.id}/entries`, {
    method: "POST",
    body: { picks: [{ personId: flaggedChild, difficulty, overrideReason: "移行の確認" }] },
  });
  expect(entry.status).toBe(201);
  expect(await keysWithoutMunicipality()).toBeGreaterThan(0);
  before = await counts();
  expect(before.import_row).toBeGreaterThan(100);
  expect(before.score_result).toBeGreaterThan(0);
  expect(before.home_flagged).toBeGreaterThan(0);
  expect(before.review_list_entry).toBe(1);

  const applied = await migrateToLatest(t.db);
  expect(applied).toContain(NAME);
}, 600_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("migration 0096 on a filled database", () => {
  it("keeps every row of every table and leaves no key without municipality_id", async () => {
    expect(await counts()).toEqual(before);
    expect(await keysWithoutMunicipality()).toBe(0);
  });

  it("the child view, 判定一覧 and home list answer as before", async () => {
    const view = await council.json<ChildView>(`/api/children/${flaggedChild}`);
    expect(view.status).toBe(200);
    expect(view.body.identity).toEqual(viewBefore.identity);
    expect(view.body.types).toEqual(viewBefore.types);
    expect(view.body.records).toEqual(viewBefore.records);
    const list = await council.json(`/api/runs/${scoreRunId}/children?limit=20`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual(listBefore);
    const home = await council.json("/api/children/top-flagged?limit=20");
    expect(home.body).toEqual(homeBefore);
  });

  it("a new monthly run writes into the widened keys", async () => {
    const actor = { userId: null, loginName: "test" };
    const run = await monthlyRun(
      { db: t.db, url: t.url },
      { municipalityId, actor, origin: "cli" },
    );
    expect(run.scored.runId).toBeGreaterThan(scoreRunId);
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM score_result WHERE run_id = ${run.scored.runId}`.execute(t.db);
    expect(r.rows[0]?.n).toBe(before.score_result);
    const home = await council.json<unknown[]>("/api/children/top-flagged?limit=20");
    expect(home.status).toBe(200);
  });
});
