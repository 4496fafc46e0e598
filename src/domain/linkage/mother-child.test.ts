import { describe, expect, it } from "vitest";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../types.ts";
import { linkChildrenOfMothers } from "./mother-child.ts";
import type { LinkRecord, PersonId } from "./types.ts";

const jumin = (
  row: number,
  residentNo: string,
  householdNo: string,
  birthDate: string,
  relationship: string,
): LinkRecord => ({
  source: "jumin" as SourceId,
  file: "jumin.csv",
  row,
  residentNo: residentNo as ResidentNo,
  householdNo: householdNo as HouseholdNo,
  birthDate: birthDate as IsoDate,
  relationship,
});
const checkup = (source: string, row: number, residentNo: string): LinkRecord => ({
  source: source as SourceId,
  file: `${source}.csv`,
  row,
  residentNo: residentNo as ResidentNo,
});

describe("linkChildrenOfMothers", () => {
  const records: LinkRecord[] = [
    jumin(1, "M1", "H1", "1990-01-01", "妻"),
    jumin(2, "F1", "H1", "1988-01-01", "世帯主"),
    jumin(3, "C1", "H1", "2020-03-10", "子"),
    jumin(4, "T1", "H1", "2023-06-01", "子"),
    jumin(5, "T2", "H1", "2023-06-01", "子"),
    jumin(6, "Y1", "H2", "2003-05-05", "子"),
    jumin(7, "G1", "H2", "2024-01-20", "その他"),
    checkup("ninpu_kenshin", 1, "M1"),
    checkup("sanpu_kenshin", 1, "M1"),
    checkup("ninpu_kenshin", 2, "Y1"),
    checkup("ninpu_kenshin", 3, "M1"),
    checkup("sanpu_kenshin", 2, "M1"),
    checkup("ninpu_kenshin", 4, "Y1"),
  ];
  const personOf = records.map((r) => `P-${r.residentNo}` as PersonId);
  const links = linkChildrenOfMothers(records, personOf, [
    { record: 7, dueDate: "2020-03-01" },
    { record: 8, checkupDate: "2023-07-15" },
    { record: 9, dueDate: "2024-02-01" },
    { record: 10, childResidentNo: "C1" },
    { record: 7, dueDate: "2021-12-01" },
    { record: 11, childResidentNo: "T2", checkupDate: "2023-07-15" },
    { record: 8, childResidentNo: "T1", checkupDate: "2023-07-15" },
    { record: 12, childResidentNo: "C1", dueDate: "2020-03-01" },
  ]);
  it("takes the child born nearest to 出産予定日 within 60 days", () => {
    expect(links[0]).toEqual({ record: 7, children: ["P-C1"], method: "rule" });
  });
  it("returns both twins born within 120 days before 健診日", () => {
    expect(links[1]?.children).toEqual(["P-T1", "P-T2"]);
  });
  it("finds the child of a mother who is herself a 子 of the household head", () => {
    expect(links[2]?.children).toEqual(["P-G1"]);
  });
  it("uses 子宛名番号 when given", () => {
    expect(links[3]).toEqual({ record: 10, children: ["P-C1"], method: "id" });
  });
  it("finds no child when no birth is near the due date", () => {
    expect(links[4]).toEqual({ record: 7, children: [], method: "none" });
  });
  it("gives a delivery named by one twin's 子宛名番号 to both twins, the named one first", () => {
    expect(links[5]).toEqual({ record: 11, children: ["P-T2", "P-T1"], method: "id" });
    expect(links[6]).toEqual({ record: 8, children: ["P-T1", "P-T2"], method: "id" });
  });
  it("gives a singleton named by 子宛名番号 to that child only, never a sibling of another delivery", () => {
    // C1 (2020) and the twins (2023) are all 子 of M1: naming C1 adds neither twin.
    expect(links[3]?.children).toEqual(["P-C1"]);
  });
  it("keeps a named child who is not the mother's registry child alone", () => {
    // Y1 is a 子 in H2, C1 a 子 in H1: no co-born sibling of C1 among Y1's children.
    expect(links[7]).toEqual({ record: 12, children: ["P-C1"], method: "id" });
  });
});
