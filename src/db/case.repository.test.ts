/**
 * The screening workflow's tables against PostgreSQL (issue 13): a child
 * goes list → agenda → decision → plan → close → reopen with every
 * transition attributed in case_event; illegal transitions are refused in
 * Japanese and change nothing; the trail cannot be edited or deleted; a
 * correction is a new event; exclusions and capacity on the 候補リスト; a
 * 要対協 case disappears for non-members (lists, counts, status, access).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { type ScoredVillage, scoredVillage } from "../../test/workflow.ts";
import type { DataScope } from "../domain/policy/index.ts";
import { type CaseRepository, createCaseRepository } from "./case.repository.ts";
import { childAccess } from "./child-access.ts";
import { withDataScope } from "./scope.ts";
import { createUserRepository } from "./user.repository.ts";

let t: TestDatabase;
let v: ScoredVillage;
let repo: CaseRepository;
let staffId: number;
const actor = { userId: null, loginName: "coord.test" };

const coord = (council = true): DataScope => ({
  municipalityId: v.municipalityId,
  council,
  userId: 1,
  children: "all",
  affiliation: null,
});
const staff = (council = false): DataScope => ({
  municipalityId: v.municipalityId,
  council,
  userId: staffId,
  children: "assigned",
  affiliation: null,
});
/** Runs `fn` as the app role under the scope's row-level security, like a request does. */
const as = <T>(scope: DataScope, fn: () => Promise<T>) =>
  withDataScope({ municipalityId: scope.municipalityId, council: scope.council }, fn);

beforeAll(async () => {
  t = await createTestDatabase();
  v = await scoredVillage(t, "ケース町");
  repo = createCaseRepository(t.db);
  const u = await createUserRepository(t.db).insert({
    municipalityId: v.municipalityId,
    loginName: "staff.case",
    displayName: "支援担当",
    passwordHash: "x",
    roles: ["staff"],
    mustChangePassword: false,
  });
  staffId = u.id;
}, 300_000);

afterAll(async () => {
  await t?.drop();
  v?.cleanup();
});

/** Flagged children without a rule-set exclusion, one per household. */
function clean(n: number, skip = 0) {
  const seen = new Set<string>();
  return v.flagged
    .filter((f) => f.excludedBy.length === 0)
    .filter((f) => {
      const h = f.householdNo ?? f.personId;
      if (seen.has(h)) return false;
      seen.add(h);
      return true;
    })
    .slice(skip, skip + n);
}

describe("case transitions", () => {
  it("walks list → agenda → 要支援 → plan → close → reopen, every step an attributed event", async () => {
    expect(v.flagged.length).toBeGreaterThan(5);
    const [child] = clean(1);
    if (!child) throw new Error("no flagged child");
    const c = coord();
    const list = await as(c, () => repo.ensureList(c, actor, "2024-04", v.runId));
    const entries = await as(c, () =>
      repo.addEntries(c, actor, list.id, [
        { personId: child.personId, difficulty: child.difficulty },
      ]),
    );
    expect(entries.map((e) => e.personId)).toEqual([child.personId]);
    const caseId = entries[0]?.caseId as number;
    const conf = await as(c, () =>
      repo.createConference(c, actor, {
        listId: list.id,
        heldOn: "2024-04-20",
        title: "4月の会議",
        attendees: ["子育て支援課", "学校"],
      }),
    );
    expect((await as(c, () => repo.find(c, caseId)))?.state).toBe("on_agenda");
    await as(c, () =>
      repo.decide(c, actor, conf.id, caseId, {
        decision: "support",
        reason: "学校でも欠席が続いている",
        responsibleUserId: staffId,
        reviewOn: null,
      }),
    );
    await as(c, () =>
      repo.addPlan(c, actor, caseId, {
        goals: "登校の再開",
        organisations: ["学校", "保健センター"],
      }),
    );
    expect((await as(c, () => repo.find(c, caseId)))?.state).toBe("supporting");
    await as(c, () => repo.act(c, actor, caseId, { kind: "close" }, { reason: "登校が安定した" }));
    await as(c, () => repo.act(c, actor, caseId, { kind: "reopen" }, { reason: "再び欠席" }));
    const events = await as(c, () => repo.events(c, caseId));
    expect(events.map((e) => [e.action, e.fromState, e.toState])).toEqual([
      ["list", null, "listed"],
      ["schedule", "listed", "on_agenda"],
      ["decide", "on_agenda", "support_planned"],
      ["start_support", "support_planned", "supporting"],
      ["close", "supporting", "closed"],
      ["reopen", "closed", "listed"],
    ]);
    expect(events.every((e) => e.actor === "coord.test")).toBe(true);
    expect(events[2]?.decision).toBe("support");
    expect(events[2]?.reason).toBe("学校でも欠席が続いている");
    expect(events[2]?.conferenceId).toBe(conf.id);
    expect((await as(c, () => repo.find(c, caseId)))?.responsibleUserId).toBe(staffId);
  });

  it("refuses an illegal transition in Japanese and leaves state and trail unchanged", async () => {
    const [child] = clean(1, 1);
    if (!child) throw new Error("no child");
    const c = coord();
    const list = await as(c, () => repo.ensureList(c, actor, "2024-04", v.runId));
    const [e] = await as(c, () =>
      repo.addEntries(c, actor, list.id, [
        { personId: child.personId, difficulty: child.difficulty },
      ]),
    );
    const caseId = e?.caseId as number;
    const before = await as(c, () => repo.events(c, caseId));
    await expect(
      as(c, () =>
        repo.act(c, actor, caseId, { kind: "decide", decision: "watch" }, { reason: "x" }),
      ),
    ).rejects.toThrow(/「候補リスト」のケースでは「会議での決定」はできません/);
    await expect(as(c, () => repo.act(c, actor, caseId, { kind: "reopen" }))).rejects.toThrow(
      /終結したケースだけを再開できます/,
    );
    expect((await as(c, () => repo.find(c, caseId)))?.state).toBe("listed");
    expect(await as(c, () => repo.events(c, caseId))).toEqual(before);
  });

  it("keeps case_event append-only: no update, no delete, a correction is a new event", async () => {
    const c = coord();
    const [child] = clean(1, 1);
    const cs = await as(c, () => repo.findByPerson(c, child?.personId as string));
    if (!cs) throw new Error("no case");
    await as(c, () => repo.act(c, actor, cs.id, { kind: "close" }, { reason: "誤って終結" }));
    const events = await as(c, () => repo.events(c, cs.id));
    const last = events.at(-1);
    if (!last) throw new Error("no event");
    await expect(
      as(c, () => sql`UPDATE case_event SET reason = 'x' WHERE id = ${last.id}`.execute(t.db)),
    ).rejects.toThrow(/append-only/);
    await expect(
      as(c, () => sql`DELETE FROM case_event WHERE id = ${last.id}`.execute(t.db)),
    ).rejects.toThrow(/append-only/);
    const fixed = await as(c, () => repo.correct(c, actor, cs.id, last.id, "終結は誤り"));
    expect(fixed.state).toBe("listed");
    const after = await as(c, () => repo.events(c, cs.id));
    expect(after.length).toBe(events.length + 1);
    expect(after.at(-1)).toMatchObject({
      action: "correct",
      correctsId: last.id,
      fromState: "closed",
      toState: "listed",
    });
    // Only the latest event can be corrected.
    await expect(as(c, () => repo.correct(c, actor, cs.id, last.id, "もう一度"))).rejects.toThrow(
      /最新の記録だけ/,
    );
  });
});

describe("候補リスト", () => {
  it("shows exclusions and needs a reason to override them; refuses an open case", async () => {
    const c = coord();
    const excluded = v.flagged.find((f) => f.excludedBy.length > 0);
    const list = await as(c, () => repo.ensureList(c, actor, "2024-05", v.runId));
    if (excluded) {
      const [check] = await as(c, () => repo.checkCandidates(c, v.runId, "2024-05", [excluded]));
      expect(check?.exclusions.map((x) => x.id)).toEqual(excluded.excludedBy);
      await expect(as(c, () => repo.addEntries(c, actor, list.id, [excluded]))).rejects.toThrow(
        /理由を入力してください/,
      );
      const added = await as(c, () =>
        repo.addEntries(c, actor, list.id, [{ ...excluded, overrideReason: "学校から相談あり" }]),
      );
      expect(added.find((e) => e.personId === excluded.personId)?.overrideReason).toBe(
        "学校から相談あり",
      );
    }
    // The child listed in April (still listed) cannot go on May's list.
    const [april] = clean(1, 1);
    await expect(
      as(c, () => repo.addEntries(c, actor, list.id, [april as (typeof v.flagged)[number]])),
    ).rejects.toThrow(/一覧に載せられません/);
  });

  it("stops at the month's capacity (households) unless a reason is given", async () => {
    const c = coord();
    await sql`INSERT INTO municipality_setting (municipality_id, key, value, actor)
      VALUES (${v.municipalityId}, 'review_capacity', '2'::jsonb, 'test')`.execute(t.db);
    const list = await as(c, () => repo.ensureList(c, actor, "2024-06", v.runId));
    const picks = clean(3, 4);
    await as(c, () => repo.addEntries(c, actor, list.id, picks.slice(0, 2)));
    await expect(
      as(c, () => repo.addEntries(c, actor, list.id, picks.slice(2, 3))),
    ).rejects.toThrow(/上限（2 世帯）/);
    const ok = await as(c, () =>
      repo.addEntries(c, actor, list.id, [
        { ...(picks[2] as FlaggedPick), overrideReason: "緊急" },
      ]),
    );
    expect(ok.length).toBe(3);
  });

  it("leaves a decided child off later lists until the review date", async () => {
    const c = coord();
    const [child] = clean(1, 8);
    if (!child) throw new Error("no child");
    const list = await as(c, () => repo.ensureList(c, actor, "2024-07", v.runId));
    const [e] = await as(c, () => repo.addEntries(c, actor, list.id, [child]));
    const conf = await as(c, () =>
      repo.createConference(c, actor, {
        listId: list.id,
        heldOn: "2024-07-20",
        title: "7月",
        attendees: [],
      }),
    );
    await as(c, () =>
      repo.decide(c, actor, conf.id, e?.caseId as number, {
        decision: "watch",
        reason: "様子を見る",
        responsibleUserId: staffId,
        reviewOn: "2024-10-01",
      }),
    );
    const [aug] = await as(c, () => repo.checkCandidates(c, v.runId, "2024-08", [child]));
    expect(aug?.exclusions.map((x) => [x.id, x.overridable])).toEqual([["decided_not_due", true]]);
    const [oct] = await as(c, () => repo.checkCandidates(c, v.runId, "2024-10", [child]));
    expect(oct?.exclusions).toEqual([]);
  });
});

type FlaggedPick = ScoredVillage["flagged"][number];

describe("要対協 cases", () => {
  it("are invisible to non-members everywhere; staff reach only their own cases", async () => {
    const c = coord();
    const [child] = clean(1, 10);
    if (!child) throw new Error("no child");
    const list = await as(c, () => repo.ensureList(c, actor, "2024-09", v.runId));
    const [e] = await as(c, () => repo.addEntries(c, actor, list.id, [child]));
    const caseId = e?.caseId as number;
    const conf = await as(c, () =>
      repo.createConference(c, actor, {
        listId: list.id,
        heldOn: "2024-09-20",
        title: "9月",
        attendees: [],
      }),
    );
    await as(c, () =>
      repo.decide(c, actor, conf.id, caseId, {
        decision: "support",
        reason: "虐待の疑い",
        responsibleUserId: staffId,
        reviewOn: null,
      }),
    );
    // The assigned staff member (member) may see the child; a non-member staff may not.
    const access = (s: DataScope) =>
      as(s, async () => {
        const r = await sql<{ ok: boolean }>`
          SELECT ${childAccess(s, 0, sql`${child.personId}::text`)} AS ok`.execute(t.db);
        return r.rows[0]?.ok;
      });
    expect(await access(staff(false))).toBe(true);
    expect(await as(staff(), () => repo.find(staff(), caseId))).toBeDefined();
    // A non-member cannot register; a member can.
    await expect(
      as(coord(false), () => repo.registerCouncil(coord(false), actor, caseId, "登録")),
    ).rejects.toThrow(/構成員だけ/);
    await as(c, () => repo.registerCouncil(c, actor, caseId, "要対協で進行管理"));
    const nonMember = coord(false);
    expect(await as(nonMember, () => repo.find(nonMember, caseId))).toBeUndefined();
    expect(await as(nonMember, () => repo.statusOf(nonMember, [child.personId]))).toEqual([]);
    expect(
      (await as(nonMember, () => repo.entries(nonMember, list.id))).map((x) => x.personId),
    ).not.toContain(child.personId);
    const counts = await as(nonMember, () => repo.lists(nonMember));
    const members = await as(c, () => repo.lists(c));
    expect(counts.find((l) => l.id === list.id)?.children).toBe(
      (members.find((l) => l.id === list.id)?.children ?? 0) - 1,
    );
    const fn = await as(nonMember, () => repo.funnel(nonMember, v.runId));
    const fm = await as(c, () => repo.funnel(c, v.runId));
    const sum = (f: typeof fn) => (f ?? []).reduce((a, x) => a + x.decision, 0);
    expect(sum(fm) - sum(fn)).toBe(1);
    expect(await as(staff(false), () => repo.find(staff(false), caseId))).toBeUndefined();
    expect(await access(staff(false))).toBe(false);
    expect(await access(staff(true))).toBe(true);
    const events = await as(nonMember, () =>
      sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM case_event WHERE case_id = ${caseId}`.execute(t.db),
    );
    expect(events.rows[0]?.n).toBe(0);
  });
});

describe("funnel", () => {
  it("counts listed, conference, decision and support per type; null before any list", async () => {
    const c = coord();
    expect(await as(c, () => repo.funnel(c, v.runId + 1000))).toBeNull();
    const f = (await as(c, () => repo.funnel(c, v.runId))) ?? [];
    const total = (k: "listed" | "conference" | "decision" | "support") =>
      f.reduce((a, x) => a + x[k], 0);
    expect(total("listed")).toBeGreaterThanOrEqual(total("conference"));
    expect(total("conference")).toBeGreaterThanOrEqual(total("decision"));
    expect(total("decision")).toBeGreaterThanOrEqual(3);
    expect(total("support")).toBeGreaterThanOrEqual(1);
  });
});
