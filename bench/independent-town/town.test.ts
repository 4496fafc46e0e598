import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { linkRecords } from "../../src/domain/linkage/japanese.ts";
import type { LinkRecord } from "../../src/domain/linkage/types.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../../src/domain/types.ts";
import { readMunicipality } from "../linkage-synth.bench.ts";
import { writeTown } from "./generate.ts";
import { measureTown } from "./measure.ts";

/**
 * 名寄せ on a town this repository's generator (src/synth) did not make (issue 15 acceptance):
 * bench/independent-town/generate.ts, test-sized (300 households, about 3,000 rows), through the
 * real ingest and linkRecords, scored against its own truth. The full-size town (1,800
 * households) is measured by hand and in docs/benchmarks.md.
 */
const AS_OF = "2025-10-01";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("independent town (bench/independent-town)", () => {
  for (const seed of [11, 12]) {
    it(`seed ${seed}: precision ≥ 0.999, recall ≥ 0.985, no twin merged, over every row`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "mimamori-town-"));
      dirs.push(dir);
      writeTown(dir, { seed, households: 300, asOf: AS_OF });
      // The town holds the difficulties it is meant to test, with truth.
      const tags = readFileSync(join(dir, "truth", "records.csv"), "utf8");
      for (const tag of [
        "old-surname",
        "foreign-kana",
        "itaiji",
        "two-numbers",
        "moved-school",
        "long-vowel",
        "large-kana",
        "transliteration",
        "middle-dropped",
        "no-kana",
      ])
        expect(tags, tag).toContain(tag);
      const s = await measureTown(dir, AS_OF);
      expect(s.absent).toBe(0);
      expect(s.twinPairs).toBeGreaterThanOrEqual(5);
      expect(s.twinMerges).toBe(0);
      expect(s.precision).toBeGreaterThanOrEqual(0.999);
      expect(s.recall).toBeGreaterThanOrEqual(0.985);
    });
  }
});

const school = (
  row: number,
  name: string,
  kana: string,
  birthDate: string,
  file = "shukketsu_extra.csv",
): LinkRecord => ({
  source: (file.startsWith("shukketsu") ? "shukketsu" : "gakko_kenshin") as SourceId,
  file,
  row,
  name,
  nameKana: kana,
  birthDate: birthDate as IsoDate,
  sex: "female",
  school: "川辺中学校",
  grade: 7,
  asOf: AS_OF as IsoDate,
});

describe("twins at one school whose registry records the school rows cannot reach", () => {
  // Twins of a foreign family: one twin's registry record has no カナ (the column is
  // optional), so nothing ties her school rows to it; the other twin's does. Before the rule
  // 同じ学校の双子 the first twin's school rows joined the second twin (same 氏, 生年月日, 性別
  // and school outweighed a different 名: 0.9996). The rows are added to a test-sized town so
  // that the model is trained on a municipality, as in a real run.
  const registry = (row: number, no: string, name: string, kana: string | null): LinkRecord => ({
    source: "jumin" as SourceId,
    file: "jumin_extra.csv",
    row,
    residentNo: no as ResidentNo,
    householdNo: "099261604" as HouseholdNo,
    name,
    nameKana: kana,
    birthDate: "2012-11-04" as IsoDate,
    sex: "female",
    address: "架空県川辺町山手4丁目17番18号",
    relationship: "子",
    residentSince: "2017-02-27" as IsoDate,
  });
  const scenario: LinkRecord[] = [
    registry(1, "9912524", "NGUYEN NGOC ANH", null),
    registry(2, "9912525", "NGUYEN THI LAN", "グエン　ティ ラン"),
    school(1, "グエン・アイン", "グエン・アイン", "2012-11-04"),
    school(2, "グエン・アイン", "グエン・アイン", "2012-11-04", "gakko_kenshin_extra.csv"),
    school(3, "グエン ティ ラン", "グエン ティ ラン", "2012-11-04"),
    school(4, "グエン ティ ラン", "グエン ティ ラン", "2012-11-04", "gakko_kenshin_extra.csv"),
    // One pupil whose 名 the 健診 typed with another kanji of the same reading, and a
    // classmate born the same day with another name.
    school(5, "山田 陽翔", "ヤマダ ハルト", "2012-06-01"),
    school(6, "山田 陽斗", "ヤマダ ハルト", "2012-06-01", "gakko_kenshin_extra.csv"),
    school(7, "山田 大輝", "ヤマダ ダイキ", "2012-06-01"),
    // A Brazilian pupil the school writes given name first, as most schools do.
    {
      ...registry(3, "9912526", "OLIVEIRA LARISSA", "オリヴェイラ　ラリッサ"),
      householdNo: "099261605" as HouseholdNo,
      birthDate: "2012-08-17" as IsoDate,
    },
    school(8, "ラリッサ オリベイラ", "ラリッサ オリベイラ", "2012-08-17"),
    school(
      9,
      "ラリッサ オリベイラ",
      "ラリッサ オリベイラ",
      "2012-08-17",
      "gakko_kenshin_extra.csv",
    ),
    // A boy whose mother remarried: 住基 and 学齢簿 have the new 氏, the school's master the
    // old one and a birth date one day off.
    {
      ...registry(4, "9912527", "大田　楓雅", "オオタ　フウガ"),
      householdNo: "099261606" as HouseholdNo,
      birthDate: "2014-07-22" as IsoDate,
      sex: "male",
    },
    {
      source: "gakureibo" as SourceId,
      file: "gakureibo_extra.csv",
      row: 1,
      residentNo: "9912527" as ResidentNo,
      name: "大田　楓雅",
      nameKana: "オオタ　フウガ",
      birthDate: "2014-07-22" as IsoDate,
      sex: "male",
      school: "山手小学校",
      grade: 5,
      asOf: AS_OF as IsoDate,
    },
    ...[10, 11].map(
      (row): LinkRecord => ({
        ...school(row, "秋元 楓雅", "アキモト フウガ", "2014-07-23"),
        sex: "male",
        school: "山手小学校",
        grade: 5,
      }),
    ),
  ];

  it("keeps a twin's school rows off her sister; joins a slip and a name given first; pairs an old 氏 a day off", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mimamori-town-"));
    dirs.push(dir);
    writeTown(dir, { seed: 13, households: 300, asOf: AS_OF });
    const { records } = await readMunicipality(dir, AS_OF as IsoDate);
    const base = records.length;
    const result = linkRecords([...records, ...scenario]);
    const person = (k: number) => result.links.at(base + k)?.personId;
    const [anhRegistry, lanRegistry, anh1, anh2, lan1, lan2, haruto1, haruto2, daiki] = [
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ].map(person);
    const [larissaRegistry, larissa1, larissa2] = [9, 10, 11].map(person);
    const [fugaRegistry, fugaGakureibo, fuga1, fuga2] = [12, 13, 14, 15].map(person);
    expect(anh1).toBe(anh2);
    expect(lan1).toBe(lan2);
    expect(lan1).toBe(lanRegistry);
    expect(anh1).not.toBe(lan1);
    expect(anhRegistry).not.toBe(lanRegistry);
    expect(haruto1).toBe(haruto2);
    expect(haruto1).not.toBe(daiki);
    // The same parts of the reading in another order (nameParts) join her rows to her record.
    expect(larissa1).toBe(larissa2);
    expect(larissa1).toBe(larissaRegistry);
    // Old 氏 and a day off: no rule but 名の読み+学校+生年 pairs his school rows with his 学齢簿
    // row. Whether they then join depends on the town's model: at 1,800 households the pair
    // scores 0.92 and the complement pass joins it (docs/benchmarks.md); trained on these 300
    // households a day off still weighs −3 bits and the pair stays apart.
    expect(fugaGakureibo).toBe(fugaRegistry);
    expect(fuga1).toBe(fuga2);
    const { prepared, engine } = result.context;
    const school = prepared.profileOf[base + 14] as number;
    const gakureibo = prepared.profileOf[base + 13] as number;
    let paired = false;
    for (let p = 0; p < engine.pairs.count; p++) {
      const l = engine.pairs.left[p];
      const r = engine.pairs.right[p];
      if ((l === school && r === gakureibo) || (l === gakureibo && r === school)) paired = true;
    }
    expect(paired).toBe(true);
  });
});
