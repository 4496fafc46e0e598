/**
 * Capacity planning: how many children (or households) each threshold would
 * put on a type's review list, against what staff can review in a month.
 * The pilots' lesson: 1-point rules flag more children than staff can see
 * (昭島市's concern; 開成町 264 flagged for a conference that could check
 * about 5 households a month, reference/004), so a threshold should be
 * chosen from these counts, not guessed.
 *
 * Counts are of review candidates: children the type applies to, not
 * excluded as already supported or decided. A household counts once however
 * many of its children are listed (開成町 counted 世帯).
 */
import { DIFFICULTY_NAMES, type DifficultyId } from "./difficulties.ts";
import { type Capacity, type Method, type RuleSet, TIE_BREAK_NAMES, tieBreakOf } from "./rules.ts";
import { APPLICABLE, excludedBy, reviewComparator, type ScoredRun } from "./score.ts";

export interface ThresholdLevel {
  /** Flagged when score ≥ this. */
  readonly threshold: number;
  readonly children: number;
  readonly households: number;
}

export interface CapacityPlan {
  readonly difficulty: DifficultyId;
  readonly method: Method;
  readonly currentThreshold: number;
  readonly capacity: Capacity;
  /** Distinct score levels, highest first, down to where the list is far beyond capacity. */
  readonly levels: readonly ThresholdLevel[];
  /** Listed at the current threshold. */
  readonly current: ThresholdLevel;
  /** Months staff would need to review everyone listed at the current threshold. */
  readonly monthsToReview: number;
  /** The lowest threshold whose list fits one month's capacity; null when nobody scores above 0. */
  readonly recommended: number | null;
  /**
   * The capacity cut: the children listed at the current threshold that fit
   * one month's capacity, in review order (score, then the type's tie-break —
   * TypeRule.tieBreak), as person ids.
   */
  readonly firstMonth: readonly string[];
  /** True when the cut falls among children with equal scores: the tie-break chose. */
  readonly cutByTieBreak: boolean;
  /** Japanese summary for staff. */
  readonly summary: string;
}

function countAt(
  sorted: readonly { score: number; household: string }[],
  threshold: number,
): ThresholdLevel {
  const hh = new Set<string>();
  let children = 0;
  for (const s of sorted) {
    if (s.score < threshold) break;
    children++;
    hh.add(s.household);
  }
  return { threshold, children, households: hh.size };
}

/** Plans every enabled type of a scored run against the rule set's capacity. */
export function planCapacity(
  run: ScoredRun,
  rules: RuleSet,
  capacity = rules.capacity,
): CapacityPlan[] {
  return run.difficulties.map((difficulty, t) => {
    const rule = rules.types.find((r) => r.difficulty === difficulty);
    const method = rule?.method ?? "weighted";
    const currentThreshold = rule?.threshold ?? 0;
    const T = run.difficulties.length;
    const eligible: { index: number; score: number; household: string }[] = [];
    run.children.forEach((c, i) => {
      const score = run.scores[i * T + t] as number;
      if (!((run.flags[i * T + t] as number) & APPLICABLE) || !(score > 0)) return;
      if (excludedBy(run, i, t).length > 0) return;
      eligible.push({ index: i, score, household: c.householdNo ?? `person:${c.personId}` });
    });
    const order = reviewComparator(run, t);
    eligible.sort((a, b) => order(a.index, b.index));
    const unit = (l: ThresholdLevel) =>
      capacity.unit === "households" ? l.households : l.children;
    const levels: ThresholdLevel[] = [];
    const hh = new Set<string>();
    let i = 0;
    while (i < eligible.length) {
      const v = (eligible[i] as { score: number }).score;
      while (i < eligible.length && (eligible[i] as { score: number }).score === v) {
        hh.add((eligible[i] as { household: string }).household);
        i++;
      }
      const level = { threshold: v, children: i, households: hh.size };
      levels.push(level);
      if (unit(level) > 10 * capacity.perMonth && v <= currentThreshold) break;
    }
    const fitting = levels.filter((l) => unit(l) <= capacity.perMonth);
    const recommended =
      levels.length === 0
        ? null
        : ((fitting[fitting.length - 1] ?? levels[0]) as ThresholdLevel).threshold;
    const current = countAt(eligible, currentThreshold);
    // The cut: review order until one month's capacity (children, or distinct households).
    const firstMonth: string[] = [];
    const cutHouseholds = new Set<string>();
    let next = 0;
    for (; next < current.children; next++) {
      const e = eligible[next] as (typeof eligible)[number];
      const more = capacity.unit === "households" ? !cutHouseholds.has(e.household) : true;
      const used = capacity.unit === "households" ? cutHouseholds.size : firstMonth.length;
      if (more && used >= capacity.perMonth) break;
      cutHouseholds.add(e.household);
      firstMonth.push((run.children[e.index] as { personId: string }).personId);
    }
    const last = eligible[next - 1];
    const after = eligible[next];
    const cutByTieBreak =
      next < current.children &&
      last !== undefined &&
      after !== undefined &&
      last.score === after.score;
    const tieBreak = tieBreakOf(rule)
      .map((k) => TIE_BREAK_NAMES[k])
      .join("、");
    const listed = unit(current);
    const monthsToReview =
      capacity.perMonth > 0 ? Math.ceil(listed / capacity.perMonth) : Number.POSITIVE_INFINITY;
    const unitName = capacity.unit === "households" ? "世帯" : "人";
    const top = levels[0];
    let summary = `${DIFFICULTY_NAMES[difficulty]}: 現在の基準（${currentThreshold}以上）で ${listed}${unitName}。月 ${capacity.perMonth}${unitName}の確認で ${monthsToReview} か月分。`;
    if (recommended === null) summary += "該当者はいません。";
    else if (fitting.length === 0 && top)
      summary += `最高点（${top.threshold}）でも ${unit(top)}${unitName}で確認できる数を超えます。同点は${tieBreak || "個人番号の順"}に確認してください。`;
    else summary += `1か月で確認できる基準は ${recommended} 以上です。`;
    if (cutByTieBreak)
      summary += `今月の確認分の境目が同点のため、${tieBreak || "個人番号の順"}で選びました。`;
    return {
      difficulty,
      method,
      currentThreshold,
      capacity,
      levels,
      current,
      monthsToReview,
      recommended,
      firstMonth,
      cutByTieBreak,
      summary,
    };
  });
}
