import { describe, expect, it } from "vitest";
import { chiSquareSf, normalQuantile } from "./distributions.ts";
import statsmodels from "./fixtures/statsmodels-mh.json" with { type: "json" };
import { mantelHaenszel } from "./mantel-haenszel.ts";
import { testTwoByTwo } from "./two-by-two.ts";

function close(ours: number | null, ref: number | null, rel = 1e-9): boolean {
  if (ours === null || ref === null) return ours === ref;
  if (ours === ref) return true;
  return Math.abs(ours - ref) <= rel * Math.max(Math.abs(ours), Math.abs(ref));
}

/**
 * Three small towns, one item × type each (a 該当∧抽出群, b 該当∧対照群,
 * c 非該当∧抽出群, d 非該当∧対照群):
 *
 *   town 1: a=6  b=10 c=4 d=20   n=40   r1=16 r2=24 c1=10 c2=30
 *   town 2: a=5  b=10 c=5 d=30   n=50   r1=15 r2=35 c1=10 c2=40
 *   town 3: a=12 b=15 c=8 d=25   n=60   r1=27 r2=33 c1=20 c2=40
 *
 * Alone, none reaches p ≤ 0.05 (Pearson p 0.136, 0.123, 0.099; Fisher 0.159,
 * 0.143, 0.110 — scipy). Pooled by hand:
 *
 *   R_i = a d / n:  6·20/40 = 3,  5·30/50 = 3,  12·25/60 = 5   → R = 11
 *   S_i = b c / n: 10·4/40  = 1, 10·5/50  = 1,  15·8/60  = 2   → S = 4
 *   OR_MH = R / S = 11/4 = 2.75
 *
 *   E(a_i) = r1 c1 / n:  16·10/40 = 4,  15·10/50 = 3,  27·20/60 = 9  → ΣE = 16, Σa = 23
 *   Var(a_i) = r1 r2 c1 c2 / (n² (n − 1)):
 *     16·24·10·30 / (1600·39) = 115200/62400  = 24/13
 *     15·35·10·40 / (2500·49) = 210000/122500 = 12/7
 *     27·33·20·40 / (3600·59) = 712800/212400 = 198/59
 *     ΣVar = 24/13 + 12/7 + 198/59 = (24·413 + 12·767 + 198·91)/5369 = 37134/5369
 *   CMH (uncorrected) = (23 − 16)² / ΣVar = 49·5369/37134 = 263081/37134 ≈ 7.0846
 *   CMH (corrected)   = (7 − ½)² / ΣVar = 42.25·5369/37134            ≈ 6.1087
 *   p = P(χ²₁ > 6.1087) ≈ 0.01345 (corrected, reported), 0.00777 uncorrected.
 *
 *   RBG: P_i = (a + d)/n = 26/40, 35/50, 37/60;  Q_i = (b + c)/n = 14/40, 15/50, 23/60
 *     Σ P R       = 0.65·3 + 0.7·3 + (37/60)·5              = 107/15
 *     Σ (P S + Q R) = (0.65 + 1.05) + (0.7 + 0.9) + (74 + 115)/60 = 6.45
 *     Σ Q S       = 0.35 + 0.3 + 46/60                      = 17/12
 *     Var ln OR = (107/15)/(2·11²) + 6.45/(2·11·4) + (17/12)/(2·4²) ≈ 0.147043
 *     95% CI = exp(ln 2.75 ± 1.95996·√0.147043) ≈ 1.2970 … 5.8309
 */
const TOWNS = [
  { a: 6, b: 10, c: 4, d: 20 },
  { a: 5, b: 10, c: 5, d: 30 },
  { a: 12, b: 15, c: 8, d: 25 },
];

describe("Mantel–Haenszel pooling of three towns", () => {
  it("each town alone misses significance", () => {
    for (const town of TOWNS) {
      const r = testTwoByTwo(town);
      expect(r.direction).toBe("positive");
      expect(r.p as number).toBeGreaterThan(0.05);
      expect(r.pFisher).toBeGreaterThan(0.05);
      expect(r.pUsed as number).toBeGreaterThan(0.05);
    }
  });

  it("pooled, they reach it, matching the hand computation", () => {
    const mh = mantelHaenszel(TOWNS);
    expect(mh.oddsRatio).toBe(11 / 4);
    expect(mh.observedA).toBe(23);
    expect(mh.expectedA).toBeCloseTo(16, 13);
    expect(mh.direction).toBe("positive");
    const variance = 37134 / 5369;
    expect(mh.cmh).toBeCloseTo(263081 / 37134, 12);
    expect(mh.cmhCorrected).toBeCloseTo(42.25 / variance, 12);
    expect(mh.pCorrected).toBeCloseTo(chiSquareSf(42.25 / variance, 1), 14);
    expect(mh.pCorrected as number).toBeLessThan(0.05);
    expect(mh.pCorrected as number).toBeCloseTo(0.013451847816, 10);
    expect(mh.p as number).toBeCloseTo(0.007774746184, 10);
    const varLogOr = 107 / 15 / (2 * 121) + 6.45 / (2 * 11 * 4) + 17 / 12 / (2 * 16);
    expect(mh.logOrSe).toBeCloseTo(Math.sqrt(varLogOr), 13);
    const z = normalQuantile(0.975);
    expect(mh.orCiLow).toBeCloseTo(2.75 * Math.exp(-z * Math.sqrt(varLogOr)), 12);
    expect(mh.orCiHigh).toBeCloseTo(2.75 * Math.exp(z * Math.sqrt(varLogOr)), 12);
    expect(mh.orCiLow as number).toBeGreaterThan(1);
  });

  it("agrees with statsmodels on the same three towns", () => {
    const ref = statsmodels.sets[0] as (typeof statsmodels.sets)[number];
    expect(ref.strata).toEqual(TOWNS.map((t) => [t.a, t.b, t.c, t.d]));
    const mh = mantelHaenszel(TOWNS);
    expect(close(mh.pCorrected, ref.cmh_corrected_p)).toBe(true);
    expect(close(mh.orCiLow, ref.or_ci_low)).toBe(true);
  });
});

describe("Mantel–Haenszel against statsmodels 0.15 StratifiedTable", () => {
  it.each(statsmodels.sets.map((s, i) => [i, s] as const))("set %i agrees to 1e-9", (_i, ref) => {
    const mh = mantelHaenszel(
      ref.strata.map(([a = -1, b = -1, c = -1, d = -1]) => ({ a, b, c, d })),
    );
    const delta = Math.abs(mh.observedA - mh.expectedA);
    const failures = (
      [
        ["odds_ratio", mh.oddsRatio, ref.odds_ratio],
        ["log_or_se", mh.logOrSe, ref.log_or_se],
        ["or_ci_low", mh.orCiLow, ref.or_ci_low],
        ["or_ci_high", mh.orCiHigh, ref.or_ci_high],
        ["cmh", mh.cmh, ref.cmh],
        ["cmh_p", mh.p, ref.cmh_p],
        // statsmodels squares |Δ| − ½ even when |Δ| < ½; mimamori caps it at 0 (see the module).
        ...(delta >= 0.5
          ? ([
              ["cmh_corrected", mh.cmhCorrected, ref.cmh_corrected],
              ["cmh_corrected_p", mh.pCorrected, ref.cmh_corrected_p],
            ] as const)
          : []),
      ] as const
    ).filter(([, ours, theirs]) => !close(ours, theirs));
    expect(failures).toEqual([]);
  });

  it("has fixtures with varied strata counts", () => {
    const sizes = new Set(statsmodels.sets.map((s) => s.strata.length));
    expect(statsmodels.sets.length).toBeGreaterThan(30);
    expect(sizes.size).toBeGreaterThanOrEqual(4);
  });
});

describe("Mantel–Haenszel properties", () => {
  it("does not invent an association from differing prevalence (Simpson)", () => {
    // Each town has OR exactly 1; added up cell by cell they would suggest OR ≈ 2.9.
    const strata = [
      { a: 20, b: 20, c: 20, d: 20 },
      { a: 2, b: 18, c: 20, d: 180 },
    ];
    const crude = testTwoByTwo({ a: 22, b: 38, c: 40, d: 200 });
    expect(crude.oddsRatio).toBeCloseTo((22 * 200) / (38 * 40), 12);
    expect(crude.p as number).toBeLessThan(0.001);
    const mh = mantelHaenszel(strata);
    expect(mh.oddsRatio).toBe(1);
    expect(mh.cmh).toBeCloseTo(0, 12);
    expect(mh.pCorrected).toBe(1);
  });

  it("reduces to the single table's odds ratio and the (n − 1)/n-scaled Pearson chi-square", () => {
    const t = { a: 30, b: 45, c: 70, d: 300 };
    const n = 445;
    const mh = mantelHaenszel([t]);
    const single = testTwoByTwo(t);
    expect(mh.oddsRatio).toBeCloseTo(single.oddsRatio as number, 12);
    expect(mh.cmh).toBeCloseTo(((single.chi2 as number) * (n - 1)) / n, 10);
  });

  it("skips strata too small to inform and says when nothing can be estimated", () => {
    const mh = mantelHaenszel([
      { a: 1, b: 0, c: 0, d: 0 },
      { a: 0, b: 0, c: 0, d: 0 },
    ]);
    expect(mh.informativeStrata).toBe(0);
    expect(mh.oddsRatio).toBeNull();
    expect(mh.cmh).toBeNull();
    expect(mh.pCorrected).toBeNull();
    // b·c = 0 in every stratum: OR_MH would be ∞.
    const inf = mantelHaenszel([{ a: 3, b: 0, c: 2, d: 9 }]);
    expect(inf.oddsRatio).toBeNull();
    expect(inf.cmh as number).toBeGreaterThan(0);
  });
});
