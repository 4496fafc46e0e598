/**
 * The Fellegi–Sunter model (Fellegi & Sunter, JASA 1969), trained the way
 * Splink does it:
 *  - λ, the prior that two random records match, from deterministic rules:
 *    pairs agreeing on e.g. 氏名+生年月日 ÷ their estimated recall ÷ all pairs;
 *  - u (level frequencies among non-matches) from random pairs, which are
 *    almost all non-matches;
 *  - m (level frequencies among matches) by expectation–maximisation on the
 *    blocked pairs with λ and u held fixed. As in Splink's EM training
 *    sessions, a comparison is not estimated from pairs of a blocking rule
 *    that forces it to agree, and each rule's share of matches is a nuisance
 *    parameter of its own. Reviewers' decisions enter EM as labels.
 * Then each pair's match weight is log2 of the prior odds plus, per comparison,
 * log2(m/u) of its level, with a term-frequency adjustment at levels that ask
 * for one (Splink's tf adjustment: u replaced by the agreed value's frequency).
 */
import { type BlockedPairs, blockPairs, pairAllowed, totalPairs } from "./blocking.ts";
import type { CompiledComparison } from "./comparisons.ts";
import { seededRandom } from "./random.ts";
import type { LinkageSettings } from "./settings.ts";
import type { LinkTable } from "./table.ts";
import type { MatchWeight, Probability } from "./types.ts";

/** m and u per level (index 0 = level 1, the strongest). */
export interface ComparisonParameters {
  readonly name: string;
  readonly m: readonly number[];
  readonly u: readonly number[];
  /** False when no EM session could estimate m (it kept its starting value). */
  readonly mEstimated: boolean;
}

/** A trained model: serialisable, reusable for a later run (skip training) or a replay. */
export interface TrainedModel {
  readonly settingsVersion: string;
  readonly lambda: number;
  readonly comparisons: readonly ComparisonParameters[];
  readonly training: {
    readonly deterministicPairs: number;
    readonly totalPairs: number;
    readonly uPairs: number;
    readonly emIterations: number;
    readonly emConverged: boolean;
    readonly labelledPairs: number;
    /** Per EM session (one per blocking rule, then one for decided pairs outside every rule). */
    readonly sessions: readonly {
      readonly name: string;
      readonly pairs: number;
      readonly matchShare: number;
    }[];
  };
}

/** λ from deterministic rules (Splink estimate_probability_two_random_records_match). */
export function estimateLambda(
  table: LinkTable,
  settings: LinkageSettings,
  exclude?: Uint8Array,
): { lambda: number; deterministicPairs: number; totalPairs: number } {
  const det = blockPairs(
    table,
    settings.deterministicRules.map((r) => ({ name: r.name, columns: r.columns })),
    settings.linkType,
    exclude,
    { countOnly: true },
  );
  const total = totalPairs(table, settings.linkType, exclude);
  const raw = total > 0 ? det.count / settings.deterministicRecall / total : 0;
  // Bounded away from 0 and 1 so the prior log-odds stay finite on tiny or degenerate inputs.
  const lambda = Math.min(0.5, Math.max(raw, 1 / Math.max(total * 10, 10)));
  return { lambda, deterministicPairs: det.count, totalPairs: total };
}

/**
 * u per comparison level from random pairs (all pairs when there are fewer than
 * the sample size). Levels never seen get half an observation, so a weight stays finite.
 */
export function estimateU(
  table: LinkTable,
  comparisons: readonly CompiledComparison[],
  settings: LinkageSettings,
  exclude?: Uint8Array,
): { u: number[][]; pairs: number } {
  const rows: number[] = [];
  for (let i = 0; i < table.size; i++) if (exclude?.[i] !== 1) rows.push(i);
  const total = totalPairs(table, settings.linkType, exclude);
  const want = settings.training.uSamplePairs;
  const left: number[] = [];
  const right: number[] = [];
  if (total <= want) {
    for (let a = 0; a < rows.length; a++)
      for (let b = a + 1; b < rows.length; b++) {
        const i = rows[a] as number;
        const j = rows[b] as number;
        if (pairAllowed(table, settings.linkType, i, j)) {
          left.push(i);
          right.push(j);
        }
      }
  } else {
    const rnd = seededRandom(settings.training.seed);
    const n = rows.length;
    let attempts = 0;
    while (left.length < want && attempts < want * 50) {
      attempts++;
      const i = rows[Math.floor(rnd() * n)] as number;
      const j = rows[Math.floor(rnd() * n)] as number;
      if (i === j || !pairAllowed(table, settings.linkType, i, j)) continue;
      left.push(i);
      right.push(j);
    }
  }
  // Comparison by comparison, counting as it goes (no pair × comparison level matrix), over
  // the pairs ordered by their left row: one comparison reads only its own columns, and one
  // side of every pair in order, so the rows it touches mostly stay in cache; all comparisons
  // pair by pair read every column of two random rows at once, and that loop spent most of
  // its time waiting on memory. The counts are integers: the order changes nothing.
  const P = left.length;
  const start = new Int32Array(table.size + 1);
  for (let p = 0; p < P; p++) {
    const i = left[p] as number;
    start[i + 1] = (start[i + 1] as number) + 1;
  }
  for (let i = 0; i < table.size; i++)
    start[i + 1] = (start[i + 1] as number) + (start[i] as number);
  const L = new Int32Array(P);
  const R = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    const i = left[p] as number;
    const q = start[i] as number;
    start[i] = q + 1;
    L[q] = i;
    R[q] = right[p] as number;
  }
  const u = comparisons.map((c) => {
    const counts = new Array<number>(c.spec.levels.length).fill(0);
    const level = c.level;
    for (let p = 0; p < P; p++) {
      const l = level(L[p] as number, R[p] as number);
      if (l > 0) counts[l - 1] = (counts[l - 1] as number) + 1;
    }
    const smoothed = counts.map((x) => (x === 0 ? 0.5 : x));
    const sum = smoothed.reduce((s, x) => s + x, 0);
    return smoothed.map((x) => x / sum);
  });
  return { u, pairs: left.length };
}

/** Which comparisons each blocking rule masks in EM. */
export function ruleMasks(
  settings: LinkageSettings,
  comparisons: readonly CompiledComparison[],
): boolean[][] {
  return settings.blockingRules.map((rule) =>
    comparisons.map((c) =>
      rule.masks
        ? rule.masks.includes(c.spec.name)
        : rule.columns.some((col) => c.columns.has(col)),
    ),
  );
}

/**
 * Starting m: most mass on the strongest level, very little on "else". A
 * start that trusts disagreement too much lets EM settle where pairs of
 * namesakes (same name and school year, different 生年月日) count as matches.
 */
function initialM(levelCount: number, hasElse: boolean): number[] {
  if (levelCount === 1) return [1];
  const m = new Array<number>(levelCount).fill(0);
  const elseMass = hasElse ? 0.01 : 0;
  const middle = levelCount - 1 - (hasElse ? 1 : 0);
  m[0] = middle === 0 ? 1 - elseMass : 0.9;
  for (let l = 1; l <= middle; l++) m[l] = (1 - 0.9 - elseMass) / middle;
  if (hasElse) m[levelCount - 1] = elseMass;
  return m;
}

/** Distinct (rule, label, level vector) patterns with their pair counts: EM runs on these, not on pairs. */
interface Patterns {
  readonly gamma: Uint8Array; // pattern-major, C per pattern
  readonly rule: Uint8Array;
  readonly label: Int8Array; // -1 none, 1 match, 0 non-match
  readonly count: Float64Array;
  readonly size: number;
}

/**
 * Patterns per EM session. A pair enters the session of *every* blocking rule
 * it satisfies (as Splink's training sessions each block on one rule alone),
 * so e.g. pairs sharing a 宛名番号 also teach the 宛名番号 comparison in the
 * sessions of the name rules. A pair no rule generates (a reviewer's decision
 * on a pair outside the blocks) enters a last session that masks nothing.
 */
function collectPatterns(
  levels: Uint8Array,
  pairs: BlockedPairs,
  C: number,
  labels: Int8Array | undefined,
): Patterns {
  const gamma: number[] = [];
  const rule: number[] = [];
  const label: number[] = [];
  const count: number[] = [];
  const R = pairs.keys.length;
  // A pattern's key: its levels in mixed radix, then the session and label. A number when it
  // fits in 2^52 (it does for any realistic settings), else a string.
  const radix: number[] = [];
  let span = 1;
  for (let c = 0; c < C; c++) {
    let max = 0;
    for (let p = 0; p < pairs.count; p++) max = Math.max(max, levels[p * C + c] as number);
    radix.push(span);
    span *= max + 1;
  }
  const numeric = span * (R + 1) * 3 < 2 ** 52;
  const byNumber = new Map<number, number>();
  const byString = new Map<string, number>();
  const add = (p: number, v: number, r: number, lab: number) => {
    let k: number | undefined;
    let key: number | string;
    if (numeric) {
      key = (v * (R + 1) + r) * 3 + (lab + 1);
      k = byNumber.get(key);
    } else {
      key = `${r}:${lab}:`;
      for (let c = 0; c < C; c++) key += String.fromCharCode(65 + (levels[p * C + c] as number));
      k = byString.get(key);
    }
    if (k === undefined) {
      k = count.length;
      if (typeof key === "number") byNumber.set(key, k);
      else byString.set(key, k);
      for (let c = 0; c < C; c++) gamma.push(levels[p * C + c] as number);
      rule.push(r);
      label.push(lab);
      count.push(0);
    }
    count[k] = (count[k] as number) + 1;
  };
  // Which rules each pair satisfies, one rule at a time (one key array in cache at a time, not
  // all of them for every pair), as bits; then the pairs in order, their rules ascending: the
  // patterns are found in the same order as pair by pair, so EM sums in the same order.
  const bits = R <= 32 ? new Uint32Array(pairs.count) : null;
  if (bits)
    for (let r = 0; r < R; r++) {
      const key = pairs.keys[r] as Int32Array;
      const bit = 1 << r;
      for (let p = 0; p < pairs.count; p++) {
        const v = key[pairs.left[p] as number] as number;
        if (v >= 0 && v === key[pairs.right[p] as number]) bits[p] = (bits[p] as number) | bit;
      }
    }
  for (let p = 0; p < pairs.count; p++) {
    const lab = labels ? (labels[p] as number) : -1;
    let v = 0;
    if (numeric)
      for (let c = 0; c < C; c++) v += (levels[p * C + c] as number) * (radix[c] as number);
    let any = false;
    if (bits) {
      let m = bits[p] as number;
      for (let r = 0; m !== 0; r++, m >>>= 1)
        if ((m & 1) === 1) {
          add(p, v, r, lab);
          any = true;
        }
    } else {
      const i = pairs.left[p] as number;
      const j = pairs.right[p] as number;
      for (let r = 0; r < R; r++) {
        const key = pairs.keys[r] as Int32Array;
        const k = key[i] as number;
        if (k >= 0 && k === key[j]) {
          add(p, v, r, lab);
          any = true;
        }
      }
    }
    if (!any) add(p, v, R, lab);
  }
  return {
    gamma: Uint8Array.from(gamma),
    rule: Uint8Array.from(rule),
    label: Int8Array.from(label),
    count: Float64Array.from(count),
    size: count.length,
  };
}

/**
 * m by EM with u fixed. `labels` (per blocked pair: 1 same, 0 different, -1
 * none) are reviewers' decisions: their posterior is fixed, so they teach m.
 */
export function estimateM(
  comparisons: readonly CompiledComparison[],
  u: readonly (readonly number[])[],
  pairs: BlockedPairs,
  levels: Uint8Array,
  ruleMasks: readonly (readonly boolean[])[],
  settings: LinkageSettings,
  labels?: Int8Array,
): {
  m: number[][];
  estimated: boolean[];
  iterations: number;
  converged: boolean;
  sessions: { pairs: number; matchShare: number }[];
} {
  const C = comparisons.length;
  const pat = collectPatterns(levels, pairs, C, labels);
  // The last session (pairs no rule generates) masks nothing.
  const masks = [...ruleMasks, comparisons.map(() => false)];
  const R = masks.length;
  const m = comparisons.map((c) =>
    initialM(c.spec.levels.length, c.spec.levels[c.spec.levels.length - 1]?.when.kind === "else"),
  );
  // A comparison is estimated when some session sees it with a value.
  const estimated = comparisons.map(() => false);
  for (let k = 0; k < pat.size; k++) {
    const mask = masks[pat.rule[k] as number] as readonly boolean[];
    for (let c = 0; c < C; c++) if (!mask[c] && pat.gamma[k * C + c] !== 0) estimated[c] = true;
  }
  const lambdaR = new Array<number>(R).fill(0.5);
  const logU = u.map((row) => row.map((x) => Math.log(x)));
  let iterations = 0;
  let converged = false;
  const alpha = 0.5; // pseudo-count per level so a level no match showed keeps a finite weight
  for (; iterations < settings.training.emMaxIterations; ) {
    iterations++;
    const logM = m.map((row) => row.map((x) => Math.log(x)));
    const mNum = m.map((row) => new Array<number>(row.length).fill(0));
    const lNum = new Array<number>(R).fill(0);
    const lDen = new Array<number>(R).fill(0);
    for (let k = 0; k < pat.size; k++) {
      const r = pat.rule[k] as number;
      const mask = masks[r] as readonly boolean[];
      const n = pat.count[k] as number;
      let p: number;
      const lab = pat.label[k] as number;
      if (lab >= 0) p = lab;
      else {
        const lr = lambdaR[r] as number;
        let logit = Math.log(lr / (1 - lr));
        for (let c = 0; c < C; c++) {
          if (mask[c]) continue;
          const l = pat.gamma[k * C + c] as number;
          if (l === 0) continue;
          logit +=
            ((logM[c] as number[])[l - 1] as number) - ((logU[c] as number[])[l - 1] as number);
        }
        p = 1 / (1 + Math.exp(-logit));
      }
      lNum[r] = (lNum[r] as number) + n * p;
      lDen[r] = (lDen[r] as number) + n;
      for (let c = 0; c < C; c++) {
        if (mask[c]) continue;
        const l = pat.gamma[k * C + c] as number;
        if (l === 0) continue;
        const row = mNum[c] as number[];
        row[l - 1] = (row[l - 1] as number) + n * p;
      }
    }
    let delta = 0;
    for (let c = 0; c < C; c++) {
      if (!estimated[c]) continue;
      const row = mNum[c] as number[];
      const sum = row.reduce((s, x) => s + x, 0) + alpha * row.length;
      const next = row.map((x) => (x + alpha) / sum);
      next.forEach((x, l) => {
        delta = Math.max(delta, Math.abs(x - ((m[c] as number[])[l] as number)));
      });
      m[c] = next;
    }
    for (let r = 0; r < R; r++) {
      const d = lDen[r] as number;
      if (d > 0) lambdaR[r] = Math.min(1 - 1e-9, Math.max(1e-9, (lNum[r] as number) / d));
    }
    if (delta < settings.training.emTolerance) {
      converged = true;
      break;
    }
  }
  const sessionPairs = new Array<number>(R).fill(0);
  for (let k = 0; k < pat.size; k++)
    sessionPairs[pat.rule[k] as number] =
      (sessionPairs[pat.rule[k] as number] as number) + (pat.count[k] as number);
  return {
    m,
    estimated,
    iterations,
    converged,
    sessions: sessionPairs.map((pairs, r) => ({ pairs, matchShare: lambdaR[r] as number })),
  };
}

/** Prior log2-odds from λ. */
export function priorWeight(lambda: number): number {
  return Math.log2(lambda / (1 - lambda));
}

/** Probability from a match weight (log2 odds). */
export function probabilityOf(weight: number): Probability {
  return (1 / (1 + 2 ** -weight)) as Probability;
}

/** Per comparison and level: log2(m/u). */
export function levelWeights(model: TrainedModel): number[][] {
  return model.comparisons.map((c) => c.m.map((m, l) => Math.log2(m / (c.u[l] as number))));
}

/** A column's codes, value frequencies, and the chance two random rows agree on it (Σ f²). */
export interface TfLookup {
  readonly codes: Int32Array;
  readonly freq: Float64Array;
  readonly agree: number;
}

/** Per comparison and level: the term-frequency lookup of the level's `tf` column, or null. */
export function tfLookups(table: LinkTable, settings: LinkageSettings): (TfLookup | null)[][] {
  const cache = new Map<string, TfLookup | null>();
  const lookup = (name: string): TfLookup | null => {
    if (cache.has(name)) return cache.get(name) ?? null;
    const col = table.columns.get(name);
    let out: TfLookup | null = null;
    if (col) {
      const freq = Float64Array.from(col.counts, (n) => n / Math.max(1, col.present));
      let agree = 0;
      for (const f of freq) agree += f * f;
      out = { codes: col.codes, freq, agree };
    }
    cache.set(name, out);
    return out;
  };
  return settings.comparisons.map((c) => c.levels.map((l) => (l.tf ? lookup(l.tf) : null)));
}

/**
 * The term-frequency adjustment (bits) for rows i, j at a level:
 * log2(Σf² / f), how much rarer the agreed value is than an average agreeing
 * value (f is the frequency of the agreed value, the larger of the two when a
 * wildcard let different values agree, floored at tfMinimumU). Splink uses the
 * level's own u in place of Σf²; that over-penalises the lower levels
 * ("exact after folding", "reading exact"), whose u counts only pairs that
 * failed the levels above and is far smaller than the chance of agreeing at all.
 */
export function tfAdjustment(lookup: TfLookup | null, i: number, j: number, minU: number): number {
  if (!lookup) return 0;
  const a = lookup.codes[i] as number;
  const b = lookup.codes[j] as number;
  if (a < 0 || b < 0) return 0;
  const f = Math.max(lookup.freq[a] as number, lookup.freq[b] as number, minU);
  return Math.log2(Math.max(lookup.agree, minU) / f);
}

/** Match weights for every blocked pair. */
export function scorePairs(
  model: TrainedModel,
  settings: LinkageSettings,
  table: LinkTable,
  pairs: { left: Int32Array; right: Int32Array; count: number },
  levels: Uint8Array,
): Float64Array {
  const C = model.comparisons.length;
  const lw = levelWeights(model);
  const tf = tfLookups(table, settings);
  const prior = priorWeight(model.lambda);
  const minU = settings.training.tfMinimumU;
  const out = new Float64Array(pairs.count);
  for (let p = 0; p < pairs.count; p++) {
    let w = prior;
    for (let c = 0; c < C; c++) {
      const l = levels[p * C + c] as number;
      if (l === 0) continue;
      w += (lw[c] as number[])[l - 1] as number;
      const t = (tf[c] as (TfLookup | null)[])[l - 1] ?? null;
      if (t) w += tfAdjustment(t, pairs.left[p] as number, pairs.right[p] as number, minU);
    }
    out[p] = w as MatchWeight;
  }
  return out;
}

/** Trains λ, u and m on a table (see the module comment). */
export function trainModel(
  table: LinkTable,
  settings: LinkageSettings,
  comparisons: readonly CompiledComparison[],
  pairs: BlockedPairs,
  levels: Uint8Array,
  options: { exclude?: Uint8Array; labels?: Int8Array } = {},
): TrainedModel {
  const {
    lambda,
    deterministicPairs,
    totalPairs: total,
  } = estimateLambda(table, settings, options.exclude);
  const { u, pairs: uPairs } = estimateU(table, comparisons, settings, options.exclude);
  const masks = ruleMasks(settings, comparisons);
  const em = estimateM(comparisons, u, pairs, levels, masks, settings, options.labels);
  let labelled = 0;
  if (options.labels) for (const l of options.labels) if (l >= 0) labelled++;
  return {
    settingsVersion: settings.version,
    lambda,
    comparisons: comparisons.map((c, i) => ({
      name: c.spec.name,
      m: em.m[i] as number[],
      u: u[i] as number[],
      mEstimated: em.estimated[i] as boolean,
    })),
    training: {
      deterministicPairs,
      totalPairs: total,
      uPairs,
      emIterations: em.iterations,
      emConverged: em.converged,
      labelledPairs: labelled,
      sessions: em.sessions.map((x, r) => ({
        name: settings.blockingRules[r]?.name ?? "判定済みの組",
        ...x,
      })),
    },
  };
}
