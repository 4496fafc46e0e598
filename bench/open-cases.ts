/**
 * Seeds the issue 13 benchmark's workload into a scored database: about
 * `target` open cases (one child per household, flagged, not yet in a case),
 * spread over monthly 候補リスト of the last ten months; last month's list
 * decided in a conference as 要支援 with the bench user responsible and a
 * follow-up due (so the home page has the user's follow-ups); this month's
 * list (40 children) scheduled for a conference that has not met yet — the
 * conference screen measured. Everything goes through the case repository,
 * as the app and the demo (pipeline/demo-workflow.ts) do. Idempotent: a
 * database already seeded (lists exist) is only read.
 */
import { createCaseRepository } from "../src/db/case.repository.ts";
import type { Database } from "../src/db/database.ts";
import { withDataScope } from "../src/db/scope.ts";
import { systemScope } from "../src/domain/policy/index.ts";

export interface OpenCases {
  readonly openCases: number;
  /** The conference measured (this month's, not yet held). */
  readonly conferenceId: number;
  readonly agenda: number;
  readonly followUps: number;
}

const AGENDA = 40;
const DECIDED = 100;

export async function seedOpenCases(
  db: Database,
  o: { municipalityId: number; runId: number; userId: number; loginName: string; target: number },
): Promise<OpenCases> {
  const scope = { ...systemScope(o.municipalityId), userId: o.userId };
  const actor = { userId: o.userId, loginName: o.loginName };
  const repo = createCaseRepository(db);
  return withDataScope({ municipalityId: o.municipalityId, council: true }, async () => {
    const month = (back: number) => {
      const d = new Date();
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1))
        .toISOString()
        .slice(0, 7);
    };
    if ((await repo.lists(scope)).length === 0) {
      const picks = await repo.flaggedCandidates(scope, o.runId, o.target);
      const current = picks.slice(0, AGENDA);
      const decided = picks.slice(AGENDA, AGENDA + DECIDED);
      const rest = picks.slice(AGENDA + DECIDED);
      const reason = "負荷試験: 上限を超えて確認する";
      const add = async (back: number, ps: typeof picks) => {
        const list = await repo.ensureList(scope, actor, month(back), o.runId);
        for (let i = 0; i < ps.length; i += 100)
          await repo.addEntries(
            scope,
            actor,
            list.id,
            ps.slice(i, i + 100).map((p) => ({ ...p, overrideReason: reason })),
          );
        return list;
      };
      // Months 2..9 back: listed, waiting (open cases without a conference yet).
      const per = Math.ceil(rest.length / 8);
      for (let m = 0; m < 8; m++) await add(9 - m, rest.slice(m * per, (m + 1) * per));
      // Last month: decided 要支援 with a follow-up for the bench user.
      const last = await add(1, decided);
      const held = await repo.createConference(scope, actor, {
        listId: last.id,
        heldOn: `${month(1)}-20`,
        title: `${month(1)} ケース会議`,
        attendees: ["子育て支援課", "教育委員会", "保健センター"],
      });
      const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
      for (const c of await repo.agendaCaseIds(scope, held.id)) {
        await repo.decide(scope, actor, held.id, c, {
          decision: "support",
          reason: "負荷試験",
          responsibleUserId: o.userId,
          reviewOn: null,
        });
        await repo.addFollowUp(scope, actor, c, {
          dueOn: soon,
          what: "所属に様子を確認する",
          assigneeUserId: o.userId,
        });
      }
      // This month: the conference about to meet.
      const now = await add(0, current);
      await repo.createConference(scope, actor, {
        listId: now.id,
        heldOn: `${month(0)}-25`,
        title: `${month(0)} ケース会議`,
        attendees: ["子育て支援課", "教育委員会", "保健センター", "福祉課"],
      });
    }
    const conferences = await repo.conferences(scope);
    const upcoming = conferences.reduce((a, b) => (b.id > a.id ? b : a));
    const agenda = (await repo.agendaCaseIds(scope, upcoming.id)).length;
    const followUps = (await repo.followUps(scope, { assigneeUserId: o.userId, openOnly: true }))
      .length;
    // Every listed child has its own case (picks were children without one), none closed.
    const open = (await repo.lists(scope)).reduce((n, l) => n + l.children, 0);
    return { openCases: open, conferenceId: upcoming.id, agenda, followUps };
  });
}
