import { describe, expect, it } from "vitest";
import { assignPersonIds, formatPersonId } from "./person-ids.ts";

describe("assignPersonIds", () => {
  const first = assignPersonIds([
    { profileKeys: ["a", "b"], residentNos: ["100"] },
    { profileKeys: ["c"], residentNos: [] },
  ]);
  it("numbers new persons from 1 in a stable order", () => {
    expect(first.ids).toEqual([formatPersonId(1), formatPersonId(2)]);
    expect(first.assignment.nextSeq).toBe(3);
  });
  it("keeps ids when the same persons come again, in any order", () => {
    const again = assignPersonIds(
      [
        { profileKeys: ["c"], residentNos: [] },
        { profileKeys: ["b", "a"], residentNos: ["100"] },
      ],
      first.assignment,
    );
    expect(again.ids).toEqual([formatPersonId(2), formatPersonId(1)]);
  });
  it("keeps the id through a changed profile when the 宛名番号 is the same", () => {
    const moved = assignPersonIds(
      [{ profileKeys: ["a2"], residentNos: ["100"] }],
      first.assignment,
    );
    expect(moved.ids).toEqual([formatPersonId(1)]);
  });
  it("gives a new person a fresh id and never reuses one", () => {
    const more = assignPersonIds(
      [
        { profileKeys: ["a", "b"], residentNos: ["100"] },
        { profileKeys: ["d"], residentNos: [] },
      ],
      first.assignment,
    );
    expect(more.ids).toEqual([formatPersonId(1), formatPersonId(3)]);
    const later = assignPersonIds([{ profileKeys: ["c"], residentNos: [] }], more.assignment);
    expect(later.ids).toEqual([formatPersonId(2)]);
  });
  it("on a split, the part sharing most keeps the id; on a merge, one id survives", () => {
    const split = assignPersonIds(
      [
        { profileKeys: ["a"], residentNos: [] },
        { profileKeys: ["b"], residentNos: ["100"] },
      ],
      first.assignment,
    );
    expect(split.ids[1]).toBe(formatPersonId(1));
    expect(split.ids[0]).toBe(formatPersonId(3));
    const merged = assignPersonIds(
      [{ profileKeys: ["a", "b", "c"], residentNos: ["100"] }],
      first.assignment,
    );
    expect(merged.ids).toEqual([formatPersonId(1)]);
  });
});
