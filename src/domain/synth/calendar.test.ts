import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMonths,
  addYears,
  ageOn,
  dayOf,
  formatDay,
  isoOf,
  parseIsoDay,
  schoolGradeOn,
  schoolStartDay,
  toFullWidthDigits,
  ymdOf,
} from "./calendar.ts";

describe("day numbers", () => {
  it("round-trips every day between 1900 and 2100 and agrees with Date.UTC", () => {
    fc.assert(
      fc.property(fc.integer({ min: dayOf(1900, 1, 1), max: dayOf(2100, 12, 31) }), (day) => {
        const [y, m, d] = ymdOf(day);
        expect(dayOf(y, m, d)).toBe(day);
        expect(Date.UTC(y, m - 1, d) / 86_400_000).toBe(day);
      }),
    );
  });

  it("parses ISO dates and rejects impossible ones", () => {
    expect(parseIsoDay("2024-02-29")).toBe(dayOf(2024, 2, 29));
    expect(parseIsoDay("2023-02-29")).toBeUndefined();
    expect(parseIsoDay("2024-4-1")).toBeUndefined();
    expect(isoOf(dayOf(2025, 4, 1))).toBe("2025-04-01");
  });

  it("adds months and years with month-end clamping", () => {
    expect(isoOf(addMonths(dayOf(2024, 1, 31), 1))).toBe("2024-02-29");
    expect(isoOf(addYears(dayOf(2024, 2, 29), 1))).toBe("2025-02-28");
    expect(ageOn(dayOf(2010, 4, 2), dayOf(2025, 4, 1))).toBe(14);
    expect(ageOn(dayOf(2010, 4, 1), dayOf(2025, 4, 1))).toBe(15);
  });
});

describe("school grade (学校教育法 §17)", () => {
  it("puts children born 2 April – 1 April in one year", () => {
    const sy = dayOf(2024, 4, 1);
    expect(schoolGradeOn(dayOf(2017, 4, 2), sy)).toBe(1);
    expect(schoolGradeOn(dayOf(2018, 4, 1), sy)).toBe(1);
    expect(schoolGradeOn(dayOf(2017, 4, 1), sy)).toBe(2);
    expect(schoolGradeOn(dayOf(2009, 4, 2), dayOf(2025, 3, 31))).toBe(9);
    expect(isoOf(schoolStartDay(dayOf(2018, 4, 1)))).toBe("2024-04-01");
    expect(isoOf(schoolStartDay(dayOf(2018, 4, 2)))).toBe("2025-04-01");
  });
});

describe("date spellings of layouts.md", () => {
  const d = dayOf(2024, 4, 1);
  it.each([
    ["iso", "2024-04-01"],
    ["slash", "2024/4/1"],
    ["slash0", "2024/04/01"],
    ["compact", "20240401"],
    ["wareki", "令和6年4月1日"],
    ["warekiShort", "R6.4.1"],
    ["warekiShort0", "R06.04.01"],
  ] as const)("%s", (style, expected) => {
    expect(formatDay(d, style)).toBe(expected);
  });

  it("writes 元年 and switches eras on their first day", () => {
    expect(formatDay(dayOf(2019, 5, 1), "wareki")).toBe("令和元年5月1日");
    expect(formatDay(dayOf(2019, 4, 30), "wareki")).toBe("平成31年4月30日");
    expect(formatDay(dayOf(2019, 4, 30), "warekiShort")).toBe("H31.4.30");
    expect(formatDay(dayOf(1989, 1, 7), "warekiShort")).toBe("S64.1.7");
    expect(formatDay(dayOf(1989, 1, 8), "wareki")).toBe("平成元年1月8日");
  });

  it("writes full-width digits", () => {
    expect(toFullWidthDigits("R6.4.1")).toBe("R６.４.１");
  });
});
