/**
 * The screening workflow's tables (issue 13, migration 0060-cases): cases and
 * their append-only event trail, the month's 候補リスト, conferences and
 * decisions, support plans, actions, follow-ups and the staff's verdicts.
 *
 * Every transition goes through {@link transition} of domain/cases/state.ts
 * inside one transaction with the case row locked: the new state and the
 * event (who, when, why, from → to) are written together, an illegal one is
 * refused with the state machine's Japanese message, and nothing is ever
 * deleted — a mistake is corrected by a `correct` event.
 *
 * Scope: every query filters by `scope.municipalityId`; 要対協 cases and all
 * rows hanging off them are hidden from non-members by row-level security
 * (0060's RESTRICTIVE policies), so lists, counts and the child page leave
 * them out without a condition here. Staff (`children: "assigned"`) reach the
 * cases they are responsible for, or hold a follow-up of ({@link caseAccess}).
 */

import { type RawBuilder, sql } from "kysely";
import {
  ACTION_LABELS,
  type CaseAction,
  type CaseState,
  DECISION_LABELS,
  type Decision,
  transition,
} from "../domain/cases/state.ts";
import {
  caseExclusions,
  HARD_EXCLUSIONS,
  type SupportActionKind,
  type Verdict,
  WORKFLOW_EXCLUSIONS,
} from "../domain/cases/workflow.ts";
import { MimamoriError } from "../domain/errors.ts";
import type { DataScope } from "../domain/policy/index.ts";
import {
  councilExclusionReasons,
  visibleExclusionReasons,
} from "../domain/scoring/council-exclusions.ts";
import { DIFFICULTY_NAMES, isDifficultyId } from "../domain/scoring/difficulties.ts";
import type { RuleSet } from "../domain/scoring/rules.ts";
import type { Database } from "./database.ts";

export interface CaseActor {
  readonly userId: number | null;
  readonly loginName: string;
}

export interface CaseRow {
  readonly id: number;
  readonly personId: string;
  readonly state: CaseState;
  readonly council: boolean;
  readonly responsibleUserId: number | null;
  readonly responsibleName: string | null;
  readonly reviewOn: string | null;
  readonly lastDecision: Decision | null;
  readonly openedAt: string;
  readonly updatedAt: string;
}

export interface CaseEventRow {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly decision: Decision | null;
  readonly fromState: CaseState | null;
  readonly toState: CaseState;
  readonly reason: string | null;
  readonly listId: number | null;
  readonly conferenceId: number | null;
  readonly correctsId: number | null;
  readonly detail: Record<string, unknown>;
}

export interface ListEntryRow {
  readonly entryId: number;
  readonly caseId: number;
  readonly personId: string;
  readonly name: string | null;
  readonly age: number | null;
  readonly difficulty: string;
  readonly householdNo: string | null;
  readonly exclusions: readonly string[];
  readonly overrideReason: string | null;
  readonly addedBy: string;
  readonly addedAt: string;
  readonly state: CaseState;
  readonly decision: Decision | null;
}

export interface ReviewListRow {
  readonly id: number;
  readonly month: string;
  readonly runId: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly children: number;
  readonly households: number;
}

export interface ConferenceRow {
  readonly id: number;
  readonly listId: number;
  readonly month: string;
  readonly runId: number;
  readonly heldOn: string;
  readonly title: string;
  readonly attendees: readonly string[];
  readonly createdBy: string;
  readonly createdAt: string;
}

/** A conference with its agenda, as {@link createCaseRepository}'s `agendaOf` reads it. */
export interface AgendaOf {
  readonly conference: ConferenceRow;
  readonly agenda: readonly {
    readonly case: CaseRow;
    /** The child's name in the list's run. */
    readonly name: string | null;
    /** From the list entry: null for a case that is not on the conference's list. */
    readonly difficulty: string | null;
    readonly householdNo: string | null;
    readonly age: number | null;
    readonly events: readonly CaseEventRow[];
  }[];
}

type ConferenceJson = ConferenceRow;
type AgendaJson = Omit<CaseRow, never> & {
  name: string | null;
  difficulty: string | null;
  householdNo: string | null;
  age: number | null;
  events: CaseEventRow[];
};

/** A timestamp as JavaScript's toISOString() writes it (UTC, milliseconds, Z), inside JSON built by SQL. */
const isoUtc = (col: RawBuilder<unknown>) =>
  sql<string>`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface ChildCaseStatus {
  readonly personId: string;
  readonly caseId: number;
  readonly state: CaseState;
  readonly council: boolean;
  /** Months of lists the child is on while the case is open (newest first). */
  readonly listMonths: readonly string[];
}

export interface FollowUpRow {
  readonly id: number;
  readonly caseId: number;
  readonly personId: string;
  readonly name: string | null;
  readonly dueOn: string;
  readonly what: string;
  readonly assigneeUserId: number;
  readonly assigneeName: string | null;
  readonly doneAt: string | null;
  readonly doneNote: string | null;
  readonly createdBy: string;
}

export interface SupportPlanRow {
  readonly id: number;
  readonly goals: string;
  readonly organisations: readonly string[];
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface SupportActionRow {
  readonly id: number;
  readonly kind: SupportActionKind;
  readonly doneOn: string;
  readonly outcome: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface EvaluationRow {
  readonly id: number;
  readonly runId: number | null;
  readonly difficulty: string;
  readonly verdict: Verdict;
  readonly note: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface FunnelCounts {
  readonly difficulty: string;
  readonly listed: number;
  readonly conference: number;
  readonly decision: number;
  readonly support: number;
}

export interface CandidateCheck {
  readonly personId: string;
  readonly difficulty: string;
  /** Exclusions that apply: rule-set ids (score_result.excluded_by) and workflow ids. */
  readonly exclusions: readonly { id: string; name: string; overridable: boolean }[];
  readonly caseState: CaseState | null;
  readonly householdNo: string | null;
  readonly scored: boolean;
}

type Exec = Database;

const CASE_COLS = sql`cc.id, cc.person_id, cc.state, cc.council, cc.responsible_user_id,
  u.display_name AS responsible_name,
  to_char(cc.review_on, 'YYYY-MM-DD') AS review_on, cc.last_decision,
  cc.opened_at, cc.updated_at`;

interface CaseDbRow {
  id: number;
  person_id: string;
  state: CaseState;
  council: boolean;
  responsible_user_id: number | null;
  responsible_name: string | null;
  review_on: string | null;
  last_decision: Decision | null;
  opened_at: Date;
  updated_at: Date;
}

function caseRow(r: CaseDbRow): CaseRow {
  return {
    id: r.id,
    personId: r.person_id,
    state: r.state,
    council: r.council,
    responsibleUserId: r.responsible_user_id,
    responsibleName: r.responsible_name,
    reviewOn: r.review_on,
    lastDecision: r.last_decision,
    openedAt: r.opened_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * Which cases a reader may work on: coordinators every case of the
 * municipality (RLS hides council cases from non-members); staff the cases
 * they are responsible for or hold a follow-up of; nobody else.
 */
export function caseAccess(scope: DataScope, alias = "cc"): RawBuilder<boolean> {
  const a = sql.raw(alias);
  switch (scope.children) {
    case "all":
      return sql<boolean>`true`;
    case "assigned":
      return sql<boolean>`(${a}.responsible_user_id = ${scope.userId}
        OR EXISTS (SELECT 1 FROM follow_up f WHERE f.case_id = ${a}.id AND f.assignee_user_id = ${scope.userId}))`;
    default:
      return sql<boolean>`false`;
  }
}

/**
 * The `assigned` branch of child-access.ts `casesOfReader`: children of the
 * open cases whose responsible user is the reader (and of cases where the
 * reader holds an open follow-up). Council cases are hidden from non-members
 * by RLS, so they add nobody for them.
 */
export function childrenOfAssignedCases(
  scope: DataScope,
  personId: RawBuilder<string>,
): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM child_case ac
    WHERE ac.municipality_id = ${scope.municipalityId} AND ac.person_id = ${personId}
      AND ac.state <> 'closed'
      AND (ac.responsible_user_id = ${scope.userId}
           OR EXISTS (SELECT 1 FROM follow_up af WHERE af.case_id = ac.id
                      AND af.assignee_user_id = ${scope.userId} AND af.done_at IS NULL)))`;
}

/** The newest completed scoring run's linkage run (names and ages of persons). */
function latestLinkRun(scope: DataScope): RawBuilder<number> {
  return sql<number>`(SELECT s.link_run_id FROM score_run s
    WHERE s.municipality_id = ${scope.municipalityId} AND s.completed_at IS NOT NULL
    ORDER BY s.id DESC LIMIT 1)`;
}

function refuse(message: string): never {
  throw new MimamoriError("conflict", message);
}

function notFound(): never {
  throw new MimamoriError("not_found", "指定されたケースはありません。");
}

/**
 * Who may be responsible for a case or carry one of its follow-ups: an enabled
 * 支援担当 or 総括管理 of the municipality (the roles GET /api/cases/assignees
 * offers), and a 要対協 member when the case is registered with the council.
 * Anyone else could never open the case, so the work would silently go nowhere.
 */
async function requireCaseWorker(
  exec: Exec,
  scope: DataScope,
  userId: number,
  council: boolean,
): Promise<void> {
  const r = await sql<{ roles: string[]; council: boolean }>`
    SELECT roles, council FROM app_user
     WHERE id = ${userId} AND municipality_id = ${scope.municipalityId} AND NOT disabled`.execute(
    exec,
  );
  const u = r.rows[0];
  if (!u)
    throw new MimamoriError(
      "invalid_input",
      "担当者が見つかりません。利用者一覧から選んでください。",
    );
  if (!u.roles.some((role) => role === "staff" || role === "coordinator"))
    throw new MimamoriError(
      "invalid_input",
      "担当者には支援担当か総括管理の利用者を選んでください（この利用者はケースを開けません）。",
    );
  if (council && !u.council)
    throw new MimamoriError(
      "invalid_input",
      "要対協に登録したケースの担当者は要対協の構成員から選んでください（構成員でない利用者はこのケースを開けません）。",
    );
}

export function createCaseRepository(db: Database) {
  async function lockCase(trx: Exec, scope: DataScope, caseId: number): Promise<CaseRow> {
    const r = await sql<CaseDbRow>`
      SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
       WHERE cc.id = ${caseId} AND cc.municipality_id = ${scope.municipalityId}
         AND ${caseAccess(scope)}
       FOR UPDATE OF cc`.execute(trx);
    const row = r.rows[0];
    if (!row) notFound();
    return caseRow(row);
  }

  async function appendEvent(
    trx: Exec,
    scope: DataScope,
    actor: CaseActor,
    e: {
      caseId: number;
      action: string;
      decision?: Decision | null;
      from: CaseState | null;
      to: CaseState;
      reason?: string | null;
      listId?: number | null;
      conferenceId?: number | null;
      correctsId?: number | null;
      detail?: Record<string, unknown>;
    },
  ): Promise<number> {
    const r = await sql<{ id: number }>`
      INSERT INTO case_event (municipality_id, case_id, actor_user_id, actor, action, decision,
        from_state, to_state, reason, list_id, conference_id, corrects_id, detail)
      VALUES (${scope.municipalityId}, ${e.caseId}, ${actor.userId}, ${actor.loginName}, ${e.action},
        ${e.decision ?? null}, ${e.from}, ${e.to}, ${e.reason ?? null}, ${e.listId ?? null},
        ${e.conferenceId ?? null}, ${e.correctsId ?? null}, ${JSON.stringify(e.detail ?? {})}::jsonb)
      RETURNING id`.execute(trx);
    return r.rows[0]?.id as number;
  }

  /**
   * Applies `action` to a locked case: refuses an illegal one (Japanese, the
   * state machine's reason), writes the new state and the event.
   */
  async function apply(
    trx: Exec,
    scope: DataScope,
    actor: CaseActor,
    c: CaseRow,
    action: CaseAction,
    extra: {
      reason?: string | null;
      listId?: number | null;
      conferenceId?: number | null;
      responsibleUserId?: number | null;
      reviewOn?: string | null;
      detail?: Record<string, unknown>;
    } = {},
  ): Promise<CaseState> {
    const t = transition(c.state, action);
    if (!t.ok) refuse(t.reason);
    const decision = action.kind === "decide" ? action.decision : null;
    await sql`
      UPDATE child_case SET state = ${t.state}, updated_at = now(),
        last_decision = CASE WHEN ${decision}::text IS NULL THEN last_decision ELSE ${decision} END,
        review_on = CASE WHEN ${action.kind === "decide"} THEN ${extra.reviewOn ?? null}::date ELSE review_on END,
        responsible_user_id = coalesce(${extra.responsibleUserId ?? null}::int, responsible_user_id)
      WHERE id = ${c.id}`.execute(trx);
    await appendEvent(trx, scope, actor, {
      caseId: c.id,
      action: action.kind,
      decision,
      from: c.state,
      to: t.state,
      reason: extra.reason ?? null,
      listId: extra.listId ?? null,
      conferenceId: extra.conferenceId ?? null,
      detail: {
        ...(extra.detail ?? {}),
        ...(extra.responsibleUserId ? { responsibleUserId: extra.responsibleUserId } : {}),
        ...(extra.reviewOn ? { reviewOn: extra.reviewOn } : {}),
      },
    });
    return t.state;
  }

  async function runRules(
    exec: Exec,
    scope: DataScope,
    runId: number,
  ): Promise<{ rules: RuleSet; difficulties: string[] } | undefined> {
    const r = await sql<{ rules: RuleSet; difficulties: string[] }>`
      SELECT v.rules, s.difficulties FROM score_run s JOIN rule_version v ON v.municipality_id = s.municipality_id AND v.id = s.rule_version_id
       WHERE s.id = ${runId} AND s.municipality_id = ${scope.municipalityId}
         AND s.completed_at IS NOT NULL`.execute(exec);
    return r.rows[0];
  }

  /** Rule-set exclusion names, without those that read a 要対協 source for non-members. */
  function ruleExclusionNames(scope: DataScope, rules: RuleSet): Map<string, string> {
    return new Map(
      rules.exclusions
        // score_result.excluded_by holds the exclusion's id or its name (scoring stores names).
        .flatMap((e): [string, string][] => [
          [e.id, e.name],
          [e.name, e.name],
        ])
        .filter(([key]) => visibleExclusionReasons(scope, rules, [key]).length > 0),
    );
  }

  const repo = {
    /** One case the reader may work on, or undefined (missing, council-only or out of scope alike). */
    async find(scope: DataScope, caseId: number): Promise<CaseRow | undefined> {
      const r = await sql<CaseDbRow>`
        SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
         WHERE cc.id = ${caseId} AND cc.municipality_id = ${scope.municipalityId}
           AND ${caseAccess(scope)}`.execute(db);
      return r.rows[0] ? caseRow(r.rows[0]) : undefined;
    },

    /** The case of a person (visible to the reader), if any. */
    async findByPerson(scope: DataScope, personId: string): Promise<CaseRow | undefined> {
      const r = await sql<CaseDbRow>`
        SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
         WHERE cc.person_id = ${personId} AND cc.municipality_id = ${scope.municipalityId}
           AND ${caseAccess(scope)}`.execute(db);
      return r.rows[0] ? caseRow(r.rows[0]) : undefined;
    },

    /** Name and age of a person in the newest run (for headings). */
    async personName(
      scope: DataScope,
      personId: string,
    ): Promise<{ name: string | null; householdNo: string | null }> {
      const r = await sql<{ name: string | null; household_no: string | null }>`
        SELECT p.name, p.household_no FROM link_person p
         WHERE p.run_id = ${latestLinkRun(scope)} AND p.municipality_id = ${scope.municipalityId}
           AND p.person_id = ${personId}`.execute(db);
      return { name: r.rows[0]?.name ?? null, householdNo: r.rows[0]?.household_no ?? null };
    },

    /** The case's events, oldest first. */
    async events(scope: DataScope, caseId: number): Promise<CaseEventRow[]> {
      return (await repo.eventsOf(scope, [caseId])).get(caseId) ?? [];
    },

    /** The events of several cases, oldest first per case (one query; the conference screen). */
    async eventsOf(
      scope: DataScope,
      caseIds: readonly number[],
    ): Promise<Map<number, CaseEventRow[]>> {
      const out = new Map<number, CaseEventRow[]>();
      if (caseIds.length === 0) return out;
      const r = await sql<{
        id: number;
        case_id: number;
        at: Date;
        actor: string;
        action: string;
        decision: Decision | null;
        from_state: CaseState | null;
        to_state: CaseState;
        reason: string | null;
        list_id: number | null;
        conference_id: number | null;
        corrects_id: number | null;
        detail: Record<string, unknown>;
      }>`
        SELECT id, case_id, at, actor, action, decision, from_state, to_state, reason, list_id,
               conference_id, corrects_id, detail
          FROM case_event WHERE case_id = ANY(${[...caseIds]}::int[])
           AND municipality_id = ${scope.municipalityId}
         ORDER BY case_id, id`.execute(db);
      for (const e of r.rows) {
        let list = out.get(e.case_id);
        if (!list) {
          list = [];
          out.set(e.case_id, list);
        }
        list.push({
          id: e.id,
          at: e.at.toISOString(),
          actor: e.actor,
          action: e.action,
          decision: e.decision,
          fromState: e.from_state,
          toState: e.to_state,
          reason: e.reason,
          listId: e.list_id,
          conferenceId: e.conference_id,
          correctsId: e.corrects_id,
          detail: e.detail,
        });
      }
      return out;
    },

    /** The cases among `caseIds` the reader may work on (as `find`, one query). */
    async findMany(scope: DataScope, caseIds: readonly number[]): Promise<Map<number, CaseRow>> {
      if (caseIds.length === 0) return new Map();
      const r = await sql<CaseDbRow>`
        SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
         WHERE cc.id = ANY(${[...caseIds]}::int[]) AND cc.municipality_id = ${scope.municipalityId}
           AND ${caseAccess(scope)}`.execute(db);
      return new Map(r.rows.map((x) => [x.id, caseRow(x)]));
    },

    /**
     * Applies a state-machine action to a case (attributed, with a reason
     * where the machine asks for one). Refuses an illegal transition (409,
     * Japanese) and leaves the case as it was.
     */
    async act(
      scope: DataScope,
      actor: CaseActor,
      caseId: number,
      action: CaseAction,
      extra: {
        reason?: string | null;
        conferenceId?: number | null;
        responsibleUserId?: number | null;
        reviewOn?: string | null;
      } = {},
    ): Promise<CaseRow> {
      await db.transaction().execute(async (trx) => {
        const c = await lockCase(trx, scope, caseId);
        await apply(trx, scope, actor, c, action, extra);
      });
      return (await repo.find(scope, caseId)) ?? notFound();
    },

    /**
     * Corrects the case's latest event by a new one that restores the state
     * before it (the trail keeps both). Only the latest event can be
     * corrected; a correction is itself corrected the same way.
     */
    async correct(
      scope: DataScope,
      actor: CaseActor,
      caseId: number,
      eventId: number,
      reason: string,
    ): Promise<CaseRow> {
      await db.transaction().execute(async (trx) => {
        const c = await lockCase(trx, scope, caseId);
        const last = await sql<{
          id: number;
          action: string;
          from_state: CaseState | null;
          detail: Record<string, unknown>;
        }>`
          SELECT id, action, from_state, detail FROM case_event WHERE case_id = ${caseId}
           ORDER BY id DESC LIMIT 1`.execute(trx);
        const e = last.rows[0];
        if (!e || e.id !== eventId)
          refuse(
            "訂正できるのは最新の記録だけです。一覧を再読み込みして、最新の記録を訂正してください。",
          );
        if (e.from_state === null)
          refuse("ケースを作った記録は訂正できません。不要なら理由を付けて終結してください。");
        if (e.action === "register_council")
          refuse("要対協への登録は訂正で取り消せません。要対協の手続きで終結してください。");
        // Restore the decision fields as of the event before the corrected one.
        const before = await sql<{ decision: Decision | null; review_on: string | null }>`
          SELECT decision, detail->>'reviewOn' AS review_on FROM case_event
           WHERE case_id = ${caseId} AND action = 'decide' AND id < ${eventId}
           ORDER BY id DESC LIMIT 1`.execute(trx);
        await sql`
          UPDATE child_case SET state = ${e.from_state}, updated_at = now(),
            last_decision = ${before.rows[0]?.decision ?? null},
            review_on = ${before.rows[0]?.review_on ?? null}::date
          WHERE id = ${caseId}`.execute(trx);
        await appendEvent(trx, scope, actor, {
          caseId,
          action: "correct",
          from: c.state,
          to: e.from_state,
          reason,
          correctsId: e.id,
        });
      });
      return (await repo.find(scope, caseId)) ?? notFound();
    },

    /** Registers a case with 要対協: from now on only council members see it (RLS). */
    async registerCouncil(
      scope: DataScope,
      actor: CaseActor,
      caseId: number,
      reason: string,
    ): Promise<CaseRow> {
      if (!scope.council)
        throw new MimamoriError(
          "forbidden",
          "要対協への登録は要対協の構成員だけができます。構成員の職員に依頼してください。",
        );
      await db.transaction().execute(async (trx) => {
        const c = await lockCase(trx, scope, caseId);
        if (c.council) refuse("このケースはすでに要対協に登録されています。");
        await sql`UPDATE child_case SET council = true, updated_at = now() WHERE id = ${caseId}`.execute(
          trx,
        );
        await appendEvent(trx, scope, actor, {
          caseId,
          action: "register_council",
          from: c.state,
          to: c.state,
          reason,
        });
        // From now on only members open the case: a non-member responsible person
        // and non-members' open follow-ups are handed to the registering member
        // (recorded), instead of silently vanishing from their home page.
        if (actor.userId === null) return;
        const members = sql`(SELECT u.id FROM app_user u
          WHERE u.municipality_id = ${scope.municipalityId} AND u.council AND NOT u.disabled)`;
        const moved = await sql<{ id: number }>`
          UPDATE follow_up SET assignee_user_id = ${actor.userId}
           WHERE case_id = ${caseId} AND municipality_id = ${scope.municipalityId}
             AND done_at IS NULL AND assignee_user_id NOT IN ${members}
          RETURNING id`.execute(trx);
        const handOver =
          c.responsibleUserId !== null &&
          (
            await sql`SELECT 1 FROM app_user u WHERE u.id = ${c.responsibleUserId}
              AND u.id IN ${members}`.execute(trx)
          ).rows.length === 0;
        if (!handOver && moved.rows.length === 0) return;
        if (handOver)
          await sql`UPDATE child_case SET responsible_user_id = ${actor.userId} WHERE id = ${caseId}`.execute(
            trx,
          );
        await appendEvent(trx, scope, actor, {
          caseId,
          action: "assign",
          from: c.state,
          to: c.state,
          reason:
            "要対協への登録: 構成員でない担当者の担当と予定を、登録した構成員に引き継ぎました。",
          detail: {
            responsibleUserId: handOver ? actor.userId : c.responsibleUserId,
            followUps: moved.rows.map((r) => r.id),
          },
        });
      });
      return (await repo.find(scope, caseId)) ?? notFound();
    },

    /** Changes the responsible user (an event, not a state change). */
    async assign(
      scope: DataScope,
      actor: CaseActor,
      caseId: number,
      userId: number,
      reason: string | null,
    ): Promise<CaseRow> {
      await db.transaction().execute(async (trx) => {
        const c = await lockCase(trx, scope, caseId);
        await requireCaseWorker(trx, scope, userId, c.council);
        await sql`UPDATE child_case SET responsible_user_id = ${userId}, updated_at = now() WHERE id = ${caseId}`.execute(
          trx,
        );
        await appendEvent(trx, scope, actor, {
          caseId,
          action: "assign",
          from: c.state,
          to: c.state,
          reason,
          detail: { responsibleUserId: userId },
        });
      });
      return (await repo.find(scope, caseId)) ?? notFound();
    },

    /**
     * 情報収集シート sent (one request or one school's round): each child's
     * case moves to 情報収集中 through the state machine (`request_info`),
     * attributed to the sender, the request ids in the event. A case where a
     * sheet changes nothing (support under way, decided, closed) keeps its
     * state and gets no event: the request carries its own who/when. A child
     * without a case gets none (docs/operations.md: a sheet alone, e.g. the
     * start-of-year round, does not open a case; listing the child later
     * does, straight into 情報収集中 while the sheet is open).
     * Council cases are invisible to non-member senders (RLS) and left alone.
     * Joins the caller's transaction when given one.
     */
    async sheetsSent(
      scope: DataScope,
      actor: CaseActor,
      sent: readonly { personId: string; requestId: number }[],
    ): Promise<void> {
      if (sent.length === 0) return;
      const work = async (trx: Exec) => {
        const byPerson = new Map<string, number[]>();
        for (const x of sent)
          byPerson.set(x.personId, [...(byPerson.get(x.personId) ?? []), x.requestId]);
        const rows = await sql<CaseDbRow>`
          SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
           WHERE cc.municipality_id = ${scope.municipalityId}
             AND cc.person_id = ANY(${[...byPerson.keys()]}::text[])
           ORDER BY cc.id FOR UPDATE OF cc`.execute(trx);
        for (const r of rows.rows) {
          const c = caseRow(r);
          if (!transition(c.state, { kind: "request_info" }).ok) continue;
          await apply(
            trx,
            scope,
            actor,
            c,
            { kind: "request_info" },
            {
              reason: "情報収集シートを送付",
              detail: { requestIds: byPerson.get(c.personId) ?? [] },
            },
          );
        }
      };
      if (db.isTransaction) await work(db);
      else await db.transaction().execute(work);
    },

    /**
     * A request was withdrawn: a case in 情報収集中 whose gathering rested on
     * it alone (no other request about the child is open, nor answered since
     * the case entered 情報収集中) goes back to 候補リスト (`withdraw_info`),
     * attributed to the one who withdrew, with their reason.
     */
    async sheetWithdrawn(
      scope: DataScope,
      actor: CaseActor,
      w: { personId: string; requestId: number; reason: string },
    ): Promise<void> {
      const work = async (trx: Exec) => {
        const r = await sql<CaseDbRow>`
          SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
           WHERE cc.municipality_id = ${scope.municipalityId} AND cc.person_id = ${w.personId}
           FOR UPDATE OF cc`.execute(trx);
        const row = r.rows[0];
        if (!row) return;
        const c = caseRow(row);
        if (c.state !== "gathering") return;
        const others = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM sheet_request sq
           WHERE sq.municipality_id = ${scope.municipalityId} AND sq.person_id = ${w.personId}
             AND sq.id <> ${w.requestId}
             AND (sq.status = 'sent' OR (sq.status = 'answered' AND sq.sent_at >= (
                  SELECT max(ce.at) FROM case_event ce WHERE ce.case_id = ${c.id}
                     AND ce.to_state = 'gathering' AND ce.from_state IS DISTINCT FROM 'gathering')))`.execute(
          trx,
        );
        if ((others.rows[0]?.n ?? 0) > 0) return;
        await apply(
          trx,
          scope,
          actor,
          c,
          { kind: "withdraw_info" },
          {
            reason: w.reason,
            detail: { requestIds: [w.requestId] },
          },
        );
      };
      if (db.isTransaction) await work(db);
      else await db.transaction().execute(work);
    },

    /** Case status of these persons (marks in 判定一覧 and the child page). */
    async statusOf(scope: DataScope, personIds: readonly string[]): Promise<ChildCaseStatus[]> {
      if (personIds.length === 0) return [];
      const r = await sql<{
        person_id: string;
        id: number;
        state: CaseState;
        council: boolean;
        months: string[];
      }>`
        SELECT cc.person_id, cc.id, cc.state, cc.council,
          ARRAY(SELECT l.month FROM review_list_entry e JOIN review_list l ON l.id = e.list_id
                 WHERE e.case_id = cc.id ORDER BY l.month DESC) AS months
          FROM child_case cc
         WHERE cc.municipality_id = ${scope.municipalityId}
           AND cc.person_id = ANY(${[...personIds]}::text[])`.execute(db);
      return r.rows.map((x) => ({
        personId: x.person_id,
        caseId: x.id,
        state: x.state,
        council: x.council,
        listMonths: x.months,
      }));
    },

    // ── 候補リスト ───────────────────────────────────────────────────────────

    async lists(scope: DataScope): Promise<ReviewListRow[]> {
      const r = await sql<{
        id: number;
        month: string;
        run_id: number;
        created_by: string;
        created_at: Date;
        children: number;
        households: number;
      }>`
        SELECT l.id, l.month, l.run_id, l.created_by, l.created_at,
          (SELECT count(*)::int FROM review_list_entry e WHERE e.list_id = l.id) AS children,
          (SELECT count(DISTINCT coalesce(e.household_no, e.person_id))::int FROM review_list_entry e
            WHERE e.list_id = l.id) AS households
          FROM review_list l WHERE l.municipality_id = ${scope.municipalityId}
         ORDER BY l.month DESC LIMIT 60`.execute(db);
      return r.rows.map((l) => ({
        id: l.id,
        month: l.month,
        runId: l.run_id,
        createdBy: l.created_by,
        createdAt: l.created_at.toISOString(),
        children: l.children,
        households: l.households,
      }));
    },

    async findList(scope: DataScope, listId: number): Promise<ReviewListRow | undefined> {
      return (await repo.lists(scope)).find((l) => l.id === listId);
    },

    /** The month's list, made on first use from run `runId`. */
    async ensureList(
      scope: DataScope,
      actor: CaseActor,
      month: string,
      runId: number,
    ): Promise<ReviewListRow> {
      if (!(await runRules(db, scope, runId)))
        throw new MimamoriError(
          "not_found",
          "指定された判定の結果がありません。判定一覧から選び直してください。",
        );
      await sql`
        INSERT INTO review_list (municipality_id, month, run_id, created_by)
        VALUES (${scope.municipalityId}, ${month}, ${runId}, ${actor.loginName})
        ON CONFLICT (municipality_id, month) DO NOTHING`.execute(db);
      const l = (await repo.lists(scope)).find((x) => x.month === month);
      if (!l) throw new MimamoriError("internal", "候補リストを作れませんでした。");
      return l;
    },

    /** The list's children (visible to the reader), grouped by household in order. */
    async entries(scope: DataScope, listId: number): Promise<ListEntryRow[]> {
      const r = await sql<{
        id: number;
        case_id: number;
        person_id: string;
        name: string | null;
        age: number | null;
        difficulty: string;
        household_no: string | null;
        exclusions: string[];
        override_reason: string | null;
        added_by: string;
        added_at: Date;
        state: CaseState;
        last_decision: Decision | null;
      }>`
        SELECT e.id, e.case_id, e.person_id, p.name,
          CASE WHEN p.birth_date IS NULL THEN NULL
               ELSE date_part('year', age(s.as_of, p.birth_date))::int END AS age,
          e.difficulty, e.household_no, e.exclusions, e.override_reason, e.added_by, e.added_at,
          cc.state, cc.last_decision
          FROM review_list_entry e
          JOIN review_list l ON l.id = e.list_id
          JOIN child_case cc ON cc.id = e.case_id
          JOIN score_run s ON s.municipality_id = l.municipality_id AND s.id = l.run_id
          LEFT JOIN link_person p ON p.municipality_id = s.municipality_id AND p.run_id = s.link_run_id AND p.person_id = e.person_id
         WHERE e.list_id = ${listId} AND e.municipality_id = ${scope.municipalityId}
         ORDER BY coalesce(e.household_no, e.person_id), e.person_id`.execute(db);
      // An override recorded by a member may name a 要対協 exclusion (and its
      // reason explain it): a non-member sees neither.
      let rules: RuleSet | undefined;
      if (!scope.council) {
        const l = await sql<{ run_id: number }>`
          SELECT run_id FROM review_list
           WHERE id = ${listId} AND municipality_id = ${scope.municipalityId}`.execute(db);
        const runId = l.rows[0]?.run_id;
        if (runId !== undefined) rules = (await runRules(db, scope, runId))?.rules;
      }
      const hidden = scope.council ? new Set<string>() : new Set(councilExclusionReasons(rules));
      return r.rows.map((e) => ({
        entryId: e.id,
        caseId: e.case_id,
        personId: e.person_id,
        name: e.name,
        age: e.age,
        difficulty: e.difficulty,
        householdNo: e.household_no,
        exclusions: e.exclusions.filter((x) => !hidden.has(x)),
        overrideReason: e.exclusions.some((x) => hidden.has(x)) ? null : e.override_reason,
        addedBy: e.added_by,
        addedAt: e.added_at.toISOString(),
        state: e.state,
        decision: e.last_decision,
      }));
    },

    /** The month's capacity in households: the municipality setting, else the rule set's. */
    async capacity(scope: DataScope, runId: number): Promise<number> {
      const s = await sql<{ value: unknown }>`
        SELECT value FROM municipality_setting
         WHERE municipality_id = ${scope.municipalityId} AND key = 'review_capacity'`.execute(db);
      const v = s.rows[0]?.value;
      if (typeof v === "number" && v > 0) return v;
      const run = await runRules(db, scope, runId);
      return run?.rules.capacity.perMonth ?? 5;
    },

    /** What would keep these children off a list of `month` (shown before adding, and checked on add). */
    async checkCandidates(
      scope: DataScope,
      runId: number,
      month: string,
      picks: readonly { personId: string; difficulty: string }[],
    ): Promise<CandidateCheck[]> {
      const run = await runRules(db, scope, runId);
      if (!run) return [];
      const names = ruleExclusionNames(scope, run.rules);
      const ids = picks.map((p) => p.personId);
      const res = await sql<{
        person_id: string;
        difficulty: string;
        excluded_by: string[];
        household_no: string | null;
      }>`
        SELECT r.person_id, r.difficulty, r.excluded_by, p.household_no
          FROM score_result r
          JOIN score_run s ON s.municipality_id = r.municipality_id AND s.id = r.run_id
          LEFT JOIN link_person p ON p.municipality_id = s.municipality_id AND p.run_id = s.link_run_id AND p.person_id = r.person_id
         WHERE r.run_id = ${runId} AND r.municipality_id = ${scope.municipalityId}
           AND r.person_id = ANY(${ids}::text[])`.execute(db);
      const cases = await sql<{
        person_id: string;
        state: CaseState;
        review_on: string | null;
        council: boolean;
      }>`
        SELECT person_id, state, to_char(review_on, 'YYYY-MM-DD') AS review_on, council
          FROM child_case WHERE municipality_id = ${scope.municipalityId}
           AND person_id = ANY(${ids}::text[])`.execute(db);
      return picks.map((p) => {
        const sr = res.rows.find(
          (x) => x.person_id === p.personId && x.difficulty === p.difficulty,
        );
        const c = cases.rows.find((x) => x.person_id === p.personId);
        const wf = caseExclusions(
          c ? { state: c.state, reviewOn: c.review_on, council: c.council } : undefined,
          month,
        );
        return {
          personId: p.personId,
          difficulty: p.difficulty,
          scored: sr !== undefined,
          householdNo: sr?.household_no ?? null,
          caseState: c?.state ?? null,
          exclusions: [
            ...(sr?.excluded_by ?? [])
              .filter((id) => names.has(id))
              .map((id) => ({ id, name: names.get(id) ?? id, overridable: true })),
            ...wf.map((id) => ({
              id,
              name: WORKFLOW_EXCLUSIONS[id],
              overridable: !HARD_EXCLUSIONS.includes(id),
            })),
          ],
        };
      });
    },

    /**
     * Adds children to a list. A child with an exclusion needs a reason (the
     * override is recorded); one with an open case or in support is refused;
     * past the month's capacity (households) a reason is needed too. The
     * child's case is made (listed) or brought back (relist / reopen), with
     * its event.
     */
    async addEntries(
      scope: DataScope,
      actor: CaseActor,
      listId: number,
      picks: readonly { personId: string; difficulty: string; overrideReason?: string | null }[],
    ): Promise<ListEntryRow[]> {
      const list = await repo.findList(scope, listId);
      if (!list) throw new MimamoriError("not_found", "指定された候補リストはありません。");
      const checks = await repo.checkCandidates(scope, list.runId, list.month, picks);
      const capacity = await repo.capacity(scope, list.runId);
      const current = await repo.entries(scope, listId);
      const households = new Set(current.map((e) => e.householdNo ?? e.personId));
      await db.transaction().execute(async (trx) => {
        for (const [i, p] of picks.entries()) {
          const check = checks[i] as CandidateCheck;
          const reason = p.overrideReason?.trim() || null;
          if (!check.scored)
            throw new MimamoriError(
              "invalid_input",
              `こども ${p.personId} はこの判定（${list.runId}）で「${isDifficultyId(p.difficulty) ? DIFFICULTY_NAMES[p.difficulty] : p.difficulty}」の判定を受けていません。判定一覧から選んでください。`,
            );
          if (current.some((e) => e.personId === p.personId))
            refuse(`こども ${p.personId} はすでにこの候補リストに載っています。`);
          const hard = check.exclusions.filter((x) => !x.overridable);
          if (hard.length > 0)
            refuse(
              `こども ${p.personId} は一覧に載せられません（${hard.map((x) => x.name).join("・")}）。ケースを終結するか、会議の決定を待ってください。`,
            );
          if (check.exclusions.length > 0 && !reason)
            throw new MimamoriError(
              "invalid_input",
              `こども ${p.personId} は「${check.exclusions.map((x) => x.name).join("・")}」のため通常は一覧から外れます。載せる場合は理由を入力してください。`,
            );
          const household = check.householdNo ?? p.personId;
          if (!households.has(household) && households.size >= capacity && !reason)
            throw new MimamoriError(
              "invalid_input",
              `今月の確認件数の上限（${capacity} 世帯）に達しています。上限を超えて載せる場合は理由を入力するか、自治体の設定で上限を変えてください。`,
            );
          households.add(household);
          // The case: new (listed), or back from a decision / closure.
          const existing = await sql<CaseDbRow>`
            SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
             WHERE cc.municipality_id = ${scope.municipalityId} AND cc.person_id = ${p.personId}
             FOR UPDATE OF cc`.execute(trx);
          let caseId: number;
          const row = existing.rows[0];
          if (!row) {
            const ins = await sql<{ id: number }>`
              INSERT INTO child_case (municipality_id, person_id, state)
              VALUES (${scope.municipalityId}, ${p.personId}, 'listed') RETURNING id`.execute(trx);
            caseId = ins.rows[0]?.id as number;
            await appendEvent(trx, scope, actor, {
              caseId,
              action: "list",
              from: null,
              to: "listed",
              reason,
              listId,
              detail: { month: list.month, difficulty: p.difficulty },
            });
          } else {
            const c = caseRow(row);
            caseId = c.id;
            await apply(
              trx,
              scope,
              actor,
              c,
              { kind: c.state === "closed" ? "reopen" : "relist" },
              {
                reason: reason ?? `${list.month} の候補リスト（見直し）`,
                listId,
                detail: { month: list.month, difficulty: p.difficulty },
              },
            );
          }
          // A sheet already out about the child (e.g. the school's start-of-year
          // round): the case is gathering information from the start.
          const open = await sql<{ id: number }>`
            SELECT id FROM sheet_request WHERE municipality_id = ${scope.municipalityId}
               AND person_id = ${p.personId} AND status = 'sent' ORDER BY id`.execute(trx);
          if (open.rows.length > 0) {
            const now = await sql<CaseDbRow>`
              SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
               WHERE cc.id = ${caseId}`.execute(trx);
            const c = now.rows[0] ? caseRow(now.rows[0]) : undefined;
            if (c && transition(c.state, { kind: "request_info" }).ok)
              await apply(
                trx,
                scope,
                actor,
                c,
                { kind: "request_info" },
                {
                  reason: "送付済みの情報収集シートがあります",
                  listId,
                  detail: { requestIds: open.rows.map((x) => x.id) },
                },
              );
          }
          await sql`
            INSERT INTO review_list_entry (municipality_id, list_id, case_id, person_id, difficulty,
              household_no, exclusions, override_reason, added_by)
            VALUES (${scope.municipalityId}, ${listId}, ${caseId}, ${p.personId}, ${p.difficulty},
              ${check.householdNo}, ${check.exclusions.map((x) => x.id)}::text[], ${reason},
              ${actor.loginName})`.execute(trx);
        }
      });
      return repo.entries(scope, listId);
    },

    // ── カンファレンス ───────────────────────────────────────────────────────

    async conferences(scope: DataScope): Promise<ConferenceRow[]> {
      const r = await sql<{
        id: number;
        list_id: number;
        month: string;
        run_id: number;
        held_on: string;
        title: string;
        attendees: string[];
        created_by: string;
        created_at: Date;
      }>`
        SELECT c.id, c.list_id, l.month, l.run_id, to_char(c.held_on, 'YYYY-MM-DD') AS held_on,
               c.title, c.attendees, c.created_by, c.created_at
          FROM conference c JOIN review_list l ON l.municipality_id = c.municipality_id AND l.id = c.list_id
         WHERE c.municipality_id = ${scope.municipalityId}
         ORDER BY c.held_on DESC, c.id DESC LIMIT 60`.execute(db);
      return r.rows.map((c) => ({
        id: c.id,
        listId: c.list_id,
        month: c.month,
        runId: c.run_id,
        heldOn: c.held_on,
        title: c.title,
        attendees: c.attendees,
        createdBy: c.created_by,
        createdAt: c.created_at.toISOString(),
      }));
    },

    async findConference(scope: DataScope, id: number): Promise<ConferenceRow | undefined> {
      return (await repo.conferences(scope)).find((c) => c.id === id);
    },

    /**
     * A conference on a month's list: every child of the list still listed or
     * gathering information goes on its agenda (event `schedule`).
     */
    async createConference(
      scope: DataScope,
      actor: CaseActor,
      input: { listId: number; heldOn: string; title: string; attendees: readonly string[] },
    ): Promise<ConferenceRow> {
      const list = await repo.findList(scope, input.listId);
      if (!list) throw new MimamoriError("not_found", "指定された候補リストはありません。");
      const id = await db.transaction().execute(async (trx) => {
        const ins = await sql<{ id: number }>`
          INSERT INTO conference (municipality_id, list_id, held_on, title, attendees, created_by)
          VALUES (${scope.municipalityId}, ${input.listId}, ${input.heldOn}::date, ${input.title},
            ${[...input.attendees]}::text[], ${actor.loginName}) RETURNING id`.execute(trx);
        const conferenceId = ins.rows[0]?.id as number;
        const cases = await sql<CaseDbRow>`
          SELECT ${CASE_COLS} FROM child_case cc LEFT JOIN app_user u ON u.id = cc.responsible_user_id
           WHERE cc.id IN (SELECT case_id FROM review_list_entry WHERE list_id = ${input.listId})
             AND cc.state IN ('listed', 'gathering')
           ORDER BY cc.id FOR UPDATE OF cc`.execute(trx);
        for (const row of cases.rows)
          await apply(trx, scope, actor, caseRow(row), { kind: "schedule" }, { conferenceId });
        return conferenceId;
      });
      return (await repo.findConference(scope, id)) as ConferenceRow;
    },

    /** Puts one more case of the conference's list on its agenda. */
    async schedule(
      scope: DataScope,
      actor: CaseActor,
      conferenceId: number,
      caseId: number,
    ): Promise<CaseRow> {
      return repo.act(scope, actor, caseId, { kind: "schedule" }, { conferenceId });
    },

    /**
     * The conference and its agenda in one statement (the conference screen,
     * issue 13 benchmark): every case scheduled for it or decided in it that
     * the reader may work on, with its list entry (type, household, age as of
     * the list's run, name in that run) and its events, oldest first. Five
     * statements before (conference list, agenda ids, the list's entries, the
     * cases, their events); undefined when the conference is not the reader's.
     */
    async agendaOf(scope: DataScope, conferenceId: number): Promise<AgendaOf | undefined> {
      const m = scope.municipalityId;
      const r = await sql<{ conference: ConferenceJson | null; agenda: AgendaJson[] }>`
        WITH conf AS (
          SELECT c.id, c.list_id AS "listId", l.month, l.run_id AS "runId",
                 to_char(c.held_on, 'YYYY-MM-DD') AS "heldOn", c.title, c.attendees,
                 c.created_by AS "createdBy", ${isoUtc(sql`c.created_at`)} AS "createdAt",
                 s.link_run_id, s.as_of
            FROM conference c JOIN review_list l ON l.municipality_id = c.municipality_id AND l.id = c.list_id
            JOIN score_run s ON s.municipality_id = l.municipality_id AND s.id = l.run_id
           WHERE c.id = ${conferenceId} AND c.municipality_id = ${m}
        ), ids AS (
          -- An array, so that child_case is read by its key (= ANY): joined to a
          -- set, a freshly filled child_case without statistics was scanned per row.
          SELECT array_agg(DISTINCT case_id) AS ids FROM case_event
           WHERE conference_id = ${conferenceId} AND municipality_id = ${m}
             AND action IN ('schedule', 'decide')
        ), events AS MATERIALIZED (
          -- One grouped read: a subquery per case re-ran row security's check per case.
          SELECT ev.case_id, json_agg(json_build_object(
                   'id', ev.id, 'at', ${isoUtc(sql`ev.at`)}, 'actor', ev.actor, 'action', ev.action,
                   'decision', ev.decision, 'fromState', ev.from_state, 'toState', ev.to_state,
                   'reason', ev.reason, 'listId', ev.list_id, 'conferenceId', ev.conference_id,
                   'correctsId', ev.corrects_id, 'detail', ev.detail) ORDER BY ev.id) AS events
            FROM case_event ev
           WHERE ev.case_id = ANY((SELECT ids FROM ids)::int[]) AND ev.municipality_id = ${m}
           GROUP BY ev.case_id
        ), agenda AS (
          SELECT cc.id, cc.person_id AS "personId", cc.state, cc.council,
                 cc.responsible_user_id AS "responsibleUserId", u.display_name AS "responsibleName",
                 to_char(cc.review_on, 'YYYY-MM-DD') AS "reviewOn", cc.last_decision AS "lastDecision",
                 ${isoUtc(sql`cc.opened_at`)} AS "openedAt", ${isoUtc(sql`cc.updated_at`)} AS "updatedAt",
                 p.name, e.difficulty, e.household_no AS "householdNo",
                 CASE WHEN e.id IS NULL OR p.birth_date IS NULL THEN NULL
                      ELSE date_part('year', age(conf.as_of, p.birth_date))::int END AS age,
                 coalesce(ev.events, '[]'::json) AS events
            FROM conf
            JOIN child_case cc ON cc.id = ANY((SELECT ids FROM ids)::int[]) AND cc.municipality_id = ${m}
            LEFT JOIN app_user u ON u.id = cc.responsible_user_id
            LEFT JOIN review_list_entry e ON e.municipality_id = cc.municipality_id AND e.list_id = conf."listId" AND e.case_id = cc.id
            LEFT JOIN link_person p ON p.municipality_id = cc.municipality_id AND p.run_id = conf.link_run_id AND p.person_id = cc.person_id
            LEFT JOIN events ev ON ev.case_id = cc.id
           WHERE ${caseAccess(scope)}
        )
        SELECT (SELECT json_build_object('id', id, 'listId', "listId", 'month', month, 'runId', "runId",
                  'heldOn', "heldOn", 'title', title, 'attendees', attendees,
                  'createdBy', "createdBy", 'createdAt', "createdAt") FROM conf) AS conference,
               coalesce((SELECT json_agg(a ORDER BY a.id) FROM agenda a), '[]'::json) AS agenda`.execute(
        db,
      );
      const row = r.rows[0];
      if (!row?.conference) return undefined;
      return {
        conference: row.conference,
        agenda: row.agenda.map((a) => ({
          case: {
            id: a.id,
            personId: a.personId,
            state: a.state,
            council: a.council,
            responsibleUserId: a.responsibleUserId,
            responsibleName: a.responsibleName,
            reviewOn: a.reviewOn,
            lastDecision: a.lastDecision,
            openedAt: a.openedAt,
            updatedAt: a.updatedAt,
          },
          name: a.name,
          difficulty: a.difficulty,
          householdNo: a.householdNo,
          age: a.age,
          events: a.events,
        })),
      };
    },

    /** Case ids on a conference's agenda: scheduled for it (or decided in it). */
    async agendaCaseIds(scope: DataScope, conferenceId: number): Promise<number[]> {
      const r = await sql<{ case_id: number }>`
        SELECT DISTINCT case_id FROM case_event
         WHERE conference_id = ${conferenceId} AND municipality_id = ${scope.municipalityId}
           AND action IN ('schedule', 'decide')
         ORDER BY case_id`.execute(db);
      return r.rows.map((x) => x.case_id);
    },

    /** Records a conference decision (要支援 / 調査継続 / 経過観察 / 支援不要). */
    async decide(
      scope: DataScope,
      actor: CaseActor,
      conferenceId: number,
      caseId: number,
      d: { decision: Decision; reason: string; responsibleUserId: number; reviewOn: string | null },
    ): Promise<CaseRow> {
      const agenda = await repo.agendaCaseIds(scope, conferenceId);
      if (!agenda.includes(caseId))
        refuse("このケースはこの会議の議題に載っていません。先に議題に載せてください。");
      const c = await repo.find(scope, caseId);
      if (!c) notFound();
      await requireCaseWorker(db, scope, d.responsibleUserId, c.council);
      if (d.decision !== "support" && !d.reviewOn)
        throw new MimamoriError(
          "invalid_input",
          `「${DECISION_LABELS[d.decision]}」には次の見直し日を入力してください。`,
        );
      return repo.act(
        scope,
        actor,
        caseId,
        { kind: "decide", decision: d.decision },
        {
          reason: d.reason,
          conferenceId,
          responsibleUserId: d.responsibleUserId,
          reviewOn: d.reviewOn,
        },
      );
    },

    // ── 支援 ─────────────────────────────────────────────────────────────────

    /** A support plan (a new version each time); the first one starts support. */
    async addPlan(
      scope: DataScope,
      actor: CaseActor,
      caseId: number,
      plan: { goals: string; organisations: readonly string[] },
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const c = await lockCase(trx, scope, caseId);
        if (c.state !== "support_planned" && c.state !== "supporting")
          refuse(
            `「${ACTION_LABELS.start_support}」は要支援と決定されたケースで行います（現在: ${c.state}）。`,
          );
        await sql`
          INSERT INTO support_plan (municipality_id, case_id, goals, organisations, created_by)
          VALUES (${scope.municipalityId}, ${caseId}, ${plan.goals}, ${[...plan.organisations]}::text[],
            ${actor.loginName})`.execute(trx);
        if (c.state === "support_planned")
          await apply(
            trx,
            scope,
            actor,
            c,
            { kind: "start_support" },
            { reason: "支援計画の作成" },
          );
      });
    },

    async plans(scope: DataScope, caseId: number): Promise<SupportPlanRow[]> {
      const r = await sql<{
        id: number;
        goals: string;
        organisations: string[];
        created_by: string;
        created_at: Date;
      }>`
        SELECT id, goals, organisations, created_by, created_at FROM support_plan
         WHERE case_id = ${caseId} AND municipality_id = ${scope.municipalityId} ORDER BY id`.execute(
        db,
      );
      return r.rows.map((p) => ({
        id: p.id,
        goals: p.goals,
        organisations: p.organisations,
        createdBy: p.created_by,
        createdAt: p.created_at.toISOString(),
      }));
    },

    async addAction(
      scope: DataScope,
      actor: CaseActor,
      caseId: number,
      a: { kind: SupportActionKind; doneOn: string; outcome: string },
    ): Promise<void> {
      const c = await repo.find(scope, caseId);
      if (!c) notFound();
      if (c.state === "closed")
        refuse("終結したケースには記録できません。再開してから記録してください。");
      await sql`
        INSERT INTO support_action (municipality_id, case_id, kind, done_on, outcome, created_by)
        VALUES (${scope.municipalityId}, ${caseId}, ${a.kind}, ${a.doneOn}::date, ${a.outcome},
          ${actor.loginName})`.execute(db);
    },

    async actions(scope: DataScope, caseId: number): Promise<SupportActionRow[]> {
      const r = await sql<{
        id: number;
        kind: SupportActionKind;
        done_on: string;
        outcome: string;
        created_by: string;
        created_at: Date;
      }>`
        SELECT id, kind, to_char(done_on, 'YYYY-MM-DD') AS done_on, outcome, created_by, created_at
          FROM support_action WHERE case_id = ${caseId} AND municipality_id = ${scope.municipalityId}
         ORDER BY done_on, id`.execute(db);
      return r.rows.map((a) => ({
        id: a.id,
        kind: a.kind,
        doneOn: a.done_on,
        outcome: a.outcome,
        createdBy: a.created_by,
        createdAt: a.created_at.toISOString(),
      }));
    },

    async addFollowUp(
      scope: DataScope,
      actor: CaseActor,
      caseId: number,
      f: { dueOn: string; what: string; assigneeUserId: number },
    ): Promise<number> {
      const c = await repo.find(scope, caseId);
      if (!c) notFound();
      if (c.state === "closed")
        refuse("終結したケースには予定を入れられません。再開してください。");
      await requireCaseWorker(db, scope, f.assigneeUserId, c.council);
      const r = await sql<{ id: number }>`
        INSERT INTO follow_up (municipality_id, case_id, due_on, what, assignee_user_id, created_by)
        VALUES (${scope.municipalityId}, ${caseId}, ${f.dueOn}::date, ${f.what}, ${f.assigneeUserId},
          ${actor.loginName}) RETURNING id`.execute(db);
      return r.rows[0]?.id as number;
    },

    /** Marks a follow-up done (its assignee or a coordinator). */
    async completeFollowUp(
      scope: DataScope,
      followUpId: number,
      note: string,
    ): Promise<FollowUpRow | undefined> {
      const r = await sql<{ id: number }>`
        UPDATE follow_up f SET done_at = now(), done_note = ${note}
         WHERE f.id = ${followUpId} AND f.municipality_id = ${scope.municipalityId} AND f.done_at IS NULL
           AND (${scope.children === "all"} OR f.assignee_user_id = ${scope.userId})
         RETURNING f.id`.execute(db);
      if (r.rows.length === 0) return undefined;
      return (await repo.followUps(scope, { followUpId })).at(0);
    },

    /**
     * Open follow-ups due by `today` (Japan's date) and not yet reminded,
     * marked reminded in the statement that picks them (reminded_on, 0062):
     * each is returned to one caller once, whichever pass (or concurrent
     * pass) runs first. A disabled assignee's follow-up is left for when the
     * account (or a reassignment) can act on it.
     */
    async takeDueFollowUpsToRemind(
      scope: DataScope,
      today: string,
    ): Promise<
      {
        id: number;
        caseId: number;
        council: boolean;
        assigneeUserId: number;
        dueOn: string;
        what: string;
      }[]
    > {
      const r = await sql<{
        id: number;
        case_id: number;
        council: boolean;
        assignee_user_id: number;
        due_on: string;
        what: string;
      }>`
        UPDATE follow_up f SET reminded_on = ${today}::date
          FROM child_case cc
         WHERE cc.id = f.case_id AND f.municipality_id = ${scope.municipalityId}
           AND f.done_at IS NULL AND f.reminded_on IS NULL AND f.due_on <= ${today}::date
           AND cc.state <> 'closed'
           AND EXISTS (SELECT 1 FROM app_user u WHERE u.id = f.assignee_user_id AND NOT u.disabled)
        RETURNING f.id, f.case_id, cc.council, f.assignee_user_id,
          to_char(f.due_on, 'YYYY-MM-DD') AS due_on, f.what`.execute(db);
      // RETURNING has no order: by id, so reminders are written in the order they were set.
      return r.rows
        .sort((x, y) => x.id - y.id)
        .map((x) => ({
          id: x.id,
          caseId: x.case_id,
          council: x.council,
          assigneeUserId: x.assignee_user_id,
          dueOn: x.due_on,
          what: x.what,
        }));
    },

    /** Follow-ups: of one case, of one assignee (open ones, by due date), or one. */
    async followUps(
      scope: DataScope,
      by: { caseId?: number; assigneeUserId?: number; followUpId?: number; openOnly?: boolean },
    ): Promise<FollowUpRow[]> {
      const conds = [sql`f.municipality_id = ${scope.municipalityId}`];
      if (by.caseId !== undefined) conds.push(sql`f.case_id = ${by.caseId}`);
      if (by.assigneeUserId !== undefined)
        conds.push(sql`f.assignee_user_id = ${by.assigneeUserId}`);
      if (by.followUpId !== undefined) conds.push(sql`f.id = ${by.followUpId}`);
      if (by.openOnly) conds.push(sql`f.done_at IS NULL`);
      const r = await sql<{
        id: number;
        case_id: number;
        person_id: string;
        name: string | null;
        due_on: string;
        what: string;
        assignee_user_id: number;
        assignee_name: string | null;
        done_at: Date | null;
        done_note: string | null;
        created_by: string;
      }>`
        SELECT f.id, f.case_id, cc.person_id, p.name, to_char(f.due_on, 'YYYY-MM-DD') AS due_on, f.what,
               f.assignee_user_id, u.display_name AS assignee_name, f.done_at, f.done_note, f.created_by
          FROM follow_up f
          JOIN child_case cc ON cc.municipality_id = f.municipality_id AND cc.id = f.case_id
          LEFT JOIN app_user u ON u.id = f.assignee_user_id
          LEFT JOIN link_person p ON p.municipality_id = cc.municipality_id AND p.run_id = ${latestLinkRun(scope)} AND p.person_id = cc.person_id
         WHERE ${sql.join(conds, sql` AND `)}
         ORDER BY f.done_at IS NOT NULL, f.due_on, f.id LIMIT 200`.execute(db);
      return r.rows.map((f) => ({
        id: f.id,
        caseId: f.case_id,
        personId: f.person_id,
        name: f.name,
        dueOn: f.due_on,
        what: f.what,
        assigneeUserId: f.assignee_user_id,
        assigneeName: f.assignee_name,
        doneAt: f.done_at?.toISOString() ?? null,
        doneNote: f.done_note,
        createdBy: f.created_by,
      }));
    },

    async evaluate(
      scope: DataScope,
      actor: CaseActor,
      caseId: number,
      e: { runId: number | null; difficulty: string; verdict: Verdict; note: string | null },
    ): Promise<void> {
      const c = await repo.find(scope, caseId);
      if (!c) notFound();
      await sql`
        INSERT INTO result_evaluation (municipality_id, case_id, run_id, difficulty, verdict, note, created_by)
        VALUES (${scope.municipalityId}, ${caseId}, ${e.runId}, ${e.difficulty}, ${e.verdict}, ${e.note},
          ${actor.loginName})`.execute(db);
    },

    async evaluations(scope: DataScope, caseId: number): Promise<EvaluationRow[]> {
      const r = await sql<{
        id: number;
        run_id: number | null;
        difficulty: string;
        verdict: Verdict;
        note: string | null;
        created_by: string;
        created_at: Date;
      }>`
        SELECT id, run_id, difficulty, verdict, note, created_by, created_at FROM result_evaluation
         WHERE case_id = ${caseId} AND municipality_id = ${scope.municipalityId} ORDER BY id`.execute(
        db,
      );
      return r.rows.map((e) => ({
        id: e.id,
        runId: e.run_id,
        difficulty: e.difficulty,
        verdict: e.verdict,
        note: e.note,
        createdBy: e.created_by,
        createdAt: e.created_at.toISOString(),
      }));
    },

    /** Lists the case is on (month, difficulty), newest first. */
    async listsOfCase(
      scope: DataScope,
      caseId: number,
    ): Promise<{ listId: number; month: string; runId: number; difficulty: string }[]> {
      const r = await sql<{ list_id: number; month: string; run_id: number; difficulty: string }>`
        SELECT e.list_id, l.month, l.run_id, e.difficulty FROM review_list_entry e
          JOIN review_list l ON l.id = e.list_id
         WHERE e.case_id = ${caseId} AND e.municipality_id = ${scope.municipalityId}
         ORDER BY l.month DESC`.execute(db);
      return r.rows.map((x) => ({
        listId: x.list_id,
        month: x.month,
        runId: x.run_id,
        difficulty: x.difficulty,
      }));
    },

    /**
     * Flagged children of a run without a rule-set exclusion, one per
     * household, highest score first (the demo's history picks from them).
     */
    async flaggedCandidates(
      scope: DataScope,
      runId: number,
      limit: number,
    ): Promise<{ personId: string; difficulty: string }[]> {
      const r = await sql<{ person_id: string; difficulty: string }>`
        SELECT person_id, difficulty FROM (
          SELECT DISTINCT ON (coalesce(p.household_no, r.person_id)) r.person_id, r.difficulty, r.score
            FROM score_result r JOIN score_run s ON s.municipality_id = r.municipality_id AND s.id = r.run_id
            LEFT JOIN link_person p ON p.municipality_id = s.municipality_id AND p.run_id = s.link_run_id AND p.person_id = r.person_id
           WHERE r.run_id = ${runId} AND r.municipality_id = ${scope.municipalityId}
             AND r.flagged AND cardinality(r.excluded_by) = 0
             AND NOT EXISTS (SELECT 1 FROM child_case cc WHERE cc.municipality_id = r.municipality_id
                             AND cc.person_id = r.person_id)
           ORDER BY coalesce(p.household_no, r.person_id), r.score DESC, r.person_id
        ) x ORDER BY score DESC, person_id LIMIT ${limit}`.execute(db);
      return r.rows.map((x) => ({ personId: x.person_id, difficulty: x.difficulty }));
    },

    /**
     * The dashboard funnel from the workflow (per difficulty type, children of
     * lists made on run `runId`): on a list; on a conference agenda; decided;
     * support started (a plan). Null when no list was made on the run (未記録).
     * Council cases are left out for non-members by RLS.
     */
    async funnel(scope: DataScope, runId: number): Promise<FunnelCounts[] | null> {
      const lists = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM review_list
         WHERE municipality_id = ${scope.municipalityId} AND run_id = ${runId}`.execute(db);
      if ((lists.rows[0]?.n ?? 0) === 0) return null;
      const r = await sql<{
        difficulty: string;
        listed: number;
        conference: number;
        decision: number;
        support: number;
      }>`
        WITH e AS (
          SELECT DISTINCT ON (e.person_id, e.difficulty) e.person_id, e.difficulty, e.case_id, e.list_id
            FROM review_list_entry e JOIN review_list l ON l.id = e.list_id
           WHERE l.run_id = ${runId} AND e.municipality_id = ${scope.municipalityId}
        ), ev AS (
          SELECT ce.case_id, ce.action, ce.corrects_id, ce.id, c.list_id AS conf_list
            FROM case_event ce LEFT JOIN conference c ON c.municipality_id = ce.municipality_id AND c.id = ce.conference_id
           WHERE ce.municipality_id = ${scope.municipalityId}
             AND ce.id NOT IN (SELECT corrects_id FROM case_event
                                WHERE corrects_id IS NOT NULL AND municipality_id = ${scope.municipalityId})
        )
        SELECT e.difficulty,
          count(*)::int AS listed,
          count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ev WHERE ev.case_id = e.case_id
            AND ev.action = 'schedule' AND ev.conf_list = e.list_id))::int AS conference,
          count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ev WHERE ev.case_id = e.case_id
            AND ev.action = 'decide' AND ev.conf_list = e.list_id))::int AS decision,
          count(*) FILTER (WHERE EXISTS (SELECT 1 FROM support_plan sp WHERE sp.case_id = e.case_id))::int AS support
          FROM e GROUP BY e.difficulty`.execute(db);
      return r.rows;
    },
  };
  return repo;
}

export type CaseRepository = ReturnType<typeof createCaseRepository>;
