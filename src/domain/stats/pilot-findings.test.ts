import { describe, expect, it } from "vitest";
import { pilotMark, yearlyReview } from "./pilot-findings.ts";
import { validateItems } from "./validate-item.ts";

describe("yearly review against the 2024 pilots", () => {
  it("reads the pilots' table", () => {
    expect(pilotMark("B16", "abuse")).toBe("●");
    expect(pilotMark("B04", "abuse")).toBe("◆");
    expect(pilotMark("B01", "abuse")).toBe("–");
    expect(pilotMark("B07", "abuse")).toBe("");
    expect(pilotMark("B16", "young_carer")).toBeUndefined();
    expect(pilotMark("X99", "abuse")).toBeUndefined();
  });

  it("says which findings hold here, which do not, which were not tested and which are new", () => {
    const validation = validateItems([
      // Found by the pilots and here.
      { itemId: "B16", difficulty: "abuse", a: 40, b: 20, c: 60, d: 880 },
      // Found by the pilots (●), tested here, no association.
      { itemId: "B17", difficulty: "abuse", a: 5, b: 45, c: 95, d: 855 },
      // Found by the pilots, the reference group here (untested).
      { itemId: "B18", difficulty: "abuse", a: 3, b: 0, c: 0, d: 7, excluded: true },
      // Not found by the pilots (B07 blank for 虐待), found here.
      { itemId: "B07", difficulty: "abuse", a: 30, b: 10, c: 70, d: 890 },
    ]);
    const items = ["B16", "B17", "B18", "B07", "B09"].map((id) => ({ id }));
    const rows = yearlyReview(items, ["abuse"], validation);
    const status = Object.fromEntries(rows.map((r) => [r.itemId, r.status]));
    expect(status).toEqual({
      B16: "holds",
      B17: "not_here",
      B18: "untested",
      B07: "new",
      // B09 (● for 虐待) is not evaluated here at all.
      B09: "untested",
    });
    expect(rows.find((r) => r.itemId === "B09")?.here).toBeNull();
  });
});
