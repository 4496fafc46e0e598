import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MimamoriError } from "../errors.ts";
import { chiSquareCdf, chiSquareSf } from "./distributions.ts";
import scipy from "./fixtures/scipy-2x2.json" with { type: "json" };
import {
  chiSquare2x2,
  contingencyJson,
  fisherExactTwoSided,
  oddsRatioWoolf,
  type TwoByTwo,
  testTwoByTwo,
} from "./two-by-two.ts";

/**
 * Agreement rule for the scipy fixtures (acceptance criterion of issue 7):
 * |x − y| ≤ 1e-9 · max(|x|, |y|). Values equal as doubles (including exact 0 and
 * exactly 1) agree; null (scipy raised: a zero margin, or no value) must meet null.
 * No NaN reaches this: both sides write undefined values as null.
 */
function agrees(ours: number | null, ref: number | null, rel = 1e-9): boolean {
  if (ours === null || ref === null) return ours === ref;
  if (ours === ref) return true;
  return Math.abs(ours - ref) <= rel * Math.max(Math.abs(ours), Math.abs(ref));
}

interface FixtureRow extends TwoByTwo {
  zero_margin: boolean;
  chi2: number | null;
  p: number | null;
  chi2_yates: number | null;
  p_yates: number | null;
  p_fisher: number;
  odds_ratio: number | null;
  or_ci_low: number | null;
  or_ci_high: number | null;
  expected_a: number | null;
  haldane: boolean;
}

const rows = scipy.tables as FixtureRow[];

describe("2×2 test against scipy 1.17 (scripts/stats-fixtures.py)", () => {
  it("covers what it must: 200 tables with zeros, zero margins, tiny counts, tiny p", () => {
    expect(rows).toHaveLength(200);
    expect(rows.filter((r) => Math.min(r.a, r.b, r.c, r.d) === 0).length).toBeGreaterThan(30);
    expect(rows.filter((r) => r.zero_margin).length).toBeGreaterThan(5);
    expect(rows.filter((r) => r.a + r.b + r.c + r.d <= 10).length).toBeGreaterThan(10);
    expect(rows.filter((r) => r.p !== null && r.p < 1e-100).length).toBeGreaterThan(3);
    expect(rows.filter((r) => r.p_fisher < 1e-50).length).toBeGreaterThan(3);
    expect(rows.filter((r) => r.p_fisher === 1).length).toBeGreaterThan(5);
  });

  it.each(rows.map((r, i) => [i, r] as const))("table %i agrees to 1e-9 relative", (_i, r) => {
    const res = testTwoByTwo(r);
    const failures = (
      [
        ["chi2", res.chi2, r.chi2],
        ["p", res.p, r.p],
        ["chi2_yates", res.chi2Yates, r.chi2_yates],
        ["p_yates", res.pYates, r.p_yates],
        ["p_fisher", res.pFisher, r.p_fisher],
        ["odds_ratio", res.oddsRatio, r.odds_ratio],
        ["or_ci_low", res.orCiLow, r.or_ci_low],
        ["or_ci_high", res.orCiHigh, r.or_ci_high],
        ["expected_a", res.expectedA, r.expected_a],
      ] as const
    ).filter(([, ours, ref]) => !agrees(ours, ref));
    expect(failures).toEqual([]);
    expect(res.testable).toBe(!r.zero_margin);
    expect(res.haldane).toBe(r.haldane);
  });
});

/**
 * Fisher's two-sided p from scratch with exact rational arithmetic (BigInt):
 * P(x) = C(r1, x) C(r2, c1 − x) / C(n, c1); sum over x with P(x) ≤ P(a), ties
 * decided exactly. An independent reference for small tables.
 */
function fisherExactReference(t: TwoByTwo): number {
  const r1 = t.a + t.b;
  const r2 = t.c + t.d;
  const c1 = t.a + t.c;
  const choose = (n: number, k: number): bigint => {
    if (k < 0 || k > n) return 0n;
    let num = 1n;
    let den = 1n;
    for (let i = 1; i <= k; i++) {
      num *= BigInt(n - k + i);
      den *= BigInt(i);
    }
    return num / den;
  };
  const weight = (x: number) => choose(r1, x) * choose(r2, c1 - x);
  const total = choose(r1 + r2, c1);
  const observed = weight(t.a);
  let sum = 0n;
  for (let x = 0; x <= c1; x++) {
    const w = weight(x);
    if (w > 0n && w <= observed) sum += w;
  }
  // Scale before dividing so the quotient keeps ~15 significant digits.
  const scale = 10n ** 18n;
  return Number((sum * scale) / total) / 1e18;
}

describe("Fisher's exact test", () => {
  it("matches an exact rational reference on random small tables (ties decided exactly)", () => {
    fc.assert(
      fc.property(
        fc.record({
          a: fc.nat(25),
          b: fc.nat(25),
          c: fc.nat(25),
          d: fc.nat(25),
        }),
        (t) => {
          const margin0 = t.a + t.b === 0 || t.c + t.d === 0 || t.a + t.c === 0 || t.b + t.d === 0;
          const ours = fisherExactTwoSided(t);
          if (margin0) return ours === 1;
          const ref = fisherExactReference(t);
          return Math.abs(ours - ref) <= 1e-12 + 1e-11 * ref;
        },
      ),
      { seed: 7, numRuns: 400 },
    );
  });

  it("counts mirror-image tables with symmetric margins as ties", () => {
    // Margins 10/10 × 10/10: P(a = 2) = P(a = 8) exactly; both tails belong in p.
    const t = { a: 2, b: 8, c: 8, d: 2 };
    expect(fisherExactTwoSided(t)).toBeCloseTo(fisherExactReference(t), 14);
    // One tail: P(a ≤ 2) = (C(10,0)² + C(10,1)² + C(10,2)²) / C(20,10) = 2126/184756;
    // two-sided is twice that.
    expect(fisherExactTwoSided(t)).toBeCloseTo(4252 / 184756, 14);
  });

  it("keeps tiny p-values instead of rounding them to 0", () => {
    const p = fisherExactTwoSided({ a: 200, b: 10, c: 10, d: 200 });
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-80);
  });
});

describe("Pearson and Yates chi-square", () => {
  it("matches the hand computation n(ad − bc)² / (r1 r2 c1 c2)", () => {
    // a=10 b=20 c=30 d=40: n=100, ad−bc = 400−600 = −200,
    // r1=30 r2=70 c1=40 c2=60 → 100·40000 / 5,040,000 = 0.793650…
    expect(chiSquare2x2({ a: 10, b: 20, c: 30, d: 40 })).toBeCloseTo((100 * 40000) / 5_040_000, 14);
    // Yates: (|ad − bc| − n/2)² = 150² → 100·22500 / 5,040,000 = 0.446428…
    expect(chiSquare2x2({ a: 10, b: 20, c: 30, d: 40 }, true)).toBeCloseTo(
      2_250_000 / 5_040_000,
      14,
    );
  });

  it("caps the Yates correction at |O − E| (statistic 0, p 1)", () => {
    // |ad − bc| = |9 − 6| = 3 < n/2 = 5.5: the corrected deviation would be negative.
    const r = testTwoByTwo({ a: 3, b: 2, c: 3, d: 3 });
    expect(r.chi2Yates).toBe(0);
    expect(r.pYates).toBe(1);
  });

  it("computes the upper tail directly, not as 1 − CDF", () => {
    expect(chiSquareSf(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    for (const x of [0.1, 1, 5, 12]) {
      expect(chiSquareSf(x, 1) + chiSquareCdf(x, 1)).toBeCloseTo(1, 14);
    }
    // 1 − CDF is exactly 0 here; the tail is erfc(√500) ≈ 1.8e-219 (scipy chi2.sf(1000, 1)).
    expect(1 - chiSquareCdf(1000, 1)).toBe(0);
    expect(agrees(chiSquareSf(1000, 1), 1.7958327848007363e-219, 1e-12)).toBe(true);
  });

  it("is invariant to transposing and to swapping both rows and columns", () => {
    fc.assert(
      fc.property(
        fc.record({ a: fc.nat(60), b: fc.nat(60), c: fc.nat(60), d: fc.nat(60) }),
        (t) => {
          const r = testTwoByTwo(t);
          const transposed = testTwoByTwo({ a: t.a, b: t.c, c: t.b, d: t.d });
          const rotated = testTwoByTwo({ a: t.d, b: t.c, c: t.b, d: t.a });
          for (const other of [transposed, rotated]) {
            if (!agrees(r.p, other.p, 1e-12) || !agrees(r.pFisher, other.pFisher, 1e-10))
              return false;
            if (!agrees(r.oddsRatio, other.oddsRatio, 1e-12)) return false;
          }
          // Yates never makes the evidence stronger.
          return r.p === null || (r.pYates as number) >= (r.p as number) - 1e-15;
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe("odds ratio", () => {
  it("uses Woolf's interval, checked by hand", () => {
    // a=6 b=10 c=4 d=20: OR = 120/40 = 3; SE = √(1/6 + 1/10 + 1/4 + 1/20) = √0.5166…
    const or = oddsRatioWoolf({ a: 6, b: 10, c: 4, d: 20 });
    const se = Math.sqrt(1 / 6 + 1 / 10 + 1 / 4 + 1 / 20);
    expect(or?.oddsRatio).toBe(3);
    expect(or?.ciLow).toBeCloseTo(3 * Math.exp(-1.959963984540054 * se), 12);
    expect(or?.ciHigh).toBeCloseTo(3 * Math.exp(1.959963984540054 * se), 12);
    expect(or?.haldane).toBe(false);
  });

  it("adds 0.5 to every cell when one is 0, and says so", () => {
    const r = testTwoByTwo({ a: 5, b: 0, c: 10, d: 20 });
    expect(r.haldane).toBe(true);
    expect(r.oddsRatio).toBeCloseTo((5.5 * 20.5) / (0.5 * 10.5), 12);
    expect(Number.isFinite(r.orCiHigh)).toBe(true);
    expect(contingencyJson(r).haldane_correction).toBe(true);
  });
});

describe("testTwoByTwo", () => {
  it("uses Fisher for the decision when an expected count is < 5", () => {
    // Expected a = 10·10/40 = 2.5.
    const small = testTwoByTwo({ a: 6, b: 4, c: 4, d: 26 });
    expect(small.minExpected).toBeCloseTo(2.5, 12);
    expect(small.fisherUsed).toBe(true);
    expect(small.testUsed).toBe("fisher");
    expect(small.pUsed).toBe(small.pFisher);
    const large = testTwoByTwo({ a: 30, b: 40, c: 50, d: 60 });
    expect(large.fisherUsed).toBe(false);
    expect(large.testUsed).toBe("pearson");
    expect(large.pUsed).toBe(large.p);
  });

  it("gives the direction from a against its expected count, exactly", () => {
    expect(testTwoByTwo({ a: 6, b: 10, c: 4, d: 20 }).direction).toBe("positive");
    expect(testTwoByTwo({ a: 2, b: 14, c: 8, d: 16 }).direction).toBe("negative");
    // ad = bc: a equals its expected count (1·6 = 2·3 → E(a) = 3·4/12 = 1).
    const none = testTwoByTwo({ a: 1, b: 2, c: 3, d: 6 });
    expect(none.direction).toBe("none");
    expect(none.chi2).toBe(0);
    expect(none.p).toBe(1);
  });

  it("reports an untestable table (zero margin) with nulls, not NaN", () => {
    const r = testTwoByTwo({ a: 0, b: 0, c: 12, d: 300 });
    expect(r.testable).toBe(false);
    expect(r.chi2).toBeNull();
    expect(r.p).toBeNull();
    expect(r.pYates).toBeNull();
    expect(r.pFisher).toBe(1);
    expect(r.oddsRatio).toBeNull();
    expect(r.expectedA).toBe(0);
    expect(r.direction).toBe("none");
    expect(r.testUsed).toBeNull();
    const empty = testTwoByTwo({ a: 0, b: 0, c: 0, d: 0 });
    expect(empty.expectedA).toBeNull();
    expect(JSON.stringify(contingencyJson(empty))).not.toContain("NaN");
  });

  it("writes the JSON keys of cli.md first", () => {
    const keys = Object.keys(contingencyJson(testTwoByTwo({ a: 1, b: 2, c: 3, d: 4 })));
    expect(keys.slice(0, 9)).toEqual([
      "chi2",
      "p",
      "p_yates",
      "p_fisher",
      "odds_ratio",
      "or_ci_low",
      "or_ci_high",
      "expected_a",
      "direction",
    ]);
  });

  it("rejects counts that are not non-negative integers", () => {
    expect(() => testTwoByTwo({ a: -1, b: 2, c: 3, d: 4 })).toThrow(MimamoriError);
    expect(() => testTwoByTwo({ a: 1.5, b: 2, c: 3, d: 4 })).toThrow(/0 以上の整数/);
    expect(() => testTwoByTwo({ a: Number.NaN, b: 2, c: 3, d: 4 })).toThrow(MimamoriError);
  });
});
