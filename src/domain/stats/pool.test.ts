import { describe, expect, it } from "vitest";
import type { AggregateRow } from "./aggregate.ts";
import { poolAggregates } from "./pool.ts";

const row = (
  municipality: string,
  itemId: string,
  cells: (number | null)[],
  difficulty = "abuse",
): AggregateRow => {
  const [a = null, b = null, c = null, d = null] = cells;
  return { municipality, itemId, difficulty, a, b, c, d };
};

// The three towns of mantel-haenszel.test.ts (hand computation there).
const towns: AggregateRow[] = [
  row("A町", "B03", [6, 10, 4, 20]),
  row("B町", "B03", [5, 10, 5, 30]),
  row("C町", "B03", [12, 15, 8, 25]),
];

describe("poolAggregates", () => {
  it("pools per item × type: three towns that each miss reach significance together", () => {
    const [b03] = poolAggregates(towns);
    expect(b03?.used).toEqual(["A町", "B町", "C町"]);
    expect(b03?.associatedIn).toEqual([]);
    expect(b03?.pilotMarker).toBe("");
    expect(b03?.mh.oddsRatio).toBe(2.75);
    expect(b03?.mh.pCorrected as number).toBeCloseTo(0.013451847816, 10);
    expect(b03?.associated).toBe(true);
    expect(b03?.q).toBe(b03?.mh.pCorrected);
  });

  it("leaves suppressed tables out and names them", () => {
    const rows = [...towns, row("D村", "B03", [null, null, null, null])];
    const [b03] = poolAggregates(rows);
    expect(b03?.used).toEqual(["A町", "B町", "C町"]);
    expect(b03?.excluded).toEqual(["D村"]);
    expect(b03?.mh.strata).toBe(3);
  });

  it("gives BH q over all item × type rows, sorted by item then type", () => {
    const rows = [
      ...towns,
      row("A町", "B10", [5, 50, 45, 450], "poverty"),
      row("B町", "B10", [6, 60, 54, 540], "poverty"),
      row("A町", "B02", [null, null, null, null]),
    ];
    const pooled = poolAggregates(rows);
    expect(pooled.map((p) => `${p.itemId}/${p.difficulty}`)).toEqual([
      "B02/abuse",
      "B03/abuse",
      "B10/poverty",
    ]);
    // B02 has no usable table: no p, not in the family; m = 2 for the other two.
    expect(pooled[0]?.mh.pCorrected).toBeNull();
    expect(pooled[0]?.q).toBeNull();
    const p03 = pooled[1]?.mh.pCorrected as number;
    const p10 = pooled[2]?.mh.pCorrected as number;
    expect(p10).toBe(1);
    expect(pooled[1]?.q).toBeCloseTo(Math.min(2 * p03, p10), 15);
  });

  it("counts the municipalities where the item is associated alone (● / ◆)", () => {
    const strong = [40, 100, 60, 800];
    const pooled = poolAggregates([
      row("A市", "B16", strong),
      row("B市", "B16", strong),
      row("C町", "B16", [1, 10, 9, 90]),
    ]);
    expect(pooled[0]?.associatedIn).toEqual(["A市", "B市"]);
    expect(pooled[0]?.pilotMarker).toBe("●");
  });

  it("refuses the same municipality twice for one item × type", () => {
    expect(() => poolAggregates([...towns, towns[0] as AggregateRow])).toThrow(
      /同じファイルを二度/,
    );
  });
});
