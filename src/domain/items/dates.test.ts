import { describe, expect, it } from "vitest";
import {
  addMonths,
  ageOn,
  dayOf,
  fiscalYearOf,
  isoOfDay,
  monthsCovered,
  schoolEntryYear,
} from "./dates.ts";

const d = dayOf;

describe("dates", () => {
  it("round-trips ISO dates and rejects impossible ones", () => {
    for (const iso of ["2024-02-29", "1970-01-01", "2000-03-01", "1899-12-31", "2100-12-31"]) {
      expect(isoOfDay(d(iso))).toBe(iso);
    }
    expect(d("1970-01-02") - d("1970-01-01")).toBe(1);
    expect(d("2024-13-01")).toBeNaN();
    expect(d("2023-02-29")).toBeNaN();
    expect(d("2024/04/01")).toBeNaN();
  });

  it("adds months, clamping to the month's end", () => {
    expect(isoOfDay(addMonths(d("2024-01-31"), 1))).toBe("2024-02-29");
    expect(isoOfDay(addMonths(d("2024-10-01"), -12))).toBe("2023-10-01");
    expect(isoOfDay(addMonths(d("2024-03-15"), -3))).toBe("2023-12-15");
  });

  it("counts age in completed years", () => {
    expect(ageOn(d("2006-10-01"), d("2024-10-01"))).toBe(18);
    expect(ageOn(d("2006-10-02"), d("2024-10-01"))).toBe(17);
    expect(ageOn(d("2020-02-29"), d("2021-02-28"))).toBe(0);
    expect(ageOn(d("2020-02-29"), d("2021-03-01"))).toBe(1);
  });

  it("knows the 年度 and the 小学校 entry year (1 April children go a year early)", () => {
    expect(fiscalYearOf(d("2024-03-31"))).toBe(2023);
    expect(fiscalYearOf(d("2024-04-01"))).toBe(2024);
    expect(schoolEntryYear(d("2018-04-02"))).toBe(2025);
    expect(schoolEntryYear(d("2019-04-01"))).toBe(2025);
    expect(schoolEntryYear(d("2019-01-15"))).toBe(2025);
    expect(schoolEntryYear(d("2019-04-02"))).toBe(2026);
  });

  it("measures months covered for proration", () => {
    expect(monthsCovered(d("2024-04-01"), d("2024-09-30"))).toBe(6);
    expect(monthsCovered(d("2024-04-01"), d("2025-03-31"))).toBe(12);
    expect(monthsCovered(d("2024-04-10"), d("2024-10-09"))).toBe(6);
    expect(monthsCovered(d("2024-04-01"), d("2024-04-15"))).toBeCloseTo(0.5, 10);
    // A month from the 31st ends on the last day of a shorter month.
    expect(monthsCovered(d("2024-01-31"), d("2024-02-28"))).toBe(1);
    expect(monthsCovered(d("2024-01-15"), d("2024-02-29"))).toBeCloseTo(1 + 15 / 29, 10);
    expect(monthsCovered(d("2024-05-01"), d("2024-04-30"))).toBe(0);
  });
});
