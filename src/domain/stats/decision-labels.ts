/**
 * Conference decisions and later 要対協 registration as labels of a run
 * (issue 13 "feedback into the engine"). Pure: the records come from
 * db/case-labels.repository.ts, the scores from the run as the reader sees it.
 *
 * Precision at capacity against decisions: a municipality can look at
 * `k` households a month (the rule set's capacity). Rank every child the type
 * applies to by score (highest first, ties by person id), take the top `k`,
 * and ask: of those the conference decided, how many were 要支援?
 * - positive: 要支援 (the conference found support needed);
 * - negative: 経過観察 and 支援不要 (the conference looked and found no need
 *   for support now);
 * - 調査継続 is left unlabelled: the conference has not decided yet.
 * Children not decided (never listed, or not yet discussed) are unlabelled.
 * `labelled` says how much of the top k the figure rests on.
 */
import type { Decision } from "../cases/state.ts";

export const POSITIVE_DECISIONS: readonly Decision[] = ["support"];
export const NEGATIVE_DECISIONS: readonly Decision[] = ["watch", "no_support"];

export interface DecisionPrecisionRow {
  readonly difficulty: string;
  /** Children the type applied to. */
  readonly n: number;
  /** Children with a positive or negative decision (any rank). */
  readonly decided: number;
  /** Of them, 要支援. */
  readonly positives: number;
  /** Of them, flagged by the run. */
  readonly decidedFlagged: number;
  readonly atCapacity: readonly {
    readonly k: number;
    /** Of the top k, with a positive or negative decision. */
    readonly labelled: number;
    readonly positives: number;
    /** positives / labelled; null when none of the top k was decided. */
    readonly precision: number | null;
  }[];
}

export interface ScoredChild {
  readonly personId: string;
  readonly score: number;
  readonly flagged: boolean;
}

/** Precision at each capacity for one type. `children`: those the type applies to. */
export function decisionPrecision(
  difficulty: string,
  children: readonly ScoredChild[],
  decisions: ReadonlyMap<string, Decision>,
  capacities: readonly number[],
): DecisionPrecisionRow {
  const label = (id: string): boolean | null => {
    const d = decisions.get(id);
    if (d === undefined) return null;
    if (POSITIVE_DECISIONS.includes(d)) return true;
    if (NEGATIVE_DECISIONS.includes(d)) return false;
    return null;
  };
  const ranked = [...children].sort(
    (a, b) => b.score - a.score || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0),
  );
  let decided = 0;
  let positives = 0;
  let decidedFlagged = 0;
  for (const c of children) {
    const l = label(c.personId);
    if (l === null) continue;
    decided++;
    if (l) positives++;
    if (c.flagged) decidedFlagged++;
  }
  return {
    difficulty,
    n: children.length,
    decided,
    positives,
    decidedFlagged,
    atCapacity: capacities.map((k) => {
      let labelled = 0;
      let pos = 0;
      for (const c of ranked.slice(0, k)) {
        const l = label(c.personId);
        if (l === null) continue;
        labelled++;
        if (l) pos++;
      }
      return { k, labelled, positives: pos, precision: labelled === 0 ? null : pos / labelled };
    }),
  };
}

export interface LaterCouncilRow {
  readonly difficulty: string;
  /** Flagged children (the type applied) not registered at the run. */
  readonly flagged: number;
  readonly flaggedLater: number;
  /** Not flagged (the type applied), not registered at the run. */
  readonly unflagged: number;
  readonly unflaggedLater: number;
  /** flaggedLater / flagged. */
  readonly flaggedRate: number | null;
  readonly unflaggedRate: number | null;
}

/** Later 要対協 registration of a run's children, flagged against not flagged, per type. */
export function laterCouncilRow(
  difficulty: string,
  children: readonly ScoredChild[],
  heldAtRun: ReadonlySet<string>,
  later: ReadonlySet<string>,
): LaterCouncilRow {
  let flagged = 0;
  let flaggedLater = 0;
  let unflagged = 0;
  let unflaggedLater = 0;
  for (const c of children) {
    if (heldAtRun.has(c.personId)) continue;
    const l = later.has(c.personId);
    if (c.flagged) {
      flagged++;
      if (l) flaggedLater++;
    } else {
      unflagged++;
      if (l) unflaggedLater++;
    }
  }
  return {
    difficulty,
    flagged,
    flaggedLater,
    unflagged,
    unflaggedLater,
    flaggedRate: flagged === 0 ? null : flaggedLater / flagged,
    unflaggedRate: unflagged === 0 ? null : unflaggedLater / unflagged,
  };
}

/** Decisions (state machine ids) as the funnel's outcomes (Japanese, rules.ts OUTCOMES). */
export const OUTCOME_OF: Readonly<
  Record<Decision, "要支援" | "調査継続" | "経過観察" | "支援不要">
> = {
  support: "要支援",
  investigate: "調査継続",
  watch: "経過観察",
  no_support: "支援不要",
};
