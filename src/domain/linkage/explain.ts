/**
 * Why two records were (or were not) joined: the match weight as a waterfall
 * (Splink's waterfall chart, as data). The first step is the prior, then one
 * step per comparison with its level, m, u, the weight log2(m/u) and any
 * term-frequency adjustment; the steps sum to the pair's match weight.
 */
import type { CompiledComparison } from "./comparisons.ts";
import {
  type ComparisonParameters,
  levelWeights,
  priorWeight,
  probabilityOf,
  type TrainedModel,
  tfAdjustment,
  tfLookups,
} from "./model.ts";
import type { LinkageSettings } from "./settings.ts";
import type { LinkTable } from "./table.ts";
import type { MatchWeight, Probability } from "./types.ts";

export interface WaterfallStep {
  /** Comparison id, or "prior". */
  readonly comparison: string;
  readonly label: string;
  /** 1 = strongest level; 0 = a value was missing (no evidence). */
  readonly level: number;
  readonly levelLabel: string;
  readonly m: number | null;
  readonly u: number | null;
  /** log2(m/u) (the prior's log2 odds for the first step). */
  readonly weight: number;
  /** Term-frequency adjustment in bits (0 when none). */
  readonly tfAdjustment: number;
  /** Running total after this step. */
  readonly cumulative: number;
}

export interface Waterfall {
  readonly steps: readonly WaterfallStep[];
  readonly weight: MatchWeight;
  readonly probability: Probability;
}

/**
 * An explainer bound to one model and table: level weights and term
 * frequencies are prepared once, then each pair costs one pass over the
 * comparisons.
 */
export function makeExplainer(
  model: TrainedModel,
  settings: LinkageSettings,
  table: LinkTable,
  comparisons: readonly CompiledComparison[],
): (i: number, j: number) => Waterfall {
  const lw = levelWeights(model);
  const tf = tfLookups(table, settings);
  const prior = priorWeight(model.lambda);
  const minU = settings.training.tfMinimumU;
  return (i, j) => {
    let total = prior;
    const steps: WaterfallStep[] = [
      {
        comparison: "prior",
        label: "事前確率",
        level: 0,
        levelLabel: `λ = ${model.lambda.toExponential(3)}`,
        m: null,
        u: null,
        weight: prior,
        tfAdjustment: 0,
        cumulative: prior,
      },
    ];
    comparisons.forEach((c, ci) => {
      const l = c.level(i, j);
      const params = model.comparisons[ci] as ComparisonParameters;
      if (l === 0) {
        steps.push({
          comparison: c.spec.name,
          label: c.spec.label,
          level: 0,
          levelLabel: "値なし",
          m: null,
          u: null,
          weight: 0,
          tfAdjustment: 0,
          cumulative: total,
        });
        return;
      }
      const w = (lw[ci] as number[])[l - 1] as number;
      const lookup = (tf[ci] as ReturnType<typeof tfLookups>[number])[l - 1] ?? null;
      const t = tfAdjustment(lookup, i, j, minU);
      total += w + t;
      steps.push({
        comparison: c.spec.name,
        label: c.spec.label,
        level: l,
        levelLabel: c.spec.levels[l - 1]?.label ?? String(l),
        m: params.m[l - 1] as number,
        u: params.u[l - 1] as number,
        weight: w,
        tfAdjustment: t,
        cumulative: total,
      });
    });
    return { steps, weight: total as MatchWeight, probability: probabilityOf(total) };
  };
}

/** The waterfall for rows i and j of a table (prepares an explainer; use makeExplainer for many pairs). */
export function explainPair(
  model: TrainedModel,
  settings: LinkageSettings,
  table: LinkTable,
  comparisons: readonly CompiledComparison[],
  i: number,
  j: number,
): Waterfall {
  return makeExplainer(model, settings, table, comparisons)(i, j);
}
