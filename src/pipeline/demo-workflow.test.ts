/**
 * The demo's screening history (issue 13): three months of lists, two
 * conferences with every outcome, a support plan with a follow-up due this
 * week for the demo staff account, and a 要対協 case hidden from non-members.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { type ScoredVillage, scoredVillage } from "../../test/workflow.ts";
import { createCaseRepository } from "../db/case.repository.ts";
import { withDataScope } from "../db/scope.ts";
import { createUserRepository } from "../db/user.repository.ts";
import type { DataScope } from "../domain/policy/index.ts";
import { seedDemoWorkflow } from "./demo-workflow.ts";

let t: TestDatabase;
let v: ScoredVillage;
let staffId: number;
let coordId: number;
const today = new Date("2026-12-03T00:00:00Z");

beforeAll(async () => {
  t = await createTestDatabase();
  v = await scoredVillage(t, "デモ町", 3);
  const users = createUserRepository(t.db);
  const base = { passwordHash: "x", mustChangePassword: false, municipalityId: v.municipalityId };
  coordId = (
    await users.insert({
      ...base,
      loginName: "coordinator",
      displayName: "総括",
      roles: ["coordinator"],
      council: true,
    })
  ).id;
  staffId = (
    await users.insert({ ...base, loginName: "staff", displayName: "支援担当", roles: ["staff"] })
  ).id;
}, 300_000);

afterAll(async () => {
  await t?.drop();
  v?.cleanup();
});

describe("demo workflow history", () => {
  it("carries lists, every outcome, support and a follow-up due this week", async () => {
    const r = await seedDemoWorkflow(t.db, {
      municipalityId: v.municipalityId,
      runId: v.runId,
      coordinatorUserId: coordId,
      staffUserId: staffId,
      today,
    });
    expect(r).toEqual({ lists: 3, conferences: 2, cases: 11 });
    const repo = createCaseRepository(t.db);
    const member: DataScope = {
      municipalityId: v.municipalityId,
      council: true,
      userId: coordId,
      children: "all",
      affiliation: null,
    };
    const staff: DataScope = { ...member, council: false, userId: staffId, children: "assigned" };
    const lists = await withDataScope({ municipalityId: v.municipalityId, council: true }, () =>
      repo.lists(member),
    );
    expect(lists.map((l) => l.month)).toEqual(["2026-12", "2026-11", "2026-10"]);
    const events = await withDataScope(
      { municipalityId: v.municipalityId, council: true },
      async () => {
        const all = [];
        for (const l of lists)
          for (const e of await repo.entries(member, l.id))
            all.push(...(await repo.events(member, e.caseId)));
        return all;
      },
    );
    const decisions = new Set(events.filter((e) => e.action === "decide").map((e) => e.decision));
    expect([...decisions].sort()).toEqual(["investigate", "no_support", "support", "watch"]);
    expect(events.some((e) => e.action === "register_council")).toBe(true);
    const mine = await withDataScope({ municipalityId: v.municipalityId, council: false }, () =>
      repo.followUps(staff, { assigneeUserId: staffId, openOnly: true }),
    );
    expect(mine.some((f) => f.dueOn > "2026-12-03" && f.dueOn <= "2026-12-10")).toBe(true);
    expect(mine.some((f) => f.dueOn < "2026-12-03")).toBe(true);
    // The 要対協 case is not among what a non-member sees.
    const visible = await withDataScope({ municipalityId: v.municipalityId, council: false }, () =>
      repo.lists({ ...member, council: false }),
    );
    expect(visible.find((l) => l.month === "2026-10")?.children).toBe(5);
  });
});
