/**
 * Benjamini–Hochberg q-values (adjusted p-values) for a family of tests: the
 * smallest false discovery rate at which each test would be declared
 * significant (Benjamini & Hochberg 1995, J R Stat Soc B 57:289–300).
 *
 * Why: an item-validation report runs ~18 items × 5 difficulty types ≈ 90 tests;
 * at p ≤ 0.05 about 4–5 of them come out "related" by chance alone. The 2024
 * report judged each p on its own; mimamori shows q beside p.
 */
import { MimamoriError } from "../errors.ts";

/**
 * q_(i) = min over j ≥ i of (m · p_(j) / j), capped at 1, for p sorted ascending
 * (the step-up procedure; scipy.stats.false_discovery_control(method="bh"), R's
 * p.adjust(method="BH")). Entries that are null or NaN (tests that could not be
 * run) get null and do not count in m. The output is in the input's order.
 */
export function benjaminiHochberg(pValues: readonly (number | null)[]): (number | null)[] {
  const indexed: { p: number; i: number }[] = [];
  pValues.forEach((p, i) => {
    if (p === null || Number.isNaN(p)) return;
    if (p < 0 || p > 1) {
      throw new MimamoriError(
        "invalid_input",
        `p 値は 0〜1 の範囲で指定してください（「${p}」）。`,
      );
    }
    indexed.push({ p, i });
  });
  const q: (number | null)[] = pValues.map(() => null);
  const m = indexed.length;
  // Stable sort: tied p-values keep their input order (their q is equal anyway).
  indexed.sort((x, y) => x.p - y.p);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const entry = indexed[rank - 1] as { p: number; i: number };
    running = Math.min(running, (entry.p * m) / rank);
    q[entry.i] = running;
  }
  return q;
}
