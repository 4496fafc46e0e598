/**
 * How well a score (a rule set's points, a model's probability) finds the
 * children it should, measured against outcome labels (e.g. a later 要対協
 * registration, or the conference decision staff recorded). Used by the
 * rule/model evaluation of issue 7; pure functions of (scores, labels).
 *
 * Ties matter here: 1-point rule scores take few values, and the pilots reported
 * ties at the cut-off as a practical problem (開成町: tie-break by total points).
 * Every metric below says how it treats ties, and none depends on the input order.
 */
import { MimamoriError } from "../errors.ts";

function assertSameLength(scores: readonly number[], labels: readonly boolean[]): void {
  if (scores.length !== labels.length) {
    throw new MimamoriError(
      "invalid_input",
      `スコアとラベルの件数が一致しません（スコア ${scores.length} 件、ラベル ${labels.length} 件）。`,
    );
  }
  for (const s of scores) {
    if (!Number.isFinite(s)) {
      throw new MimamoriError("invalid_input", `スコアに数値でない値があります（「${s}」）。`);
    }
  }
}

/**
 * Ranks 1..n of `values` ascending, tied values sharing their mean rank (midrank).
 */
export function midranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.v === order[start]?.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[(order[k] as { i: number }).i] = rank;
    start = end + 1;
  }
  return ranks;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above
 * a random negative, ties counting one half (the Mann–Whitney U / (n₊ n₋)
 * identity; equals the trapezoidal area of the ROC curve drawn through tied
 * groups). Null when there are no positives or no negatives.
 */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number | null {
  assertSameLength(scores, labels);
  const ranks = midranks(scores);
  let nPos = 0;
  let rankSumPos = 0;
  labels.forEach((y, i) => {
    if (y) {
      nPos++;
      rankSumPos += ranks[i] as number;
    }
  });
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const u = rankSumPos - (nPos * (nPos + 1)) / 2;
  return u / (nPos * nNeg);
}

export interface TopK {
  /** k, capped at the number of cases. */
  readonly k: number;
  /** Expected true positives among the k selected (fractional when ties straddle the cut). */
  readonly truePositives: number;
  /** truePositives / k; null when k = 0. */
  readonly precision: number | null;
  /** truePositives / all positives; null when there are no positives. */
  readonly recall: number | null;
  /** Cases tied at the cut-off score, of which only some fit into k. 0 when the cut is clean. */
  readonly tiedAtCut: number;
}

/**
 * Precision and recall when staff can look at `k` children (capacity) and take
 * the k highest scores. When several children share the score at the cut-off and
 * only some fit, the result is the *expected* value over a random choice among
 * them (each tied child counts with the fraction that fits) — so the figure does
 * not depend on the input order, and `tiedAtCut` says that the cut was not clean.
 */
export function precisionAtK(
  scores: readonly number[],
  labels: readonly boolean[],
  k: number,
): TopK {
  assertSameLength(scores, labels);
  if (!Number.isInteger(k) || k < 0) {
    throw new MimamoriError("invalid_input", `k は 0 以上の整数で指定してください（「${k}」）。`);
  }
  const n = scores.length;
  const take = Math.min(k, n);
  const totalPos = labels.filter(Boolean).length;
  if (take === 0) {
    return {
      k: 0,
      truePositives: 0,
      precision: null,
      recall: totalPos === 0 ? null : 0,
      tiedAtCut: 0,
    };
  }
  const sorted = [...scores].sort((x, y) => y - x);
  const cut = sorted[take - 1] as number;
  let above = 0;
  let posAbove = 0;
  let tied = 0;
  let posTied = 0;
  scores.forEach((s, i) => {
    if (s > cut) {
      above++;
      if (labels[i]) posAbove++;
    } else if (s === cut) {
      tied++;
      if (labels[i]) posTied++;
    }
  });
  const fromTied = take - above;
  const truePositives = posAbove + (fromTied * posTied) / tied;
  return {
    k: take,
    truePositives,
    precision: truePositives / take,
    recall: totalPos === 0 ? null : truePositives / totalPos,
    tiedAtCut: fromTied < tied ? tied : 0,
  };
}

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  /** tp / (tp + fp); null when nothing was flagged. */
  readonly precision: number | null;
  /** tp / (tp + fn) (sensitivity); null when there are no positives. */
  readonly recall: number | null;
  /** fp / (fp + tn); null when there are no negatives. Used by the fairness report. */
  readonly falsePositiveRate: number | null;
  /** (tp + fp) / n: the share flagged; null when n = 0. */
  readonly flagRate: number | null;
}

/** Counts and rates of a yes/no flag (e.g. score ≥ threshold) against outcome labels. */
export function confusion(flagged: readonly boolean[], labels: readonly boolean[]): Confusion {
  if (flagged.length !== labels.length) {
    throw new MimamoriError(
      "invalid_input",
      `判定とラベルの件数が一致しません（判定 ${flagged.length} 件、ラベル ${labels.length} 件）。`,
    );
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  flagged.forEach((f, i) => {
    if (f && labels[i]) tp++;
    else if (f) fp++;
    else if (labels[i]) fn++;
    else tn++;
  });
  const ratio = (x: number, y: number) => (y === 0 ? null : x / y);
  return {
    tp,
    fp,
    fn,
    tn,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    falsePositiveRate: ratio(fp, fp + tn),
    flagRate: ratio(tp + fp, flagged.length),
  };
}

export interface CalibrationBin {
  /** 0-based bin number, lowest predictions first. */
  readonly bin: number;
  readonly n: number;
  readonly minPredicted: number;
  readonly maxPredicted: number;
  readonly meanPredicted: number;
  readonly positives: number;
  /** positives / n. */
  readonly observedRate: number;
}

/**
 * Calibration table: cases in `bins` equal-count groups by predicted probability
 * (deciles by default), with the mean prediction beside the observed rate.
 * A case goes to bin ⌊((midrank − ½)/n) · bins⌋, so tied predictions always share
 * a bin (a bin may then hold more or fewer than n/bins cases; empty bins are
 * left out). `predicted` must be probabilities in [0, 1].
 */
export function calibrationTable(
  predicted: readonly number[],
  labels: readonly boolean[],
  bins = 10,
): CalibrationBin[] {
  assertSameLength(predicted, labels);
  if (!Number.isInteger(bins) || bins < 1) {
    throw new MimamoriError(
      "invalid_input",
      `区分数は 1 以上の整数で指定してください（「${bins}」）。`,
    );
  }
  for (const p of predicted) {
    if (p < 0 || p > 1) {
      throw new MimamoriError("invalid_input", `予測確率は 0〜1 で指定してください（「${p}」）。`);
    }
  }
  const n = predicted.length;
  const ranks = midranks(predicted);
  const acc = Array.from({ length: bins }, () => ({
    n: 0,
    sum: 0,
    positives: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
  }));
  predicted.forEach((p, i) => {
    const bin = Math.min(bins - 1, Math.floor((((ranks[i] as number) - 0.5) / n) * bins));
    const a = acc[bin] as (typeof acc)[number];
    a.n++;
    a.sum += p;
    if (labels[i]) a.positives++;
    a.min = Math.min(a.min, p);
    a.max = Math.max(a.max, p);
  });
  return acc.flatMap((a, bin) =>
    a.n === 0
      ? []
      : [
          {
            bin,
            n: a.n,
            minPredicted: a.min,
            maxPredicted: a.max,
            meanPredicted: a.sum / a.n,
            positives: a.positives,
            observedRate: a.positives / a.n,
          },
        ],
  );
}
