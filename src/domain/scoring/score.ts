/**
 * Scores every evaluated child for each enabled difficulty type:
 * - `count`: 1 point per rule item that holds (開成町, reference/004
 *   「データ項目1つに該当すると1点」);
 * - `weighted`: the item weights summed (reference/000 §2.6 重みづけ有);
 * - `model`: the probability of the type's model card.
 * Flagged = score ≥ threshold. Total points = the number of catalog items that
 * hold, whether or not a type uses them (開成町's tie fix: 「判定ロジックには
 * 反映していないデータも利用し総ポイント数も反映」).
 *
 * Review lists order flagged children by score, then total points, then age
 * (younger first: the pilots' 虐待 reference groups are youngest, and a young
 * child has the fewest other adults watching), then person id so the order
 * never depends on input order. Children already supported (exclusion
 * filters) or decided at an earlier conference and not yet due for review
 * keep their scores but are left off the list, with the reason.
 *
 * Scores are kept in flat arrays (child × type); per-child objects with
 * contributions are made only for the children a caller looks at.
 */
import { MimamoriError } from "../errors.ts";
import type { ItemDef } from "../items/catalog.ts";
import { addMonths, dayOf, isoOfDay } from "../items/dates.ts";
import { type ChildItems, compileCatalog, type Evaluation } from "../items/evaluate.ts";
import type { Population } from "../items/facts.ts";
import type { PersonId } from "../linkage/types.ts";
import type { HouseholdNo, IsoDate } from "../types.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "./difficulties.ts";
import { modelScorer } from "./model.ts";
import { type Outcome, type RuleSet, type TypeRule, tieBreakOf } from "./rules.ts";

/** A conference decision (人による絞り込み), passed in by the screening workflow. */
export interface Decision {
  readonly personId: PersonId;
  /** The type it was about; null: every type. */
  readonly difficulty: DifficultyId | null;
  readonly decidedOn: IsoDate;
  readonly outcome: Outcome;
  /** An explicit next review date, overriding the rule set's review months. */
  readonly reviewOn?: IsoDate | null;
}

export interface Contribution {
  readonly itemId: string;
  /** Points (count/weighted) or log-odds (logistic model); 0 for a tree's items. */
  readonly points: number;
}

export interface TypeScore {
  readonly difficulty: DifficultyId;
  /** False when the child's age is outside the type's ages (score 0, not flagged). */
  readonly applicable: boolean;
  readonly score: number;
  readonly threshold: number;
  readonly flagged: boolean;
  /** The type's items that hold (for `model`: the model's features that hold). */
  readonly contributions: readonly Contribution[];
  /** Why the child is left off this type's review list (Japanese); empty: listed when flagged. */
  readonly excludedBy: readonly string[];
}

export interface ChildScore {
  /** Index into `ScoredRun.children`. */
  readonly index: number;
  readonly person: number;
  readonly personId: PersonId;
  readonly birthDate: IsoDate;
  readonly age: number;
  readonly householdNo: HouseholdNo | null;
  /** Number of catalog items that hold. */
  readonly totalPoints: number;
  readonly scores: readonly TypeScore[];
}

export interface ScoredRun {
  readonly asOf: IsoDate;
  readonly ruleVersion: string;
  readonly catalogVersion: string;
  /** Enabled types, in rule-set order (the t of `scores`). */
  readonly difficulties: readonly DifficultyId[];
  readonly thresholds: readonly number[];
  readonly evaluation: Evaluation;
  /** The evaluated children (`evaluation.children`). */
  readonly children: readonly ChildItems[];
  /** Score of child c for type t at `c * difficulties.length + t`. */
  readonly scores: Float64Array;
  /** Per child and type: bit 1 applicable, bit 2 flagged. */
  readonly flags: Uint8Array;
  /** Exclusion filters that hold, by child index (only children with one). */
  readonly filters: ReadonlyMap<number, readonly string[]>;
  /** Decisions still standing, by child index, one reason (or null) per type. */
  readonly decided: ReadonlyMap<number, readonly (string | null)[]>;
  readonly rules: RuleSet;
}

export const APPLICABLE = 1;
export const FLAGGED = 2;

/** Score values are rounded so that weight sums (0.1 + 0.2) compare exactly against thresholds. */
function roundScore(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

interface CompiledType {
  readonly rule: TypeRule;
  readonly score: (items: readonly number[]) => number;
  /** Per item index: its points in this type, NaN when not used. */
  readonly points: Float64Array;
}

function compileType(rule: TypeRule, itemIds: readonly string[]): CompiledType {
  const points = new Float64Array(itemIds.length).fill(Number.NaN);
  if (rule.method === "model") {
    if (!rule.model) {
      throw new MimamoriError(
        "config",
        `${DIFFICULTY_NAMES[rule.difficulty]}（${rule.difficulty}）は方式が model ですが、学習済みモデルがありません。モデルを学習するか方式を count / weighted にしてください。`,
      );
    }
    const card = rule.model;
    const predict = modelScorer(card, itemIds);
    for (const id of card.features) points[itemIds.indexOf(id)] = 0;
    for (const t of card.logistic?.terms ?? []) points[itemIds.indexOf(t.itemId)] = t.coefficient;
    return { rule, points, score: (items) => roundScore(predict(items)) };
  }
  for (const it of rule.items) {
    const k = itemIds.indexOf(it.itemId);
    if (k < 0) {
      throw new MimamoriError(
        "config",
        `${DIFFICULTY_NAMES[rule.difficulty]}の規則にある項目 ${it.itemId} がデータ項目の定義にありません。`,
      );
    }
    points[k] = rule.method === "count" ? 1 : it.weight;
  }
  return {
    rule,
    points,
    score: (items) => {
      let s = 0;
      for (const k of items) {
        const w = points[k] as number;
        if (!Number.isNaN(w)) s += w;
      }
      return roundScore(s);
    },
  };
}

/** The newest decision per person and type key ("" = every type), as of the date. */
function indexDecisions(decisions: readonly Decision[], asOf: IsoDate): Map<string, Decision> {
  const latest = new Map<string, Decision>();
  for (const d of decisions) {
    if (d.decidedOn > asOf) continue;
    const key = `${d.personId}\u0000${d.difficulty ?? ""}`;
    const prev = latest.get(key);
    if (!prev || d.decidedOn > prev.decidedOn) latest.set(key, d);
  }
  return latest;
}

/** Why a decision still keeps the child off the list on `asOf`, or null when it is due for review. */
function decisionReason(d: Decision, rules: RuleSet, asOf: IsoDate): string | null {
  let due: string | null;
  if (d.reviewOn) due = d.reviewOn;
  else {
    const months = rules.decisions.reviewMonths[d.outcome];
    due = months === null ? null : isoOfDay(addMonths(dayOf(d.decidedOn), months));
  }
  if (due !== null && asOf >= due) return null;
  return due === null
    ? `${d.decidedOn} のカンファレンスで「${d.outcome}」`
    : `${d.decidedOn} のカンファレンスで「${d.outcome}」（${due} から再確認）`;
}

export interface ScoreOptions {
  /** Earlier conference decisions; see the rule set's `decisions.reviewMonths`. */
  readonly decisions?: readonly Decision[];
}

/**
 * Evaluates items and exclusions as of a date and scores every child: the
 * whole pure part of a monthly run after linkage.
 */
export function runScoring(
  population: Population,
  rules: RuleSet,
  asOf: IsoDate,
  options: ScoreOptions = {},
): ScoredRun {
  const { evaluation, filters } = evaluateForScoring(population, rules, asOf);
  return scoreEvaluation(evaluation, rules, { ...options, filters });
}

/**
 * The first half of `runScoring`: items and exclusion filters evaluated as of
 * a date, for a caller that reports the two halves as separate stages
 * (pipeline/score.ts). `filters` goes to `scoreEvaluation`.
 */
export function evaluateForScoring(
  population: Population,
  rules: RuleSet,
  asOf: IsoDate,
): { readonly evaluation: Evaluation; readonly filters: ReadonlyMap<number, readonly string[]> } {
  const items = rules.catalog.items;
  const exclusionItems: ItemDef[] = rules.exclusions.map((e) => ({
    id: `exclusion:${e.id}`,
    name: e.name,
    level: "child",
    sources: [],
    criterion: e.criterion,
    basis: e.basis,
  }));
  // One pass evaluates items and exclusion filters together (one population index and date).
  const combined = compileCatalog({
    version: rules.catalog.version,
    items: [...items, ...exclusionItems],
  }).evaluate(population, asOf);
  const n = items.length;
  const filters = new Map<number, string[]>();
  const children = combined.children.map((c, i) => {
    const last = c.items[c.items.length - 1];
    if (last === undefined || last < n) return c;
    // Rare: an exclusion filter holds; split it off the items.
    filters.set(
      i,
      c.items.filter((k) => k >= n).map((k) => (rules.exclusions[k - n] as { name: string }).name),
    );
    return { ...c, items: c.items.filter((k) => k < n) };
  });
  const evaluation: Evaluation = {
    asOf: combined.asOf,
    catalogVersion: rules.catalog.version,
    itemIds: combined.itemIds.slice(0, n),
    children,
    evidence: combined.evidence,
  };
  return { evaluation, filters };
}

/**
 * Scores an evaluation. `filters` gives, per child index, the exclusion
 * filters that hold (runScoring computes them).
 */
export function scoreEvaluation(
  evaluation: Evaluation,
  rules: RuleSet,
  options: ScoreOptions & { readonly filters?: ReadonlyMap<number, readonly string[]> } = {},
): ScoredRun {
  if (evaluation.catalogVersion !== rules.catalog.version) {
    throw new MimamoriError(
      "config",
      `評価に使ったデータ項目の定義（${evaluation.catalogVersion}）と規則の定義（${rules.catalog.version}）が違います。`,
    );
  }
  const types = rules.types.filter((t) => t.enabled).map((t) => compileType(t, evaluation.itemIds));
  const T = types.length;
  const children = evaluation.children;
  const scores = new Float64Array(children.length * T);
  const flags = new Uint8Array(children.length * T);
  for (let c = 0; c < children.length; c++) {
    const child = children[c] as ChildItems;
    for (let t = 0; t < T; t++) {
      const { rule, score } = types[t] as CompiledType;
      if (child.age < rule.ages.min || child.age > rule.ages.max) continue;
      const s = score(child.items);
      scores[c * T + t] = s;
      flags[c * T + t] = APPLICABLE | (s >= rule.threshold ? FLAGGED : 0);
    }
  }
  const decided = new Map<number, (string | null)[]>();
  const standing = indexDecisions(options.decisions ?? [], evaluation.asOf);
  if (standing.size > 0) {
    children.forEach((child, c) => {
      const general = standing.get(`${child.personId}\u0000`);
      const reasons = types.map(({ rule }) => {
        const specific = standing.get(`${child.personId}\u0000${rule.difficulty}`);
        const d =
          specific && general
            ? specific.decidedOn >= general.decidedOn
              ? specific
              : general
            : (specific ?? general);
        return d ? decisionReason(d, rules, evaluation.asOf) : null;
      });
      if (reasons.some((r) => r !== null)) decided.set(c, reasons);
    });
  }
  return {
    asOf: evaluation.asOf,
    ruleVersion: rules.version,
    catalogVersion: rules.catalog.version,
    difficulties: types.map((t) => t.rule.difficulty),
    thresholds: types.map((t) => t.rule.threshold),
    evaluation,
    children,
    scores,
    flags,
    filters: options.filters ?? new Map(),
    decided,
    rules,
  };
}

/**
 * The children of type t in the order of the store's review index on score_result (score ↓,
 * total points ↓, person id ↑ — children are in person-id order), as child indexes. The score
 * store writes each type's results in this order: PostgreSQL then finds that index's input
 * already sorted, and sorting it was most of the store's index work (metro, 2.4 M results:
 * 4.9 s CPU for that index from person order against 0.9 s from this order; the primary key
 * on person then costs 1.9 s instead of 0.9). Only the rows' physical order changes.
 *
 * Linear: two stable counting sorts (total points, then the rank of the distinct score), not a
 * comparison sort of 300,000 children per type.
 */
export function storeOrder(run: ScoredRun, t: number): Int32Array {
  const T = run.difficulties.length;
  const n = run.children.length;
  const ranks = new Map<number, number>();
  let maxTotal = 0;
  for (let c = 0; c < n; c++) {
    ranks.set(run.scores[c * T + t] as number, 0);
    const total = (run.children[c] as ChildItems).items.length;
    if (total > maxTotal) maxTotal = total;
  }
  // Highest score first; NaN (never stored by the scorers) sorts first, as PostgreSQL's DESC does.
  const distinct = [...ranks.keys()].sort((a, b) =>
    Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : b - a,
  );
  for (let i = 0; i < distinct.length; i++) ranks.set(distinct[i] as number, i);
  const byTotal = countingSort(
    n,
    maxTotal + 1,
    (c) => maxTotal - (run.children[c] as ChildItems).items.length,
    null,
  );
  return countingSort(
    n,
    distinct.length,
    (c) => ranks.get(run.scores[c * T + t] as number) as number,
    byTotal,
  );
}

/** `order` (default 0 … n − 1) stably sorted by `key` (0 … buckets − 1). */
function countingSort(
  n: number,
  buckets: number,
  key: (c: number) => number,
  order: Int32Array | null,
): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (let c = 0; c < n; c++) {
    const k = key(c) + 1;
    start[k] = (start[k] as number) + 1;
  }
  for (let b = 0; b < buckets; b++) start[b + 1] = (start[b + 1] as number) + (start[b] as number);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = order === null ? i : (order[i] as number);
    const k = key(c);
    out[start[k] as number] = c;
    start[k] = (start[k] as number) + 1;
  }
  return out;
}

/** Reasons child c is off type t's review list (filters, then a standing decision). */
export function excludedBy(run: ScoredRun, c: number, t: number): readonly string[] {
  const f = run.filters.get(c);
  const d = run.decided.get(c)?.[t] ?? null;
  if (d === null) return f ?? [];
  return f ? [...f, d] : [d];
}

/** The full score of child c for type t, with contributions and exclusion reasons. */
export function typeScore(run: ScoredRun, c: number, t: number): TypeScore {
  const T = run.difficulties.length;
  const difficulty = run.difficulties[t] as DifficultyId;
  const rule = run.rules.types.find((r) => r.difficulty === difficulty) as TypeRule;
  const child = run.children[c] as ChildItems;
  const flags = run.flags[c * T + t] as number;
  const applicable = (flags & APPLICABLE) !== 0;
  const points = compileType(rule, run.evaluation.itemIds).points;
  const contributions = applicable
    ? child.items
        .filter((k) => !Number.isNaN(points[k] as number))
        .map((k) => ({ itemId: run.evaluation.itemIds[k] as string, points: points[k] as number }))
    : [];
  return {
    difficulty,
    applicable,
    score: run.scores[c * T + t] as number,
    threshold: run.thresholds[t] as number,
    flagged: (flags & FLAGGED) !== 0,
    contributions,
    excludedBy: excludedBy(run, c, t),
  };
}

/** Every type's score of child c. */
export function childScore(run: ScoredRun, c: number): ChildScore {
  const child = run.children[c] as ChildItems;
  return {
    index: c,
    person: child.person,
    personId: child.personId,
    birthDate: child.birthDate,
    age: child.age,
    householdNo: child.householdNo,
    totalPoints: child.items.length,
    scores: run.difficulties.map((_, t) => typeScore(run, c, t)),
  };
}

export function isFlagged(run: ScoredRun, c: number, t: number): boolean {
  return ((run.flags[c * run.difficulties.length + t] as number) & FLAGGED) !== 0;
}

/**
 * Review priority within type t: score ↓, then the type's tie-break keys
 * (TypeRule.tieBreak; default total points ↓, age ↑ — birth date later
 * first), then person id ↑. Arguments are child indexes.
 */
export function compareForReview(run: ScoredRun, t: number, a: number, b: number): number {
  return reviewComparator(run, t)(a, b);
}

/** compareForReview with the type's tie-break looked up once (for sorting). */
export function reviewComparator(run: ScoredRun, t: number): (a: number, b: number) => number {
  const T = run.difficulties.length;
  const keys = tieBreakOf(run.rules.types.find((r) => r.difficulty === run.difficulties[t]));
  return (a, b) => {
    const sa = run.scores[a * T + t] as number;
    const sb = run.scores[b * T + t] as number;
    if (sa !== sb) return sb - sa;
    const ca = run.children[a] as ChildItems;
    const cb = run.children[b] as ChildItems;
    for (const k of keys) {
      if (k === "total_points") {
        if (ca.items.length !== cb.items.length) return cb.items.length - ca.items.length;
      } else if (ca.birthDate !== cb.birthDate) {
        const youngerFirst = ca.birthDate > cb.birthDate ? -1 : 1;
        return k === "younger" ? youngerFirst : -youngerFirst;
      }
    }
    return ca.personId < cb.personId ? -1 : ca.personId > cb.personId ? 1 : 0;
  };
}

export interface ReviewList {
  readonly difficulty: DifficultyId;
  /** Flagged and not excluded, in review order. */
  readonly candidates: readonly ChildScore[];
  /** Flagged but left off, with their reasons in `scores[t].excludedBy`. */
  readonly excluded: readonly ChildScore[];
}

/** The review list of one type. */
export function reviewList(run: ScoredRun, difficulty: DifficultyId): ReviewList {
  const t = run.difficulties.indexOf(difficulty);
  if (t < 0) {
    throw new MimamoriError(
      "invalid_input",
      `困難の類型「${difficulty}」はこの規則で有効になっていません。`,
    );
  }
  const flagged: number[] = [];
  for (let c = 0; c < run.children.length; c++) if (isFlagged(run, c, t)) flagged.push(c);
  flagged.sort(reviewComparator(run, t));
  const candidates: ChildScore[] = [];
  const excluded: ChildScore[] = [];
  for (const c of flagged) {
    (excludedBy(run, c, t).length === 0 ? candidates : excluded).push(childScore(run, c));
  }
  return { difficulty, candidates, excluded };
}
