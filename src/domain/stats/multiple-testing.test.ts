import { describe, expect, it } from "vitest";
import misc from "./fixtures/scipy-misc.json" with { type: "json" };
import { benjaminiHochberg } from "./multiple-testing.ts";

describe("benjaminiHochberg", () => {
  it("matches the step-up procedure by hand", () => {
    // m = 5, sorted p: 0.01 0.02 0.03 0.04 0.5 → m p / rank: 0.05 0.05 0.05 0.05 0.5,
    // then the running minimum from the top leaves them as they are.
    const q5 = benjaminiHochberg([0.04, 0.01, 0.5, 0.03, 0.02]);
    [0.05, 0.05, 0.5, 0.05, 0.05].forEach((v, i) => {
      expect(q5[i]).toBeCloseTo(v, 15);
    });
    // 0.001·3/1 = 0.003; 0.04·3/2 = 0.06; 0.045·3/3 = 0.045 → min from the top: 0.045 for rank 2.
    const q = benjaminiHochberg([0.001, 0.04, 0.045]);
    expect(q[0]).toBeCloseTo(0.003, 15);
    expect(q[1]).toBeCloseTo(0.045, 15);
    expect(q[2]).toBeCloseTo(0.045, 15);
  });

  it("leaves untestable entries out of m and returns null for them", () => {
    expect(benjaminiHochberg([0.01, null, 0.04, Number.NaN])).toEqual([0.02, null, 0.04, null]);
    expect(benjaminiHochberg([])).toEqual([]);
    expect(() => benjaminiHochberg([0.2, 1.5])).toThrow(/0〜1/);
  });

  it("never exceeds 1 and is never below p", () => {
    const p = [0.9, 0.95, 0.99, 0.2];
    const q = benjaminiHochberg(p) as number[];
    q.forEach((v, i) => {
      expect(v).toBeLessThanOrEqual(1);
      expect(v).toBeGreaterThanOrEqual(p[i] as number);
    });
  });

  it.each(misc.benjamini_hochberg.map((c, i) => [i, c] as const))(
    "agrees with scipy false_discovery_control, case %i",
    (_i, c) => {
      const q = benjaminiHochberg(c.p) as number[];
      c.q.forEach((ref, i) => {
        expect(Math.abs((q[i] as number) - ref)).toBeLessThanOrEqual(1e-12 * ref);
      });
    },
  );
});
