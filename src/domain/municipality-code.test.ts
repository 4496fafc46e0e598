import { describe, expect, it } from "vitest";
import { checkMunicipalityCode } from "./municipality-code.ts";

describe("checkMunicipalityCode", () => {
  it("accepts real codes (prefecture, city, ward, town)", () => {
    for (const code of ["011002", "131016", "130001", "271004"])
      expect(checkMunicipalityCode(code), code).toBeUndefined();
  });
  it("refuses a wrong check digit, with the right one in the message", () => {
    expect(checkMunicipalityCode("131017")).toContain("131016");
  });
  it("refuses what is not six digits", () => {
    for (const code of ["13101", "1310166", "13101a", "１３１０１６", ""])
      expect(checkMunicipalityCode(code), code).toMatch(/6 桁/);
  });
});
