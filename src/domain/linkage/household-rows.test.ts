import { describe, expect, it } from "vitest";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../types.ts";
import type { Sex } from "../values.ts";
import { attributeHouseholdRows, householdSubjectOf } from "./household-rows.ts";
import type { LinkRecord, PersonId } from "./types.ts";

const jumin = (
  residentNo: string,
  householdNo: string,
  birthDate: string,
  sex: Sex,
  relationship: string,
  extra: Partial<LinkRecord> = {},
): LinkRecord => ({
  source: "jumin" as SourceId,
  file: "jumin.csv",
  row: 0,
  residentNo: residentNo as ResidentNo,
  householdNo: householdNo as HouseholdNo,
  birthDate: birthDate as IsoDate,
  sex,
  relationship,
  ...extra,
});
const sodan = (householdNo: string, topic: string, eventDate = "2024-06-01"): LinkRecord => ({
  source: "sodan_kiroku" as SourceId,
  file: "sodan_kiroku.csv",
  row: 0,
  householdNo: householdNo as HouseholdNo,
  topic,
  eventDate: eventDate as IsoDate,
});
const techo = (residentNo: string): LinkRecord => ({
  source: "shogai_techo" as SourceId,
  file: "shogai_techo.csv",
  row: 0,
  residentNo: residentNo as ResidentNo,
});

/** Attributes the household rows of `records`, every other record being the person P-<宛名番号>. */
function attribute(records: LinkRecord[]): Map<number, string> {
  const personOf = records.map((r) => (r.residentNo ? (`P-${r.residentNo}` as PersonId) : null));
  return new Map(attributeHouseholdRows(records, personOf).map((h) => [h.record, h.person]));
}

describe("householdSubjectOf", () => {
  it("maps every 相談分野 of layouts.md and nothing else", () => {
    expect(
      ["児童虐待", "養護", "生活困窮", "障がい", "DV", "その他"].map(householdSubjectOf),
    ).toEqual(["child", "child", "parent", "disability", "parent", "parent"]);
    expect(householdSubjectOf("進路")).toBeNull();
    expect(householdSubjectOf(null)).toBeNull();
  });
});

describe("attributeHouseholdRows", () => {
  const family = [
    jumin("F", "H1", "1985-01-01", "male", "世帯主"),
    jumin("M", "H1", "1987-01-01", "female", "妻"),
    jumin("A", "H1", "2005-03-01", "female", "子"), // 19 on 2024-06-01: not a child
    jumin("B", "H1", "2012-04-01", "male", "子"),
    jumin("C", "H1", "2016-09-01", "female", "子"),
  ];
  it("gives a child topic to the eldest child under 18 on the 相談日", () => {
    const r = [...family, sodan("H1", "児童虐待"), sodan("H1", "養護", "2022-01-10")];
    const got = attribute(r);
    expect(got.get(5)).toBe("P-B");
    // On 2022-01-10 A was 16, still a child.
    expect(got.get(6)).toBe("P-A");
  });
  it("gives a parent topic to the mother, and to the father of a single-father household", () => {
    const single = [
      jumin("S", "H2", "1980-01-01", "male", "世帯主"),
      jumin("K", "H2", "2015-01-01", "male", "子"),
    ];
    const r = [...family, ...single, sodan("H1", "生活困窮"), sodan("H2", "DV")];
    const got = attribute(r);
    expect(got.get(7)).toBe("P-M");
    expect(got.get(8)).toBe("P-S");
  });
  it("finds the mother of a three-generation household among the head's children", () => {
    const r = [
      jumin("GF", "H3", "1955-01-01", "male", "世帯主"),
      jumin("GM", "H3", "1957-01-01", "female", "妻"),
      jumin("D", "H3", "1988-01-01", "female", "子"),
      jumin("SL", "H3", "1986-01-01", "male", "その他"),
      jumin("G", "H3", "2018-01-01", "male", "孫"),
      sodan("H3", "その他"),
      sodan("H3", "児童虐待"),
    ];
    const got = attribute(r);
    expect(got.get(5)).toBe("P-D");
    expect(got.get(6)).toBe("P-G");
  });
  it("gives 障がい to the one child holding a disability record, else to the parent", () => {
    const got = attribute([...family, techo("C"), techo("F"), sodan("H1", "障がい")]);
    expect(got.get(7)).toBe("P-C");
    const parentOnly = attribute([...family, techo("F"), sodan("H1", "障がい")]);
    expect(parentOnly.get(6)).toBe("P-M");
    const two = attribute([...family, techo("B"), techo("C"), sodan("H1", "障がい")]);
    expect(two.has(7)).toBe(false);
  });
  it("never picks one of twins, and skips households not in the registry", () => {
    const r = [
      jumin("M2", "H4", "1990-01-01", "female", "世帯主"),
      jumin("T1", "H4", "2015-05-05", "female", "子"),
      jumin("T2", "H4", "2015-05-05", "male", "子"),
      sodan("H4", "児童虐待"),
      sodan("H4", "生活困窮"),
      sodan("H-old", "生活困窮"),
      techo("T2"),
      sodan("H4", "障がい"),
    ];
    const got = attribute(r);
    expect(got.has(3)).toBe(false);
    expect(got.get(4)).toBe("P-M2");
    expect(got.has(5)).toBe(false);
    // A twin holding a 手帳 is still one of twins (metro seed 1 had such a row).
    expect(got.has(7)).toBe(false);
  });
  it("counts only members registered on the 相談日", () => {
    const r = [
      jumin("M5", "H5", "1990-01-01", "female", "世帯主", {
        residentSince: "2020-01-01" as IsoDate,
      }),
      jumin("E", "H5", "2010-01-01", "male", "子", { removedDate: "2023-01-01" as IsoDate }),
      jumin("Y", "H5", "2014-01-01", "male", "子", { residentSince: "2020-01-01" as IsoDate }),
      sodan("H5", "児童虐待", "2024-01-01"),
      sodan("H5", "児童虐待", "2019-06-01"),
    ];
    const got = attribute(r);
    expect(got.get(3)).toBe("P-Y");
    // In 2019 the elder was still registered and the younger not yet.
    expect(got.get(4)).toBe("P-E");
  });
  it("leaves rows that already have a person alone", () => {
    const r = [...family, { ...sodan("H1", "生活困窮"), residentNo: "B" as ResidentNo }];
    expect(attribute(r).size).toBe(0);
  });
});
