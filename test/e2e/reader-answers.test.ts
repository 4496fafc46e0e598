/**
 * Each reader's answers of the home page and the conference screen, kept in
 * memory (issue 13 benchmark; server/services/reader-answers.ts, migration
 * 0071), through the API on real PostgreSQL with the change feed up:
 *
 * - an answer is served from memory only to the reader it was computed for:
 *   a 要対協 member's agenda (with the council case and B01/B02 evidence)
 *   never reaches a non-member coordinator, one staff member's follow-ups and
 *   お知らせ never reach another's, and two readers of the same scope do not
 *   share either;
 * - every view is audited, served from memory or not;
 * - a decision, a follow-up done, お知らせ read show on the next request
 *   (this process's writes), and another connection's writes arrive through
 *   NOTIFY (0071);
 * - an UPDATE that changes no row notifies nothing (the reminder passes run
 *   one every 30 s);
 * - an overdue 情報収集シート made overdue elsewhere is still reminded on
 *   the next お知らせ, although the pass is skipped while nothing can be due;
 * - with the LISTEN connection down nothing is served from memory.
 *
 * Each test first shows that the cache was used (hit counts), so none can
 * pass merely because nothing was cached.
 */
import { gunzipSync } from "node:zlib";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaseRepository } from "../../src/db/case.repository.ts";
import {
  type Change,
  changeBusOf,
  topicsOfStatement,
  wroteNothing,
} from "../../src/db/change-bus.ts";
import { type ChangeFeed, startChangeFeed } from "../../src/db/change-feed.repository.ts";
import { createNotificationRepository } from "../../src/db/notification.repository.ts";
import { withDataScope } from "../../src/db/scope.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { COUNCIL_ONLY_ITEMS, type DataScope, systemScope } from "../../src/domain/policy/index.ts";
import type { App } from "../../src/server/app.ts";
import { remindDueFollowUpsEverywhere } from "../../src/server/overdue-reminders.ts";
import { createChildService } from "../../src/server/services/child.service.ts";
import { readerAnswerCaches } from "../../src/server/services/reader-answers.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type Client, createTestApp, loginAs } from "../http.ts";
import { type ScoredVillage, scoredVillage } from "../workflow.ts";

let t: TestDatabase;
let v: ScoredVillage;
let app: App;
let feed: ChangeFeed;
/** Another connection, as the CLI or a second server would write. */
let other: pg.Client;
let member: Client;
let member2: Client;
let plain: Client;
let staffA: Client;
let staffB: Client;
const ids = { staffA: 0, staffB: 0, member: 0 };
let conferenceId: number;
let agendaIds: number[];
let councilCaseId: number;
let followUpId: number;
let followUpCaseId: number;

interface Agenda {
  items: { itemId: string }[];
  agenda: {
    case: { id: number; personId: string };
    heldItems: { itemId: string }[];
    decidedHere: { decision: string } | null;
  }[];
}
interface FollowUps extends Array<{ id: number; caseId: number; what: string; dueOn: string }> {}
interface Notes {
  unread: number;
  items: { id: number; kind: string; text: string; requestId: number | null }[];
}

const caches = () => readerAnswerCaches(t.db);

/** Waits until `ok()` holds (a NOTIFY round trip), failing after 5 s. */
async function eventually(ok: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the change did not arrive within 5 s");
}

/**
 * Waits until the NOTIFY echoes of every write committed so far have arrived
 * (each write is published here at once and, through the feed, once more):
 * notifications come in commit order, so a marker sent now arrives after them.
 */
async function settle(): Promise<void> {
  let heard = false;
  const off = changeBusOf(t.db).subscribe((c) => {
    if (c.topic === "municipality") heard = true;
  });
  try {
    await other.query("SELECT pg_notify('mimamori_change', 'municipality')");
    await eventually(() => heard);
  } finally {
    off();
  }
}

async function userId(loginName: string): Promise<number> {
  const u = await createUserRepository(t.db).findByLogin(loginName);
  if (!u) throw new Error(loginName);
  return u.id;
}

async function get<T>(c: Client, path: string): Promise<T> {
  const r = await c.json<T>(path);
  expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body;
}

/** Audit rows of `action` by `userId` so far (every queued row written first). */
async function audited(action: string, actor: number): Promise<number> {
  const { flushAuditWriter } = await import("../../src/db/audit.repository.ts");
  await flushAuditWriter(t.db);
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM audit_log WHERE action = ${action} AND actor_user_id = ${actor}`.execute(
    t.db,
  );
  return r.rows[0]?.n ?? 0;
}

beforeAll(async () => {
  t = await createTestDatabase();
  v = await scoredVillage(t, "読者町", 3);
  app = await createTestApp(t.db, t.url);
  feed = startChangeFeed(t.db, t.url);
  await feed.ready;
  other = new pg.Client({ connectionString: t.url });
  await other.connect();
  const m = { municipalityId: v.municipalityId };
  member = await loginAs(app, t.db, "coord.member", ["coordinator"], { ...m, council: true });
  member2 = await loginAs(app, t.db, "coord.member2", ["coordinator"], { ...m, council: true });
  plain = await loginAs(app, t.db, "coord.plain", ["coordinator"], m);
  staffA = await loginAs(app, t.db, "staff.a", ["staff"], m);
  staffB = await loginAs(app, t.db, "staff.b", ["staff"], m);
  ids.staffA = await userId("staff.a");
  ids.staffB = await userId("staff.b");
  ids.member = await userId("coord.member");

  // A month's list of six children, its conference, one case registered with
  // the council, one decided 要支援 with a follow-up for staff.a.
  const scope: DataScope = { ...systemScope(v.municipalityId), userId: ids.member };
  const actor = { userId: ids.member, loginName: "coord.member" };
  const repo = createCaseRepository(t.db);
  await withDataScope({ municipalityId: v.municipalityId, council: true }, async () => {
    const picks = await repo.flaggedCandidates(scope, v.runId, 6);
    expect(picks.length).toBe(6);
    const list = await repo.ensureList(scope, actor, "2026-11", v.runId);
    await repo.addEntries(
      scope,
      actor,
      list.id,
      picks.map((p) => ({ ...p, overrideReason: "テスト: 上限を超えて確認する" })),
    );
    const conf = await repo.createConference(scope, actor, {
      listId: list.id,
      heldOn: "2026-11-20",
      title: "11月 ケース会議",
      attendees: ["子育て支援課"],
    });
    conferenceId = conf.id;
    agendaIds = await repo.agendaCaseIds(scope, conferenceId);
    expect(agendaIds.length).toBe(6);
    councilCaseId = agendaIds[0] as number;
    await repo.registerCouncil(scope, actor, councilCaseId, "一時保護の経過がある");
    followUpCaseId = agendaIds[1] as number;
    await repo.decide(scope, actor, conferenceId, followUpCaseId, {
      decision: "support",
      reason: "家庭訪問で確認する",
      responsibleUserId: ids.staffA,
      reviewOn: null,
    });
    followUpId = await repo.addFollowUp(scope, actor, followUpCaseId, {
      dueOn: "2026-12-08",
      what: "学校に出席状況を確認する",
      assigneeUserId: ids.staffA,
    });
  });
}, 600_000);

afterAll(async () => {
  await other?.end();
  await feed?.stop();
  await t?.drop();
  v?.cleanup();
});

describe("statements and triggers", () => {
  it("recognises the workflow's tables, and a plain UPDATE or DELETE of no row as no change", () => {
    expect(
      topicsOfStatement("UPDATE follow_up f SET reminded_on = $1::date FROM child_case cc"),
    ).toEqual(["casework"]);
    expect(topicsOfStatement('insert into "case_event" ("case_id") values ($1)')).toEqual([
      "casework",
    ]);
    expect(
      topicsOfStatement(
        'with "n" as (insert into "notification" ("kind") values ($1) returning "id") insert into "mail_outbox" ("kind") select "kind" from "n"',
      ),
    ).toEqual(["notification"]);
    expect(topicsOfStatement('update "municipality" set "name" = $1')).toEqual(["municipality"]);
    expect(topicsOfStatement("SELECT * FROM conference WHERE id = $1")).toEqual([]);
    expect(wroteNothing("UPDATE sheet_request SET reminded_on = $1", 0n)).toBe(true);
    expect(wroteNothing("DELETE FROM follow_up WHERE id = $1", 0n)).toBe(true);
    expect(wroteNothing("UPDATE sheet_request SET reminded_on = $1", 1n)).toBe(false);
    // A CTE's inner write is not in the outer statement's count.
    expect(
      wroteNothing(
        "WITH n AS (INSERT INTO notification VALUES (1)) INSERT INTO mail_outbox SELECT 1",
        0n,
      ),
    ).toBe(false);
    expect(wroteNothing("SELECT 1", undefined)).toBe(false);
  });

  it("puts the NOTIFY trigger of migration 0071 on every watched workflow table", async () => {
    const r = await sql<{ table: string }>`
      SELECT c.relname AS table FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
       WHERE g.tgname = c.relname || '_notify_topic' ORDER BY 1`.execute(t.db);
    const tables = r.rows.map((x) => x.table);
    expect(tables).toEqual(
      [
        // 0074: a grant widens a 支援担当's cached scope (child.repository.ts ReaderSets).
        "break_glass",
        "case_event",
        "child_case",
        "conference",
        "follow_up",
        "municipality",
        "notification",
        "result_evaluation",
        "review_list",
        "review_list_entry",
        "sheet_request",
        "support_action",
        "support_plan",
      ].sort(),
    );
    // Each is one this process recognises in its own statements too.
    for (const table of tables)
      expect(topicsOfStatement(`UPDATE ${table} SET x = 1`).length, table).toBe(1);
  });
});

describe("answers per reader", () => {
  it("serves a member's agenda again from memory, and never to a non-member or another member", async () => {
    await settle();
    const c = caches().casework;
    const first = await get<Agenda>(member, `/api/conferences/${conferenceId}`);
    expect(first.agenda.map((a) => a.case.id)).toContain(councilCaseId);
    const hits = c.hits;
    const again = await get<Agenda>(member, `/api/conferences/${conferenceId}`);
    expect(c.hits).toBe(hits + 1);
    expect(again).toEqual(first);

    // A non-member coordinator: computed for them (a miss), without the
    // council case or B01/B02 evidence, and so again from memory.
    const misses = c.misses;
    const theirs = await get<Agenda>(plain, `/api/conferences/${conferenceId}`);
    expect(c.misses).toBe(misses + 1);
    expect(c.hits).toBe(hits + 1);
    const council = new Set<string>(COUNCIL_ONLY_ITEMS);
    const leaks = (a: Agenda) =>
      a.agenda.filter((x) => x.case.id === councilCaseId).length +
      a.items.filter((i) => council.has(i.itemId)).length +
      a.agenda.flatMap((x) => x.heldItems).filter((i) => council.has(i.itemId)).length;
    expect(leaks(theirs)).toBe(0);
    expect(theirs.agenda.length).toBe(first.agenda.length - 1);
    expect(leaks(await get<Agenda>(plain, `/api/conferences/${conferenceId}`))).toBe(0);
    expect(c.hits).toBe(hits + 2);
    // Another member of the same scope gets an answer computed for them.
    await get<Agenda>(member2, `/api/conferences/${conferenceId}`);
    expect(c.misses).toBe(misses + 2);
  });

  it("gives each staff member their own follow-ups and お知らせ only", async () => {
    const c = caches();
    const mine = await get<FollowUps>(staffA, "/api/follow-ups/mine");
    expect(mine.map((f) => f.id)).toEqual([followUpId]);
    const hits = c.casework.hits;
    expect(await get<FollowUps>(staffA, "/api/follow-ups/mine")).toEqual(mine);
    expect(c.casework.hits).toBe(hits + 1);
    expect(await get<FollowUps>(staffB, "/api/follow-ups/mine")).toEqual([]);
    expect(await get<FollowUps>(member, "/api/follow-ups/mine")).toEqual([]);
    expect(c.casework.hits).toBe(hits + 1);

    await withDataScope({ municipalityId: v.municipalityId, council: false }, () =>
      createNotificationRepository(t.db).add(systemScope(v.municipalityId), [
        {
          userIds: [ids.staffA],
          kind: "test",
          text: "スタッフAへのお知らせ",
          link: null,
          requestId: null,
        },
      ]),
    );
    await settle();
    const a = await get<Notes>(staffA, "/api/notifications");
    expect(a.items.map((n) => n.text)).toContain("スタッフAへのお知らせ");
    const nHits = c.notifications.hits;
    expect(await get<Notes>(staffA, "/api/notifications")).toEqual(a);
    expect(c.notifications.hits).toBe(nHits + 1);
    const b = await get<Notes>(staffB, "/api/notifications");
    expect(b.items.map((n) => n.text)).not.toContain("スタッフAへのお知らせ");
    expect(b.unread).toBe(0);
  });

  it("sends the agenda gzip-compressed to a client that accepts it: the same JSON", async () => {
    const plainJson = await member.request(`/api/conferences/${conferenceId}`);
    expect(plainJson.headers.get("content-encoding")).toBeNull();
    const text = await plainJson.text();
    const zipped = await member.request(`/api/conferences/${conferenceId}`, {
      headers: { "Accept-Encoding": "gzip, deflate, br" },
    });
    expect(zipped.status).toBe(200);
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toBe("Accept-Encoding");
    expect(zipped.headers.get("x-mimamori-masking-version")).toBeTruthy();
    const bytes = Buffer.from(await zipped.arrayBuffer());
    expect(bytes.length).toBeLessThan(Buffer.byteLength(text) / 3);
    expect(JSON.parse(gunzipSync(bytes).toString("utf8"))).toEqual(JSON.parse(text));
  });

  it("never gives a narrower reader the coordinators' 基準以上のこども, nor them a narrower reader's", async () => {
    // The route is for coordinators (children.list); the service is asked
    // directly for a 支援担当's scope, as any later caller would.
    interface Top {
      children: { personId: string }[];
    }
    const all = await get<Top>(member, "/api/children/top-flagged?limit=50");
    expect((await get<Top>(member, "/api/children/top-flagged?limit=50")).children).toEqual(
      all.children,
    );
    const staffScope = (userId: number): DataScope => ({
      municipalityId: v.municipalityId,
      council: true,
      userId,
      children: "assigned",
      affiliation: null,
    });
    const topOf = (scope: DataScope) =>
      withDataScope({ municipalityId: v.municipalityId, council: true }, () =>
        createChildService(t.db).topFlagged(scope, 50),
      );
    // staff.a sees the children of their own open cases only (no affiliation).
    const theirCases = await sql<{ person_id: string }>`
      SELECT DISTINCT cc.person_id FROM child_case cc
       WHERE cc.state <> 'closed' AND (cc.responsible_user_id = ${ids.staffA}
         OR EXISTS (SELECT 1 FROM follow_up f WHERE f.case_id = cc.id
                    AND f.assignee_user_id = ${ids.staffA} AND f.done_at IS NULL))`.execute(t.db);
    const allowed = new Set(theirCases.rows.map((r) => r.person_id));
    expect(allowed.size).toBeGreaterThan(0);
    const mine = await topOf(staffScope(ids.staffA));
    expect(mine.children.length).toBeGreaterThan(0);
    expect(mine.children.length).toBeLessThan(all.children.length);
    for (const c of mine.children) expect(allowed.has(c.personId), c.personId).toBe(true);
    // staff.b has no case yet: nobody; and the coordinators' answer is unchanged.
    expect((await topOf(staffScope(ids.staffB))).children).toEqual([]);
    expect((await get<Top>(member, "/api/children/top-flagged?limit=50")).children).toEqual(
      all.children,
    );
  });

  it("audits every view, from memory or not", async () => {
    await settle();
    const views = await audited("conference.view", ids.member);
    const lists = await audited("children.list", ids.member);
    const hits = caches().casework.hits;
    for (let i = 0; i < 3; i++) {
      await get(member, `/api/conferences/${conferenceId}`);
      await get(member, "/api/children/top-flagged");
    }
    expect(caches().casework.hits).toBeGreaterThanOrEqual(hits + 3);
    expect(await audited("conference.view", ids.member)).toBe(views + 3);
    expect(await audited("children.list", ids.member)).toBe(lists + 3);
  });
});

describe("changes", () => {
  it("shows this process's decision, follow-up done and お知らせ read on the next request", async () => {
    const caseId = agendaIds[2] as number;
    const before = await get<Agenda>(member, `/api/conferences/${conferenceId}`);
    expect(before.agenda.find((a) => a.case.id === caseId)?.decidedHere).toBeNull();
    const d = await member.json(`/api/conferences/${conferenceId}/cases/${caseId}/decision`, {
      method: "POST",
      body: {
        decision: "watch",
        reason: "学校での様子を見守る",
        responsibleUserId: ids.staffB,
        reviewOn: "2027-03-01",
      },
    });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    const after = await get<Agenda>(member, `/api/conferences/${conferenceId}`);
    expect(after.agenda.find((a) => a.case.id === caseId)?.decidedHere?.decision).toBe("watch");

    await get(staffA, "/api/follow-ups/mine");
    const done = await staffA.json(`/api/follow-ups/${followUpId}/done`, {
      method: "POST",
      body: { note: "出席を確認した" },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(await get<FollowUps>(staffA, "/api/follow-ups/mine")).toEqual([]);

    expect((await get<Notes>(staffA, "/api/notifications")).unread).toBeGreaterThan(0);
    expect((await staffA.json("/api/notifications/read", { method: "POST" })).status).toBe(200);
    expect((await get<Notes>(staffA, "/api/notifications")).unread).toBe(0);
  });

  it("receives another connection's changes through NOTIFY (0071)", async () => {
    // A new follow-up, cached, then changed elsewhere.
    const scope: DataScope = { ...systemScope(v.municipalityId), userId: ids.member };
    const id = await withDataScope({ municipalityId: v.municipalityId, council: true }, () =>
      createCaseRepository(t.db).addFollowUp(
        scope,
        { userId: ids.member, loginName: "coord.member" },
        followUpCaseId,
        { dueOn: "2026-12-10", what: "家庭訪問の日程を決める", assigneeUserId: ids.staffA },
      ),
    );
    await settle();
    expect((await get<FollowUps>(staffA, "/api/follow-ups/mine")).map((f) => f.what)).toEqual([
      "家庭訪問の日程を決める",
    ]);
    const hits = caches().casework.hits;
    await get(staffA, "/api/follow-ups/mine");
    expect(caches().casework.hits).toBe(hits + 1);
    await other.query("UPDATE follow_up SET what = $1 WHERE id = $2", ["電話で様子を聞く", id]);
    await eventually(async () =>
      (await get<FollowUps>(staffA, "/api/follow-ups/mine")).some(
        (f) => f.what === "電話で様子を聞く",
      ),
    );

    await get(staffA, "/api/notifications");
    await other.query(
      `INSERT INTO notification (municipality_id, recipient_user_id, kind, text)
       VALUES ($1, $2, 'test', '別のプロセスからのお知らせ')`,
      [v.municipalityId, ids.staffA],
    );
    await eventually(async () =>
      (await get<Notes>(staffA, "/api/notifications")).items.some(
        (n) => n.text === "別のプロセスからのお知らせ",
      ),
    );

    const me = async () =>
      (await get<{ user: { municipality: { name: string } } }>(member, "/api/auth/me")).user
        .municipality.name;
    expect(await me()).toBe("読者町");
    await other.query("UPDATE municipality SET name = '読者市' WHERE id = $1", [v.municipalityId]);
    await eventually(async () => (await me()) === "読者市");
  });

  it("hears nothing of an UPDATE that changes no row, here or elsewhere", async () => {
    const heard: Change[] = [];
    await settle();
    const off = changeBusOf(t.db).subscribe((c) => heard.push(c));
    try {
      await get(staffA, "/api/follow-ups/mine");
      const hits = caches().casework.hits;
      // The background pass with nothing due (this process), then the same
      // kind of no-op from another connection, then a marker that does change a row.
      expect(await remindDueFollowUpsEverywhere(t.db, { today: "2000-01-01" })).toBe(0);
      await other.query("UPDATE follow_up SET reminded_on = current_date WHERE false");
      await other.query("UPDATE municipality SET name = name WHERE id = $1", [v.municipalityId]);
      // Notifications arrive in commit order: once the marker is heard, the no-op would have been.
      await eventually(() => heard.some((c) => c.topic === "municipality"));
      expect(heard.filter((c) => c.topic === "casework")).toEqual([]);
      await get(staffA, "/api/follow-ups/mine");
      expect(caches().casework.hits).toBe(hits + 1);
    } finally {
      off();
    }
  });

  it("still reminds a 情報収集シート made overdue elsewhere on the next お知らせ", async () => {
    // A request sent by the member, due in five days (written elsewhere, as the CLI would).
    const personId = (await get<Agenda>(member, `/api/conferences/${conferenceId}`)).agenda[3]?.case
      .personId;
    const heard: Change[] = [];
    const off = changeBusOf(t.db).subscribe((c) => heard.push(c));
    const ins = await other.query<{ id: number }>(
      `INSERT INTO sheet_request (municipality_id, person_id, child_name, recipient, recipient_kind,
         difficulties, mode, shared, questions, due_date, sent_by, sent_by_name)
       VALUES ($1, $2, NULL, '見守小学校', 'school', ARRAY['poverty'], 'c', '{}'::jsonb, '[]'::jsonb,
         current_date + 5, $3, 'coord.member') RETURNING id`,
      [v.municipalityId, personId, ids.member],
    );
    const requestId = ins.rows[0]?.id as number;
    await eventually(() => heard.some((c) => c.topic === "casework"));
    off();
    const reminded = async () =>
      (await get<Notes>(member, "/api/notifications")).items.some(
        (n) => n.kind === "sheet.overdue" && n.requestId === requestId,
      );
    // Nothing overdue yet: the pass finds nothing, and the next ones are skipped.
    expect(await reminded()).toBe(false);
    expect(await reminded()).toBe(false);
    await other.query("UPDATE sheet_request SET due_date = current_date - 3 WHERE id = $1", [
      requestId,
    ]);
    await eventually(reminded);
  });
});

describe("without the change feed", () => {
  it("serves nothing from memory", async () => {
    await get(member, `/api/conferences/${conferenceId}`);
    await get(staffA, "/api/follow-ups/mine");
    await feed.stop();
    const c = caches();
    const hits = [c.casework.hits, c.notifications.hits];
    await get(member, `/api/conferences/${conferenceId}`);
    await get(staffA, "/api/follow-ups/mine");
    await get(staffA, "/api/notifications");
    await get(staffA, "/api/notifications");
    expect([c.casework.hits, c.notifications.hits]).toEqual(hits);
  });
});
