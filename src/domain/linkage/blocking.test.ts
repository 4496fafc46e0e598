import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockPairs, compositeKey, compositeKeyReference, totalPairs } from "./blocking.ts";
import type { BlockingRule, LinkageSettings } from "./settings.ts";
import { buildTable } from "./table.ts";

const rules: BlockingRule[] = [
  { name: "a", columns: ["a"] },
  { name: "b+c", columns: ["b", "c"] },
  { name: "c", columns: ["c"] },
];

describe("blockPairs", () => {
  it("generates exactly the pairs some rule joins, each once, credited to the first rule", () => {
    const value = fc.constantFrom("x", "y", "z", null);
    const linkType = fc.constantFrom<LinkageSettings["linkType"]>(
      "link_only",
      "dedupe_only",
      "link_and_dedupe",
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: value, b: value, c: value, g: fc.integer({ min: 0, max: 1 }) }), {
          maxLength: 25,
        }),
        linkType,
        (rows, lt) => {
          const cells = rows as unknown as Record<string, string | null>[];
          const t = buildTable(cells, ["a", "b", "c"], { group: (i) => rows[i]?.g ?? 0 });
          const got = blockPairs(t, rules, lt);
          // Counted only (λ's deterministic rules): the same count and reports, no pairs kept.
          const counted = blockPairs(t, rules, lt, undefined, { countOnly: true });
          expect(counted.count).toBe(got.count);
          expect(counted.rules).toEqual(got.rules);
          expect(counted.left.length).toBe(0);
          const seen = new Map<string, number>();
          for (let p = 0; p < got.count; p++) {
            const key = `${got.left[p]},${got.right[p]}`;
            expect(seen.has(key)).toBe(false);
            expect(got.left[p] as number).toBeLessThan(got.right[p] as number);
            seen.set(key, got.rule[p] as number);
          }
          const agrees = (r: BlockingRule, i: number, j: number) =>
            r.columns.every((c) => {
              const x = cells[i]?.[c];
              return x != null && x === cells[j]?.[c];
            });
          let expected = 0;
          for (let i = 0; i < rows.length; i++)
            for (let j = i + 1; j < rows.length; j++) {
              const same = rows[i]?.g === rows[j]?.g;
              if ((lt === "link_only" && same) || (lt === "dedupe_only" && !same)) continue;
              const first = rules.findIndex((r) => agrees(r, i, j));
              if (first < 0) continue;
              expected++;
              expect(seen.get(`${i},${j}`)).toBe(first);
            }
          expect(got.count).toBe(expected);
          expect(got.rules.reduce((s, r) => s + r.pairs, 0)).toBe(expected);
        },
      ),
    );
  });
  it("skips and reports blocks over maxBlockSize", () => {
    const t = buildTable([{ a: "x" }, { a: "x" }, { a: "x" }, { a: "y" }, { a: "y" }], ["a"]);
    const got = blockPairs(t, [{ name: "a", columns: ["a"], maxBlockSize: 2 }], "dedupe_only");
    expect(got.count).toBe(1);
    expect(got.rules[0]).toMatchObject({
      pairs: 1,
      skippedBlocks: 1,
      skippedPairs: 3,
      largestBlock: 3,
    });
  });
  it("counts all pairs per link type", () => {
    const t = buildTable([{ a: "1" }, { a: "2" }, { a: "3" }, { a: "4" }], ["a"], {
      group: (i) => (i < 1 ? 0 : 1),
    });
    expect(totalPairs(t, "link_and_dedupe")).toBe(6);
    expect(totalPairs(t, "link_only")).toBe(3);
    expect(totalPairs(t, "dedupe_only")).toBe(3);
  });
});

describe("compositeKey", () => {
  it("numbers combinations exactly as the map-per-column definition (first row first)", () => {
    const value = fc.constantFrom("x", "y", "z", "w", null);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.constantFrom(["c0"], ["c0", "c1"], ["c1", "c0", "c2"], ["c2", "c2", "c1"]),
        (cells, excluded, columns) => {
          const table = buildTable(
            cells.map(([a, b, c]) => ({ c0: a, c1: b, c2: c })),
            ["c0", "c1", "c2"],
          );
          const exclude = Uint8Array.from(cells, (_, i) => (excluded[i] ? 1 : 0));
          for (const ex of [undefined, exclude]) {
            const got = compositeKey(table, columns, ex);
            const want = compositeKeyReference(table, columns, ex);
            expect(got.distinct).toBe(want.distinct);
            expect([...got.key]).toEqual([...want.key]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
