import { describe, expect, it } from "vitest";
import { decisionPrecision, laterCouncilRow } from "./decision-labels.ts";

const kids = [
  { personId: "P1", score: 9, flagged: true },
  { personId: "P2", score: 8, flagged: true },
  { personId: "P3", score: 8, flagged: true },
  { personId: "P4", score: 3, flagged: false },
  { personId: "P5", score: 1, flagged: false },
];

describe("decision labels", () => {
  it("precision at capacity: 要支援 positive, 経過観察/支援不要 negative, 調査継続 and undecided unlabelled", () => {
    const d = new Map([
      ["P1", "support"],
      ["P2", "investigate"],
      ["P3", "no_support"],
      ["P4", "support"],
    ] as const);
    const r = decisionPrecision("poverty", kids, d, [1, 3, 5]);
    expect(r).toMatchObject({ n: 5, decided: 3, positives: 2, decidedFlagged: 2 });
    expect(r.atCapacity).toEqual([
      { k: 1, labelled: 1, positives: 1, precision: 1 },
      // P2 (調査継続) is in the top 3 but unlabelled; P3 ties P2 and is ranked by id after it.
      { k: 3, labelled: 2, positives: 1, precision: 0.5 },
      { k: 5, labelled: 3, positives: 2, precision: 2 / 3 },
    ]);
    expect(decisionPrecision("poverty", kids, new Map(), [5]).atCapacity[0]?.precision).toBeNull();
  });

  it("later 要対協 registration: flagged against not flagged, those registered at the run left out", () => {
    const r = laterCouncilRow("abuse", kids, new Set(["P1"]), new Set(["P1", "P2", "P5"]));
    expect(r).toEqual({
      difficulty: "abuse",
      flagged: 2,
      flaggedLater: 1,
      unflagged: 2,
      unflaggedLater: 1,
      flaggedRate: 0.5,
      unflaggedRate: 0.5,
    });
  });
});
