/**
 * The screening workflow around the case state machine (issue 13): the
 * 候補リスト's exclusions, support actions, the staff's verdict on a system
 * result, and the labels the screens and minutes print. Pure: the database
 * side is db/case.repository.ts.
 */
import type { CaseState } from "./state.ts";

/** 候補リスト month, `YYYY-MM`. */
export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The municipality setting (municipality_setting key) of the monthly capacity, in households. */
export const CAPACITY_SETTING = "review_capacity";

/**
 * Why a child is left off a month's list unless a reason is given. Rule-set
 * exclusions of the run (score_result.excluded_by: 要対協で進行管理中, 健診後
 * フォロー中, 障害児サービス利用中) keep their own ids; these are the workflow's.
 */
export const WORKFLOW_EXCLUSIONS = {
  /** Already on a list, on an agenda or gathering information: cannot be listed twice. */
  case_open: "候補リスト・会議予定のケースがあります",
  /** 要支援 and supported: close the case before listing it again. */
  case_supported: "支援中のケースがあります",
  /** Decided in an earlier conference and not yet due for review. */
  decided_not_due: "会議で決定済み（見直し日前）",
  /** Registered with 要対協 (council members only see this). */
  council_case: "要対協に登録したケースです",
} as const;
export type WorkflowExclusion = keyof typeof WORKFLOW_EXCLUSIONS;

/** Exclusions no reason can override: the state machine refuses the transition. */
export const HARD_EXCLUSIONS: readonly WorkflowExclusion[] = ["case_open", "case_supported"];

/** The workflow's exclusions of a child with a case in `state` (review date `reviewOn`) for a list of `month`. */
export function caseExclusions(
  c: { state: CaseState; reviewOn: string | null; council: boolean } | undefined,
  month: string,
): WorkflowExclusion[] {
  if (!c) return [];
  const out: WorkflowExclusion[] = [];
  if (c.council) out.push("council_case");
  if (c.state === "listed" || c.state === "gathering" || c.state === "on_agenda")
    out.push("case_open");
  else if (c.state === "support_planned" || c.state === "supporting") out.push("case_supported");
  else if (
    (c.state === "investigating" || c.state === "watching" || c.state === "no_support") &&
    c.reviewOn !== null &&
    c.reviewOn > `${month}-01`
  )
    out.push("decided_not_due");
  return out;
}

/** Support actions (開成町・喬木村: how families were reached). */
export const SUPPORT_ACTIONS = {
  interview: "面談",
  home_visit: "家庭訪問",
  referral: "関係機関への紹介",
  affiliation_watch: "所属での見守り",
  allowance_guidance: "手当申請の案内",
  other: "その他",
} as const;
export type SupportActionKind = keyof typeof SUPPORT_ACTIONS;

/** The staff's evaluation of a system result (開成町's need). */
export const VERDICTS = {
  hit: "当たり（支援が必要だった）",
  miss: "外れ（支援は不要だった）",
  other: "別の困難があった",
} as const;
export type Verdict = keyof typeof VERDICTS;

/** Event actions beyond the state machine's (recorded in case_event.action). */
export const EVENT_LABELS: Record<string, string> = {
  list: "候補リストに追加",
  request_info: "情報収集シートの依頼",
  withdraw_info: "情報収集シートの取り下げ（候補リストへ戻す）",
  schedule: "会議の議題に載せる",
  unschedule: "議題から外す",
  decide: "会議での決定",
  start_support: "支援の開始（支援計画）",
  relist: "見直し（候補リストへ戻す）",
  close: "終結",
  reopen: "再開",
  correct: "訂正（直前の記録を取り消す）",
  register_council: "要対協に登録",
  assign: "担当者の変更",
};

/** `YYYY-MM-DD` of a Date in UTC. */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
