/**
 * 除外理由と要対協 (issue 11 security): the exclusion 「要対協で進行管理中」 is a
 * 要対協 fact. score_result.excluded_by stores exclusions by NAME, so a filter
 * by id alone let it through. A synthetic village is imported and run; the API
 * is asked as a coordinator who is a 要対協 member and as one who is not, on
 * every path that returns exclusion reasons or counts made from them:
 * 判定一覧 (rows and the 支援中 filter's total), its CSV export, the dashboard's
 * 掲載 counts, the validation report's funnel, the child view, the candidate
 * check and the 候補リスト (an override a member recorded).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { monthlyRun } from "../../src/pipeline/run.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import type { App } from "../../src/server/app.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type Client, createTestApp, loginAs } from "../http.ts";

const AS_OF = "2024-04-01" as IsoDate;
const REASON = "要対協で進行管理中";
const dir = mkdtempSync(join(tmpdir(), "mimamori-council-excl-"));
let t: TestDatabase;
let app: App;
let scoreRunId: number;
let member: Client;
let plain: Client;
/** A flagged child whose only exclusion is 要対協, and the type. */
let child: string;
let difficulty: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const target = { db: t.db, url: t.url };
  runSynth({ profile: "village", seed: 3, out: dir, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  const municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト村")).id;
  const actor = { userId: null, loginName: "test" };
  for (const path of await listImportFiles([dir]))
    await importFile(target, path, { municipalityId, actor, asOf: AS_OF });
  const run = await monthlyRun(target, { municipalityId, actor, origin: "cli" });
  scoreRunId = run.scored.runId;
  app = await createTestApp(t.db, t.url);
  const c = await sql<{ person_id: string; difficulty: string }>`
    SELECT person_id, difficulty FROM score_result
     WHERE run_id = ${scoreRunId} AND excluded_by = ARRAY[${REASON}]::text[]
     ORDER BY flagged DESC, person_id LIMIT 1`.execute(t.db);
  child = c.rows[0]?.person_id as string;
  difficulty = c.rows[0]?.difficulty as string;
  expect(child, "the village has a child excluded by 要対協 alone").toBeTruthy();
  member = await loginAs(app, t.db, "coord.member", ["coordinator"], {
    council: true,
    municipalityId,
  });
  plain = await loginAs(app, t.db, "coord.nonmember", ["coordinator"], { municipalityId });
}, 600_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** score_result rows of the type with an exclusion other than 要対協 (what a non-member may count). */
async function visiblySupported(): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM score_result
     WHERE run_id = ${scoreRunId} AND difficulty = ${difficulty}
       AND cardinality(array_remove(excluded_by, ${REASON})) > 0`.execute(t.db);
  return r.rows[0]?.n ?? 0;
}

interface ListBody {
  total: number;
  rows: { personId: string; excludedBy: { id: string; name: string }[] }[];
}

describe("a non-member never learns that a child is excluded because of 要対協", () => {
  it("判定一覧: no reason on the rows, and the 支援中 filter does not count the child", async () => {
    const q = `/api/runs/latest/children?type=${difficulty}&supported=yes&limit=200`;
    const m = await member.json<ListBody>(q);
    const p = await plain.json<ListBody>(q);
    expect(m.status).toBe(200);
    expect(p.status).toBe(200);
    const mine = m.body.rows.find((r) => r.personId === child);
    expect(mine?.excludedBy.map((x) => x.name)).toContain(REASON);
    expect(JSON.stringify(p.body)).not.toContain(REASON);
    expect(JSON.stringify(p.body)).not.toContain("yotaikyo");
    expect(p.body.rows.some((r) => r.personId === child)).toBe(false);
    expect(p.body.total).toBe(await visiblySupported());
    expect(m.body.total).toBeGreaterThan(p.body.total);
    // The whole list (no filter) shows the child without a reason.
    const all = await plain.json<ListBody>(
      `/api/runs/latest/children?type=${difficulty}&limit=200&supported=no`,
    );
    expect(JSON.stringify(all.body)).not.toContain(REASON);
  });

  it("CSV export: no 要対協 reason for a non-member, the reason for a member", async () => {
    const exportCsv = async (c: Client) => {
      const res = await c.request(`/api/runs/latest/children/export?type=${difficulty}`, {
        method: "POST",
        body: { purpose: "ケース会議の資料" },
      });
      expect(res.status).toBe(200);
      return res.text();
    };
    expect(await exportCsv(member)).toContain(REASON);
    expect(await exportCsv(plain)).not.toContain(REASON);
  });

  it("dashboard and validation report: the 掲載 counts do not drop the child for a non-member", async () => {
    type Dash = { types: { id: string; listed: number }[] };
    const d = await plain.json<Dash>("/api/runs/latest/dashboard");
    expect(d.status).toBe(200);
    expect(JSON.stringify(d.body)).not.toContain(REASON);
    const listed = await plain.json<ListBody>(
      `/api/runs/latest/children?type=${difficulty}&flagged=yes&supported=no&limit=1`,
    );
    expect(listed.body.total).toBeGreaterThan(0);
    // 掲載 = flagged and not excluded, as the non-member's own list shows it.
    expect(d.body.types.find((x) => x.id === difficulty)?.listed).toBe(listed.body.total);
    const v = await plain.json<unknown>(`/api/validation/${scoreRunId}`);
    expect(v.status).toBe(200);
    expect(JSON.stringify(v.body)).not.toContain(REASON);
  });

  it("child view: the member sees the reason, the non-member sees none", async () => {
    type View = { types: { difficulty: string; excludedBy: string[] }[] };
    const m = await member.json<View>(`/api/children/${child}`);
    const p = await plain.json<View>(`/api/children/${child}`);
    expect(m.status).toBe(200);
    expect(p.status).toBe(200);
    expect(m.body.types.find((x) => x.difficulty === difficulty)?.excludedBy).toContain(REASON);
    expect(p.body.types.find((x) => x.difficulty === difficulty)?.excludedBy).toEqual([]);
    expect(JSON.stringify(p.body)).not.toContain(REASON);
  });

  it("候補リスト: the check and a member's override are not shown to a non-member", async () => {
    const list = await member.json<{ id: number }>("/api/review-lists", {
      method: "POST",
      body: { month: "2024-05", runId: scoreRunId },
    });
    expect(list.status).toBe(201);
    const picks = [{ personId: child, difficulty }];
    const mc = await member.json<{ exclusions: { name: string }[] }[]>(
      `/api/review-lists/${list.body.id}/check`,
      { method: "POST", body: { picks } },
    );
    expect(mc.body[0]?.exclusions.map((x) => x.name)).toContain(REASON);
    const pc = await plain.json<unknown>(`/api/review-lists/${list.body.id}/check`, {
      method: "POST",
      body: { picks },
    });
    expect(pc.status).toBe(200);
    expect(JSON.stringify(pc.body)).not.toContain(REASON);
    const added = await member.json(`/api/review-lists/${list.body.id}/entries`, {
      method: "POST",
      body: { picks: [{ ...picks[0], overrideReason: "要対協の担当から今月の確認を頼まれた" }] },
    });
    expect(added.status).toBe(201);
    const mv = await member.json<unknown>(`/api/review-lists/${list.body.id}`);
    expect(JSON.stringify(mv.body)).toContain("要対協の担当から");
    const pv = await plain.json<{
      households: { children: { personId: string; exclusions: string[] }[] }[];
    }>(`/api/review-lists/${list.body.id}`);
    expect(pv.status).toBe(200);
    const entry = pv.body.households.flatMap((h) => h.children).find((e) => e.personId === child);
    expect(entry?.exclusions).toEqual([]);
    expect(JSON.stringify(pv.body)).not.toContain(REASON);
    expect(JSON.stringify(pv.body)).not.toContain("要対協");
    expect(JSON.stringify(pv.body)).not.toContain("yotaikyo");
  });
});
