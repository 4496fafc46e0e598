/**
 * Pseudonymised analyst export and break-the-glass (issue 12), on a scored
 * synthetic village in PostgreSQL, through the API and the CLI:
 * - the analyst's CSV holds keyed-HMAC ids (stable across exports, equal to
 *   the CLI's, recomputable only with the key kept in the database), birth
 *   year-month, and no name, kana, 宛名番号, household number or key; B01/B02
 *   only for 要対協 members; audited with the purpose; formula cells guarded;
 * - break-the-glass: a staff user opens one child outside their scope with a
 *   reason (re-authenticated), sees it without 要対協 facts, the coordinating
 *   office sees the grant in its list, the opening is audited, and after the
 *   expiry the child is out of reach again.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPseudonymised } from "../../src/cli/commands/export-pseudonymised.ts";
import { exportRegister } from "../../src/cli/commands/export-register.ts";
import { csvLine } from "../../src/cli/csv-export.ts";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { pseudonym } from "../../src/domain/privacy/pseudonym.ts";
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
let t: TestDatabase;
let app: App;
let municipalityId: number;
let analyst: Client;
let councilAnalyst: Client;
let staff: Client;
let coordinator: Client;
const dir = mkdtempSync(join(tmpdir(), "mimamori-privacy-"));

beforeAll(async () => {
  t = await createTestDatabase();
  const data = join(dir, "data");
  runSynth({ profile: "village", seed: 8, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  municipalityId = (
    await createMunicipalityRepository(t.db).ensureDefault(DEFAULT_MUNICIPALITY_NAME)
  ).id;
  const actor = { userId: null, loginName: "test" };
  for (const path of await listImportFiles([data]))
    await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
  await runLinkage(t, { municipalityId, actor });
  await scoreRun(t, { municipalityId, actor });
  app = await createTestApp(t.db, t.url);
  analyst = await loginAs(app, t.db, "analyst.p", ["analyst"]);
  councilAnalyst = await loginAs(app, t.db, "analyst.c", ["analyst"], { council: true });
  staff = await loginAs(app, t.db, "staff.bg", ["staff"]);
  coordinator = await loginAs(app, t.db, "coord.bg", ["coordinator"]);
}, 300_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function exportAs(c: Client): Promise<{ status: number; text: string }> {
  const r = await c.request("/api/analysis/pseudonymised", {
    method: "POST",
    body: { purpose: "困難の類型ごとの該当率の分析" },
  });
  return { status: r.status, text: await r.text() };
}

const parse = (text: string) =>
  text
    .replace(/^\uFEFF/, "")
    .trimEnd()
    .split("\r\n")
    .map((l) => l.split(","));

describe("pseudonymised analyst export", () => {
  it("holds keyed-HMAC ids, birth year-month and items; no name, kana, 宛名番号, household number or key", async () => {
    const r = await exportAs(analyst);
    expect(r.status).toBe(200);
    const rows = parse(r.text);
    expect(rows[0]).toEqual(["pseudo_id", "household_pseudo_id", "birth_month", "sex", "items"]);
    const persons = await t.db.selectFrom("link_person").selectAll().execute();
    const key = (await t.db.selectFrom("pseudonym_key").select("key").executeTakeFirstOrThrow())
      .key;
    const children = await t.db.selectFrom("score_result").select("person_id").distinct().execute();
    expect(rows.length - 1).toBe(children.length);
    const ids = new Set(rows.slice(1).map((x) => x[0]));
    for (const c of children) expect(ids.has(pseudonym(key, "p", c.person_id))).toBe(true);
    for (const row of rows.slice(1)) {
      expect(row[0]).toMatch(/^p_[0-9a-f]{20}$/);
      expect(row[2]).toMatch(/^(\d{4}-\d{2})?$/);
    }
    // Nothing that identifies a person leaves: names, kana, 宛名番号, household numbers, person ids, the key.
    for (const p of persons) {
      for (const v of [p.name, p.name_kana, p.household_no, ...p.resident_nos])
        if (v && v.length >= 4) expect(r.text.includes(v), `${v} leaked`).toBe(false);
      expect(r.text.includes(`${p.person_id},`)).toBe(false);
    }
    expect(r.text).not.toContain(key.toString("hex").slice(0, 16));
    expect(r.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it("leaves out 要対協 items for non-members, keeps them for members, and ids are stable", async () => {
    const plain = await exportAs(analyst);
    const member = await exportAs(councilAnalyst);
    const heldB = await t.db
      .selectFrom("score_item")
      .select("person_id")
      .where("item_id", "in", ["B01", "B02"])
      .execute();
    expect(heldB.length).toBeGreaterThan(0);
    expect(plain.text).not.toMatch(/\bB0[12]\b/);
    expect(member.text).toMatch(/\bB0[12]\b/);
    const idsOf = (text: string) =>
      parse(text)
        .slice(1)
        .map((x) => x[0]);
    expect(idsOf(member.text)).toEqual(idsOf(plain.text));
    expect((await exportAs(analyst)).text).toBe(plain.text);
  });

  it("is the analyst's only: others get 403; the export is audited with its purpose", async () => {
    expect((await exportAs(staff)).status).toBe(403);
    expect((await exportAs(coordinator)).status).toBe(403);
    const rows = await createAuditRepository(t.db).list({ municipalityId, limit: 200 });
    const e = rows.find((x) => x.action === "export.pseudonymised");
    expect(e?.purpose).toBe("困難の類型ごとの該当率の分析");
    expect(e?.actor).toMatch(/^analyst\./);
    // Which children the file held is recorded (audit_disclosure), not in the row.
    if (!e) throw new Error("export.pseudonymised is not audited");
    const disclosed = await createAuditRepository(t.db).disclosedPersons(municipalityId, e.id);
    expect(disclosed.length).toBe((e.detail as { rows: number }).rows);
    expect(disclosed.every((p) => /^P\d+$/.test(p))).toBe(true);
  });

  it("the CLI writes the same ids (same key), and CSV cells cannot start a formula", async () => {
    const out = join(dir, "pseudo.csv");
    expect(await exportPseudonymised.run(["--out", out], { databaseUrl: t.url, home: dir })).toBe(
      0,
    );
    const cli = parse(readFileSync(out, "utf8"));
    const api = parse((await exportAs(councilAnalyst)).text);
    expect(cli).toEqual(api);
    expect(csvLine(['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", 5, -3, "ok"])).toBe(
      '"\'=HYPERLINK(""x"")",\'+1,\'-2,\'@SUM(A1),\'\tx,5,-3,ok\n',
    );
  });
});

describe("break-the-glass", () => {
  let personId = "";
  it("a staff user cannot see a child outside their scope", async () => {
    const b = await t.db
      .selectFrom("score_item")
      .select("person_id")
      .where("item_id", "in", ["B01", "B02"])
      .executeTakeFirstOrThrow();
    personId = b.person_id;
    expect((await staff.request(`/api/children/${personId}`)).status).toBe(404);
  });

  it("needs a real reason and a known child", async () => {
    const short = await staff.json<{ error: { message: string } }>("/api/break-glass", {
      method: "POST",
      body: { personId, reason: "急ぎ" },
    });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body)).toContain("理由を具体的に");
    const unknown = await staff.json("/api/break-glass", {
      method: "POST",
      body: { personId: "P99999999", reason: "夜間の緊急通報で安否確認が必要なため" },
    });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain("指定されたこどもは見つかりません");
  });

  it("tells the page whether an id can be opened: 404 with a Japanese reason for one that names nobody; audited", async () => {
    // Out of the staff user's scope but real: the page offers the form.
    const real = await staff.json<{ personId: string; hours: number }>(
      `/api/break-glass/persons/${personId}`,
    );
    expect(real.status).toBe(200);
    expect(real.body).toEqual({ personId, hours: 4 });
    const missing = await staff.json<{ error: { message: string } }>(
      "/api/break-glass/persons/P99999999",
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/^指定されたこどもは見つかりません。/);
    // Only for users who may break the glass (403, audited as any refusal).
    expect((await analyst.request(`/api/break-glass/persons/${personId}`)).status).toBe(403);
    const audit = await createAuditRepository(t.db).list({ municipalityId, limit: 50 });
    expect(audit.find((x) => x.action === "breakglass.check")).toMatchObject({
      actor: "staff.bg",
      personId,
    });
    expect(
      audit.find((x) => x.action === "authz.denied" && x.target === "person:P99999999"),
    ).toBeDefined();
  });

  it("answers a person known only from 要対協 rows like an id that does not exist, for a non-member", async () => {
    // A person whose only linked row is a 要対協 row (moved to a new id as the owner).
    const run = await sql<{
      run_id: number;
      snapshot_id: number;
      row_no: number;
      person_id: string;
    }>`
      SELECT run_id, snapshot_id, row_no, person_id FROM link_record
       WHERE source_id = 'yotaikyo' AND person_id IS NOT NULL
       ORDER BY run_id DESC, row_no LIMIT 1`.execute(t.db);
    const row = run.rows[0];
    if (!row) throw new Error("no 要対協 row in the village");
    const hidden = "P90000001";
    await sql`
      INSERT INTO link_person (run_id, municipality_id, person_id, resident_nos, name, name_kana,
                               birth_date, sex, household_no, resident)
      SELECT run_id, municipality_id, ${hidden}, '{}', name, name_kana, birth_date, sex, NULL, false
        FROM link_person WHERE run_id = ${row.run_id} AND person_id = ${row.person_id}`.execute(
      t.db,
    );
    await sql`UPDATE link_record SET person_id = ${hidden}
               WHERE run_id = ${row.run_id} AND snapshot_id = ${row.snapshot_id} AND row_no = ${row.row_no}`.execute(
      t.db,
    );
    try {
      const missing = await staff.json<{ error: { message: string } }>(
        "/api/break-glass/persons/P99999999",
      );
      const councilOnly = await staff.json<{ error: { message: string } }>(
        `/api/break-glass/persons/${hidden}`,
      );
      expect(councilOnly.status).toBe(404);
      expect(councilOnly.body).toEqual(missing.body);
      const post = await staff.json("/api/break-glass", {
        method: "POST",
        body: { personId: hidden, reason: "夜間の緊急通報で安否確認が必要なため" },
      });
      expect(post.status).toBe(404);
      expect(post.body).toEqual(missing.body);
      // A 要対協 member with the same permission finds the person.
      const member = await loginAs(app, t.db, "staff.council", ["staff"], { council: true });
      expect((await member.request(`/api/break-glass/persons/${hidden}`)).status).toBe(200);
    } finally {
      await sql`UPDATE link_record SET person_id = ${row.person_id}
                 WHERE run_id = ${row.run_id} AND snapshot_id = ${row.snapshot_id} AND row_no = ${row.row_no}`.execute(
        t.db,
      );
      await sql`DELETE FROM link_person WHERE run_id = ${row.run_id} AND person_id = ${hidden}`.execute(
        t.db,
      );
    }
  });

  it("opens one child for a limited time, without 要対協 facts; audited; reported to the coordinating office", async () => {
    const reason = "夜間の緊急通報で安否確認が必要なため（警察から照会）";
    const r = await staff.json<{
      id: number;
      expiresAt: string;
      openedAt: string;
      active: boolean;
    }>("/api/break-glass", { method: "POST", body: { personId, reason } });
    expect(r.status).toBe(200);
    expect(r.body.active).toBe(true);
    const hours = (Date.parse(r.body.expiresAt) - Date.parse(r.body.openedAt)) / 3_600_000;
    expect(hours).toBeCloseTo(4, 5);

    const child = await staff.request(`/api/children/${personId}`);
    expect(child.status).toBe(200);
    const text = await child.text();
    expect(text).not.toMatch(/"B0[12]"|yotaikyo|ichiji_hogo/);
    // A coordinator who is a member sees the 要対協 item for the same child (the data is there).
    const member = await loginAs(app, t.db, "coord.member", ["coordinator"], { council: true });
    expect(await (await member.request(`/api/children/${personId}`)).text()).toMatch(/"B0[12]"/);

    const audit = await createAuditRepository(t.db).list({ municipalityId, limit: 200 });
    const opened = audit.find((x) => x.action === "breakglass.open");
    expect(opened).toMatchObject({ actor: "staff.bg", personId, purpose: reason });

    const report = await coordinator.json<{
      items: { personId: string; reason: string; loginName: string; active: boolean }[];
    }>("/api/break-glass");
    expect(report.status).toBe(200);
    expect(report.body.items[0]).toMatchObject({
      personId,
      reason,
      loginName: "staff.bg",
      active: true,
    });
    expect((await staff.request("/api/break-glass")).status).toBe(403);
    const mine = await staff.json<{ items: unknown[] }>("/api/break-glass/mine");
    expect(mine.body.items).toHaveLength(1);
  });

  it("ends at the expiry: the child is out of reach again, the report shows it expired", async () => {
    await sql`UPDATE break_glass SET opened_at = now() - interval '5 hours', expires_at = now() - interval '1 hour'`.execute(
      t.db,
    );
    expect((await staff.request(`/api/children/${personId}`)).status).toBe(404);
    const report = await coordinator.json<{ items: { active: boolean }[] }>("/api/break-glass");
    expect(report.body.items[0]?.active).toBe(false);
  });
});

describe("rights of the people concerned", () => {
  let personId = "";
  beforeAll(async () => {
    const b = await t.db
      .selectFrom("score_item")
      .select("person_id")
      .where("item_id", "in", ["B01", "B02"])
      .executeTakeFirstOrThrow();
    personId = b.person_id;
  });

  it("開示: one file with the identity, every linked row, items and who looked — 要対協 facts only when a member makes it; audited", async () => {
    const member = await loginAs(app, t.db, "coord.rights.m", ["coordinator"], { council: true });
    const r = await member.json<{
      identity: { personId: string; name: string };
      records: { sourceId: string }[];
      items: { itemId: string }[];
      results: unknown[] | null;
      access: { action: string; actor: string }[];
      breakGlass: unknown[];
    }>(`/api/rights/${personId}/disclosure`, {
      method: "POST",
      body: { purpose: "開示請求 受付第3号" },
    });
    expect(r.status).toBe(200);
    const person = await t.db
      .selectFrom("link_person")
      .select(["name", "run_id"])
      .where("person_id", "=", personId)
      .orderBy("run_id", "desc")
      .executeTakeFirstOrThrow();
    expect(r.body.identity.name).toBe(person.name);
    const linked = await t.db
      .selectFrom("link_record")
      .select((e) => e.fn.countAll<string>().as("n"))
      .where("person_id", "=", personId)
      .where("run_id", "=", person.run_id)
      .executeTakeFirstOrThrow();
    expect(r.body.records.length).toBe(Number(linked.n));
    expect(r.body.items.map((i) => i.itemId)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^B0[12]$/)]),
    );
    expect(r.body.results?.length).toBeGreaterThan(0);
    // The break-the-glass view above is in "who looked at this child".
    expect(r.body.access.some((a) => a.action === "child.view" && a.actor === "staff.bg")).toBe(
      true,
    );
    expect(r.body.breakGlass.length).toBe(1);

    const plain = await coordinator.json<{
      records: { sourceId: string }[];
      items: { itemId: string }[];
      results: unknown;
    }>(`/api/rights/${personId}/disclosure`, {
      method: "POST",
      body: { purpose: "開示請求 受付第3号" },
    });
    expect(plain.status).toBe(200);
    expect(
      plain.body.records.some((x) => x.sourceId === "yotaikyo" || x.sourceId === "ichiji_hogo"),
    ).toBe(false);
    expect(plain.body.items.some((x) => x.itemId === "B01" || x.itemId === "B02")).toBe(false);
    expect(plain.body.results).toBeNull();
    expect(
      (
        await staff.request(`/api/rights/${personId}/disclosure`, {
          method: "POST",
          body: { purpose: "開示請求 受付第3号" },
        })
      ).status,
    ).toBe(403);
    const audit = await createAuditRepository(t.db).list({ municipalityId, limit: 300 });
    expect(
      audit.filter((x) => x.action === "rights.disclosure" && x.personId === personId),
    ).toHaveLength(2);
  });

  it("利用停止: the next run leaves the person out of scoring and lists, the rows stay; lifting brings them back", async () => {
    const rowsBefore = await t.db
      .selectFrom("import_row")
      .select((e) => e.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    const stop = await coordinator.json<{ personId: string; liftedAt: null }>(
      `/api/rights/${personId}/stop`,
      {
        method: "POST",
        body: { reason: "利用停止請求 受付第12号" },
      },
    );
    expect(stop.status).toBe(200);
    const again = await coordinator.json(`/api/rights/${personId}/stop`, {
      method: "POST",
      body: { reason: "利用停止請求 受付第12号" },
    });
    expect(again.status).toBe(409);
    const actor = { userId: null, loginName: "test" };
    const stopped = await scoreRun(t, { municipalityId, actor });
    const inRun = await t.db
      .selectFrom("score_result")
      .select("person_id")
      .where("run_id", "=", stopped.runId)
      .where("person_id", "=", personId)
      .execute();
    expect(inRun).toEqual([]);
    const others = await t.db
      .selectFrom("score_result")
      .select((e) => e.fn.countAll<string>().as("n"))
      .where("run_id", "=", stopped.runId)
      .executeTakeFirstOrThrow();
    expect(Number(others.n)).toBeGreaterThan(0);
    const rowsAfter = await t.db
      .selectFrom("import_row")
      .select((e) => e.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(rowsAfter.n).toBe(rowsBefore.n);
    const list = await coordinator.json<{ items: { personId: string; liftedAt: string | null }[] }>(
      "/api/rights/stops",
    );
    expect(list.body.items[0]).toMatchObject({ personId, liftedAt: null });

    const resume = await coordinator.json(`/api/rights/${personId}/resume`, {
      method: "POST",
      body: { reason: "本人からの取下げ 受付第15号" },
    });
    expect(resume.status).toBe(200);
    const back = await scoreRun(t, { municipalityId, actor });
    const inNext = await t.db
      .selectFrom("score_result")
      .select("person_id")
      .where("run_id", "=", back.runId)
      .where("person_id", "=", personId)
      .execute();
    expect(inNext.length).toBeGreaterThan(0);
    const audit = await createAuditRepository(t.db).list({ municipalityId, limit: 300 });
    expect(audit.find((x) => x.action === "rights.stop")?.purpose).toBe("利用停止請求 受付第12号");
    expect(audit.find((x) => x.action === "rights.resume")?.personId).toBe(personId);
  });
});

describe("purpose and legal-basis register", () => {
  it("export register writes one line per item in use with purpose, legal basis, sources and the 要対協 mark", async () => {
    const out = join(dir, "register.csv");
    expect(await exportRegister.run(["--out", out], { databaseUrl: t.url, home: dir })).toBe(0);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe(
      "item_id,item_name,level,source_ids,source_names,purpose,legal_basis,council_only,basis,rule_version",
    );
    const b01 = lines.find((l) => l.startsWith("B01,"));
    expect(b01).toContain("要対協構成員のみ");
    expect(b01).toMatch(/目的内|法69条2項[234]号|未記入/);
    const ids = lines.slice(1).map((l) => l.split(",")[0]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(10);
    const audit = await createAuditRepository(t.db).list({ municipalityId, limit: 50 });
    expect(audit.some((x) => x.action === "export.register")).toBe(true);
  });
});

// Last: a second municipality on the server makes the CLI ask for --municipality.
describe("break-the-glass across municipalities", () => {
  it("another municipality's staff cannot find this municipality's child", async () => {
    const real = await t.db.selectFrom("link_person").select("person_id").executeTakeFirstOrThrow();
    // Another municipality's staff: this municipality's real child is not theirs to find.
    const other = await createMunicipalityRepository(t.db).add({ name: "別の町", code: "999999" });
    if (!other) throw new Error("municipality code 999999 taken");
    const outsider = await loginAs(app, t.db, "staff.other", ["staff"], {
      municipalityId: other.id,
    });
    const r = await outsider.json(`/api/break-glass/persons/${real.person_id}`);
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toContain(real.person_id);
  });
});
