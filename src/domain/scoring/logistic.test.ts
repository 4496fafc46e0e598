import { describe, expect, it } from "vitest";
import { seededRandom } from "../linkage/random.ts";
import {
  fitLogistic,
  logisticGradient,
  predictLogistic,
  sigmoid,
  sparseFromLists,
} from "./logistic.ts";

/** Samples of a 2×2 table: a (x=1,y=1), b (x=1,y=0), c (x=0,y=1), d (x=0,y=0). */
function table(a: number, b: number, c: number, d: number) {
  const lists: number[][] = [];
  const y: number[] = [];
  const add = (n: number, x: boolean, label: number) => {
    for (let i = 0; i < n; i++) {
      lists.push(x ? [0] : []);
      y.push(label);
    }
  };
  add(a, true, 1);
  add(b, true, 0);
  add(c, false, 1);
  add(d, false, 0);
  return { x: sparseFromLists(1, lists), y: Uint8Array.from(y) };
}

describe("fitLogistic", () => {
  it("reproduces the closed-form MLE of a 2×2 table (λ = 0)", () => {
    const { x, y } = table(30, 20, 10, 40);
    const f = fitLogistic(x, y, { lambda: 0 });
    expect(f.converged).toBe(true);
    expect(f.intercept).toBeCloseTo(Math.log(10 / 40), 10);
    expect(f.coefficients[0]).toBeCloseTo(Math.log(30 / 20 / (10 / 40)), 10);
    // The Wald SE of the log odds ratio equals Woolf's sqrt(1/a + 1/b + 1/c + 1/d).
    expect(f.standardErrors[1]).toBeCloseTo(Math.sqrt(1 / 30 + 1 / 20 + 1 / 10 + 1 / 40), 8);
  });

  it("shrinks the coefficient towards 0 as λ grows", () => {
    const { x, y } = table(30, 20, 10, 40);
    const b = [0, 1, 10, 100].map(
      (lambda) => fitLogistic(x, y, { lambda }).coefficients[0] as number,
    );
    for (let i = 1; i < b.length; i++) expect(b[i]).toBeLessThan(b[i - 1] as number);
    expect(b[3]).toBeGreaterThan(0);
  });

  it("stops at a zero penalised gradient and agrees with plain gradient ascent", () => {
    const rand = seededRandom(7);
    const p = 4;
    const lists: number[][] = [];
    const y: number[] = [];
    const truth = [-1.5, 1.2, 0.8, -0.7, 0];
    for (let i = 0; i < 600; i++) {
      const l: number[] = [];
      let eta = truth[0] as number;
      for (let j = 0; j < p; j++) {
        if (rand() < 0.3) {
          l.push(j);
          eta += truth[j + 1] as number;
        }
      }
      lists.push(l);
      y.push(rand() < sigmoid(eta) ? 1 : 0);
    }
    const x = sparseFromLists(p, lists);
    const yy = Uint8Array.from(y);
    const f = fitLogistic(x, yy, { lambda: 2 });
    for (const g of logisticGradient(f, x, yy)) expect(Math.abs(g)).toBeLessThan(1e-6);
    // Independent optimiser: many small gradient steps on the same objective.
    const beta = new Float64Array(p + 1);
    for (let it = 0; it < 20000; it++) {
      const g = logisticGradient(
        { intercept: beta[0] as number, coefficients: beta.slice(1), lambda: 2 },
        x,
        yy,
      );
      for (let j = 0; j <= p; j++) beta[j] = (beta[j] as number) + 0.002 * (g[j] as number);
    }
    expect(f.intercept).toBeCloseTo(beta[0] as number, 4);
    for (let j = 0; j < p; j++) expect(f.coefficients[j]).toBeCloseTo(beta[j + 1] as number, 4);
    const pred = predictLogistic(f, x);
    expect(pred[0]).toBeCloseTo(
      sigmoid(
        f.intercept + (lists[0] as number[]).reduce((s, j) => s + (f.coefficients[j] as number), 0),
      ),
      12,
    );
  });

  it("reports non-convergence under complete separation without a penalty", () => {
    const { x, y } = table(20, 0, 0, 20);
    expect(fitLogistic(x, y, { lambda: 0, maxIterations: 25 }).converged).toBe(false);
    const pen = fitLogistic(x, y, { lambda: 1 });
    expect(pen.converged).toBe(true);
    expect(Number.isFinite(pen.coefficients[0])).toBe(true);
  });

  it("refuses labels that are all the same", () => {
    const { x } = table(5, 5, 5, 5);
    expect(() => fitLogistic(x, new Uint8Array(20))).toThrow(/正解ラベル/);
  });
});
