import { describe, expect, it } from "vitest";
import { testTwoByTwo } from "./two-by-two.ts";
import { type ItemCounts, pilotMarker, validateItem, validateItems } from "./validate-item.ts";

const item = (
  itemId: string,
  a: number,
  b: number,
  c: number,
  d: number,
  extra: Partial<ItemCounts> = {},
): ItemCounts => ({
  itemId,
  difficulty: "abuse",
  a,
  b,
  c,
  d,
  ...extra,
});

describe("validateItem", () => {
  it("applies the pilots' criterion: p ≤ 0.05 and a above its expected count", () => {
    // Strong positive association, large counts: Pearson decides.
    const v = validateItem(item("B16", 40, 100, 60, 800));
    expect(v.test.testUsed).toBe("pearson");
    expect(v.associated).toBe(true);
    expect(v.q).toBe(v.test.pUsed);
    expect(v.marker).toBe("●");
    // Significant but negative (fewer 抽出群 children hold it than expected): not "related" (report §2.1 *3).
    const neg = validateItem(item("B07", 2, 300, 98, 600));
    expect(neg.test.p as number).toBeLessThan(0.05);
    expect(neg.test.direction).toBe("negative");
    expect(neg.associated).toBe(false);
    expect(neg.marker).toBe("");
  });

  it("marks group-defining and untestable items with –", () => {
    expect(validateItem(item("B01", 30, 0, 0, 900, { excluded: true }))).toMatchObject({
      marker: "–",
      associated: false,
      q: null,
      excluded: true,
    });
    expect(validateItem(item("B05", 0, 0, 30, 900)).marker).toBe("–");
  });
});

describe("validateItems", () => {
  it("shows ◆ for a nominal p ≤ 0.05 that does not survive Benjamini–Hochberg", () => {
    // One weak finding (p ≈ 0.035) among nine nulls: q = 10 · 0.03 / 1 > 0.05.
    const weak = item("B03", 28, 172, 72, 728);
    const p = testTwoByTwo(weak).pUsed as number;
    expect(p).toBeGreaterThan(0.01);
    expect(p).toBeLessThan(0.05);
    const nulls = Array.from({ length: 9 }, (_, i) => item(`X${i}`, 10, 90, 90, 810));
    const [first, ...rest] = validateItems([weak, ...nulls]);
    expect(first?.associated).toBe(true);
    expect(first?.q as number).toBeCloseTo(Math.min(1, p * 10), 12);
    expect(first?.marker).toBe("◆");
    expect(rest.every((r) => r.marker === "" && r.q === 1)).toBe(true);
  });

  it("can take each difficulty type as its own family", () => {
    const weak = item("B03", 28, 172, 72, 728);
    const other = item("B03", 10, 90, 90, 810, { difficulty: "poverty" });
    const all = validateItems([weak, other]);
    const perType = validateItems([weak, other], { family: "difficulty" });
    expect(perType[0]?.q).toBe(perType[0]?.test.pUsed);
    expect(all[0]?.q as number).toBeGreaterThan(perType[0]?.q as number);
  });

  it("leaves excluded and untestable items out of the family size", () => {
    const weak = item("B03", 28, 172, 72, 728);
    const rows = validateItems([
      weak,
      item("B01", 5, 0, 0, 20, { excluded: true }),
      item("B05", 0, 0, 3, 9),
    ]);
    expect(rows[0]?.q).toBe(rows[0]?.test.pUsed);
  });
});

describe("pilotMarker", () => {
  it("is ● for two or more municipalities, ◆ for one (report §2.1)", () => {
    expect([pilotMarker(0), pilotMarker(1), pilotMarker(2), pilotMarker(7)]).toEqual([
      "",
      "◆",
      "●",
      "●",
    ]);
  });
});
