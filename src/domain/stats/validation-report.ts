/**
 * The computations of the validation report (issue 7), on plain per-child data
 * the pipeline reads from a scoring run: which items and attributes hold for
 * each child, and the scores. Pure; the statistics themselves are
 * validate-item.ts (2×2 tests, BH q, markers) and metrics.ts (AUC, precision
 * at capacity, calibration).
 */
import { MimamoriError } from "../errors.ts";
import { OUTCOMES, type Outcome } from "../scoring/rules.ts";
import {
  type CalibrationBin,
  type Confusion,
  calibrationTable,
  confusion,
  precisionAtK,
  rocAuc,
  type TopK,
} from "./metrics.ts";
import { type ItemCounts, type ItemValidation, validateItems } from "./validate-item.ts";
import {
  type FairnessGroup,
  type GroupDefinition,
  ITEM_COVERAGE,
  type ReportDifficulty,
} from "./validation-groups.ts";

/** One scored child: the ids (items of the run and `V:` attributes) that hold. */
export interface ReportChild {
  readonly personId: string;
  readonly holds: ReadonlySet<string>;
}

const holdsAny = (child: ReportChild, ids: readonly string[]): boolean =>
  ids.some((id) => child.holds.has(id));

/** Whether the child is judged for the type (its population), and whether it is in the 抽出群. */
export function groupOf(child: ReportChild, g: GroupDefinition): boolean | null {
  if (g.population !== null && !child.holds.has(g.population)) return null;
  return holdsAny(child, g.members);
}

/**
 * The 2×2 counts per item × type: a = holds the item and in the group, b = holds
 * it, not in the group, c = in the group without it, d = neither. Counted among
 * the type's population and, for survey items, the children the survey covered
 * (ITEM_COVERAGE). Items that define the group are marked `excluded`.
 */
export function countItemTables(
  children: readonly ReportChild[],
  itemIds: readonly string[],
  groups: readonly GroupDefinition[],
): ItemCounts[] {
  const out: ItemCounts[] = [];
  for (const g of groups) {
    const membership = children.map((c) => groupOf(c, g));
    for (const itemId of itemIds) {
      const coverage = ITEM_COVERAGE[itemId];
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      children.forEach((child, i) => {
        const inGroup = membership[i];
        if (inGroup === null || inGroup === undefined) return;
        if (coverage && !holdsAny(child, coverage)) return;
        const x = child.holds.has(itemId);
        if (x && inGroup) a++;
        else if (x) b++;
        else if (inGroup) c++;
        else d++;
      });
      out.push({
        itemId,
        difficulty: g.difficulty,
        a,
        b,
        c,
        d,
        excluded: g.defining.includes(itemId) || g.members.includes(itemId),
      });
    }
  }
  return out;
}

/** The item-validation table: counts, tests, BH q over the whole report, markers. */
export function validateReportItems(
  children: readonly ReportChild[],
  itemIds: readonly string[],
  groups: readonly GroupDefinition[],
  alpha = 0.05,
): ItemValidation[] {
  return validateItems(countItemTables(children, itemIds, groups), { alpha, family: "all" });
}

/** One child judged for a type's rule against its label. */
export interface RuleCase {
  /** The score with the label's own items left out. */
  readonly score: number;
  /** Flagged with that score (score ≥ threshold). */
  readonly flagged: boolean;
  readonly label: boolean;
}

export interface ScoreLevel {
  readonly score: number;
  readonly n: number;
  readonly positives: number;
  readonly observedRate: number;
}

export interface RuleEvaluation {
  readonly difficulty: ReportDifficulty;
  readonly n: number;
  readonly positives: number;
  /** The rule's threshold decision against the label. */
  readonly atThreshold: Confusion;
  readonly auc: number | null;
  /** Precision/recall when staff review the k highest scores, per k asked for. */
  readonly atCapacity: readonly TopK[];
  /** Observed label rate per score value (points scores). */
  readonly byScore: readonly ScoreLevel[];
  /** Deciles of predicted probability; only for model scores (probabilities). */
  readonly calibration: readonly CalibrationBin[] | null;
}

/** Observed rate of the label at each score value, highest score first. */
export function rateByScore(cases: readonly RuleCase[]): ScoreLevel[] {
  const acc = new Map<number, { n: number; positives: number }>();
  for (const c of cases) {
    const e = acc.get(c.score) ?? { n: 0, positives: 0 };
    e.n++;
    if (c.label) e.positives++;
    acc.set(c.score, e);
  }
  return [...acc.entries()]
    .sort((x, y) => y[0] - x[0])
    .map(([score, e]) => ({
      score,
      n: e.n,
      positives: e.positives,
      observedRate: e.positives / e.n,
    }));
}

/**
 * A type's rule against a label: the threshold's confusion counts, ROC AUC,
 * precision and recall at each capacity k, the label rate by score, and a
 * calibration table when the scores are probabilities (`model`).
 */
export function evaluateRule(
  difficulty: ReportDifficulty,
  cases: readonly RuleCase[],
  capacities: readonly number[],
  probabilities: boolean,
): RuleEvaluation {
  const scores = cases.map((c) => c.score);
  const labels = cases.map((c) => c.label);
  return {
    difficulty,
    n: cases.length,
    positives: labels.filter(Boolean).length,
    atThreshold: confusion(
      cases.map((c) => c.flagged),
      labels,
    ),
    auc: rocAuc(scores, labels),
    atCapacity: capacities.map((k) => precisionAtK(scores, labels, k)),
    byScore: rateByScore(cases),
    calibration: probabilities ? calibrationTable(scores, labels) : null,
  };
}

/** A type's flags for one child, for the fairness comparison. */
export interface FairnessCase {
  readonly holds: ReadonlySet<string>;
  /** Flagged by the run (per type id). */
  readonly flagged: ReadonlyMap<string, boolean>;
  /**
   * Per labelled type: the label and the flag of the rule without the label's
   * items; absent when the child is outside the type's population.
   */
  readonly labelled: ReadonlyMap<string, { readonly label: boolean; readonly flagged: boolean }>;
}

export interface RateComparison {
  readonly n: number;
  readonly count: number;
  /** count / n; null when n = 0. */
  readonly rate: number | null;
}

export interface FairnessRow {
  readonly difficulty: string;
  readonly group: string;
  readonly inGroup: RateComparison;
  readonly rest: RateComparison;
  /** Flag rate in the group ÷ flag rate of the rest; null when undefined. */
  readonly flagRateRatio: number | null;
  /** Label-negative children only; null when the type has no label. */
  readonly fpInGroup: RateComparison | null;
  readonly fpRest: RateComparison | null;
  readonly fprRatio: number | null;
}

const rate = (n: number, count: number): RateComparison => ({
  n,
  count,
  rate: n === 0 ? null : count / n,
});

const ratio = (x: RateComparison | null, y: RateComparison | null): number | null =>
  x === null || y === null || x.rate === null || y.rate === null || y.rate === 0
    ? null
    : x.rate / y.rate;

/**
 * Flag rates per type in each group against the rest of the children, and
 * where the type has a label, false-positive rates (flagged among those
 * without the label) with their ratio.
 */
export function fairnessTable(
  cases: readonly FairnessCase[],
  difficulties: readonly string[],
  groups: readonly FairnessGroup[],
): FairnessRow[] {
  const rows: FairnessRow[] = [];
  for (const d of difficulties) {
    for (const g of groups) {
      const acc = { n: [0, 0], flagged: [0, 0], neg: [0, 0], fp: [0, 0], labelled: 0 };
      for (const c of cases) {
        const f = c.flagged.get(d);
        if (f === undefined) continue;
        const k = c.holds.has(g.holds) ? 0 : 1;
        (acc.n[k] as number)++;
        if (f) (acc.flagged[k] as number)++;
        const l = c.labelled.get(d);
        if (l === undefined) continue;
        acc.labelled++;
        if (!l.label) {
          (acc.neg[k] as number)++;
          if (l.flagged) (acc.fp[k] as number)++;
        }
      }
      const inGroup = rate(acc.n[0] as number, acc.flagged[0] as number);
      const rest = rate(acc.n[1] as number, acc.flagged[1] as number);
      const fpInGroup = acc.labelled > 0 ? rate(acc.neg[0] as number, acc.fp[0] as number) : null;
      const fpRest = acc.labelled > 0 ? rate(acc.neg[1] as number, acc.fp[1] as number) : null;
      rows.push({
        difficulty: d,
        group: g.id,
        inGroup,
        rest,
        flagRateRatio: ratio(inGroup, rest),
        fpInGroup,
        fpRest,
        fprRatio: ratio(fpInGroup, fpRest),
      });
    }
  }
  return rows;
}

/** Children flagged by one stored run for one type. */
export interface RunTypeCounts {
  readonly runId: number;
  readonly asOf: string;
  readonly difficulty: string;
  /** Children the type applied to (age range). */
  readonly applicable: number;
  readonly flagged: number;
  /** Flagged and not left off the list (already supported, or decided earlier). */
  readonly listed: number;
}

/**
 * What the screening workflow records after the list (人による絞り込み,
 * reference/004): children selected for the conference, its outcomes, and
 * support started. Not recorded anywhere yet; the funnel takes it as input.
 */
export interface ScreeningCounts {
  readonly runId: number;
  readonly difficulty: string;
  readonly selected: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  readonly supportStarted: number;
}

export interface FunnelRow extends RunTypeCounts {
  /** flagged / applicable. */
  readonly flagRate: number | null;
  /** null: the stage is not recorded for this run and type. */
  readonly selected: number | null;
  readonly outcomes: Readonly<Record<Outcome, number>> | null;
  readonly supportStarted: number | null;
  /** selected / listed. */
  readonly selectedRate: number | null;
  /** supportStarted / selected. */
  readonly supportRate: number | null;
}

/**
 * The funnel per run and type, oldest run first: flagged → listed → selected
 * for conference → outcomes → support started. Screening counts that do not
 * fit (more selected than listed, outcomes summing above selected, support for
 * more than were judged 要支援 or 調査継続) are refused with every problem listed.
 */
export function buildFunnel(
  runs: readonly RunTypeCounts[],
  screening: readonly ScreeningCounts[] = [],
): FunnelRow[] {
  const byKey = new Map<string, ScreeningCounts>();
  const problems: string[] = [];
  const known = new Set(runs.map((r) => `${r.runId}\u0000${r.difficulty}`));
  for (const s of screening) {
    const key = `${s.runId}\u0000${s.difficulty}`;
    if (!known.has(key))
      problems.push(`実行番号 ${s.runId} の ${s.difficulty} は判定結果にありません`);
    if (byKey.has(key)) problems.push(`実行番号 ${s.runId} の ${s.difficulty} が2回あります`);
    byKey.set(key, s);
    const counts = [s.selected, s.supportStarted, ...OUTCOMES.map((o) => s.outcomes[o])];
    if (counts.some((x) => !Number.isInteger(x) || x < 0)) {
      problems.push(`実行番号 ${s.runId} の ${s.difficulty}: 件数は 0 以上の整数にしてください`);
    }
    const decided = OUTCOMES.reduce((sum, o) => sum + s.outcomes[o], 0);
    if (decided > s.selected) {
      problems.push(
        `実行番号 ${s.runId} の ${s.difficulty}: 判断の合計 ${decided} が選定数 ${s.selected} を超えています`,
      );
    }
    if (s.supportStarted > s.outcomes.要支援 + s.outcomes.調査継続) {
      problems.push(
        `実行番号 ${s.runId} の ${s.difficulty}: 支援開始 ${s.supportStarted} が要支援・調査継続の数を超えています`,
      );
    }
  }
  const rows = runs.map((r) => {
    const s = byKey.get(`${r.runId}\u0000${r.difficulty}`);
    if (s && s.selected > r.listed) {
      problems.push(
        `実行番号 ${r.runId} の ${r.difficulty}: 選定数 ${s.selected} がリスト掲載数 ${r.listed} を超えています`,
      );
    }
    return {
      ...r,
      flagRate: r.applicable === 0 ? null : r.flagged / r.applicable,
      selected: s?.selected ?? null,
      outcomes: s?.outcomes ?? null,
      supportStarted: s?.supportStarted ?? null,
      selectedRate: s === undefined || r.listed === 0 ? null : s.selected / r.listed,
      supportRate: s === undefined || s.selected === 0 ? null : s.supportStarted / s.selected,
    };
  });
  if (problems.length > 0) {
    throw new MimamoriError(
      "invalid_input",
      "カンファレンスの記録の件数が判定結果と合いません。記録を確認してください。",
      problems,
    );
  }
  return rows.sort(
    (x, y) =>
      x.asOf.localeCompare(y.asOf) || x.runId - y.runId || x.difficulty.localeCompare(y.difficulty),
  );
}
