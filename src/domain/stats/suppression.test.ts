import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALL_MARGINS_KNOWN,
  CELLS,
  type Cell,
  type KnownMargins,
  knownConstraints,
  type SuppressedTable,
  suppressSmallCells,
} from "./suppression.ts";
import type { TwoByTwo } from "./two-by-two.ts";

/**
 * The attacker: every table of non-negative integers that shows the published
 * cells and has the known sums of the true table. Brute force over the suppressed
 * cells (each ≤ the grand total), so it assumes nothing about how suppression
 * chose its cells. Returns the set of values each suppressed cell can take.
 */
function attack(truth: TwoByTwo, published: SuppressedTable, margins: KnownMargins) {
  const hidden = CELLS.filter((c) => published[c] === null);
  const groups = knownConstraints(margins);
  const sums = groups.map((g) => g.reduce((s, c) => s + truth[c], 0));
  const bound = truth.a + truth.b + truth.c + truth.d;
  const seen = new Map<Cell, Set<number>>(hidden.map((c) => [c, new Set<number>()]));
  const candidate: Record<Cell, number> = {
    a: published.a ?? 0,
    b: published.b ?? 0,
    c: published.c ?? 0,
    d: published.d ?? 0,
  };
  const assigned = new Set<Cell>(CELLS.filter((c) => published[c] !== null));
  // Prunes as soon as a known sum is exceeded, or missed with all its cells set.
  const consistent = () =>
    groups.every((g, j) => {
      const sum = g.reduce((s, c) => s + (assigned.has(c) ? candidate[c] : 0), 0);
      const target = sums[j] as number;
      return g.every((c) => assigned.has(c)) ? sum === target : sum <= target;
    });
  const search = (i: number) => {
    if (i === hidden.length) {
      for (const c of hidden) seen.get(c)?.add(candidate[c]);
      return;
    }
    const cell = hidden[i] as Cell;
    assigned.add(cell);
    for (let v = 0; v <= bound; v++) {
      candidate[cell] = v;
      if (consistent()) search(i + 1);
    }
    assigned.delete(cell);
  };
  search(0);
  return seen;
}

/** True when the known sums alone (nothing published) already pin the cell down. */
function determinedByMargins(truth: TwoByTwo, cell: Cell, margins: KnownMargins): boolean {
  const nothing: SuppressedTable = {
    a: null,
    b: null,
    c: null,
    d: null,
    primary: [],
    complementary: [],
  };
  return (attack(truth, nothing, margins).get(cell)?.size ?? 0) === 1;
}

const marginModels: KnownMargins[] = [
  ALL_MARGINS_KNOWN,
  { rows: false, columns: true, total: true },
  { rows: true, columns: false, total: false },
  { rows: false, columns: false, total: true },
];

describe("suppressSmallCells", () => {
  it("hides the whole table when all margins are known (one degree of freedom)", () => {
    const s = suppressSmallCells({ a: 3, b: 40, c: 25, d: 900 });
    expect(s).toEqual({
      a: null,
      b: null,
      c: null,
      d: null,
      primary: ["a"],
      complementary: ["b", "c", "d"],
    });
  });

  it("hides only the column partner when only the column totals are known", () => {
    const s = suppressSmallCells(
      { a: 3, b: 40, c: 25, d: 900 },
      { knownMargins: { rows: false, columns: true, total: false } },
    );
    expect([s.a, s.b, s.c, s.d]).toEqual([null, 40, null, 900]);
  });

  it("publishes tables with no cell below k, and k = 0 turns suppression off", () => {
    expect(suppressSmallCells({ a: 10, b: 40, c: 25, d: 900 })).toMatchObject({
      a: 10,
      b: 40,
      c: 25,
      d: 900,
    });
    expect(suppressSmallCells({ a: 0, b: 1, c: 2, d: 3 }, { k: 0 })).toMatchObject({
      a: 0,
      b: 1,
      c: 2,
      d: 3,
    });
    expect(suppressSmallCells({ a: 4, b: 40, c: 25, d: 900 }, { k: 3 }).a).toBe(4);
  });

  it("treats 0 as a small cell", () => {
    expect(suppressSmallCells({ a: 50, b: 40, c: 0, d: 900 }).primary).toEqual(["c"]);
  });

  it("rejects a bad k", () => {
    expect(() => suppressSmallCells({ a: 1, b: 1, c: 1, d: 1 }, { k: -1 })).toThrow(/閾値 k/);
  });

  it("leaves no suppressed cell recoverable from the published cells and totals", () => {
    fc.assert(
      fc.property(
        fc.record({
          a: fc.nat(14),
          b: fc.nat(14),
          c: fc.nat(14),
          d: fc.nat(14),
        }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(...marginModels),
        (truth, k, margins) => {
          const published = suppressSmallCells(truth, { k, knownMargins: margins });
          // Primary cells really are hidden, and nothing ≥ k is hidden without reason.
          for (const c of CELLS) {
            if (truth[c] < k && published[c] !== null) return false;
            if (published[c] !== null && published[c] !== truth[c]) return false;
          }
          const found = attack(truth, published, margins);
          for (const [cell, values] of found) {
            // The truth is always among the candidates; more than one candidate means
            // not recovered, unless the known totals alone already fix the cell (a zero
            // margin: an item nobody holds), which publishing cells cannot change.
            if (!values.has(truth[cell])) return false;
            if (values.size < 2 && !determinedByMargins(truth, cell, margins)) return false;
          }
          return true;
        },
      ),
      { seed: 42, numRuns: 150 },
    );
  });

  it("would be recoverable without complementary suppression (the attacker works)", () => {
    // Primary suppression alone: a = 3 hidden, the rest and the margins published.
    const truth = { a: 3, b: 40, c: 25, d: 900 };
    const naive: SuppressedTable = {
      a: null,
      b: 40,
      c: 25,
      d: 900,
      primary: ["a"],
      complementary: [],
    };
    expect([...(attack(truth, naive, ALL_MARGINS_KNOWN).get("a") ?? [])]).toEqual([3]);
  });
});
