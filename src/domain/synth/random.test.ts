import { describe, expect, it } from "vitest";
import { Rng, WeightedTable } from "./random.ts";

describe("Rng", () => {
  it("repeats its stream for the same seed and label", () => {
    const a = new Rng(42, "x");
    const b = new Rng(42, "x");
    for (let i = 0; i < 1000; i++) expect(a.next()).toBe(b.next());
  });

  it("gives different streams for different seeds or labels", () => {
    const first = (r: Rng) => Array.from({ length: 8 }, () => r.next());
    expect(first(new Rng(42, "x"))).not.toEqual(first(new Rng(43, "x")));
    expect(first(new Rng(42, "x"))).not.toEqual(first(new Rng(42, "y")));
    expect(first(new Rng(2 ** 40, ""))).not.toEqual(first(new Rng(0, "")));
  });

  it("draws uniformly in range", () => {
    const r = new Rng(1);
    const counts = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.int(10);
      if (x < 0 || x >= 10 || !Number.isInteger(x)) outside++;
      else counts[x]++;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it("has the stated means for normal, Poisson and exponential draws", () => {
    const r = new Rng(7);
    const n = 50_000;
    let sn = 0;
    let sn2 = 0;
    let sp = 0;
    let se = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      sp += r.poisson(3.5);
      se += r.exponential(2);
    }
    expect(Math.abs(sn / n)).toBeLessThan(0.02);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.03);
    expect(Math.abs(sp / n - 3.5)).toBeLessThan(0.05);
    expect(Math.abs(se / n - 2)).toBeLessThan(0.05);
  });

  it("draws by weight", () => {
    const r = new Rng(3);
    const t = new WeightedTable(["a", "b", "c"], [1, 0, 3]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 40_000; i++) {
      const x = t.draw(r);
      counts[x] = (counts[x] ?? 0) + 1;
    }
    expect(counts.b).toBe(0);
    expect((counts.c as number) / (counts.a as number)).toBeGreaterThan(2.7);
    expect((counts.c as number) / (counts.a as number)).toBeLessThan(3.3);
    const w = [0, 2, 0, 2];
    for (let i = 0; i < 1000; i++) expect([1, 3]).toContain(r.weighted(w));
  });
});
