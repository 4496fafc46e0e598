/**
 * The distribution functions the statistics rest on, all from @stdlib (ports of
 * Boost/Cephes, each with its own test suite) rather than hand-rolled
 * approximations. This is the only module of src/domain/stats that imports them,
 * so a change of library touches one file.
 */

import gammainc from "@stdlib/math-base-special-gammainc";
import chiSquareCdfImpl from "@stdlib/stats-base-dists-chisquare-cdf";
import hypergeometricPmfImpl from "@stdlib/stats-base-dists-hypergeometric-pmf";
import normalQuantileImpl from "@stdlib/stats-base-dists-normal-quantile";

/** P(X ≤ x) for X ~ χ²(df). */
export function chiSquareCdf(x: number, df: number): number {
  return chiSquareCdfImpl(x, df);
}

/**
 * P(X > x) for X ~ χ²(df): the p-value of a chi-square statistic.
 *
 * Why not `1 - chiSquareCdf(x, df)`: the CDF rounds to exactly 1 once the tail
 * falls below ~1e-16, so the complement would report p = 0 for every strong
 * association. The regularized *upper* incomplete gamma function Q(df/2, x/2)
 * is the tail itself, accurate down to the double-precision underflow (~1e-308);
 * scipy's chi2.sf computes the same function (Cephes igamc).
 */
export function chiSquareSf(x: number, df: number): number {
  if (Number.isNaN(x) || Number.isNaN(df)) return Number.NaN;
  if (x <= 0) return 1;
  return gammainc(x / 2, df / 2, true, true);
}

/** The p-quantile of the normal distribution N(mu, sigma²). */
export function normalQuantile(p: number, mu = 0, sigma = 1): number {
  return normalQuantileImpl(p, mu, sigma);
}

/**
 * P(X = x) for the hypergeometric distribution: x successes in n draws without
 * replacement from a population of `population` with `successes` successes
 * (scipy's hypergeom.pmf(x, M=population, n=successes, N=n)). stdlib evaluates
 * it as exp of a sum of log-factorials, so tiny probabilities keep their
 * relative precision until they underflow below ~1e-308.
 */
export function hypergeometricPmf(
  x: number,
  population: number,
  successes: number,
  n: number,
): number {
  return hypergeometricPmfImpl(x, population, successes, n);
}
