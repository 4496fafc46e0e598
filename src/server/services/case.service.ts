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
      today = new Date().toISOString().slice(0, 10),
    ): Promise<ConferenceView | undefined> {
      // The conference, its cases, list entries and histories in one statement
      // (agendaOf); the run, the returned sheets and the evidence (cached per
      // run, child and reader kind) beside it: per-case queries made a 40-child
      // agenda ~240 statements, seconds under load (issue 13 benchmark).
      const of = await repo.agendaOf(scope, conferenceId);
      if (!of) return undefined;
      const conf = of.conference;
      const sheetRepo = createSheetRepository(db);
      const run = await findRun(db, scope.municipalityId, String(conf.runId));
      const personIds = [...new Set(of.agenda.map((a) => a.case.personId))];
      const childRun = run
        ? { scoreRunId: run.id, linkRunId: run.linkRunId, asOf: run.asOf, rules: run.rules }
        : undefined;
      const [evidenceOf, sheetsOf] = await Promise.all([
        childRun ? runEvidence(db, scope, childRun, personIds) : new Map<string, ChildEvidence>(),
        sheetRepo.listForPersons(scope, run?.linkRunId ?? null, personIds, 20, today),
      ]);
      const itemNames = new Map<string, string>();
      const agenda: ConferenceView["agenda"] = [];
      for (const a of of.agenda) {
        const c = a.case;
        const events = a.events;
        const child = evidenceOf.get(c.personId);
        const evidence = (child?.types ?? []).filter(
          (w) => w.flagged || w.difficulty === a.difficulty,
        );
        const shown = new Set(evidence.flatMap((w) => w.itemIds));
        const heldItems: ConferenceView["agenda"][number]["heldItems"] = [];
        for (const h of child?.held ?? []) {
          if (!shown.has(h.itemId)) continue;
          heldItems.push({ itemId: h.itemId, text: h.text });
          itemNames.set(h.itemId, h.name);
        }
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
          case: caseSummary(c, a.name),
          difficulty: a.difficulty ?? "",
          difficultyLabel: a.difficulty ? typeLabel(a.difficulty) : "",
          householdNo: a.householdNo,
          age: a.age,
          evidence,
          heldItems,
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
        items: [...itemNames]
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([itemId, name]) => ({ itemId, name })),
        agenda,
      };
    },
  };
}

/**
 * A child's evidence in a run: every type's score with the ids of the held
 * items it counts, and each held item once with its name and text.
 */
export interface ChildEvidence {
  readonly types: ConferenceView["agenda"][number]["evidence"];
  readonly held: readonly { itemId: string; name: string; text: string }[];
}

/**
 * A child's evidence in a run (every type's score and the held items with
 * their text), per reader kind: a run's scores and items never change, so
 * the conference screen builds it once per (run, child, member?) and keeps
 * it in memory; the case, its history and the sheets are read fresh on
 * every view. A non-member's entry is built without B01/B02
 * (buildScoreWaterfalls' filter, and child.repository's `items` leaves
 * them out), under its own key: a member's evidence never reaches them.
 */
const evidenceCache = new WeakMap<Database, Map<string, ChildEvidence>>();
/** Entries kept per database (a few KB each); the map is emptied when full. */
const EVIDENCE_CACHE_MAX = 5_000;

export async function runEvidence(
  db: Database,
  scope: DataScope,
  run: ChildRun,
  personIds: readonly string[],
): Promise<Map<string, ChildEvidence>> {
  let cache = evidenceCache.get(db);
  if (!cache) {
    cache = new Map();
    evidenceCache.set(db, cache);
  }
  const key = (p: string) => `${scope.municipalityId}:${run.scoreRunId}:${scope.council}:${p}`;
  const out = new Map<string, ChildEvidence>();
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
    const held = new Map<string, { itemId: string; name: string; text: string }>();
    const types = buildScoreWaterfalls(
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
      itemIds: w.items.map((i) => {
        if (!held.has(i.itemId))
          held.set(i.itemId, { itemId: i.itemId, name: i.name, text: evidenceText(i.evidence) });
        return i.itemId;
      }),
    }));
    const evidence: ChildEvidence = { types, held: [...held.values()] };
    cache.set(key(p), evidence);
    out.set(p, evidence);
  }
  return out;
}
