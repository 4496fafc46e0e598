/**
 * The demo's screening history (issue 13): a few months of 候補リスト,
 * conferences with each outcome (要支援 / 調査継続 / 経過観察 / 支援不要),
 * support plans and actions, a 要対協 registration, verdicts, and follow-ups
 * for the demo staff account — one due this week and one overdue — so that a
 * newcomer sees every workflow screen with content. Months are relative to
 * `today`; everything goes through the case repository (the same transitions
 * and events as the app).
 */
import { createCaseRepository } from "../db/case.repository.ts";
import type { Database } from "../db/database.ts";
import { withDataScope } from "../db/scope.ts";
import { systemScope } from "../domain/policy/index.ts";

export interface DemoWorkflowResult {
  readonly lists: number;
  readonly conferences: number;
  readonly cases: number;
}

const day = (d: Date, plusDays = 0) =>
  new Date(d.getTime() + plusDays * 86_400_000).toISOString().slice(0, 10);
const monthOf = (d: Date, back: number) => {
  const x = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1));
  return x.toISOString().slice(0, 7);
};

export async function seedDemoWorkflow(
  db: Database,
  options: {
    municipalityId: number;
    runId: number;
    coordinatorUserId: number;
    staffUserId: number;
    today: Date;
  },
): Promise<DemoWorkflowResult> {
  const scope = { ...systemScope(options.municipalityId), userId: options.coordinatorUserId };
  const actor = { userId: options.coordinatorUserId, loginName: "coordinator" };
  const staff = { userId: options.staffUserId, loginName: "staff" };
  const repo = createCaseRepository(db);
  return withDataScope({ municipalityId: options.municipalityId, council: true }, async () => {
    const picks = await repo.flaggedCandidates(scope, options.runId, 12);
    if (picks.length < 9) return { lists: 0, conferences: 0, cases: 0 };
    const [m2, m1, m0] = [
      monthOf(options.today, 2),
      monthOf(options.today, 1),
      monthOf(options.today, 0),
    ];
    const caseOf = async (listId: number, personId: string) =>
      (await repo.entries(scope, listId)).find((e) => e.personId === personId)?.caseId as number;

    // Two months ago: six children, a conference with every outcome.
    const l2 = await repo.ensureList(scope, actor, m2, options.runId);
    const first = picks.slice(0, 6);
    // The sixth household is over the month's capacity (5): added with a reason, as staff would.
    await repo.addEntries(
      scope,
      actor,
      l2.id,
      first.map((p, i) =>
        i === 5 ? { ...p, overrideReason: "保育所から緊急の相談があったため今月確認する" } : p,
      ),
    );
    const c2 = await repo.createConference(scope, actor, {
      listId: l2.id,
      heldOn: `${m2}-20`,
      title: `${m2} ケース会議`,
      attendees: ["子育て支援課", "教育委員会", "保健センター", "福祉課"],
    });
    const ids = await Promise.all(first.map((p) => caseOf(l2.id, p.personId)));
    const [a, b, c, d, e, f] = ids as [number, number, number, number, number, number];
    const decide = (
      id: number,
      decision: "support" | "investigate" | "watch" | "no_support",
      reason: string,
      reviewOn: string | null,
      conferenceId = c2.id,
    ) =>
      repo.decide(scope, actor, conferenceId, id, {
        decision,
        reason,
        responsibleUserId: options.staffUserId,
        reviewOn,
      });
    await decide(
      a,
      "support",
      "学校でも欠席が続き、家庭に介護の負担がある（ヤングケアラーの可能性）",
      null,
    );
    await decide(b, "investigate", "学校からの情報を待って判断する", `${m1}-01`);
    await decide(c, "watch", "保育所で様子を見る。次の健診で確認", day(options.today, 60));
    await decide(
      d,
      "no_support",
      "既に親族の支援があり、学校も把握している",
      day(options.today, 300),
    );
    await decide(e, "support", "一時保護歴があり、関係機関で共有が必要", null);
    await decide(f, "watch", "転入直後のため様子を見る", day(options.today, 30));
    // Support for A: plan, actions, verdict, follow-ups (one this week, one overdue).
    await repo.addPlan(scope, staff, a, {
      goals: "登校の再開と、家族の介護負担の軽減（介護サービスの利用）",
      organisations: ["学校", "地域包括支援センター", "子育て支援課"],
    });
    await repo.addAction(scope, staff, a, {
      kind: "home_visit",
      doneOn: `${m2}-27`,
      outcome: "母と面談。祖母の介護を本人が担っていることを確認。",
    });
    await repo.addAction(scope, staff, a, {
      kind: "referral",
      doneOn: `${m1}-05`,
      outcome: "地域包括支援センターに紹介し、介護保険の申請を案内。",
    });
    await repo.addAction(scope, staff, a, {
      kind: "affiliation_watch",
      doneOn: `${m1}-10`,
      outcome: "担任が毎朝の出欠を確認し、週1回子育て支援課に連絡する。",
    });
    await repo.evaluate(scope, staff, a, {
      runId: options.runId,
      difficulty: first[0]?.difficulty ?? "",
      verdict: "hit",
      note: "支援につながった",
    });
    await repo.addFollowUp(scope, staff, a, {
      dueOn: day(options.today, 3),
      what: "学校に今月の出席状況を確認する",
      assigneeUserId: options.staffUserId,
    });
    await repo.addFollowUp(scope, staff, a, {
      dueOn: day(options.today, -5),
      what: "介護保険の申請結果を家族に確認する",
      assigneeUserId: options.staffUserId,
    });
    await repo.evaluate(scope, actor, d, {
      runId: options.runId,
      difficulty: first[3]?.difficulty ?? "",
      verdict: "miss",
      note: "既に支援があった",
    });
    // E: 要対協 (council members only from now on).
    await repo.addPlan(scope, actor, e, {
      goals: "要対協の個別ケース検討会議で支援方針を決める",
      organisations: ["児童相談所", "子育て支援課"],
    });
    await repo.registerCouncil(scope, actor, e, "要保護児童対策地域協議会で進行管理する");

    // Last month: B back for review and two new children.
    const l1 = await repo.ensureList(scope, actor, m1, options.runId);
    const second = picks.slice(6, 8);
    await repo.addEntries(scope, actor, l1.id, [first[1] as (typeof first)[number], ...second]);
    const c1 = await repo.createConference(scope, actor, {
      listId: l1.id,
      heldOn: `${m1}-18`,
      title: `${m1} ケース会議`,
      attendees: ["子育て支援課", "教育委員会", "保健センター"],
    });
    await decide(b, "support", "学校の情報収集シートで家庭の困りごとが確認できた", null, c1.id);
    await repo.addPlan(scope, staff, b, {
      goals: "児童扶養手当などの申請と、放課後の居場所の確保",
      organisations: ["子育て支援課", "学童保育"],
    });
    await repo.addAction(scope, staff, b, {
      kind: "allowance_guidance",
      doneOn: `${m1}-25`,
      outcome: "児童扶養手当の申請を案内し、申請済み。",
    });
    await repo.addFollowUp(scope, staff, b, {
      dueOn: day(options.today, 14),
      what: "学童保育の利用開始を確認する",
      assigneeUserId: options.staffUserId,
    });
    const g = await caseOf(l1.id, second[0]?.personId as string);
    const h = await caseOf(l1.id, second[1]?.personId as string);
    await decide(g, "watch", "所属で見守り、次回の判定で確認する", day(options.today, 90), c1.id);
    await decide(
      h,
      "no_support",
      "一時的な状況で、既に解消している",
      day(options.today, 365),
      c1.id,
    );
    await repo.act(scope, actor, h, { kind: "close" }, { reason: "支援不要の決定により終結" });

    // This month: a new list waiting for its conference.
    const l0 = await repo.ensureList(scope, actor, m0, options.runId);
    await repo.addEntries(scope, actor, l0.id, picks.slice(8, 11));
    return { lists: 3, conferences: 2, cases: 11 };
  });
}
