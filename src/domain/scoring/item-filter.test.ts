import { describe, expect, it } from "vitest";
import {
  conditionItems,
  formatItemCondition,
  matchesItemCondition,
  parseItemCondition,
} from "./item-filter.ts";

describe("held-item conditions", () => {
  it("parses AND / OR / NOT with NOT > AND > OR and parentheses", () => {
    expect(formatItemCondition(parseItemCondition("B11 AND NOT B01"))).toBe("B11 AND NOT B01");
    expect(formatItemCondition(parseItemCondition("b03 or B04 and B12"))).toBe(
      "B03 OR (B04 AND B12)",
    );
    expect(formatItemCondition(parseItemCondition("(B03 | B04) & !B12"))).toBe(
      "(B03 OR B04) AND NOT B12",
    );
  });

  it("reads Japanese connectives and full-width input, postfix でない included", () => {
    const c = parseItemCondition("Ｂ１１　かつ　B01でない かつ (B03 または B04)");
    expect(formatItemCondition(c)).toBe("B11 AND NOT B01 AND (B03 OR B04)");
    expect(conditionItems(c).sort()).toEqual(["B01", "B03", "B04", "B11"]);
  });

  it("evaluates like the SQL it compiles to", () => {
    const c = parseItemCondition("B11 AND NOT B01");
    expect(matchesItemCondition(c, new Set(["B11"]))).toBe(true);
    expect(matchesItemCondition(c, new Set(["B11", "B01"]))).toBe(false);
    expect(matchesItemCondition(c, new Set())).toBe(false);
  });

  it("refuses malformed or oversized conditions in Japanese", () => {
    for (const bad of ["", "B11 B12", "B11 AND", "(B11", "B11; DROP TABLE x", "NOT"])
      expect(() => parseItemCondition(bad)).toThrow(/項目の条件が正しくありません/);
    const many = Array.from({ length: 21 }, (_, i) => `B${String(i + 1).padStart(2, "0")}`);
    expect(() => parseItemCondition(many.join(" OR "))).toThrow(/20 個まで/);
  });
});
