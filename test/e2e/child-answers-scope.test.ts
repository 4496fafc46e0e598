/**
 * Shared child / household / search answers cut down per reader, 利用停止
 * and 訂正 reaching the views at once, and the household panel in one
 * statement (issue 11), against PostgreSQL with the change feed listening
 * (so the answer cache is really used: each test checks its hit counts).
 *
 * - A 支援担当 (staff of one school, not a 要対協 member) is served answers a
 *   coordinator's request put in the cache, yet never a child, household
 *   member or search hit outside their school, and never a council fact a
 *   member's answer holds — through the API, after both kinds of
 *   coordinator have warmed the same answers.
 * - A 利用停止 takes the child out of the child view (404 saying why),
 *   search, 判定一覧 and the home list, and marks them in their household, from
 *   the moment it is recorded; lifting it brings them back.
 * - A 訂正 shows on its row as pending, then as applied once a run has read
 *   it, then as a pending withdrawal once withdrawn.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KyselyPlugin, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChangeFeed, startChangeFeed } from "../../src/db/change-feed.repository.ts";
import { createChildRepository } from "../../src/db/child.repository.ts";
import { createCorrectionRepository } from "../../src/db/correction.repository.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createRightsRepository } from "../../src/db/rights.repository.ts";
import { withDataScope } from "../../src/db/scope.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { monthlyRun } from "../../src/pipeline/run.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import type { App } from "../../src/server/app.ts";
import { childAnswerCacheOf } from "../../src/server/services/child.service.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type Client, createTestApp, loginAs } from "../http.ts";

const AS_OF = "2024-04-01" as IsoDate;
const dir = mkdtempSync(join(tmpdir(), "mimamori-scoped-answers-"));
let t: TestDatabase;
let app: App;
let feed: ChangeFeed;
let municipalityId: number;
let linkRunId: number;
let scoreRunId: number;
let council: Client;
let plain: Client;
let staff: Client;
/** A child of school A holding B01 / B02; the staff account belongs to school A. */
let mine: string;
/** A scored child of another school. */
let theirs: string;
let schoolOf: Map<string, string>;

interface View {
  identity: { personId: string; householdNo: string | null; residentNos: string[] | null };
  councilFacts: boolean;
  types: { items: { itemId: string }[] }[];
  records: {
    sourceId: string;
    rowNo: number;
    corrections: { field: string; status: string; newValue: unknown }[];
  }[];
  household: { members: { personId: string; canOpen: boolean }[] } | null;
}
interface Household {
  members: { personId: string; canOpen: boolean; usageStopped: boolean; items: unknown[] }[];
}
interface Search {
  total: number;
  hits: { personId: string }[];
}

async function schools(runId: number, scoreRun: number): Promise<Map<string, string>> {
  const r = await sql<{ person_id: string; school: string }>`
    SELECT DISTINCT ON (lr.person_id) lr.person_id, ir.data->>'学校名' AS school
      FROM link_record lr JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
     WHERE lr.run_id = ${runId} AND lr.source_id = 'gakureibo' AND lr.person_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${scoreRun} AND sr.person_id = lr.person_id)
     ORDER BY lr.person_id, ir.as_of DESC, lr.snapshot_id DESC, lr.row_no DESC`.execute(t.db);
  return new Map(r.rows.map((x) => [x.person_id, x.school]));
}

async function run() {
  const actor = { userId: null, loginName: "test" };
  const r = await monthlyRun({ db: t.db, url: t.url }, { municipalityId, actor, origin: "cli" });
  linkRunId = r.linked.runId;
  scoreRunId = r.scored.runId;
}

beforeAll(async () => {
  t = await createTestDatabase();
  runSynth({ profile: "village", seed: 3, out: dir, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト村")).id;
  const actor = { userId: null, loginName: "test" };
  for (const path of await listImportFiles([dir]))
    await importFile({ db: t.db, url: t.url }, path, { municipalityId, actor, asOf: AS_OF });
  await run();
  schoolOf = await schools(linkRunId, scoreRunId);
  const c = await sql<{ person_id: string }>`
    SELECT DISTINCT person_id FROM score_item WHERE run_id = ${scoreRunId} AND item_id IN ('B01', 'B02')
     ORDER BY person_id`.execute(t.db);
  mine = c.rows.map((x) => x.person_id).find((p) => schoolOf.has(p)) as string;
  expect(mine).toBeTruthy();
  const schoolA = schoolOf.get(mine) as string;
  theirs = [...schoolOf].find(([, s]) => s !== schoolA)?.[0] as string;
  expect(theirs).toBeTruthy();
  app = await createTestApp(t.db, t.url);
  feed = startChangeFeed(t.db, t.url);
  await feed.ready;
  council = await loginAs(app, t.db, "coord.council", ["coordinator"], {
    council: true,
    municipalityId,
  });
  plain = await loginAs(app, t.db, "coord.plain", ["coordinator"], { municipalityId });
  staff = await loginAs(app, t.db, "staff.a", ["staff"], { affiliation: schoolA, municipalityId });
}, 600_000);

afterAll(async () => {
  await feed?.stop();
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const COUNCIL_FACTS = /"B0[12]"|yotaikyo|ichiji_hogo|要対協への登録|一時保護歴/;

describe("answers shared between readers", () => {
  it("serve a 支援担当 only the children of their school, without council facts", async () => {
    const answers = childAnswerCacheOf(t.db);
    // Both kinds of coordinator warm the answers first.
    for (const reader of [council, plain])
      for (const p of [mine, theirs])
        expect((await reader.json(`/api/children/${p}`)).status).toBe(200);
    const m = await council.json<View>(`/api/children/${mine}`);
    expect(JSON.stringify(m.body)).toMatch(COUNCIL_FACTS);
    const hits = answers.hits;
    for (let i = 0; i < 2; i++) {
      const own = await staff.json<View>(`/api/children/${mine}`);
      expect(own.status).toBe(200);
      expect(own.body.councilFacts).toBe(false);
      expect(JSON.stringify(own.body)).not.toMatch(COUNCIL_FACTS);
      const other = await staff.json(`/api/children/${theirs}`);
      const missing = await staff.json("/api/children/P99999999");
      expect(other.status).toBe(404);
      expect(other.body).toEqual(missing.body);
      // Household members outside the school cannot be opened.
      for (const member of own.body.household?.members ?? [])
        if (member.canOpen) expect(schoolOf.get(member.personId)).toBe(schoolOf.get(mine));
    }
    // The staff's own child came from the shared answer (a non-member coordinator's).
    expect(answers.hits - hits).toBeGreaterThanOrEqual(2);
  });

  it("cut a shared household down to the reader, and refuse one with none of theirs", async () => {
    const hh = (await council.json<View>(`/api/children/${theirs}`)).body.identity.householdNo;
    const own = (await council.json<View>(`/api/children/${mine}`)).body.identity.householdNo;
    expect(hh && own).toBeTruthy();
    expect((await council.json(`/api/households/${hh}`)).status).toBe(200);
    const h = await staff.json<Household>(`/api/households/${own}`);
    expect(h.status).toBe(200);
    expect(JSON.stringify(h.body)).not.toMatch(COUNCIL_FACTS);
    for (const member of h.body.members)
      if (member.canOpen) expect(schoolOf.get(member.personId)).toBe(schoolOf.get(mine));
    const full = await council.json<Household>(`/api/households/${hh}`);
    const visibleToStaff = full.body.members.some(
      (x) => x.canOpen && schoolOf.get(x.personId) === schoolOf.get(mine),
    );
    const s = await staff.json(`/api/households/${hh}`);
    expect(s.status).toBe(visibleToStaff ? 200 : 404);
  });

  it("filter shared search hits to the reader before paging", async () => {
    const birth = await sql<{ birth_date: string; resident_nos: string[] }>`
      SELECT to_char(birth_date, 'YYYY-MM-DD') AS birth_date, resident_nos FROM link_person
       WHERE run_id = ${linkRunId} AND person_id = ${theirs}`.execute(t.db);
    const { birth_date, resident_nos } = birth.rows[0] as {
      birth_date: string;
      resident_nos: string[];
    };
    // The coordinator finds the other school's child; the staff, after, does not.
    const c = await council.json<Search>(`/api/search?q=${resident_nos[0]}`);
    expect(c.body.hits.map((x) => x.personId)).toEqual([theirs]);
    const s = await staff.json<Search>(`/api/search?q=${resident_nos[0]}`);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ total: 0, hits: [] });
    // A birth date: every hit is of the staff's school, and the total counts only those.
    await council.json(`/api/search?q=${birth_date}&limit=50`);
    const d = await staff.json<Search>(`/api/search?q=${birth_date}&limit=1`);
    expect(d.status).toBe(200);
    const all = await staff.json<Search>(`/api/search?q=${birth_date}&limit=50`);
    for (const hit of all.body.hits) expect(schoolOf.get(hit.personId)).toBe(schoolOf.get(mine));
    expect(d.body.total).toBe(all.body.hits.length);
    expect(d.body.hits.length).toBe(Math.min(1, all.body.hits.length));
  });
});

describe("the household panel", () => {
  it("is read in one statement", async () => {
    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: (a) => {
        statements++;
        return a.node;
      },
      transformResult: async (a) => a.result,
    };
    const db = t.db.withPlugin(counting);
    const scope = { municipalityId, council: true, userId: 0, children: "all", affiliation: null };
    await withDataScope(scope, async () => {
      // The caches belong to the database (t.db), whose change feed listens.
      const repo = createChildRepository(db, t.db);
      const r = await repo.latestRun(municipalityId);
      const hh = (await council.json<View>(`/api/children/${mine}`)).body.identity.householdNo;
      // Warm the per-process caches (run head, 利用停止 ids), then count.
      await repo.household({ ...scope, children: "all" as const }, r as never, hh as string);
      statements = 0;
      const members = await repo.household(
        { ...scope, children: "all" as const },
        r as never,
        hh as string,
      );
      expect(members?.length).toBeGreaterThan(0);
      expect(members?.some((m) => m.items.length > 0)).toBe(true);
    });
    expect(statements).toBe(1);
  });
});

describe("利用停止 at once", () => {
  it("takes the child out of the view, search, 判定一覧 and home, marks them in the household, and comes back when lifted", async () => {
    const v = await council.json<View>(`/api/children/${mine}`);
    const no = v.body.identity.residentNos?.[0] as string;
    const hh = v.body.identity.householdNo as string;
    const types = await sql<{ difficulty: string }>`
      SELECT difficulty FROM score_result WHERE run_id = ${scoreRunId} AND person_id = ${mine} AND flagged`.execute(
      t.db,
    );
    const type = types.rows[0]?.difficulty ?? "abuse";
    const list = () =>
      council.json<{ rows: { personId: string }[]; total: number }>(
        `/api/runs/latest/children?type=${type}&limit=200`,
      );
    const before = await list();
    const topBefore = await council.json<{ children: { personId: string }[] }>(
      "/api/children/top-flagged?limit=50",
    );
    expect(before.body.rows.some((r) => r.personId === mine)).toBe(types.rows.length > 0);
    expect((await council.json<Search>(`/api/search?q=${no}`)).body.hits).toHaveLength(1);
    expect((await staff.json(`/api/children/${mine}`)).status).toBe(200);

    await createRightsRepository(t.db).stop(municipalityId, mine, "本人の申出による", "test");

    const stopped = await council.json<{ error: { message: string } }>(`/api/children/${mine}`);
    expect(stopped.status).toBe(404);
    expect(stopped.body.error.message).toContain("利用停止中");
    const forStaff = await staff.json<{ error: { message: string } }>(`/api/children/${mine}`);
    expect(forStaff.status).toBe(404);
    expect(forStaff.body.error.message).toContain("利用停止中");
    // Out of scope it stays a plain "not found".
    const other = await staff.json(`/api/children/${theirs}`);
    expect(JSON.stringify(other.body)).not.toContain("利用停止");
    expect((await council.json<Search>(`/api/search?q=${no}`)).body.hits).toEqual([]);
    expect((await staff.json<Search>(`/api/search?q=${no}`)).body.hits).toEqual([]);
    const after = await list();
    expect(after.body.rows.some((r) => r.personId === mine)).toBe(false);
    if (types.rows.length > 0) expect(after.body.total).toBe(before.body.total - 1);
    const top = await council.json<{ children: { personId: string }[] }>(
      "/api/children/top-flagged?limit=50",
    );
    expect(top.status).toBe(200);
    expect(top.body.children.some((c) => c.personId === mine)).toBe(false);
    // Still a full page: the next flagged child takes the stopped one's place.
    expect(top.body.children.length).toBe(topBefore.body.children.length);
    const h = await council.json<Household>(`/api/households/${hh}`);
    if (h.status === 200) {
      const m = h.body.members.find((x) => x.personId === mine);
      expect(m).toMatchObject({ usageStopped: true, canOpen: false, items: [] });
    } else expect(h.status).toBe(404);
    const audit = await sql<{ detail: { usageStopped?: boolean } }>`
      SELECT detail FROM audit_log WHERE actor = 'coord.council' AND action = 'child.view'
       AND person_id = ${mine} ORDER BY id DESC LIMIT 1`.execute(t.db);
    expect(audit.rows[0]?.detail.usageStopped).toBe(true);

    await createRightsRepository(t.db).lift(municipalityId, mine, "解除の申出", "test");
    expect((await council.json(`/api/children/${mine}`)).status).toBe(200);
    expect((await council.json<Search>(`/api/search?q=${no}`)).body.hits).toHaveLength(1);
    expect((await list()).body.total).toBe(before.body.total);
  });
});

describe("訂正 in the child view", () => {
  it("shows pending, then applied after a run, then a pending withdrawal", async () => {
    const rows = await createCorrectionRepository(t.db).personRows(municipalityId, linkRunId, mine);
    const row = rows.find((r) => r.sourceId === "jumin" && typeof r.data.続柄 === "string");
    expect(row).toBeDefined();
    if (!row) return;
    const corrected = row.data.続柄 === "子" ? "長男" : "子";
    const c = await createCorrectionRepository(t.db).correct({
      municipalityId,
      row,
      personId: mine,
      field: "続柄",
      newValue: corrected,
      reason: "本人の申出による",
      actor: "test",
    });
    expect(c).toBeDefined();
    const statusOf = async (personId: string) => {
      const v = await council.json<View>(`/api/children/${personId}`);
      expect(v.status).toBe(200);
      return v.body.records
        .filter((r) => r.sourceId === "jumin" && r.rowNo === row.rowNo)
        .flatMap((r) => r.corrections);
    };
    expect(await statusOf(mine)).toEqual([
      expect.objectContaining({ field: "続柄", status: "pending", newValue: corrected }),
    ]);
    await run();
    // The row's person in the new run (ids may change with a relink).
    const p = await sql<{ person_id: string }>`
      SELECT person_id FROM link_record WHERE run_id = ${linkRunId}
         AND snapshot_id = ${row.snapshotId} AND row_no = ${row.rowNo}`.execute(t.db);
    const now = p.rows[0]?.person_id as string;
    expect(await statusOf(now)).toEqual([
      expect.objectContaining({ field: "続柄", status: "applied" }),
    ]);
    await createCorrectionRepository(t.db).withdraw(
      municipalityId,
      c?.id as number,
      "誤り",
      "test",
    );
    expect(await statusOf(now)).toEqual([
      expect.objectContaining({ field: "続柄", status: "withdrawal_pending" }),
    ]);
  });
});

describe("判定一覧 of flagged children", () => {
  it("walked in priority order (WALK_DENSITY) gives the same pages as the full scan", async () => {
    type Page = { total: number; rows: { personId: string }[] };
    let walked = 0;
    for (const type of ["abuse", "poverty", "truancy"])
      for (const items of ["", "B11 OR B12", "NOT B17"]) {
        const q = `type=${type}&flagged=yes${items ? `&items=${encodeURIComponent(items)}` : ""}`;
        // 200 rows: the walk needs ≥ 2,000 matches, so this one scans (a village has fewer).
        const full = await council.json<Page>(`/api/runs/latest/children?${q}&limit=200`);
        expect(full.status).toBe(200);
        for (const offset of [0, 5]) {
          const page = await council.json<Page>(
            `/api/runs/latest/children?${q}&limit=5&offset=${offset}`,
          );
          expect(page.body.total).toBe(full.body.total);
          expect(page.body.rows.map((r) => r.personId)).toEqual(
            full.body.rows.slice(offset, offset + 5).map((r) => r.personId),
          );
          if (full.body.total >= (offset + 5) * 10) walked++;
        }
      }
    // The walk was really taken for some of them.
    expect(walked).toBeGreaterThan(0);
  });
});
