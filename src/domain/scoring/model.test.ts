import { describe, expect, it } from "vitest";
import type { Evaluation } from "../items/evaluate.ts";
import { seededRandom } from "../linkage/random.ts";
import type { PersonId } from "../linkage/types.ts";
import type { IsoDate } from "../types.ts";
import { sigmoid } from "./logistic.ts";
import { buildDataset, modelScorer, stratifiedFolds, trainModel } from "./model.ts";

const ITEMS = ["B01", "B03", "B11", "B16", "B17", "K99"];

/**
 * An evaluation where B01 (the label) depends on B03 and B16 strongly, B17
 * weakly, B11 not at all; K99 nobody holds.
 */
function synthetic(n: number, seed: number): Evaluation {
  const rand = seededRandom(seed);
  const children = [];
  for (let i = 0; i < n; i++) {
    const held: number[] = [];
    for (const k of [1, 2, 3, 4]) if (rand() < 0.2) held.push(k);
    const eta =
      -3 + (held.includes(1) ? 2 : 0) + (held.includes(3) ? 1.5 : 0) + (held.includes(4) ? 0.5 : 0);
    if (rand() < sigmoid(eta)) held.unshift(0);
    children.push({
      person: i,
      personId: `P${String(i + 1).padStart(8, "0")}` as PersonId,
      birthDate: "2015-01-01" as IsoDate,
      age: 9,
      householdNo: null,
      items: held.sort((a, b) => a - b),
    });
  }
  return {
    asOf: "2024-10-01" as IsoDate,
    catalogVersion: "test-1",
    itemIds: ITEMS,
    children,
    evidence: () => {
      throw new Error("not used");
    },
  };
}

describe("buildDataset", () => {
  it("never uses the label's item as a feature and drops items nobody holds", () => {
    const ev = synthetic(300, 1);
    const d = buildDataset(ev, {
      difficulty: "abuse",
      kind: "logistic",
      label: { kind: "item", itemId: "B01" },
    });
    expect(d.features).toEqual(["B03", "B11", "B16", "B17"]);
    expect(d.dropped).toEqual(["K99"]);
    const positives = ev.children.filter((c) => c.items.includes(0)).length;
    expect(d.y.reduce((a, b) => a + b, 0)).toBe(positives);
  });

  it("takes an external label from the given person ids", () => {
    const ev = synthetic(50, 2);
    const pos = new Set([ev.children[3]?.personId as PersonId]);
    const d = buildDataset(ev, {
      difficulty: "abuse",
      kind: "tree",
      label: { kind: "external", name: "要支援" },
      positives: pos,
    });
    expect(d.features).toContain("B01");
    expect(Array.from(d.y).reduce((a, b) => a + b, 0)).toBe(1);
    expect(d.y[3]).toBe(1);
  });
});

describe("stratifiedFolds", () => {
  it("spreads positives evenly and depends only on the seed", () => {
    const y = Uint8Array.from({ length: 103 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const f = stratifiedFolds(y, 5, 9);
    const pos = [0, 0, 0, 0, 0];
    f.forEach((k, i) => {
      if (y[i]) pos[k] = (pos[k] as number) + 1;
    });
    expect(Math.max(...pos) - Math.min(...pos)).toBeLessThanOrEqual(1);
    expect(Array.from(stratifiedFolds(y, 5, 9))).toEqual(Array.from(f));
  });
});

describe("trainModel", () => {
  const ev = synthetic(3000, 4);

  it("logistic: odds ratios follow the generating effects; CV AUC well above chance", () => {
    const card = trainModel(ev, {
      difficulty: "abuse",
      kind: "logistic",
      label: { kind: "item", itemId: "B01" },
      lambda: 1,
      capacity: 20,
    });
    const or = Object.fromEntries(card.logistic?.terms.map((t) => [t.itemId, t.oddsRatio]) ?? []);
    expect(or.B03).toBeGreaterThan(4);
    expect(or.B16).toBeGreaterThan(2.5);
    expect(or.B03).toBeGreaterThan(or.B16 as number);
    expect(or.B11).toBeGreaterThan(0.6);
    expect(or.B11).toBeLessThan(1.6);
    for (const t of card.logistic?.terms ?? []) {
      expect(t.ciLow).toBeLessThan(t.oddsRatio);
      expect(t.ciHigh).toBeGreaterThan(t.oddsRatio);
    }
    expect(card.validation.auc).toBeGreaterThan(0.7);
    expect(card.validation.aucByFold).toHaveLength(5);
    expect(card.validation.precisionAtCapacity).toBeGreaterThan(0.2);
    expect(card.features).not.toContain("B01");
    expect(card.samples).toBe(3000);
    expect(card.notes.join()).toContain("K99");
  });

  it("scores a child with the card exactly as the fitted model", () => {
    const card = trainModel(ev, {
      difficulty: "abuse",
      kind: "logistic",
      label: { kind: "item", itemId: "B01" },
    });
    const score = modelScorer(card, ITEMS);
    const terms = Object.fromEntries(
      card.logistic?.terms.map((t) => [t.itemId, t.coefficient]) ?? [],
    );
    expect(score([1, 3])).toBeCloseTo(
      sigmoid((card.logistic?.intercept as number) + (terms.B03 as number) + (terms.B16 as number)),
      12,
    );
    // The label item holding changes nothing: it is not a feature.
    expect(score([0])).toBeCloseTo(score([]), 12);
  });

  it("tree: a readable depth ≤ 3 tree splitting first on the strongest item", () => {
    const card = trainModel(ev, {
      difficulty: "abuse",
      kind: "tree",
      label: { kind: "item", itemId: "B01" },
      minLeaf: 30,
    });
    expect(card.tree?.kind).toBe("split");
    if (card.tree?.kind === "split") expect(card.tree.itemId).toBe("B03");
    expect(card.validation.auc).toBeGreaterThan(0.65);
    const score = modelScorer(card, ITEMS);
    expect(score([1])).toBeGreaterThan(score([]));
  });

  it("refuses a label with too few cases to cross-validate", () => {
    const tiny = synthetic(30, 5);
    const withOne: Evaluation = {
      ...tiny,
      children: tiny.children.map((c, i) => ({
        ...c,
        items: i === 0 ? [0] : c.items.filter((k) => k !== 0),
      })),
    };
    expect(() =>
      trainModel(withOne, {
        difficulty: "abuse",
        kind: "logistic",
        label: { kind: "item", itemId: "B01" },
      }),
    ).toThrow(/交差検証/);
  });
});
