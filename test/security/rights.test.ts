/**
 * 訂正 and a 利用停止 that survives a relink (issue 12), on a scored
 * synthetic village in PostgreSQL, through the API:
 * - a coordinator corrects one cell of a child's 乳幼児健診 row (家に残して
 *   外出: true → いいえ); the stored row is unchanged, the next run no longer
 *   holds B04 for the child (evidence and points follow), the trail (who,
 *   when, why, old → new) is in 開示, identity columns are refused, and
 *   withdrawing the correction brings B04 back at the run after;
 * - a stop made under one person id still leaves the child out when a
 *   relink gives the child another id (the stop matches the 宛名番号);
 *   a stop for an id no run knows is refused.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import { scoreRun } from "../../src/pipeline/score.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import type { App } from "../../src/server/app.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type Client, createTestApp, loginAs } from "../http.ts";

const AS_OF = "2024-04-01" as IsoDate;
const FIELD = "家に残して外出";
const actor = { userId: null, loginName: "test" };
let t: TestDatabase;
let app: App;
let municipalityId: number;
let coordinator: Client;
const dir = mkdtempSync(join(tmpdir(), "mimamori-rights-"));

beforeAll(async () => {
  t = await createTestDatabase();
  const data = join(dir, "data");
  runSynth({ profile: "village", seed: 12, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  municipalityId = (
    await createMunicipalityRepository(t.db).ensureDefault(DEFAULT_MUNICIPALITY_NAME)
  ).id;
  for (const path of await listImportFiles([data]))
    await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
  await runLinkage(t, { municipalityId, actor });
  await scoreRun(t, { municipalityId, actor });
  app = await createTestApp(t.db, t.url);
  coordinator = await loginAs(app, t.db, "coord.rights", ["coordinator"], { council: true });
}, 300_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

interface Rec {
  snapshotId: number;
  rowNo: number;
  sourceId: string;
  fileName: string;
  data: Record<string, unknown>;
  corrected: Record<string, unknown>;
  correctable: string[];
}
interface Correction {
  id: number;
  field: string;
  oldValue: unknown;
  newValue: unknown;
  reason: string;
  actor: string;
  correctedAt: string;
  withdrawnAt: string | null;
}

async function itemsOf(runId: number, personId: string): Promise<string[]> {
  const r = await t.db
    .selectFrom("score_item")
    .select("item_id")
    .where("run_id", "=", runId)
    .where("person_id", "=", personId)
    .execute();
  return r.map((x) => x.item_id).sort();
}

describe("訂正", () => {
  let personId = "";
  let row: Rec | undefined;
  let correction: Correction | undefined;

  it("finds a child whose B04 rests on one 乳幼児健診 row", async () => {
    const held = await t.db
      .selectFrom("score_item")
      .select(["person_id", "evidence"])
      .where("item_id", "=", "B04")
      .orderBy("person_id")
      .execute();
    const one = held.find((h) => (h.evidence as { matchedRows: number }).matchedRows === 1);
    expect(one, "the village has a child with exactly one B04 row").toBeDefined();
    personId = (one as { person_id: string }).person_id;
    const r = await coordinator.json<{ records: Rec[]; corrections: Correction[] }>(
      `/api/rights/${personId}/records`,
    );
    expect(r.status).toBe(200);
    expect(r.body.corrections).toEqual([]);
    const rows = r.body.records.filter(
      (x) => x.sourceId === "nyuyoji_kenshin" && x.data[FIELD] === true,
    );
    expect(rows).toHaveLength(1);
    row = rows[0];
    expect(row?.correctable).toContain(FIELD);
    expect(row?.correctable).not.toContain("宛名番号");
    expect(row?.correctable).not.toContain("生年月日");
  });

  it("refuses identity columns, unreadable values, other persons' rows and the same value", async () => {
    const r = row as Rec;
    const post = (body: object, who = personId) =>
      coordinator.json<{ error: { message: string } }>(`/api/rights/${who}/corrections`, {
        method: "POST",
        body: { snapshotId: r.snapshotId, rowNo: r.rowNo, reason: "訂正請求 受付第7号", ...body },
      });
    const identity = await post({ field: "生年月日", value: "2020-01-01" });
    expect(identity.status).toBe(400);
    expect(identity.body.error.message).toContain("名寄せの確認");
    const bad = await post({ field: FIELD, value: "たぶん" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("はい・いいえとして読めません");
    const other = await t.db
      .selectFrom("link_person")
      .select("person_id")
      .where("person_id", "!=", personId)
      .executeTakeFirstOrThrow();
    expect((await post({ field: FIELD, value: "いいえ" }, other.person_id)).status).toBe(404);
    expect((await post({ field: FIELD, value: "はい" })).status).toBe(409);
  });

  it("records old → new with who and why, keeps the row as imported, and the next run drops B04", async () => {
    const r = row as Rec;
    const before = await t.db
      .selectFrom("import_row")
      .select("data")
      .where("snapshot_id", "=", r.snapshotId)
      .where("row_no", "=", r.rowNo)
      .executeTakeFirstOrThrow();
    const first = await t.db
      .selectFrom("score_run")
      .select((e) => e.fn.max("id").as("id"))
      .executeTakeFirstOrThrow();
    expect(await itemsOf(Number(first.id), personId)).toContain("B04");

    const c = await coordinator.json<Correction>(`/api/rights/${personId}/corrections`, {
      method: "POST",
      body: {
        snapshotId: r.snapshotId,
        rowNo: r.rowNo,
        field: FIELD,
        value: "いいえ",
        reason: "訂正請求 受付第7号（健診票の転記誤り）",
      },
    });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({
      field: FIELD,
      oldValue: true,
      newValue: false,
      actor: "coord.rights",
      reason: "訂正請求 受付第7号（健診票の転記誤り）",
      withdrawnAt: null,
    });
    correction = c.body;

    const after = await t.db
      .selectFrom("import_row")
      .select("data")
      .where("snapshot_id", "=", r.snapshotId)
      .where("row_no", "=", r.rowNo)
      .executeTakeFirstOrThrow();
    expect(after.data).toEqual(before.data);

    const next = await scoreRun(t, { municipalityId, actor });
    expect(await itemsOf(next.runId, personId)).not.toContain("B04");
    // Others keep their B04 (the correction is one cell of one row).
    const othersB04 = await t.db
      .selectFrom("score_item")
      .select("person_id")
      .where("run_id", "=", next.runId)
      .where("item_id", "=", "B04")
      .execute();
    expect(othersB04.length).toBeGreaterThan(0);
    // The score follows: the child's points are lower by B04's weight in some type.
    const pts = async (run: number) =>
      (
        await t.db
          .selectFrom("score_result")
          .select("total_points")
          .where("run_id", "=", run)
          .where("person_id", "=", personId)
          .execute()
      ).reduce((n, x) => n + Number(x.total_points), 0);
    expect(await pts(next.runId)).toBeLessThan(await pts(Number(first.id)));

    const view = await coordinator.json<{ records: Rec[] }>(`/api/rights/${personId}/records`);
    const seen = view.body.records.find(
      (x) => x.snapshotId === r.snapshotId && x.rowNo === r.rowNo,
    );
    expect(seen?.data[FIELD]).toBe(true);
    expect(seen?.corrected[FIELD]).toBe(false);
  });

  it("開示 carries the trail; the correction is audited without its values", async () => {
    const d = await coordinator.json<{ corrections: Correction[] }>(
      `/api/rights/${personId}/disclosure`,
      { method: "POST", body: { purpose: "開示請求 受付第3号" } },
    );
    expect(d.status).toBe(200);
    expect(d.body.corrections).toHaveLength(1);
    expect(d.body.corrections[0]).toMatchObject({
      field: FIELD,
      oldValue: true,
      newValue: false,
      actor: "coord.rights",
    });
    const none = await coordinator.json(`/api/rights/${personId}/disclosure`, {
      method: "POST",
      body: {},
    });
    expect(none.status).toBe(400);
    const audit = await createAuditRepository(t.db).list({ municipalityId, limit: 100 });
    expect(audit.find((x) => x.action === "rights.disclosure")?.purpose).toBe("開示請求 受付第3号");
    const a = audit.find((x) => x.action === "rights.correct");
    expect(a).toMatchObject({ personId, purpose: "訂正請求 受付第7号（健診票の転記誤り）" });
    expect(JSON.stringify(a?.detail)).toContain(FIELD);
    expect(JSON.stringify(a?.detail)).not.toMatch(/true|false|いいえ/);
  });

  it("withdrawing the correction brings the imported value back at the next run; the trail stays", async () => {
    const w = await coordinator.json<Correction>(
      `/api/rights/corrections/${(correction as Correction).id}/withdraw`,
      { method: "POST", body: { reason: "本人確認の結果、元の記録が正しかったため" } },
    );
    expect(w.status).toBe(200);
    expect(w.body.withdrawnAt).not.toBeNull();
    const again = await coordinator.json(
      `/api/rights/corrections/${(correction as Correction).id}/withdraw`,
      { method: "POST", body: { reason: "二度目の取消し" } },
    );
    expect(again.status).toBe(404);
    const next = await scoreRun(t, { municipalityId, actor });
    expect(await itemsOf(next.runId, personId)).toContain("B04");
    const d = await coordinator.json<{ corrections: Correction[] }>(
      `/api/rights/${personId}/disclosure`,
      { method: "POST", body: { purpose: "開示請求 受付第3号" } },
    );
    expect(d.body.corrections).toHaveLength(1);
    expect(d.body.corrections[0]?.withdrawnAt).not.toBeNull();
  });

  it("a non-member cannot see or correct a 要対協 row (row-level security)", async () => {
    const y = await t.db
      .selectFrom("link_record")
      .select(["person_id", "snapshot_id", "row_no"])
      .where("source_id", "=", "yotaikyo")
      .executeTakeFirstOrThrow();
    const plain = await loginAs(app, t.db, "coord.plain", ["coordinator"]);
    const recs = await plain.json<{ records: Rec[] }>(`/api/rights/${y.person_id}/records`);
    if (recs.status === 200)
      expect(recs.body.records.some((x) => x.sourceId === "yotaikyo")).toBe(false);
    const c = await plain.json(`/api/rights/${y.person_id}/corrections`, {
      method: "POST",
      body: {
        snapshotId: y.snapshot_id,
        rowNo: y.row_no,
        field: "終結日",
        value: "2024-01-01",
        reason: "訂正請求 受付第9号",
      },
    });
    expect(c.status).toBe(404);
    const staff = await loginAs(app, t.db, "staff.rights", ["staff"]);
    expect((await staff.request(`/api/rights/${y.person_id}/records`)).status).toBe(403);
  });

  it("開示 lists who looked at the record without 要対協 rows for a non-member", async () => {
    const person = (
      await t.db
        .selectFrom("link_record")
        .select("person_id")
        .where("source_id", "=", "jumin")
        .where("person_id", "is not", null)
        .executeTakeFirstOrThrow()
    ).person_id as string;
    const audit = createAuditRepository(t.db);
    const row = (action: string, target: string) =>
      audit.append({
        municipalityId,
        actorUserId: null,
        actor: "kyo",
        action,
        target,
        personId: person,
      });
    await row("child.view", `person:${person}`);
    await row("case.register_council", "case:999999");
    const accessOf = async (who: Client) =>
      (
        await who.json<{ access: { action: string }[] }>(`/api/rights/${person}/disclosure`, {
          method: "POST",
          body: { purpose: "開示請求 受付第11号" },
        })
      ).body.access.map((a) => a.action);
    const plain = await loginAs(app, t.db, "coord.plain.d", ["coordinator"]);
    expect(await accessOf(coordinator)).toEqual(
      expect.arrayContaining(["child.view", "case.register_council"]),
    );
    const outside = await accessOf(plain);
    expect(outside).toContain("child.view");
    expect(outside).not.toContain("case.register_council");
  });
});

describe("利用停止 across a relink", () => {
  it("refuses a stop for an id no run knows (a typo): nothing is recorded that would leave the real child in", async () => {
    const r = await coordinator.json<{ error: { message: string } }>("/api/rights/P99999998/stop", {
      method: "POST",
      body: { reason: "利用停止請求 受付第20号" },
    });
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).toContain("こどもIDを確認してください");
    const stops = await t.db.selectFrom("usage_stop").select("id").execute();
    expect(stops).toEqual([]);
  });

  it("a stop made under one id leaves the child out after a relink gives another id; lifting by the new id works", async () => {
    const child = await t.db
      .selectFrom("score_result")
      .innerJoin("link_person", (j) =>
        j
          .onRef("link_person.person_id", "=", "score_result.person_id")
          .on("link_person.run_id", "=", sql<number>`(SELECT max(id) FROM link_run)`),
      )
      .select(["score_result.person_id", "link_person.resident_nos"])
      .where(sql<boolean>`cardinality(link_person.resident_nos) > 0`)
      .orderBy("score_result.person_id", "desc")
      .executeTakeFirstOrThrow();
    const oldId = child.person_id;
    const stop = await coordinator.json(`/api/rights/${oldId}/stop`, {
      method: "POST",
      body: { reason: "利用停止請求 受付第21号" },
    });
    expect(stop.status).toBe(200);
    const stored = await t.db
      .selectFrom("usage_stop")
      .select("resident_nos")
      .executeTakeFirstOrThrow();
    expect(stored.resident_nos).toEqual(child.resident_nos);

    // A relink (a merge or split decided in review) gives the child a new id in the newest run.
    const newId = "P99990001";
    await sql`UPDATE link_person SET person_id = ${newId}
               WHERE person_id = ${oldId} AND run_id = (SELECT max(id) FROM link_run)`.execute(
      t.db,
    );
    await sql`UPDATE link_record SET person_id = ${newId}
               WHERE person_id = ${oldId} AND run_id = (SELECT max(id) FROM link_run)`.execute(
      t.db,
    );
    const run = await scoreRun(t, { municipalityId, actor });
    const scored = await t.db
      .selectFrom("score_result")
      .select("person_id")
      .where("run_id", "=", run.runId)
      .where("person_id", "in", [oldId, newId])
      .execute();
    expect(scored).toEqual([]);

    const lift = await coordinator.json(`/api/rights/${newId}/resume`, {
      method: "POST",
      body: { reason: "本人からの取下げ 受付第22号" },
    });
    expect(lift.status).toBe(200);
    const back = await scoreRun(t, { municipalityId, actor });
    const again = await t.db
      .selectFrom("score_result")
      .select("person_id")
      .where("run_id", "=", back.runId)
      .where("person_id", "=", newId)
      .execute();
    expect(again.length).toBeGreaterThan(0);
  });
});
