import { describe, expect, it } from "vitest";
import { assignPersonIds, EMPTY_STATE, formatPersonId, nextState } from "./person-ids.ts";

describe("assignPersonIds", () => {
  const first = assignPersonIds([{ anchors: ["wa", "wb", "r0100"] }, { anchors: ["wc"] }]);
  const state = nextState(EMPTY_STATE, first.assignment);
  it("numbers new persons from 1 in a stable order", () => {
    expect(first.ids).toEqual([formatPersonId(1), formatPersonId(2)]);
    expect(first.assignment.nextSeq).toBe(3);
    expect(first.events).toEqual([]);
  });
  it("keeps ids when the same persons come again, in any order", () => {
    const again = assignPersonIds([{ anchors: ["wc"] }, { anchors: ["wb", "wa", "r0100"] }], state);
    expect(again.ids).toEqual([formatPersonId(2), formatPersonId(1)]);
  });
  it("keeps the id through a changed record when one anchor survives (宛名番号 or name)", () => {
    expect(assignPersonIds([{ anchors: ["wa2", "r0100"] }], state).ids).toEqual([
      formatPersonId(1),
    ]);
    expect(assignPersonIds([{ anchors: ["wc", "gnew"] }], state).ids).toEqual([formatPersonId(2)]);
  });
  it("gives a new person a fresh id and never reuses one", () => {
    const more = assignPersonIds([{ anchors: ["wa", "wb", "r0100"] }, { anchors: ["wd"] }], state);
    expect(more.ids).toEqual([formatPersonId(1), formatPersonId(3)]);
    const later = assignPersonIds([{ anchors: ["wc"] }], nextState(state, more.assignment));
    expect(later.ids).toEqual([formatPersonId(2)]);
    expect(later.assignment.nextSeq).toBe(4);
  });
  it("on a split, the part sharing most keeps the id and the split is reported", () => {
    const split = assignPersonIds([{ anchors: ["wa"] }, { anchors: ["wb", "r0100"] }], state);
    expect(split.ids).toEqual([formatPersonId(3), formatPersonId(1)]);
    expect(split.events).toEqual([
      {
        kind: "split",
        personId: formatPersonId(1),
        otherPersonId: formatPersonId(3),
        shared: 1,
        cluster: 0,
      },
    ]);
  });
  it("on a merge, one id survives and the other is reported as merged into it", () => {
    const merged = assignPersonIds([{ anchors: ["wa", "wb", "wc", "r0100"] }], state);
    expect(merged.ids).toEqual([formatPersonId(1)]);
    expect(merged.events).toEqual([
      {
        kind: "merge",
        personId: formatPersonId(1),
        otherPersonId: formatPersonId(2),
        shared: 1,
        cluster: 0,
      },
    ]);
  });
  it("the state holds one entry per anchor, whatever the number of runs", () => {
    let s = state;
    for (let run = 0; run < 5; run++)
      s = nextState(
        s,
        assignPersonIds([{ anchors: ["wa", "wb", "r0100"] }, { anchors: ["wc"] }], s).assignment,
      );
    expect(s.byKey.size).toBe(4);
  });
});
