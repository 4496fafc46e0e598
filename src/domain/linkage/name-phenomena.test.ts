/**
 * Names as they really change (issue 15), one phenomenon at a time, inside a seeded
 * population so that the model is trained as in production: a surname changed after a
 * divorce or remarriage while older school rows keep the old one; a foreign resident
 * registered in alphabet (or kanji) with カナ and a 通称, while a school writes the カナ or
 * the 通称; long-vowel, small-kana, ヂ/ジ and ヴ/ブ spellings. Each case has rows that must
 * link and a twin, sibling or namesake that must not.
 */
import { describe, expect, it } from "vitest";
import { makePopulation } from "../../../test/linkage-population.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../types.ts";
import type { Sex } from "../values.ts";
import { linkRecords } from "./japanese.ts";
import { JAPANESE_SETTINGS } from "./japanese-settings.ts";
import type { LinkRecord } from "./types.ts";

const settings = {
  ...JAPANESE_SETTINGS,
  training: { ...JAPANESE_SETTINGS.training, uSamplePairs: 100_000 },
};
const AS_OF = "2024-10-01" as IsoDate;

const pop = makePopulation(200, 11, AS_OF);
const records: LinkRecord[] = [...pop.records];
const rowOf = new Map<string, number>();
/** Adds a record and returns its index; `tag` names it for the assertions. */
function add(tag: string, source: string, r: Omit<LinkRecord, "source" | "file" | "row">): number {
  const file = `${source}.csv`;
  const row = records.filter((x) => x.file === file).length + 1;
  records.push({ source: source as SourceId, file, row, ...r });
  rowOf.set(tag, records.length - 1);
  return records.length - 1;
}
let nextNo = 900_000;
function registry(
  tag: string,
  household: string,
  name: string,
  kana: string,
  birth: string,
  sex: Sex,
  extra: Partial<LinkRecord> = {},
): string {
  const residentNo = String(nextNo++) as ResidentNo;
  add(tag, "jumin", {
    residentNo,
    householdNo: household as HouseholdNo,
    name,
    nameKana: kana,
    birthDate: birth as IsoDate,
    sex,
    address: `東京都みどり市本町9丁目${household.slice(-2)}番1号`,
    relationship: "子",
    ...extra,
  });
  return residentNo;
}
function school(
  tag: string,
  source: string,
  name: string,
  kana: string | null,
  birth: string,
  sex: Sex,
  schoolName: string,
  grade: number,
  residentNo?: string,
): number {
  return add(tag, source, {
    ...(residentNo ? { residentNo: residentNo as ResidentNo } : {}),
    name,
    nameKana: kana,
    birthDate: birth as IsoDate,
    sex,
    school: schoolName,
    grade,
    asOf: AS_OF,
  });
}

// 1. Surname changed (divorce): registry and 学齢簿 hold 山本, the school's rows typed before
//    the change still 佐藤; a namesake at the same school (石井 蒼, same birth date) has rows of
//    his own. 2013-05-17: grade 5 at 2024-10-01.
const souNo = registry(
  "sou.jumin",
  "H800001",
  "山本　蒼",
  "ヤマモト　アオイ",
  "2013-05-17",
  "male",
);
school(
  "sou.gakurei",
  "gakureibo",
  "山本　蒼",
  "ヤマモト　アオイ",
  "2013-05-17",
  "male",
  "第一小学校",
  5,
  souNo,
);
for (const [i, src] of ["shukketsu", "gakko_kenshin", "kokoro_check"].entries())
  school(`sou.old${i}`, src, "佐藤 蒼", "サトウ アオイ", "2013-05-17", "male", "第一小学校", 5);
const ishiiNo = registry(
  "ishii.jumin",
  "H800010",
  "石井　蒼",
  "イシイ　アオイ",
  "2013-05-17",
  "male",
);
school(
  "ishii.gakurei",
  "gakureibo",
  "石井　蒼",
  "イシイ　アオイ",
  "2013-05-17",
  "male",
  "第一小学校",
  5,
  ishiiNo,
);
for (const [i, src] of ["shukketsu", "gakko_kenshin", "kokoro_check"].entries())
  school(
    `ishii.school${i}`,
    src,
    "石井 蒼",
    "イシイ アオイ",
    "2013-05-17",
    "male",
    "第一小学校",
    5,
  );
// A girl whose name changed (remarriage) and who has no namesake: 2012-11-03, grade 6.
const hinaNo = registry(
  "hina.jumin",
  "H800002",
  "中村　陽菜",
  "ナカムラ　ヒナ",
  "2012-11-03",
  "female",
);
school(
  "hina.gakurei",
  "gakureibo",
  "中村　陽菜",
  "ナカムラ　ヒナ",
  "2012-11-03",
  "female",
  "第二小学校",
  6,
  hinaNo,
);
school(
  "hina.old0",
  "shukketsu",
  "加藤陽菜",
  "カトウ ヒナ",
  "2012-11-03",
  "female",
  "第二小学校",
  6,
);
school(
  "hina.old1",
  "gakko_kenshin",
  "加藤 陽菜",
  "かとう ひな",
  "2012-11-03",
  "female",
  "第二小学校",
  6,
);

// 2. Foreign residents. A Korean child registered in kanji with a 通称 (金田); the school writes
//    the 通称. Her twin sister has another given 通称 and her own school rows.
const alias = (a: string, k: string) => ({ alias: a, aliasKana: k });
const minNo = registry(
  "min.jumin",
  "H800003",
  "金　瑞妍",
  "キム　ソヨン",
  "2014-02-10",
  "female",
  alias("金田　瑞妍", "カネダ　ソヨン"),
);
const jiNo = registry(
  "ji.jumin",
  "H800003",
  "金　智雨",
  "キム　ジウ",
  "2014-02-10",
  "female",
  alias("金田　智子", "カネダ　トモコ"),
);
school(
  "min.gakurei",
  "gakureibo",
  "金　瑞妍",
  "キム　ソヨン",
  "2014-02-10",
  "female",
  "第一小学校",
  4,
  minNo,
);
school(
  "ji.gakurei",
  "gakureibo",
  "金　智雨",
  "キム　ジウ",
  "2014-02-10",
  "female",
  "第一小学校",
  4,
  jiNo,
);
school(
  "min.school0",
  "shukketsu",
  "金田 瑞妍",
  "カネダ ソヨン",
  "2014-02-10",
  "female",
  "第一小学校",
  4,
);
school(
  "min.school1",
  "kokoro_check",
  "金田瑞妍",
  "かねだ そよん",
  "2014-02-10",
  "female",
  "第一小学校",
  4,
);
school(
  "ji.school0",
  "shukketsu",
  "金田 智子",
  "カネダ トモコ",
  "2014-02-10",
  "female",
  "第一小学校",
  4,
);
school(
  "ji.school1",
  "kokoro_check",
  "金田 智子",
  "ｶﾈﾀﾞ ﾄﾓｺ",
  "2014-02-10",
  "female",
  "第一小学校",
  4,
);
// A Vietnamese boy in alphabet with カナ and a Japanese 通称 (中村 安); one school writes his
// カナ in the 氏名 field (ヴ written バ), another the 通称.
const anNo = registry(
  "an.jumin",
  "H800004",
  "ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ",
  "グエン　ヴァン　アン",
  "2011-08-21",
  "male",
  alias("中村　安", "ナカムラ　ヤスシ"),
);
school(
  "an.gakurei",
  "gakureibo",
  "NGUYEN VAN AN",
  "グエン ヴァン アン",
  "2011-08-21",
  "male",
  "中央中学校",
  1,
  anNo,
);
school(
  "an.kana0",
  "shukketsu",
  "グエン　バン アン",
  "グエン バン アン",
  "2011-08-21",
  "male",
  "中央中学校",
  1,
);
school(
  "an.kana1",
  "gakko_kenshin",
  "グエン バン アン",
  "ぐえん ばん あん",
  "2011-08-21",
  "male",
  "中央中学校",
  1,
);
add("an.hogo", "ichiji_hogo", {
  name: "中村 安",
  nameKana: "ナカムラ ヤスシ",
  birthDate: "2011-08-21" as IsoDate,
  sex: "male",
});
// A Japanese boy who happens to be called 中村 安 (born a year later): never the Vietnamese boy.
const yasuNo = registry(
  "yasu.jumin",
  "H800005",
  "中村　安",
  "ナカムラ　ヤスシ",
  "2012-08-21",
  "male",
);
school(
  "yasu.school",
  "shukketsu",
  "中村 安",
  "ナカムラ ヤスシ",
  "2012-08-21",
  "male",
  "第二小学校",
  6,
);
void yasuNo;

// 3. Kana spellings with a kanji the school typed differently: long vowels (オオノ ユウキ /
//    オーノ ユーキ), ヂ/ジ (ユウジロウ / ユウヂロウ), small kana written large (シヨウタ), ヴ/ブ.
//    The twin brother (雄一郎) must keep his own rows.
const yukiNo = registry(
  "yuki.jumin",
  "H800006",
  "大野　勇気",
  "オオノ　ユウキ",
  "2013-09-09",
  "male",
);
school(
  "yuki.school",
  "shukketsu",
  "大野 優希",
  "オーノ ユーキ",
  "2013-09-09",
  "male",
  "第二小学校",
  5,
);
const yujiNo = registry(
  "yuji.jumin",
  "H800007",
  "小池　雄治郎",
  "コイケ　ユウジロウ",
  "2012-06-06",
  "male",
);
const yuichiNo = registry(
  "yuichi.jumin",
  "H800007",
  "小池　雄一郎",
  "コイケ　ユウイチロウ",
  "2012-06-06",
  "male",
);
school(
  "yuji.school",
  "shukketsu",
  "小池 雄次郎",
  "コイケ ユウヂロウ",
  "2012-06-06",
  "male",
  "第一小学校",
  6,
);
school(
  "yuichi.school",
  "shukketsu",
  "小池 雄一郎",
  "コイケ ユーイチロー",
  "2012-06-06",
  "male",
  "第一小学校",
  6,
);
const shotaNo = registry(
  "shota.jumin",
  "H800008",
  "森　翔太",
  "モリ　ショウタ",
  "2014-12-24",
  "male",
);
add("shota.hogo", "ichiji_hogo", {
  name: "森 将太",
  nameKana: "ﾓﾘ ｼﾖｳﾀ",
  birthDate: "2014-12-24" as IsoDate,
  sex: "male",
});
const daviNo = registry(
  "davi.jumin",
  "H800009",
  "ＳＩＬＶＡ　ＤＡＶＩ",
  "シルヴァ　ダヴィ",
  "2015-03-03",
  "male",
);
school(
  "davi.school",
  "shukketsu",
  "シルバ ダビ",
  "シルバ ダビ",
  "2015-03-03",
  "male",
  "第一小学校",
  3,
);
void [yukiNo, yujiNo, yuichiNo, shotaNo, daviNo];

// 4. Foreign names in another transliteration (ja/foreign-sound.ts). A registry record in
//    alphabet without カナ (the column is optional) whose 学齢簿 row is alphabet too, and the
//    school's カナ: only the consonant skeleton ties them.
const beatrizNo = registry("beatriz.jumin", "H800011", "SILVA BEATRIZ", "", "2014-02-12", "female");
school(
  "beatriz.gakurei",
  "gakureibo",
  "SILVA BEATRIZ",
  null,
  "2014-02-12",
  "female",
  "第二小学校",
  5,
  beatrizNo,
);
for (const [i, src] of ["shukketsu", "gakko_kenshin"].entries())
  school(
    `beatriz.school${i}`,
    src,
    "シルバ ベアトリース",
    "シルバ ベアトリース",
    "2014-02-12",
    "female",
    "第二小学校",
    5,
  );
// シルヴァ written シウバ (Brazilian Portuguese), given names first, at school.
registry(
  "julia.jumin",
  "H800012",
  "SILVA ANA JULIA",
  "シルヴァ　アナ ジュリア",
  "2017-08-29",
  "female",
);
for (const [i, src] of ["shukketsu", "gakko_kenshin"].entries())
  school(
    `julia.school${i}`,
    src,
    "アナ ジュリア シウバ",
    "アナ ジュリア シウバ",
    "2017-08-29",
    "female",
    "第二小学校",
    2,
  );
// A middle name left out, parts joined by ・ (NGUYEN NGOC ANH / グエン・アイン), and ティ written チ.
registry(
  "anh.jumin",
  "H800013",
  "NGUYEN NGOC ANH",
  "グエン　ゴック アイン",
  "2012-11-04",
  "female",
);
for (const [i, src] of ["shukketsu", "gakko_kenshin"].entries())
  school(
    `anh.school${i}`,
    src,
    "グエン・アイン",
    "グエン・アイン",
    "2012-11-04",
    "female",
    "中学校",
    7,
  );
registry("hoa.jumin", "H800014", "NGUYEN THI HOA", "グエン　ティ ホア", "2013-09-30", "female");
for (const [i, src] of ["shukketsu", "gakko_kenshin"].entries())
  school(
    `hoa.school${i}`,
    src,
    "グエン チ ホア",
    "グエン チ ホア",
    "2013-09-30",
    "female",
    "第一小学校",
    6,
  );
const result = linkRecords(records, { settings });
const person = (tag: string) => {
  const i = rowOf.get(tag);
  if (i === undefined) throw new Error(`no record ${tag}`);
  return result.links.at(i)?.personId ?? null;
};

describe("names as they really change (issue 15)", () => {
  it("keeps the population's own links sound", () => {
    const personOf = result.links.slice(0, pop.records.length).map((l) => l.personId);
    for (const [x, y] of pop.twins) {
      const jx = pop.records.findIndex((r, i) => r.source === "jumin" && pop.truth[i] === x);
      const jy = pop.records.findIndex((r, i) => r.source === "jumin" && pop.truth[i] === y);
      expect(personOf[jx]).not.toBe(personOf[jy]);
    }
  });

  describe("surname changed, older school rows keep the old one", () => {
    it("links the old-name school rows to the child when no one else could hold them", () => {
      const p = person("hina.jumin");
      expect(person("hina.gakurei")).toBe(p);
      expect(person("hina.old0")).toBe(p);
      expect(person("hina.old1")).toBe(p);
    });
    it("does not give them to a namesake at the same school who has rows of his own", () => {
      // Two registry children fit 佐藤 蒼's rows (same 名, birth date and school); the namesake
      // holds school rows of his own, so the rows are never his: they go to the child whose
      // records they complete, or to a reviewer.
      const old = person("sou.old0");
      expect(person("sou.old1")).toBe(old);
      expect(person("sou.old2")).toBe(old);
      expect(old).not.toBe(person("ishii.jumin"));
      expect(person("ishii.school0")).toBe(person("ishii.jumin"));
      const asked = result.review.some((v) =>
        [...v.leftRecords, ...v.rightRecords].includes(rowOf.get("sou.old0") as number),
      );
      expect(old === person("sou.jumin") || asked).toBe(true);
    });
  });

  describe("foreign residents: alphabet or kanji with カナ and a 通称", () => {
    it("links school rows written under the registered 通称", () => {
      const p = person("min.jumin");
      expect(person("min.gakurei")).toBe(p);
      expect(person("min.school0")).toBe(p);
      expect(person("min.school1")).toBe(p);
      const q = person("ji.jumin");
      expect(person("ji.school0")).toBe(q);
      expect(person("ji.school1")).toBe(q);
    });
    it("never merges the twins, though they share the family 通称", () => {
      expect(person("min.jumin")).not.toBe(person("ji.jumin"));
    });
    it("links the alphabet registry record to rows in its カナ (ヴ written バ) and to its 通称", () => {
      const p = person("an.jumin");
      expect(person("an.gakurei")).toBe(p);
      expect(person("an.kana0")).toBe(p);
      expect(person("an.kana1")).toBe(p);
      expect(person("an.hogo")).toBe(p);
    });
    it("keeps a Japanese child whose name is the 通称 apart", () => {
      expect(person("yasu.jumin")).not.toBe(person("an.jumin"));
      expect(person("yasu.school")).toBe(person("yasu.jumin"));
    });
    it("shows a review item about a 通称 with the registry record's rows", () => {
      for (const v of result.review) {
        expect(v.leftRecords.length).toBeGreaterThan(0);
        expect(v.rightRecords.length).toBeGreaterThan(0);
      }
    });
  });

  describe("foreign names in another transliteration (ja/foreign-sound.ts)", () => {
    it("links a registry record in alphabet without カナ to the school's カナ", () => {
      const p = person("beatriz.jumin");
      expect(person("beatriz.gakurei")).toBe(p);
      expect(person("beatriz.school0")).toBe(p);
      expect(person("beatriz.school1")).toBe(p);
    });
    it("links シウバ to シルヴァ, given names first", () => {
      expect(person("julia.school0")).toBe(person("julia.jumin"));
      expect(person("julia.school1")).toBe(person("julia.jumin"));
    });
    it("links a name with its middle name left out, and ティ written チ", () => {
      expect(person("anh.school0")).toBe(person("anh.jumin"));
      expect(person("anh.school1")).toBe(person("anh.jumin"));
      expect(person("hoa.school0")).toBe(person("hoa.jumin"));
    });
  });

  describe("kana spellings", () => {
    it("links long-vowel, ヂ/ジ, small-kana and ヴ/ブ spellings under another kanji", () => {
      expect(person("yuki.school")).toBe(person("yuki.jumin"));
      expect(person("yuji.school")).toBe(person("yuji.jumin"));
      expect(person("shota.hogo")).toBe(person("shota.jumin"));
      expect(person("davi.school")).toBe(person("davi.jumin"));
    });
    it("keeps each twin's rows with that twin", () => {
      expect(person("yuji.jumin")).not.toBe(person("yuichi.jumin"));
      expect(person("yuichi.school")).toBe(person("yuichi.jumin"));
      expect(person("yuji.school")).not.toBe(person("yuichi.jumin"));
    });
  });
});
