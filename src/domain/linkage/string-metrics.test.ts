import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { editDistance, isOneTypo, isTransposition, jaro, jaroWinkler } from "./string-metrics.ts";

describe("jaro and jaroWinkler", () => {
  // Reference values from Winkler (1990) and the usual test pairs.
  it.each([
    ["MARTHA", "MARHTA", 0.9444, 0.9611],
    ["DWAYNE", "DUANE", 0.8222, 0.84],
    ["DIXON", "DICKSONX", 0.7667, 0.8133],
    ["JELLYFISH", "SMELLYFISH", 0.8963, 0.8963],
    ["ABC", "XYZ", 0, 0],
  ])("%s / %s", (a, b, j, jw) => {
    expect(jaro(a, b)).toBeCloseTo(j, 4);
    expect(jaroWinkler(a, b)).toBeCloseTo(jw, 4);
  });
  it("is 1 for equal strings and 0 against an empty one", () => {
    expect(jaroWinkler("サトウ", "サトウ")).toBe(1);
    expect(jaroWinkler("", "サトウ")).toBe(0);
  });
  it("is symmetric and within [0, 1]", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const x = jaroWinkler(a, b);
        expect(x).toBeCloseTo(jaroWinkler(b, a), 12);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("abcd", "abdc")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "abc")).toBe(0);
  });
  it("stops early above max", () => {
    expect(editDistance("aaaaaa", "bbbbbb", 2)).toBe(3);
  });
  it("is symmetric", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
      }),
    );
  });
});

describe("isOneTypo", () => {
  it("accepts one digit or one adjacent transposition", () => {
    expect(isOneTypo("20150317", "20150318")).toBe(true);
    expect(isOneTypo("20150317", "20150371")).toBe(true);
    expect(isOneTypo("20150317", "20510317")).toBe(true);
  });
  it("rejects equal strings, two changes and distant swaps", () => {
    expect(isOneTypo("20150317", "20150317")).toBe(false);
    expect(isOneTypo("20150317", "20150328")).toBe(false);
    expect(isOneTypo("20150317", "70150312")).toBe(false);
    expect(isOneTypo("2015031", "20150317")).toBe(false);
  });
  it("is symmetric", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{8}$/), fc.stringMatching(/^\d{8}$/), (a, b) => {
        expect(isOneTypo(a, b)).toBe(isOneTypo(b, a));
      }),
    );
  });
});

describe("isTransposition", () => {
  it("accepts exactly one adjacent swap", () => {
    expect(isTransposition("20150731", "20150713")).toBe(true);
    expect(isTransposition("20150731", "20150732")).toBe(false);
    expect(isTransposition("20150731", "20150731")).toBe(false);
    expect(isTransposition("2015073", "20150731")).toBe(false);
    expect(isTransposition("21050731", "20150713")).toBe(false);
  });
  it("implies isOneTypo and is symmetric", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{8}$/), fc.stringMatching(/^\d{8}$/), (a, b) => {
        expect(isTransposition(a, b)).toBe(isTransposition(b, a));
        if (isTransposition(a, b)) expect(isOneTypo(a, b)).toBe(true);
      }),
    );
  });
});
