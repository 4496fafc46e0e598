/**
 * The case of one child, from a flag to a decided, recorded, followed-up case
 * (issue 13), as an explicit state machine. Every change is an attributed
 * transition (who, when, why); history is never edited: a mistake is
 * corrected by a new transition (`correct`), never by deleting one.
 *
 * The stages follow the pilots: 開成町 lists flagged children monthly (候補リスト),
 * asks each child's school or nursery what it sees (情報収集シート), decides in a
 * monthly conference (要支援 / 調査継続 / 経過観察 / 支援不要) and supports the
 * family; 喬木村 watches children through class teachers before deciding.
 */

export const CASE_STATES = [
  /** On a month's review list (候補リスト), not yet asked about or discussed. */
  "listed",
  /** At least one 情報収集シート is out or answered. */
  "gathering",
  /** On a conference agenda. */
  "on_agenda",
  /** Decided 要支援: a support plan is to be made. */
  "support_planned",
  /** Support is under way (plan, actions, follow-ups). */
  "supporting",
  /** Decided 調査継続: more information is gathered until the review date. */
  "investigating",
  /** Decided 経過観察: watched until the review date. */
  "watching",
  /** Decided 支援不要: left off lists until the review date (if any). */
  "no_support",
  /** Closed with a reason; can be reopened. */
  "closed",
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CASE_STATE_LABELS: Record<CaseState, string> = {
  listed: "候補リスト",
  gathering: "情報収集中",
  on_agenda: "会議予定",
  support_planned: "要支援（計画作成前）",
  supporting: "支援中",
  investigating: "調査継続",
  watching: "経過観察",
  no_support: "支援不要",
  closed: "終結",
};

/** The four outcomes of a conference (開成町). */
export const DECISIONS = ["support", "investigate", "watch", "no_support"] as const;
export type Decision = (typeof DECISIONS)[number];
export const DECISION_LABELS: Record<Decision, string> = {
  support: "要支援",
  investigate: "調査継続",
  watch: "経過観察",
  no_support: "支援不要",
};

export type CaseAction =
  | { kind: "request_info" }
  | { kind: "withdraw_info" }
  | { kind: "schedule" }
  | { kind: "unschedule" }
  | { kind: "decide"; decision: Decision }
  | { kind: "start_support" }
  | { kind: "relist" }
  | { kind: "close" }
  | { kind: "reopen" };
export type CaseActionKind = CaseAction["kind"];

export const ACTION_LABELS: Record<CaseActionKind, string> = {
  request_info: "情報収集シートの依頼",
  withdraw_info: "情報収集シートの取り下げ（候補リストへ戻す）",
  schedule: "会議の議題に載せる",
  unschedule: "議題から外す",
  decide: "会議での決定",
  start_support: "支援の開始（支援計画）",
  relist: "見直し（候補リストへ戻す）",
  close: "終結",
  reopen: "再開",
};

const DECIDED: readonly CaseState[] = ["investigating", "watching", "no_support"];

/**
 * The next state, or an explanation (Japanese) of why the action is not allowed
 * from this state. Pure: the caller records the transition with who/when/why.
 */
export function transition(
  state: CaseState,
  action: CaseAction,
): { ok: true; state: CaseState } | { ok: false; reason: string } {
  const refuse = (why: string) => ({
    ok: false as const,
    reason: `「${CASE_STATE_LABELS[state]}」のケースでは「${ACTION_LABELS[action.kind]}」はできません。${why}`,
  });
  switch (action.kind) {
    case "request_info":
      // Sheets can be sent while listed, while gathering, before a conference,
      // and while investigating (調査継続 means: ask more).
      if (state === "listed" || state === "gathering") return { ok: true, state: "gathering" };
      if (state === "on_agenda" || state === "investigating") return { ok: true, state };
      return refuse("候補リスト・情報収集中・会議予定・調査継続のケースで依頼できます。");
    case "withdraw_info":
      // The last sheet out was withdrawn before any other was answered: nothing
      // is being gathered any more, the case is back on the list.
      if (state === "gathering") return { ok: true, state: "listed" };
      return refuse("情報収集中のケースだけが、シートの取り下げで候補リストへ戻ります。");
    case "schedule":
      if (state === "listed" || state === "gathering" || DECIDED.includes(state))
        return { ok: true, state: "on_agenda" };
      return refuse(
        "候補リスト・情報収集中、または決定済み（見直し）のケースを議題に載せられます。",
      );
    case "unschedule":
      if (state === "on_agenda") return { ok: true, state: "listed" };
      return refuse("会議予定のケースだけを議題から外せます。");
    case "decide":
      if (state !== "on_agenda")
        return refuse("決定は会議の議題に載っているケースについて行います。");
      return {
        ok: true,
        state:
          action.decision === "support"
            ? "support_planned"
            : action.decision === "investigate"
              ? "investigating"
              : action.decision === "watch"
                ? "watching"
                : "no_support",
      };
    case "start_support":
      if (state === "support_planned") return { ok: true, state: "supporting" };
      return refuse("要支援と決定されたケースで支援計画を作ると支援中になります。");
    case "relist":
      if (DECIDED.includes(state)) return { ok: true, state: "listed" };
      return refuse("調査継続・経過観察・支援不要のケースを見直しで候補リストへ戻せます。");
    case "close":
      if (state === "closed") return refuse("すでに終結しています。");
      return { ok: true, state: "closed" };
    case "reopen":
      if (state === "closed") return { ok: true, state: "listed" };
      return refuse("終結したケースだけを再開できます。");
  }
}

/** A case is open (marked as such everywhere: lists, child view) unless closed or 支援不要. */
export function isOpen(state: CaseState): boolean {
  return state !== "closed" && state !== "no_support";
}

/** Actions that need a reason (recorded with the transition). */
export function needsReason(action: CaseAction): boolean {
  return (
    action.kind === "close" ||
    action.kind === "reopen" ||
    action.kind === "decide" ||
    action.kind === "unschedule"
  );
}

/** Every action kind with a representative value (decide takes each decision). */
export const ALL_ACTIONS: readonly CaseAction[] = [
  { kind: "request_info" },
  { kind: "withdraw_info" },
  { kind: "schedule" },
  { kind: "unschedule" },
  ...DECISIONS.map((decision) => ({ kind: "decide" as const, decision })),
  { kind: "start_support" },
  { kind: "relist" },
  { kind: "close" },
  { kind: "reopen" },
];
