/**
 * The 2×2 test the 2024 pilots used to judge each data item against a
 * difficulty type, done correctly and completely.
 *
 * Layout (cli.md, and the 集計情報 table of the 2024 final report §2.1):
 *
 *                 抽出群 (reference)   対照群 (control)
 *   該当 (holds)        a                   b
 *   非該当              c                   d
 *
 * The pilots computed Pearson's chi-square without continuity correction and
 * called an item "related" when p ≤ 0.05 and the observed 該当∧抽出群 count a
 * exceeded its expected count (report §2.1 *1–*3). mimamori reports that test
 * unchanged, adds Yates' corrected test, Fisher's exact test (and uses it for the
 * decision when an expected count is < 5, where the chi-square approximation is
 * poor — Cochran's rule), and the odds ratio with its 95% CI. Methods and
 * conventions: docs/statistics.md.
 */
import { MimamoriError } from "../errors.ts";
import { chiSquareSf, hypergeometricPmf, normalQuantile } from "./distributions.ts";

/** Counts of one 2×2 table; see the layout above. */
export interface TwoByTwo {
  /** 該当 ∧ 抽出群 */
  readonly a: number;
  /** 該当 ∧ 対照群 */
  readonly b: number;
  /** 非該当 ∧ 抽出群 */
  readonly c: number;
  /** 非該当 ∧ 対照群 */
  readonly d: number;
}

/** `positive`: a > expected a; `negative`: a < expected a; `none`: equal, or no test possible. */
export type Direction = "positive" | "negative" | "none";

export interface ContingencyResult {
  readonly counts: TwoByTwo;
  readonly n: number;
  /**
   * False when a row or column total is 0 (an item nobody holds, an empty group):
   * no chi-square statistic exists (0/0), the odds ratio is undefined, and the
   * only table with these margins is the observed one, so Fisher's p is 1.
   */
  readonly testable: boolean;
  /** Pearson's chi-square without continuity correction (as the pilots); null when not testable. */
  readonly chi2: number | null;
  readonly p: number | null;
  /** Yates-corrected chi-square (the correction never exceeds |O − E|, as scipy and R). */
  readonly chi2Yates: number | null;
  readonly pYates: number | null;
  /** Fisher's exact test, two-sided; 1 when not testable. */
  readonly pFisher: number;
  /** Sample odds ratio ad/bc (Haldane-corrected when a cell is 0); null when not testable. */
  readonly oddsRatio: number | null;
  readonly orCiLow: number | null;
  readonly orCiHigh: number | null;
  /** True when a cell was 0 and 0.5 was added to every cell for the odds ratio and its CI. */
  readonly haldane: boolean;
  /** (a+b)(a+c)/n; null when n = 0. */
  readonly expectedA: number | null;
  /** Smallest of the four expected counts; null when n = 0. */
  readonly minExpected: number | null;
  readonly direction: Direction;
  /** True when an expected count is < 5 and the decision therefore uses Fisher's p. */
  readonly fisherUsed: boolean;
  /** Which test's p decides "associated"; null when not testable. */
  readonly testUsed: "pearson" | "fisher" | null;
  /** The p of `testUsed`. */
  readonly pUsed: number | null;
}

/**
 * Expected counts below this make the decision use Fisher's exact test instead of
 * the chi-square approximation (Cochran 1954, "no expected count below 5" for
 * 2×2 tables; the rule the issue asks for).
 */
export const MIN_EXPECTED_FOR_CHI_SQUARE = 5;

/**
 * Two tables whose hypergeometric probabilities differ by less than this ratio
 * count as equally likely in Fisher's two-sided p. Mathematically tied tables
 * (e.g. the mirror images when the margins are symmetric) come out of the
 * log-factorial arithmetic a few ulps apart; without a tolerance one of them would
 * be dropped at random. scipy uses 1 + 1e-14, R's fisher.test 1 + 1e-7: stdlib's
 * pmf is accurate to ~1e-13 relative for n ≤ 10⁴, so 1e-14 would miss ties, and
 * 1e-7 separates distinct probabilities in every table we tested (fixtures).
 */
export const FISHER_RELATIVE_TOLERANCE = 1e-7;

/**
 * Tables up to this total keep every product used below (a·n, r1·c1, a·d) an
 * exact integer in double precision. Far above any municipality's child
 * population (Japan has ~15 million children).
 */
export const MAX_TABLE_TOTAL = 50_000_000;

/** Throws unless the four counts are non-negative integers with a total ≤ MAX_TABLE_TOTAL. */
export function assertTwoByTwo(t: TwoByTwo): void {
  for (const key of ["a", "b", "c", "d"] as const) {
    const v = t[key];
    if (!Number.isInteger(v) || v < 0) {
      throw new MimamoriError(
        "invalid_input",
        `2×2 表の ${key} は 0 以上の整数で指定してください（「${v}」）。`,
      );
    }
  }
  if (t.a + t.b + t.c + t.d > MAX_TABLE_TOTAL) {
    throw new MimamoriError(
      "invalid_input",
      `2×2 表の合計が大きすぎます（上限 ${MAX_TABLE_TOTAL.toLocaleString("ja-JP")}）。件数を確認してください。`,
    );
  }
}

interface Margins {
  readonly r1: number;
  readonly r2: number;
  readonly c1: number;
  readonly c2: number;
  readonly n: number;
}

function margins({ a, b, c, d }: TwoByTwo): Margins {
  return { r1: a + b, r2: c + d, c1: a + c, c2: b + d, n: a + b + c + d };
}

function hasZeroMargin(m: Margins): boolean {
  return m.r1 === 0 || m.r2 === 0 || m.c1 === 0 || m.c2 === 0;
}

/**
 * Pearson's chi-square for a 2×2 table, without (`yates = false`) or with Yates'
 * continuity correction; null when a margin is 0.
 *
 * Uses the closed form n·(|ad − bc| − δ)²/(r1·r2·c1·c2), δ = 0 or n/2, which
 * equals Σ(O − E)²/E: every cell has |O − E| = |ad − bc|/n and Σ 1/E = n³/(r1 r2 c1 c2).
 * The Yates term is capped at |O − E| (the statistic becomes 0, not negative
 * |O − E| − 0.5), as scipy's chi2_contingency and R's chisq.test do.
 */
export function chiSquare2x2(t: TwoByTwo, yates = false): number | null {
  const m = margins(t);
  if (hasZeroMargin(m)) return null;
  const diff = Math.abs(t.a * t.d - t.b * t.c);
  const dev = yates ? Math.max(0, diff - m.n / 2) : diff;
  if (dev === 0) return 0;
  return (((m.n * dev) / m.r1) * (dev / m.r2)) / m.c1 / m.c2;
}

/**
 * Fisher's exact test, two-sided: the probability, under independence with all
 * margins fixed, of every table at most as likely as the observed one (the
 * convention of scipy.stats.fisher_exact and R's fisher.test), with the relative
 * tolerance FISHER_RELATIVE_TOLERANCE for ties. Returns 1 when a margin is 0.
 *
 * Sums the probabilities of the excluded-or-included tables directly (never
 * 1 − something), so a tiny p keeps its relative precision down to the
 * double-precision underflow (~1e-308; below that it is 0).
 */
export function fisherExactTwoSided(t: TwoByTwo): number {
  const m = margins(t);
  if (hasZeroMargin(m)) return 1;
  // a ~ Hypergeometric(population n, successes r1 (該当), draws c1 (抽出群)).
  const lo = Math.max(0, m.c1 - m.r2);
  const hi = Math.min(m.r1, m.c1);
  const observed = hypergeometricPmf(t.a, m.n, m.r1, m.c1);
  const bound = observed * (1 + FISHER_RELATIVE_TOLERANCE);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const px = x === t.a ? observed : hypergeometricPmf(x, m.n, m.r1, m.c1);
    if (px <= bound) p += px;
  }
  return Math.min(1, p);
}

export interface OddsRatio {
  readonly oddsRatio: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  /** Standard error of ln OR. */
  readonly logSe: number;
  /** True when 0.5 was added to every cell because one was 0. */
  readonly haldane: boolean;
}

/**
 * Sample odds ratio ad/bc with Woolf's (log) confidence interval
 * exp(ln OR ± z·√(1/a + 1/b + 1/c + 1/d)) (Woolf 1955). When any cell is 0 the
 * estimate would be 0 or ∞ and the variance infinite, so Haldane's correction
 * adds 0.5 to every cell (Haldane 1956) and says so. Null when a margin is 0:
 * then there is nothing to compare (an item nobody holds, an empty group).
 */
export function oddsRatioWoolf(t: TwoByTwo, confidence = 0.95): OddsRatio | null {
  if (hasZeroMargin(margins(t))) return null;
  const haldane = t.a === 0 || t.b === 0 || t.c === 0 || t.d === 0;
  const h = haldane ? 0.5 : 0;
  const a = t.a + h;
  const b = t.b + h;
  const c = t.c + h;
  const d = t.d + h;
  const logOr = Math.log(a) + Math.log(d) - Math.log(b) - Math.log(c);
  const logSe = Math.sqrt(1 / a + 1 / b + 1 / c + 1 / d);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return {
    oddsRatio: (a * d) / (b * c),
    ciLow: Math.exp(logOr - z * logSe),
    ciHigh: Math.exp(logOr + z * logSe),
    logSe,
    haldane,
  };
}

/** Sign of a − E(a), computed exactly in integers: a·n vs r1·c1. */
export function directionOf(t: TwoByTwo): Direction {
  const m = margins(t);
  const lhs = t.a * m.n;
  const rhs = m.r1 * m.c1;
  return lhs > rhs ? "positive" : lhs < rhs ? "negative" : "none";
}

/**
 * Every figure of the 2×2 test for one table (see ContingencyResult). Pure and
 * total: never throws for valid counts; undefined figures are null.
 */
export function testTwoByTwo(t: TwoByTwo): ContingencyResult {
  assertTwoByTwo(t);
  const counts: TwoByTwo = { a: t.a, b: t.b, c: t.c, d: t.d };
  const m = margins(counts);
  const testable = !hasZeroMargin(m);
  const chi2 = chiSquare2x2(counts, false);
  const chi2Yates = chiSquare2x2(counts, true);
  const p = chi2 === null ? null : chiSquareSf(chi2, 1);
  const pYates = chi2Yates === null ? null : chiSquareSf(chi2Yates, 1);
  const pFisher = fisherExactTwoSided(counts);
  const or = oddsRatioWoolf(counts);
  const expectedA = m.n === 0 ? null : (m.r1 * m.c1) / m.n;
  const minExpected = m.n === 0 ? null : (Math.min(m.r1, m.r2) * Math.min(m.c1, m.c2)) / m.n;
  const fisherUsed = testable && minExpected !== null && minExpected < MIN_EXPECTED_FOR_CHI_SQUARE;
  const testUsed = !testable ? null : fisherUsed ? "fisher" : "pearson";
  return {
    counts,
    n: m.n,
    testable,
    chi2,
    p,
    chi2Yates,
    pYates,
    pFisher,
    oddsRatio: or?.oddsRatio ?? null,
    orCiLow: or?.ciLow ?? null,
    orCiHigh: or?.ciHigh ?? null,
    haldane: or?.haldane ?? false,
    expectedA,
    minExpected,
    direction: testable ? directionOf(counts) : "none",
    fisherUsed,
    testUsed,
    pUsed: testUsed === null ? null : testUsed === "fisher" ? pFisher : p,
  };
}

/**
 * The JSON of `mimamori stats contingency --json` (cli.md): the contract keys
 * first, then mimamori's additions (which test decides, Haldane, margins).
 * JSON has no NaN/∞: undefined figures are null.
 */
export function contingencyJson(r: ContingencyResult): Record<string, unknown> {
  return {
    chi2: r.chi2,
    p: r.p,
    p_yates: r.pYates,
    p_fisher: r.pFisher,
    odds_ratio: r.oddsRatio,
    or_ci_low: r.orCiLow,
    or_ci_high: r.orCiHigh,
    expected_a: r.expectedA,
    direction: r.direction,
    a: r.counts.a,
    b: r.counts.b,
    c: r.counts.c,
    d: r.counts.d,
    n: r.n,
    testable: r.testable,
    chi2_yates: r.chi2Yates,
    min_expected: r.minExpected,
    fisher_used: r.fisherUsed,
    test_used: r.testUsed,
    p_used: r.pUsed,
    haldane_correction: r.haldane,
  };
}
