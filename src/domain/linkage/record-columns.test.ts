import { describe, expect, it } from "vitest";
import { makePopulation } from "../../../test/linkage-population.ts";
import type { SourceId } from "../types.ts";
import { linkRecords, prepareProfiles } from "./japanese.ts";
import { JAPANESE_SETTINGS } from "./japanese-settings.ts";
import { RecordColumns, sourceOf } from "./record-columns.ts";
import type { LinkRecord } from "./types.ts";

const settings = {
  ...JAPANESE_SETTINGS,
  training: { ...JAPANESE_SETTINGS.training, uSamplePairs: 100_000 },
};

/** A record with every field set, null where missing (as pipeline/link-input.ts builds them). */
const full = (r: LinkRecord): LinkRecord => ({
  source: r.source,
  file: r.file,
  row: r.row,
  residentNo: r.residentNo ?? null,
  householdNo: r.householdNo ?? null,
  name: r.name ?? null,
  nameKana: r.nameKana ?? null,
  alias: r.alias ?? null,
  aliasKana: r.aliasKana ?? null,
  birthDate: r.birthDate ?? null,
  sex: r.sex ?? null,
  address: r.address ?? null,
  school: r.school ?? null,
  grade: r.grade ?? null,
  asOf: r.asOf ?? null,
  relationship: r.relationship ?? null,
  residentSince: r.residentSince ?? null,
  removedDate: r.removedDate ?? null,
  topic: r.topic ?? null,
  eventDate: r.eventDate ?? null,
});

describe("RecordColumns", () => {
  const pop = makePopulation(120, 7);
  const records = pop.records.map(full);
  const columns = new RecordColumns();
  for (const r of records) columns.push(r);
  columns.seal();

  it("gives every record back as pushed, across chunks and with negative indices", () => {
    expect(columns.length).toBe(records.length);
    for (let i = 0; i < records.length; i++) expect(columns.at(i)).toEqual(records[i]);
    expect(columns.at(-1)).toEqual(records.at(-1));
    expect(columns.at(records.length)).toBeUndefined();
    expect(sourceOf(columns, 3)).toBe(records[3]?.source);
    // Each distinct 氏名カナ once, as familiesOf reads them instead of every row.
    const kana = records.map((r) => r.nameKana).filter((v) => v != null);
    expect(columns.distinct("nameKana")).toEqual([...new Set(kana)]);
    const many = new RecordColumns();
    const r = records[0] as LinkRecord;
    for (let i = 0; i < 70_000; i++) many.push({ ...r, row: i + 1, grade: i % 9 });
    many.seal();
    expect(many.at(69_999)).toEqual({ ...r, row: 70_000, grade: 69_999 % 9 });
    expect(many.at(32_768)?.row).toBe(32_769);
    expect(() => many.push(r)).toThrow();
  });

  it("keeps a number and the same text apart, and rejects a row that is not an integer", () => {
    const c = new RecordColumns();
    const base = full({ source: "x" as SourceId, file: "x.csv", row: 1 });
    c.push({ ...base, grade: 5, name: "5" });
    expect(c.at(0)?.grade).toBe(5);
    expect(c.at(0)?.name).toBe("5");
    expect(() => c.push({ ...base, row: 1.5 })).toThrow();
  });

  it("prepares the same profiles from columns as from the array, edge cases included", () => {
    const base = full({ source: "nyuyoji_kenshin" as SourceId, file: "n.csv", row: 1 });
    const at = (i: number, r: Partial<LinkRecord>): LinkRecord => ({ ...base, row: i, ...r });
    const extra: LinkRecord[] = [
      // Nameless repeats: "" and missing alike, one 抽出日 month next to a grade.
      at(1, { residentNo: "R1" as LinkRecord["residentNo"], householdNo: "" as never }),
      at(2, { residentNo: "R1" as LinkRecord["residentNo"] }),
      at(3, { residentNo: "R2" as never, grade: 3, asOf: "2025-04-01" as never }),
      at(4, { residentNo: "R2" as never, grade: 3, asOf: "2025-04-30" as never }),
      at(5, { residentNo: "R2" as never, grade: 3, asOf: "2025-05-01" as never }),
      at(6, { residentNo: "R2" as never, grade: 3 }),
      // A registry record with a 通称, one without a name, one removed.
      at(7, {
        source: "jumin" as SourceId,
        name: "NGUYEN VAN AN",
        nameKana: "グエン ヴァン アン",
        alias: "山田 太郎",
        aliasKana: "ヤマダ タロウ",
        birthDate: "2015-06-01" as never,
        residentNo: "R3" as never,
      }),
      at(8, { source: "jumin" as SourceId, residentNo: "R4" as never, alias: "佐藤 花子" }),
      at(9, { source: "jumin" as SourceId, name: "田中 一郎", removedDate: "2024-01-05" as never }),
    ];
    const list = [...records, ...extra];
    const cols = new RecordColumns();
    for (const r of list) cols.push(r);
    cols.seal();
    const a = prepareProfiles(list);
    const b = prepareProfiles(cols);
    expect(Array.from(b.profileOf)).toEqual(Array.from(a.profileOf));
    expect(b.keys).toEqual(a.keys);
    expect(Array.from(b.attachTo)).toEqual(Array.from(a.attachTo));
    for (const [name, col] of a.table.columns) {
      expect(Array.from(b.table.columns.get(name)?.codes ?? []), name).toEqual(
        Array.from(col.codes),
      );
      expect(b.table.columns.get(name)?.values, name).toEqual(col.values);
    }
    expect(a.profileOf[2 + records.length - 1]).toBe(a.profileOf[records.length]);
  });

  it("links exactly as the same records in an array", () => {
    const a = linkRecords(records, { settings });
    const b = linkRecords(columns, { settings });
    expect(b.links.map((l) => l)).toEqual(a.links.map((l) => l));
    expect(b.persons).toEqual(a.persons);
    expect(b.review).toEqual(a.review);
    expect([...b.assignment.updates]).toEqual([...a.assignment.updates]);
  });
});
