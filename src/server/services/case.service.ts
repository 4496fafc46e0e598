/**
 * The screening workflow's views (issue 13), assembled from the case
 * repository: the case (history, plan, actions, follow-ups, verdicts and the
 * actions the state machine allows now) and the conference screen (per
 * child on the agenda: the evidence of the list's run, the history, and the
 * decision taken here). The repository keeps council cases from non-members
 * (RLS) and the evidence leaves B01/B02 out for them (buildScoreWaterfalls).
 */
import type { z } from "@hono/zod-openapi";
import { type CaseEventRow, type CaseRow, createCaseRepository } from "../../db/case.repository.ts";
import { type ChildRun, createChildRepository } from "../../db/child.repository.ts";
import type { Database } from "../../db/database.ts";
import { createSheetRepository } from "../../db/sheet.repository.ts";
import {
  ALL_ACTIONS,
  CASE_STATE_LABELS,
  DECISION_LABELS,
  transition,
} from "../../domain/cases/state.ts";
import { EVENT_LABELS, SUPPORT_ACTIONS, VERDICTS } from "../../domain/cases/workflow.ts";
import { evidenceText } from "../../domain/items/evidence.ts";
import { type DataScope, isCouncilOnlyItem } from "../../domain/policy/index.ts";
import { buildScoreWaterfalls } from "../../domain/scoring/child-view.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "../../domain/scoring/difficulties.ts";
import type { caseViewSchema, conferenceViewSchema } from "../routes/cases/schema.ts";
import { findRun } from "./run-view.service.ts";

type CaseView = z.infer<typeof caseViewSchema>;
type ConferenceView = z.infer<typeof conferenceViewSchema>;

export const typeLabel = (d: string) => DIFFICULTY_NAMES[d as DifficultyId] ?? d;

export function caseSummary(c: CaseRow, name: string | null) {
  return { ...c, name, stateLabel: CASE_STATE_LABELS[c.state] };
}

export function eventView(e: CaseEventRow) {
  return {
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    actionLabel:
      e.action === "decide" && e.decision
        ? `${EVENT_LABELS.decide}（${DECISION_LABELS[e.decision]}）`
        : (EVENT_LABELS[e.action] ?? e.action),
    decision: e.decision,
    fromState: e.fromState,
    toState: e.toState,
    reason: e.reason,
    conferenceId: e.conferenceId,
    correctsId: e.correctsId,
  };
}

export function createCaseService(db: Database) {
  const repo = createCaseRepository(db);
  return {
    async caseView(scope: DataScope, caseId: number): Promise<CaseView | undefined> {
      const c = await repo.find(scope, caseId);
      if (!c) return undefined;
      const [who, lists, events, plans, actions, followUps, evaluations] = await Promise.all([
        repo.personName(scope, c.personId),
        repo.listsOfCase(scope, caseId),
        repo.events(scope, caseId),
        repo.plans(scope, caseId),
        repo.actions(scope, caseId),
        repo.followUps(scope, { caseId }),
        repo.evaluations(scope, caseId),
      ]);
      const allowed = [
        ...new Set(ALL_ACTIONS.filter((a) => transition(c.state, a).ok).map((a) => a.kind)),
      ];
      return {
        case: caseSummary(c, who.name),
        lists,
        events: events.map(eventView),
        plans: plans.map((p) => ({ ...p, organisations: [...p.organisations] })),
        actions: actions.map((a) => ({ ...a, kindLabel: SUPPORT_ACTIONS[a.kind] ?? a.kind })),
        followUps,
        evaluations: evaluations.map((e) => ({ ...e, verdictLabel: VERDICTS[e.verdict] })),
        allowed,
      };
    },

    async conferenceView(
      scope: DataScope,
      conferenceId: number,
    ): Promise<ConferenceView | undefined> {
      const conf = await repo.findConference(scope, conferenceId);
      if (!conf) return undefined;
      const sheetRepo = createSheetRepository(db);
      const today = new Date().toISOString().slice(0, 10);
      // Everything about the agenda's children in one query per kind (cases,
      // events, sheets; scores and items only for children whose evidence is
      // not cached): per-case queries made a 40-child agenda ~240 statements,
      // seconds under load (issue 13 benchmark).
      const [run, caseIds, entries] = await Promise.all([
        findRun(db, scope.municipalityId, String(conf.runId)),
        repo.agendaCaseIds(scope, conferenceId),
        repo.entries(scope, conf.listId),
      ]);
      const cases = await repo.findMany(scope, caseIds);
      const personIds = [...new Set([...cases.values()].map((c) => c.personId))];
      const childRun = run
        ? { scoreRunId: run.id, linkRunId: run.linkRunId, asOf: run.asOf, rules: run.rules }
        : undefined;
      const [eventsOf, evidenceOf, sheetsOf] = await Promise.all([
        repo.eventsOf(scope, [...cases.keys()]),
        childRun ? runEvidence(db, scope, childRun, personIds) : new Map<string, Evidence[]>(),
        sheetRepo.listForPersons(scope, run?.linkRunId ?? null, personIds, 20, today),
      ]);
      const agenda: ConferenceView["agenda"] = [];
      for (const caseId of caseIds) {
        const c = cases.get(caseId);
        if (!c) continue;
        const entry = entries.find((e) => e.caseId === caseId);
        const events = eventsOf.get(caseId) ?? [];
        const evidence = (evidenceOf.get(c.personId) ?? []).filter(
          (w) => w.flagged || w.difficulty === entry?.difficulty,
        );
        // The returned 情報収集シート (wf-sheets' repository, the reader's scope).
        const sheetRows = sheetsOf.get(c.personId) ?? [];
        const sheets = sheetRows.map((r) => ({
          id: r.id,
          recipient: r.recipient,
          mode: r.mode,
          status: r.status,
          dueDate: r.dueDate,
          answeredAt: r.answeredAt,
          answeredByName: r.answeredByName,
          answers: r.questions
            .filter((q) => r.answers?.[q.id] !== undefined)
            .map((q) => ({ question: q.text, answer: r.answers?.[q.id] ?? "" })),
        }));
        const decided = [...events]
          .reverse()
          .find((e) => e.action === "decide" && e.conferenceId === conferenceId);
        const corrected = decided && events.some((e) => e.correctsId === decided.id);
        agenda.push({
          case: caseSummary(c, entry?.name ?? (await repo.personName(scope, c.personId)).name),
          difficulty: entry?.difficulty ?? "",
          difficultyLabel: entry ? typeLabel(entry.difficulty) : "",
          householdNo: entry?.householdNo ?? null,
          age: entry?.age ?? null,
          evidence,
          sheets,
          history: events.map(eventView),
          decidedHere:
            decided?.decision && !corrected
              ? {
                  decision: decided.decision,
                  label: DECISION_LABELS[decided.decision],
                  reason: decided.reason,
                  at: decided.at,
                  actor: decided.actor,
                }
              : null,
        });
      }
      return {
        conference: { ...conf, attendees: [...conf.attendees] },
        agenda,
      };
    },
  };
}

type Evidence = ConferenceView["agenda"][number]["evidence"][number];

/**
 * A child's evidence in a run (every type's score and the held items with
 * their text), per reader kind: a run's scores and items never change, so
 * the conference screen builds it once per (run, child, member?) and keeps
 * it in memory; the case, its history and the sheets are read fresh on
 * every view. A non-member's entry is built without B01/B02
 * (buildScoreWaterfalls' filter, and child.repository's `items` leaves
 * them out), under its own key: a member's evidence never reaches them.
 */
const evidenceCache = new WeakMap<Database, Map<string, Evidence[]>>();
/** Entries kept per database (a few KB each); the map is emptied when full. */
const EVIDENCE_CACHE_MAX = 5_000;

export async function runEvidence(
  db: Database,
  scope: DataScope,
  run: ChildRun,
  personIds: readonly string[],
): Promise<Map<string, Evidence[]>> {
  let cache = evidenceCache.get(db);
  if (!cache) {
    cache = new Map();
    evidenceCache.set(db, cache);
  }
  const key = (p: string) => `${scope.municipalityId}:${run.scoreRunId}:${scope.council}:${p}`;
  const out = new Map<string, Evidence[]>();
  const missing: string[] = [];
  for (const p of personIds) {
    const hit = cache.get(key(p));
    if (hit) out.set(p, hit);
    else missing.push(p);
  }
  if (missing.length === 0) return out;
  const children = createChildRepository(db);
  const [scoresOf, itemRows] = await Promise.all([
    children.scoresOf(scope, run, missing),
    children.items(scope, run, missing),
  ]);
  const heldOf = new Map<string, Map<string, (typeof itemRows)[number]["evidence"]>>();
  for (const i of itemRows) {
    let m = heldOf.get(i.personId);
    if (!m) {
      m = new Map();
      heldOf.set(i.personId, m);
    }
    m.set(i.itemId, i.evidence);
  }
  if (cache.size + missing.length > EVIDENCE_CACHE_MAX) cache.clear();
  for (const p of missing) {
    const evidence = buildScoreWaterfalls(
      run.rules,
      scoresOf.get(p) ?? [],
      heldOf.get(p) ?? new Map(),
      (itemId) => scope.council || !isCouncilOnlyItem(itemId),
    ).map((w) => ({
      difficulty: w.difficulty,
      label: w.label,
      score: w.score,
      threshold: w.threshold,
      flagged: w.flagged,
      items: w.items.map((i) => ({
        itemId: i.itemId,
        name: i.name,
        text: evidenceText(i.evidence),
      })),
    }));
    cache.set(key(p), evidence);
    out.set(p, evidence);
  }
  return out;
}
