/**
 * The audit view's API (issue 16): auditors and administrators read their
 * municipality's log filtered by user, action, child and period, in keyset
 * pages of at most 200 with a Japanese name for every action; one row's
 * detail; other roles are refused; every read is itself audited.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { type Client, createTestApp, loginAs } from "../../../../test/http.ts";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createMunicipalityRepository } from "../../../db/municipality.repository.ts";
import { withDataScope } from "../../../db/scope.ts";
import { createUserRepository } from "../../../db/user.repository.ts";
import type { AuditDetail, AuditPage } from "../../api-types.ts";
import type { App } from "../../app.ts";

let t: TestDatabase;
let app: App;
let auditor: Client;
let admin: Client;
let staffId: number;
let otherTownRow: string;

const jstToday = () => new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
const shift = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestDatabase();
  app = await createTestApp(t.db, t.url);
  auditor = await loginAs(app, t.db, "kansa", ["auditor"]);
  admin = await loginAs(app, t.db, "kanri", ["admin"]);
  await loginAs(app, t.db, "tanto", ["staff"]);
  const users = createUserRepository(t.db);
  staffId = (await users.findByLogin("tanto"))?.id as number;
  const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
  const audit = createAuditRepository(t.db);
  // 30 child views by the staff member: 20 of P00000001, 10 of P00000002.
  for (let i = 0; i < 30; i++) {
    const personId = i < 20 ? "P00000001" : "P00000002";
    await audit.append({
      municipalityId: m.id,
      actorUserId: staffId,
      actor: "tanto",
      action: "child.view",
      target: `person:${personId}`,
      personId,
      detail: { items: i },
    });
  }
  const other = await createMunicipalityRepository(t.db).add({ code: "999997", name: "別の村" });
  await audit.append({
    municipalityId: other?.id as number,
    actorUserId: null,
    actor: "cli",
    action: "child.view",
    personId: "P00000001",
  });
  otherTownRow = (
    await t.db.selectFrom("audit_log").select("id").orderBy("id", "desc").executeTakeFirstOrThrow()
  ).id;
});

afterAll(() => t?.drop());

describe("audit view API", () => {
  it("filters by user, action and child, with Japanese action names", async () => {
    const r = await auditor.json<AuditPage>(
      `/api/audit?user=${staffId}&action=child.view&person=P00000002`,
    );
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(10);
    for (const i of r.body.items) {
      expect(i).toMatchObject({
        actorUserId: staffId,
        action: "child.view",
        actionName: "こども詳細の閲覧",
        personId: "P00000002",
      });
    }
    expect(r.body.nextBefore).toBeNull();
    expect(r.body.actions.find((a) => a.id === "user.disable")?.label).toBe("利用者の無効化");
    expect(r.body.users.map((u) => u.loginName)).toEqual(
      expect.arrayContaining(["kansa", "kanri", "tanto"]),
    );
    // Logins of the auditor show with their name too.
    const logins = await auditor.json<AuditPage>("/api/audit?action=auth.login");
    expect(logins.body.items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(logins.body.items.map((i) => i.actionName))).toEqual(new Set(["ログイン"]));
  });

  it("pages with a keyset: every row once, newest first, never another municipality's", async () => {
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: AuditPage } = await admin.json<AuditPage>(
        `/api/audit?person=P00000001&limit=7${before ? `&before=${before}` : ""}`,
      );
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...r.body.items.map((i) => i.id));
      before = r.body.nextBefore;
      pages++;
    } while (before && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
    expect([...seen].sort((a, b) => Number(b) - Number(a))).toEqual(seen);
    expect(seen).not.toContain(otherTownRow);
  });

  it("filters by period in Japan's days (the end day included)", async () => {
    const today = jstToday();
    const count = async (q: string) =>
      (await auditor.json<AuditPage>(`/api/audit?person=P00000001&${q}`)).body.items.length;
    expect(await count(`from=${today}&to=${today}`)).toBe(20);
    expect(await count(`from=${shift(today, 1)}`)).toBe(0);
    expect(await count(`to=${shift(today, -1)}`)).toBe(0);
    const bad = await auditor.json<{ error: { message: string } }>(
      `/api/audit?from=${today}&to=${shift(today, -1)}`,
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("開始日は終了日より前にしてください");
  });

  it("refuses a page larger than the maximum, in Japanese", async () => {
    const r = await auditor.json<{ error: unknown }>("/api/audit?limit=201");
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain("件数は 1 から 200 までの整数で指定してください");
  });

  it("shows one row's detail, and another municipality's row as missing", async () => {
    const page = await auditor.json<AuditPage>("/api/audit?person=P00000002&limit=1");
    const id = page.body.items[0]?.id as string;
    const r = await auditor.json<AuditDetail>(`/api/audit/${id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, actionName: "こども詳細の閲覧", detail: { items: 29 } });
    expect((await auditor.json(`/api/audit/${otherTownRow}`)).status).toBe(404);
  });

  it("refuses roles without the audit permission, and audits each read", async () => {
    const staff = await loginAs(app, t.db, "tanto2", ["staff"]);
    expect((await staff.json("/api/audit")).status).toBe(403);
    const coordinator = await loginAs(app, t.db, "sokatsu", ["coordinator"]);
    expect((await coordinator.json("/api/audit/1")).status).toBe(403);
    const views = await t.db
      .selectFrom("audit_log")
      .select(["actor", "target", "detail"])
      .where("action", "=", "audit.view")
      .execute();
    expect(views.some((v) => v.actor === "kansa" && v.target?.startsWith("audit:"))).toBe(true);
    expect(
      views.some(
        (v) =>
          v.actor === "kansa" &&
          (v.detail as { filter?: { person?: string } }).filter?.person === "P00000002",
      ),
    ).toBe(true);
  });
});

describe("要対協 facts in the audit log (issue 12)", () => {
  it("shows council rows to a member auditor only: list, filter and detail, decided in SQL", async () => {
    const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
    const cases = (
      await sql<{ id: number }>`
        INSERT INTO child_case (municipality_id, person_id, state, council)
        VALUES (${m.id}, 'P00000071', 'open', true), (${m.id}, 'P00000072', 'open', false)
        RETURNING id`.execute(t.db)
    ).rows;
    const [councilCase, plainCase] = cases.map((c) => String(c.id));
    const audit = createAuditRepository(t.db);
    const row = (action: string, target: string | null, detail: Record<string, unknown> = {}) =>
      audit.append({
        municipalityId: m.id,
        actorUserId: staffId,
        actor: "tanto",
        action,
        target,
        personId: "P00000071",
        detail,
      });
    // Council facts, one per way the filter recognises them.
    await row("case.register_council", `case:${plainCase}`);
    await row("case.view", `case:${councilCase}`);
    await row("import.file", "source:yotaikyo", { rows: 3 });
    await row("children.list", "score_run:1", { filter: { items: "B11 AND NOT B02" } });
    await row("models.train", "label:ichiji_hogo");
    await row("conference.view", "conference:1", { councilOnly: true });
    // Not council facts.
    await row("case.view", `case:${plainCase}`);
    await row("child.view", "person:P00000071", { items: 4 });

    const member = await loginAs(app, t.db, "kansa-kyo", ["auditor"], { council: true });
    const all = await member.json<AuditPage>("/api/audit?person=P00000071");
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(8);

    const outsider = await auditor.json<AuditPage>("/api/audit?person=P00000071");
    expect(outsider.status).toBe(200);
    expect(outsider.body.items.map((i) => [i.action, i.target])).toEqual([
      ["child.view", "person:P00000071"],
      ["case.view", `case:${plainCase}`],
    ]);
    // Filtering by a council action finds nothing rather than the row.
    const byAction = await auditor.json<AuditPage>("/api/audit?action=case.register_council");
    expect(byAction.body.items).toHaveLength(0);
    // A council row's detail is missing for the non-member, present for the member.
    const hidden = all.body.items.find((i) => i.action === "models.train")?.id as string;
    expect((await auditor.json(`/api/audit/${hidden}`)).status).toBe(404);
    expect((await member.json(`/api/audit/${hidden}`)).status).toBe(200);
  });
});

describe("per-person and per-user reports (issue 12)", () => {
  it("tells direct views from listings, hides 要対協 rows from non-members, and exports CSV with a purpose", async () => {
    const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
    const audit = createAuditRepository(t.db);
    const row = (
      action: string,
      personId: string | null,
      detail: Record<string, unknown>,
      target: string | null = null,
    ) =>
      audit.append({
        municipalityId: m.id,
        actorUserId: staffId,
        actor: "tanto",
        action,
        target,
        personId,
        detail,
      });
    await row("child.view", "P00000081", { records: 2 }, "person:P00000081");
    await row("household.view", null, { persons: ["P00000082", "P00000081"] }, "household:H1");
    // Lists shown in a non-member's scope (the mark a request's scope would write).
    await row("children.search", null, { persons: ["P00000081", "P00000083"], council: false });
    await row("children.list", null, { persons: ["P00000084"], council: false });
    await row("children.list", null, {
      persons: ["P00000081"],
      filter: { items: "B01" },
    });
    // A near miss: the id as part of another string is not a listing.
    await row("children.list", null, { persons: ["P000000811"], council: false });

    const member = await loginAs(app, t.db, "kansa-rep", ["auditor"], { council: true });
    type Page = {
      subject: { kind: string; id: string };
      items: { action: string; how: string }[];
      nextBefore: string | null;
    };
    const report = async (who: Client, mode: string) =>
      (await who.json<Page>(`/api/audit/reports/persons/P00000081?mode=${mode}`)).body.items.map(
        (i) => `${i.action}/${i.how}`,
      );
    expect(await report(member, "direct")).toEqual(["household.view/direct", "child.view/direct"]);
    expect(await report(member, "listed")).toEqual([
      "children.list/listed",
      "children.search/listed",
    ]);
    expect(await report(member, "all")).toHaveLength(4);
    // The non-member auditor does not see the listing that names B01.
    expect(await report(auditor, "listed")).toEqual(["children.search/listed"]);
    expect(await report(auditor, "all")).toHaveLength(3);

    // Paging: one row per page, then nothing more.
    const first = await auditor.json<Page>(
      "/api/audit/reports/persons/P00000081?mode=direct&limit=1",
    );
    expect(first.body.items).toHaveLength(1);
    const second = await auditor.json<Page>(
      `/api/audit/reports/persons/P00000081?mode=direct&limit=1&before=${first.body.nextBefore}`,
    );
    expect(second.body.items.map((i) => i.action)).toEqual(["child.view"]);
    expect(second.body.nextBefore).toBeNull();

    // CSV: a purpose is required, the export is audited with it.
    const noPurpose = await auditor.request(
      "/api/audit/reports/persons/P00000081/export?mode=all",
      {
        method: "POST",
        body: {},
      },
    );
    expect(noPurpose.status).toBe(400);
    const csv = await auditor.request("/api/audit/reports/persons/P00000081/export?mode=all", {
      method: "POST",
      body: { purpose: "開示請求への回答のため" },
    });
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text.split("\r\n").filter(Boolean)).toHaveLength(4);
    expect(text).toContain("世帯の閲覧");
    expect(text).not.toContain("B01");
    const exported = await t.db
      .selectFrom("audit_log")
      .select(["purpose", "target", "detail"])
      .where("action", "=", "audit.report")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(exported).toMatchObject({
      purpose: "開示請求への回答のため",
      target: "person:P00000081",
      detail: { rows: 3, mode: "all" },
    });
  });

  it("links a member's list views to the child, and shows their persons, for member auditors only", async () => {
    const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
    const audit = createAuditRepository(t.db);
    const users = createUserRepository(t.db);
    await loginAs(app, t.db, "tanto-kyo", ["staff"], { council: true });
    const memberId = (await users.findByLogin("tanto-kyo"))?.id as number;
    // Written in each request's scope: the repository marks the scope the list was shown in.
    const listIn = (council: boolean, actor: string, actorUserId: number, action: string) =>
      withDataScope({ municipalityId: m.id, council }, () =>
        audit.append({
          municipalityId: m.id,
          actorUserId,
          actor,
          action,
          target: "score_run:1",
          detail: { sort: "priority", shown: 2, persons: ["P00000091", "P00000092"], cases: [7] },
        }),
      );
    await listIn(true, "tanto-kyo", memberId, "children.list");
    await listIn(true, "tanto-kyo", memberId, "conference.view");
    await listIn(false, "tanto", staffId, "children.search");
    // Not a list in a member's scope: a household's members are shown directly.
    await withDataScope({ municipalityId: m.id, council: true }, () =>
      audit.append({
        municipalityId: m.id,
        actorUserId: memberId,
        actor: "tanto-kyo",
        action: "household.view",
        target: "household:H9",
        detail: { persons: ["P00000091"] },
      }),
    );
    const marks = await t.db
      .selectFrom("audit_log")
      .select(["action", sql<unknown>`detail->'council'`.as("council")])
      .where("target", "in", ["score_run:1", "household:H9"])
      .where(sql<boolean>`detail->'persons' @> '["P00000091"]'::jsonb`)
      .orderBy("id")
      .execute();
    expect(marks).toEqual([
      { action: "children.list", council: true },
      { action: "conference.view", council: true },
      { action: "children.search", council: false },
      { action: "household.view", council: true },
    ]);

    type Page = { items: { id: string; action: string; how: string }[] };
    const report = async (who: Client, mode: string) =>
      (await who.json<Page>(`/api/audit/reports/persons/P00000091?mode=${mode}`)).body.items;
    const member = await loginAs(app, t.db, "kansa-kyo2", ["auditor"], { council: true });
    const seen = (items: Page["items"]) => items.map((i) => `${i.action}/${i.how}`);
    expect(seen(await report(member, "listed"))).toEqual([
      "children.search/listed",
      "conference.view/listed",
      "children.list/listed",
    ]);
    expect(seen(await report(auditor, "listed"))).toEqual(["children.search/listed"]);
    expect(seen(await report(auditor, "all"))).toEqual([
      "household.view/direct",
      "children.search/listed",
    ]);
    expect(seen(await report(auditor, "direct"))).toEqual(["household.view/direct"]);
    // The rows themselves stay in the log; their detail loses the children for the non-member.
    const memberList = (await report(member, "listed")).find((i) => i.action === "children.list");
    const asOutsider = await auditor.json<AuditDetail>(`/api/audit/${memberList?.id}`);
    expect(asOutsider.status).toBe(200);
    // How it was asked for stays; what it held (children, cases, counts) goes.
    expect(asOutsider.body.detail).toEqual({
      sort: "priority",
      council: true,
      personsHidden: true,
    });
    const asMember = await member.json<AuditDetail>(`/api/audit/${memberList?.id}`);
    expect(asMember.body.detail).toMatchObject({ persons: ["P00000091", "P00000092"], cases: [7] });
    const plainList = (await report(auditor, "listed"))[0]?.id;
    expect((await auditor.json<AuditDetail>(`/api/audit/${plainList}`)).body.detail).toMatchObject({
      persons: ["P00000091", "P00000092"],
    });
  });

  it("lists what one user did in a period, and refuses another municipality's user", async () => {
    type Page = { subject: { label: string }; items: { actorUserId: number; how: string }[] };
    const r = await auditor.json<Page>(`/api/audit/reports/users/${staffId}?limit=200`);
    expect(r.status).toBe(200);
    expect(r.body.subject.label).toBe("tanto");
    expect(r.body.items.length).toBeGreaterThan(30);
    for (const i of r.body.items) expect(i).toMatchObject({ actorUserId: staffId, how: "own" });
    // Council rows by the same user stay hidden from the non-member.
    const member = await loginAs(app, t.db, "kansa-rep2", ["auditor"], { council: true });
    const all = await member.json<Page>(`/api/audit/reports/users/${staffId}?limit=200`);
    expect(all.body.items.length).toBeGreaterThan(r.body.items.length);
    const tomorrow = shift(jstToday(), 1);
    const later = await auditor.json<Page>(`/api/audit/reports/users/${staffId}?from=${tomorrow}`);
    expect(later.body.items).toHaveLength(0);
    const other = await createMunicipalityRepository(t.db).add({ code: "999996", name: "別の町" });
    await loginAs(app, t.db, "yoso", ["staff"], { municipalityId: other?.id as number });
    const stranger = (await createUserRepository(t.db).findByLogin("yoso"))?.id as number;
    expect((await auditor.json(`/api/audit/reports/users/${stranger}`)).status).toBe(404);
    const staff = await loginAs(app, t.db, "tanto3", ["staff"]);
    expect((await staff.json(`/api/audit/reports/users/${staffId}`)).status).toBe(403);
  });
});
