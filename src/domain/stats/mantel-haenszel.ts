/**
 * Pooling several municipalities' 2×2 tables for the same item × difficulty
 * type: the Mantel–Haenszel common odds ratio with the Robins–Breslow–Greenland
 * confidence interval, and the Cochran–Mantel–Haenszel test of "no association in
 * any municipality". Each municipality is a stratum, so differences in
 * prevalence between towns do not masquerade as an association (as they would
 * if the tables were simply added up).
 *
 * Why: the 2024 pilots could test small towns only one by one and found few
 * associations there for lack of numbers (report §2.1: "集計できる団体が少ない").
 *
 * Formulas: Mantel & Haenszel (1959); Robins, Breslow & Greenland (1986)
 * Biometrics 42:311–323; the same as statsmodels' StratifiedTable and R's
 * mantelhaen.test (checked against statsmodels in mantel-haenszel.test.ts).
 */
import { chiSquareSf, normalQuantile } from "./distributions.ts";
import { assertTwoByTwo, type TwoByTwo } from "./two-by-two.ts";

export interface MantelHaenszelResult {
  /** Strata given. */
  readonly strata: number;
  /** Strata with n ≥ 2: the others carry no information about association. */
  readonly informativeStrata: number;
  /** Cell-wise sums over all strata (for display; the tests never use them pooled crudely). */
  readonly totals: TwoByTwo;
  /** Σ a_i: observed 該当∧抽出群 over all strata. */
  readonly observedA: number;
  /** Σ E(a_i) under independence within each stratum. */
  readonly expectedA: number;
  /** `positive` when Σ a_i > Σ E(a_i). */
  readonly direction: "positive" | "negative" | "none";
  /** MH odds ratio Σ(a d/n) / Σ(b c/n); null when a sum is 0 (estimate 0 or ∞). */
  readonly oddsRatio: number | null;
  /** Robins–Breslow–Greenland standard error of ln OR_MH; null with the OR. */
  readonly logOrSe: number | null;
  readonly orCiLow: number | null;
  readonly orCiHigh: number | null;
  /** CMH chi-square without continuity correction, 1 df; null when Σ Var(a_i) = 0. */
  readonly cmh: number | null;
  readonly p: number | null;
  /**
   * CMH chi-square with continuity correction (|Σa − ΣE| − ½)², the correction
   * capped at |Σa − ΣE| like Yates'. mimamori *reports this one* as the pooled p
   * (R's mantelhaen.test default): with many small strata it keeps the level.
   */
  readonly cmhCorrected: number | null;
  readonly pCorrected: number | null;
}

/**
 * Mantel–Haenszel pooled odds ratio, RBG 95% CI (or `confidence`) and the CMH
 * test over `strata`, each a municipality's 2×2 table in the layout of
 * two-by-two.ts.
 */
export function mantelHaenszel(
  strata: readonly TwoByTwo[],
  confidence = 0.95,
): MantelHaenszelResult {
  let sumR = 0; // Σ a d / n
  let sumS = 0; // Σ b c / n
  let sumPR = 0; // Σ P R, P = (a + d)/n
  let sumPSQR = 0; // Σ (P S + Q R), Q = (b + c)/n
  let sumQS = 0; // Σ Q S
  let observedA = 0;
  let expectedA = 0;
  let variance = 0;
  let informative = 0;
  const totals = { a: 0, b: 0, c: 0, d: 0 };
  for (const t of strata) {
    assertTwoByTwo(t);
    totals.a += t.a;
    totals.b += t.b;
    totals.c += t.c;
    totals.d += t.d;
    const n = t.a + t.b + t.c + t.d;
    if (n < 2) continue;
    informative++;
    const r = (t.a * t.d) / n;
    const s = (t.b * t.c) / n;
    const p = (t.a + t.d) / n;
    const q = (t.b + t.c) / n;
    sumR += r;
    sumS += s;
    sumPR += p * r;
    sumPSQR += p * s + q * r;
    sumQS += q * s;
    const r1 = t.a + t.b;
    const r2 = t.c + t.d;
    const c1 = t.a + t.c;
    const c2 = t.b + t.d;
    observedA += t.a;
    expectedA += (r1 * c1) / n;
    // Hypergeometric variance of a_i given the margins.
    variance += ((r1 / n) * (r2 / n) * c1 * c2) / (n - 1);
  }

  let oddsRatio: number | null = null;
  let logOrSe: number | null = null;
  let orCiLow: number | null = null;
  let orCiHigh: number | null = null;
  if (sumR > 0 && sumS > 0) {
    oddsRatio = sumR / sumS;
    logOrSe = Math.sqrt(
      sumPR / (2 * sumR * sumR) + sumPSQR / (2 * sumR * sumS) + sumQS / (2 * sumS * sumS),
    );
    const z = normalQuantile(1 - (1 - confidence) / 2);
    orCiLow = Math.exp(Math.log(oddsRatio) - z * logOrSe);
    orCiHigh = Math.exp(Math.log(oddsRatio) + z * logOrSe);
  }

  const delta = Math.abs(observedA - expectedA);
  let cmh: number | null = null;
  let cmhCorrected: number | null = null;
  if (variance > 0) {
    cmh = (delta * delta) / variance;
    const corrected = Math.max(0, delta - 0.5);
    cmhCorrected = (corrected * corrected) / variance;
  }
  // Σ a_i and Σ E(a_i) differ by a rounding error when they are equal in exact arithmetic.
  const tie = delta <= 1e-9 * Math.max(1, expectedA);
  return {
    strata: strata.length,
    informativeStrata: informative,
    totals,
    observedA,
    expectedA,
    direction: tie ? "none" : observedA > expectedA ? "positive" : "negative",
    oddsRatio,
    logOrSe,
    orCiLow,
    orCiHigh,
    cmh,
    p: cmh === null ? null : chiSquareSf(cmh, 1),
    cmhCorrected,
    pCorrected: cmhCorrected === null ? null : chiSquareSf(cmhCorrected, 1),
  };
}
