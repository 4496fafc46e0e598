import fc from "fast-check";
import { describe, expect, it } from "vitest";
import misc from "./fixtures/scipy-misc.json" with { type: "json" };
import { calibrationTable, confusion, midranks, precisionAtK, rocAuc } from "./metrics.ts";

describe("rocAuc", () => {
  it("counts ties as one half (hand computation)", () => {
    // Positives score 3, 2; negatives 2, 1. Pairs (pos, neg): (3,2) 1, (3,1) 1,
    // (2,2) ½, (2,1) 1 → 3.5 / 4.
    expect(rocAuc([3, 2, 2, 1], [true, true, false, false])).toBe(3.5 / 4);
    // All scores equal: no information.
    expect(rocAuc([1, 1, 1], [true, false, false])).toBe(0.5);
    expect(rocAuc([1, 2], [true, true])).toBeNull();
  });

  it("agrees with scipy's Mann–Whitney U / (n₊ n₋) on tied integer scores", () => {
    for (const c of misc.roc_auc) {
      const auc = rocAuc(
        c.scores,
        c.labels.map((y) => y === 1),
      );
      expect(Math.abs((auc as number) - c.auc)).toBeLessThanOrEqual(1e-12);
    }
  });

  it("equals the pairwise definition on random data, whatever the order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.boolean()), {
          minLength: 2,
          maxLength: 40,
        }),
        (cases) => {
          const scores = cases.map(([s]) => s);
          const labels = cases.map(([, y]) => y);
          let wins = 0;
          let pairs = 0;
          cases.forEach(([sp, yp]) => {
            if (!yp) return;
            cases.forEach(([sn, yn]) => {
              if (yn) return;
              pairs++;
              wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
            });
          });
          const auc = rocAuc(scores, labels);
          if (pairs === 0) return auc === null;
          const reversed = rocAuc([...scores].reverse(), [...labels].reverse());
          return Math.abs((auc as number) - wins / pairs) < 1e-12 && auc === reversed;
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });
});

describe("midranks", () => {
  it("gives tied values their mean rank", () => {
    expect(midranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });
});

describe("precisionAtK", () => {
  it("is exact when the cut-off is clean", () => {
    const r = precisionAtK([5, 4, 3, 2, 1], [true, false, true, false, true], 3);
    expect(r).toEqual({ k: 3, truePositives: 2, precision: 2 / 3, recall: 2 / 3, tiedAtCut: 0 });
  });

  it("takes the expected value over the children tied at the cut-off", () => {
    // Capacity 3. Score 3 (positive) is in; 2 more places for four children tied at
    // score 2, of whom 1 is positive: expected positives 1 + 2·(1/4) = 1.5.
    const scores = [3, 2, 2, 2, 2, 1];
    const labels = [true, true, false, false, false, true];
    const r = precisionAtK(scores, labels, 3);
    expect(r.truePositives).toBe(1.5);
    expect(r.precision).toBe(0.5);
    expect(r.recall).toBe(0.5);
    expect(r.tiedAtCut).toBe(4);
    // Same answer in any order.
    expect(precisionAtK([...scores].reverse(), [...labels].reverse(), 3)).toEqual(r);
  });

  it("caps k at n and handles k = 0", () => {
    expect(precisionAtK([1, 2], [true, false], 10).k).toBe(2);
    expect(precisionAtK([1, 2], [true, false], 0).precision).toBeNull();
    expect(() => precisionAtK([1], [true], -1)).toThrow(/k は 0 以上/);
  });
});

describe("confusion", () => {
  it("counts and rates", () => {
    const c = confusion([true, true, false, false, true], [true, false, true, false, false]);
    expect(c).toEqual({
      tp: 1,
      fp: 2,
      fn: 1,
      tn: 1,
      precision: 1 / 3,
      recall: 1 / 2,
      falsePositiveRate: 2 / 3,
      flagRate: 3 / 5,
    });
    expect(confusion([], []).precision).toBeNull();
  });
});

describe("calibrationTable", () => {
  it("makes deciles of 20 predictions, two per bin (hand computation)", () => {
    const predicted = Array.from({ length: 20 }, (_, i) => i / 20);
    const labels = predicted.map((_, i) => i % 4 === 3);
    const table = calibrationTable(predicted, labels);
    expect(table).toHaveLength(10);
    expect(table[0]).toEqual({
      bin: 0,
      n: 2,
      minPredicted: 0,
      maxPredicted: 0.05,
      meanPredicted: 0.025,
      positives: 0,
      observedRate: 0,
    });
    // Bin 1 holds 0.10 and 0.15 (i = 2, 3): i = 3 is positive.
    expect(table[1]?.positives).toBe(1);
    expect(table[1]?.meanPredicted).toBeCloseTo(0.125, 15);
    expect(table.reduce((s, b) => s + b.n, 0)).toBe(20);
  });

  it("keeps tied predictions in one bin", () => {
    const predicted = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9];
    const labels = [false, false, true, false, false, false, true, true, false, true];
    const table = calibrationTable(predicted, labels, 5);
    // Midrank of the six 0.1s is 3.5 → bin ⌊(3/10)·5⌋ = 1; of the four 0.9s 8.5 → bin 4.
    expect(table.map((b) => [b.bin, b.n, b.positives])).toEqual([
      [1, 6, 1],
      [4, 4, 3],
    ]);
  });

  it("rejects predictions outside [0, 1]", () => {
    expect(() => calibrationTable([1.5], [true])).toThrow(/0〜1/);
  });
});
