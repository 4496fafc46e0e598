import { describe, expect, it } from "vitest";
import { seededRandom } from "../linkage/random.ts";
import { sparseFromLists } from "./logistic.ts";
import { fitTree, predictTree, treeDepth } from "./tree.ts";

function separable(n: number, seed: number) {
  const rand = seededRandom(seed);
  const lists: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const l: number[] = [];
    for (let j = 0; j < 5; j++) if (rand() < 0.5) l.push(j);
    lists.push(l);
    // label = feature 1 AND NOT feature 3; features 0, 2, 4 are noise.
    y.push(l.includes(1) && !l.includes(3) ? 1 : 0);
  }
  return { x: sparseFromLists(5, lists), y: Uint8Array.from(y) };
}

describe("fitTree", () => {
  it("recovers a rule on separable data exactly, with depth 2", () => {
    const { x, y } = separable(400, 3);
    const tree = fitTree(x, y, { minLeaf: 5 });
    expect(tree.kind).toBe("split");
    if (tree.kind !== "split") return;
    expect([1, 3]).toContain(tree.feature);
    expect(treeDepth(tree)).toBe(2);
    const p = predictTree(tree, x);
    p.forEach((v, i) => {
      expect(v).toBe(y[i]);
    });
  });

  it("never grows deeper than 3", () => {
    const rand = seededRandom(11);
    const lists: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const l: number[] = [];
      for (let j = 0; j < 8; j++) if (rand() < 0.5) l.push(j);
      lists.push(l);
      y.push(l.length % 2); // parity: needs every feature
    }
    const tree = fitTree(sparseFromLists(8, lists), Uint8Array.from(y), {
      maxDepth: 10,
      minLeaf: 1,
      minGain: 0,
    });
    expect(treeDepth(tree)).toBeLessThanOrEqual(3);
  });

  it("keeps leaves at least minLeaf large and stops on pure nodes", () => {
    const { x, y } = separable(200, 5);
    const tree = fitTree(x, y, { minLeaf: 30 });
    const leaves: number[] = [];
    const walk = (n: typeof tree) => {
      if (n.kind === "leaf") leaves.push(n.n);
      else {
        walk(n.yes);
        walk(n.no);
      }
    };
    walk(tree);
    for (const n of leaves) expect(n).toBeGreaterThanOrEqual(30);
    expect(leaves.reduce((a, b) => a + b, 0)).toBe(200);
  });
});
