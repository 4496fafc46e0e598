/**
 * Default settings for 名寄せ of a municipality's child-related sources onto
 * the 住民基本台帳 (layouts.md). Comparison levels follow the design:
 * 氏名 exact / exact after 異体字・外字 folding / reading key exact / 外字
 * wildcard / fuzzy reading (Jaro–Winkler) / else; 生年月日 exact / one typo /
 * else; 性別; 住所; 宛名番号 and 世帯番号 as strong comparisons, not keys;
 * school year consistent with age. Columns are those japanese.ts prepares.
 */
import type { ComparisonSpec, LevelCondition, LinkageSettings } from "./settings.ts";

const exact = (column: string, wildcard?: boolean): LevelCondition =>
  wildcard ? { kind: "exact", column, wildcard } : { kind: "exact", column };
const jw = (column: string, threshold: number): LevelCondition => ({
  kind: "jaro-winkler",
  column,
  threshold,
});
const ELSE: LevelCondition = { kind: "else" };

/** 氏 or 名; the 氏 comparison falls back to the whole name when a side could not be split. */
function namePart(part: "family" | "given", label: string): ComparisonSpec {
  const levels: ComparisonSpec["levels"][number][] = [
    { label: "完全一致", when: exact(`${part}Raw`), tf: `${part}Folded` },
    { label: "異体字・外字を寄せて一致", when: exact(`${part}Folded`), tf: `${part}Folded` },
    { label: "読みが一致", when: exact(`${part}Reading`), tf: `${part}Reading` },
    { label: "不明文字(〓)以外が一致", when: exact(`${part}Folded`, true) },
    // Split elsewhere (foreign names: グエン トゥ チャン / グエントゥ チャン): the whole name
    // agrees, which is evidence for both parts, as when both agree.
    {
      label: "区切りが違うが氏名全体が一致",
      when: {
        kind: "all",
        of: [{ kind: "present", column: `${part}Folded`, on: "both" }, exact("fullFolded")],
      },
    },
    {
      label: "区切りが違うが氏名全体の読みが一致",
      when: {
        kind: "all",
        of: [{ kind: "present", column: `${part}Reading`, on: "both" }, exact("fullReading")],
      },
    },
    { label: "読みが類似 (JW≥0.9)", when: jw(`${part}Reading`, 0.9) },
  ];
  if (part === "family") {
    // Names written without a space that no known 氏 could split: compare the whole name here.
    const unsplit = (c: LevelCondition): LevelCondition => ({
      kind: "all",
      of: [
        {
          kind: "any",
          of: [
            { kind: "either-missing", column: "familyFolded" },
            { kind: "either-missing", column: "familyReading" },
          ],
        },
        c,
      ],
    });
    levels.push(
      { label: "氏名全体が一致 (分割不可)", when: unsplit(exact("fullFolded")), tf: "fullFolded" },
      {
        label: "氏名全体の読みが一致 (分割不可)",
        when: unsplit(exact("fullReading")),
        tf: "fullReading",
      },
      { label: "氏名全体の読みが類似 (分割不可)", when: unsplit(jw("fullReading", 0.92)) },
    );
  }
  // A foreign name written in another order (ラリッサ オリベイラ / オリヴェイラ ラリッサ, given
  // name first at a school): the same parts of the reading, in any order. Only names written
  // in alphabet or in カナ have the column (japanese.ts `nameParts`).
  levels.push({ label: "氏名の読みの組が一致 (順序違い)", when: exact("nameParts") });
  // The same foreign name in another transliteration (シルヴァ / シウバ, ヴィ / ビ, ティ / チ), or
  // against a registry record in alphabet without カナ (SILVA VITORIA / シルバ ビトーリア): the
  // consonant skeletons of the parts agree, in any order; then with a middle name left out
  // (NGUYEN NGOC ANH / グエン アイン). ja/foreign-sound.ts; チャン and トラン stay apart.
  levels.push({ label: "外国名の音の組が一致 (表記揺れ)", when: exact("nameSound") });
  levels.push({ label: "外国名の音が中間名を除き一致", when: exact("nameSoundShort") });
  levels.push({ label: "不一致", when: ELSE });
  return { name: `${part}_name`, label, levels };
}

export const JAPANESE_COMPARISONS: readonly ComparisonSpec[] = [
  namePart("family", "氏"),
  namePart("given", "名"),
  {
    name: "birth_date",
    label: "生年月日",
    levels: [
      { label: "完全一致", when: exact("birthDate") },
      { label: "隣接2桁の入替", when: { kind: "transposition", column: "birthDate" } },
      { label: "月と日の入替", when: { kind: "month-day-swap", column: "birthDate" } },
      // A date one day off is the commonest slip that is not one digit (2010-09-19 typed as
      // 09-20, 01-30 as 01-29): the same level, so the model keeps its shape.
      {
        label: "1桁違い・1日違い",
        when: {
          kind: "any",
          of: [
            { kind: "one-typo", column: "birthDate" },
            { kind: "days-apart", column: "birthDate", max: 1 },
          ],
        },
      },
      { label: "不一致", when: ELSE },
    ],
  },
  {
    name: "sex",
    label: "性別",
    levels: [
      { label: "一致", when: exact("sex") },
      { label: "不一致", when: ELSE },
    ],
  },
  {
    name: "address",
    label: "住所",
    levels: [
      { label: "一致", when: exact("address") },
      { label: "類似 (JW≥0.9)", when: jw("address", 0.9) },
      { label: "不一致", when: ELSE },
    ],
  },
  {
    // Two registry records always carry different numbers (one person who moved out and
    // back holds two), so 宛名番号 is compared only when a side is not a registry record.
    name: "resident_no",
    label: "宛名番号",
    levels: [
      { label: "一致", when: exact("residentNo") },
      {
        label: "不一致",
        when: {
          kind: "all",
          of: [
            { kind: "present", column: "residentNo", on: "both" },
            { kind: "present", column: "residentNoOther", on: "either" },
          ],
        },
      },
    ],
  },
  {
    // A person who moved out and back has a removed (消除) record and a current one.
    name: "registry_status",
    label: "住基の状態",
    levels: [
      { label: "消除と現住", when: { kind: "not", of: exact("registryStatus") } },
      { label: "同じ状態", when: ELSE },
    ],
  },
  {
    name: "household_no",
    label: "世帯番号",
    levels: [
      { label: "一致", when: exact("householdNo") },
      { label: "不一致", when: ELSE },
    ],
  },
  {
    name: "school_grade",
    label: "学年と年齢",
    levels: [
      {
        label: "学年が生年月日と整合",
        when: { kind: "grade-age", grade: "grade", birth: "birthDate", asOf: "asOf", tolerance: 0 },
      },
      {
        label: "学年が1年ずれ",
        when: { kind: "grade-age", grade: "grade", birth: "birthDate", asOf: "asOf", tolerance: 1 },
      },
      { label: "不整合", when: ELSE },
    ],
  },
  {
    name: "school",
    label: "学校",
    levels: [
      { label: "一致", when: exact("school") },
      { label: "不一致", when: ELSE },
    ],
  },
];

const MAX_BLOCK = 2000;
const DOB_MASK = ["birth_date", "school_grade"];

export const JAPANESE_SETTINGS: LinkageSettings = {
  version: "ja-3",
  linkType: "link_and_dedupe",
  comparisons: JAPANESE_COMPARISONS,
  blockingRules: [
    { name: "宛名番号", columns: ["residentNo"], masks: ["resident_no"], maxBlockSize: MAX_BLOCK },
    {
      name: "生年月日+氏の読み",
      columns: ["birthDate", "familyReading"],
      masks: [...DOB_MASK, "family_name"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "生年月日+名の読み",
      columns: ["birthDate", "givenReading"],
      masks: [...DOB_MASK, "given_name"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "生年月日+氏",
      columns: ["birthDate", "familyFolded"],
      masks: [...DOB_MASK, "family_name"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "生年月日+名",
      columns: ["birthDate", "givenFolded"],
      masks: [...DOB_MASK, "given_name"],
      maxBlockSize: MAX_BLOCK,
    },
    // Whole name with half of the birth date: a slip in the other half is still found, and
    // namesakes of other years do not make blocks of thousands.
    // The birth year also fixes the school year, so 学年と年齢 agrees by construction here too.
    {
      name: "氏名の読み+生年",
      columns: ["fullReading", "birthYear"],
      masks: ["family_name", "given_name", "school_grade"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "氏名の読み+月日",
      columns: ["fullReading", "birthMonthDay"],
      masks: ["family_name", "given_name"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "氏名+生年",
      columns: ["fullFolded", "birthYear"],
      masks: ["family_name", "given_name", "school_grade"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "氏名+月日",
      columns: ["fullFolded", "birthMonthDay"],
      masks: ["family_name", "given_name"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "生年月日+世帯番号",
      columns: ["birthDate", "householdNo"],
      masks: [...DOB_MASK, "household_no"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "生年月日+住所",
      columns: ["birthDate", "address"],
      masks: [...DOB_MASK, "address"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "生年月日+氏名の読みの組",
      columns: ["birthDate", "nameParts"],
      masks: [...DOB_MASK, "family_name", "given_name"],
      maxBlockSize: MAX_BLOCK,
    },
    // A foreign name in another transliteration, or in alphabet against カナ: neither reading
    // agrees, so only the consonant skeletons of the parts pair them (ja/foreign-sound.ts).
    // With the birth year only, so a slipped day is found too (foreign names only: small blocks).
    {
      name: "外国名の音の組+生年",
      columns: ["nameSound", "birthYear"],
      masks: ["family_name", "given_name", "school_grade"],
      maxBlockSize: MAX_BLOCK,
    },
    {
      name: "外国名の音 (中間名を除く)+生年",
      columns: ["nameSoundShort", "birthYear"],
      masks: ["family_name", "given_name", "school_grade"],
      maxBlockSize: MAX_BLOCK,
    },
    // A school's rows typed before a surname change with a slipped birth date (秋元楓雅
    // 2014-07-23 at school, 大田　楓雅 2014-07-22 in 住基 and 学齢簿): no rule above pairs them.
    // Per school, so blocks stay small.
    {
      name: "名の読み+学校+生年",
      columns: ["givenReading", "school", "birthYear"],
      masks: ["given_name", "school"],
      maxBlockSize: MAX_BLOCK,
    },
  ],
  deterministicRules: [
    { name: "宛名番号", columns: ["residentNo"] },
    { name: "氏名+生年月日", columns: ["fullFolded", "birthDate"] },
    { name: "氏名の読み+生年月日", columns: ["fullReading", "birthDate"] },
  ],
  deterministicRecall: 0.9,
  wildcardColumns: ["familyFolded", "givenFolded", "fullFolded"],
  weakColumns: [
    "householdNo",
    "address",
    "school",
    "grade",
    "asOf",
    "sex",
    "registryStatus",
    "residentSince",
    "removedDate",
    "birthYear",
    "birthMonthDay",
  ],
  idColumn: "residentNo",
  thresholds: { accept: 0.99, review: 0.5, ambiguityBits: 3, complement: 0.8 },
  cannotLink: [
    // 双子: same 生年月日 in the same 世帯 with different given names are two children, whatever else agrees.
    {
      name: "双子",
      kind: "differ",
      same: ["birthDate", "householdNo"],
      different: ["givenFolded", "givenReading", "fullFolded", "fullReading"],
    },
    // 同じ学校の双子: a school's own rows (出欠, 健診, 心の健康) carry no 世帯番号, so the rule
    // above cannot see twins there. Two of them from one school with one 生年月日 whose 名
    // differs in writing and in reading are two children (a school keeps one record per
    // pupil); a 名 typed with another kanji of the same reading, or a kana slip under the same
    // kanji, is not. The 学齢簿 is left out: it writes the registered name (alphabet, not the
    // 通称 the school uses) and carries the 宛名番号, so the registry rules cover it.
    {
      name: "同じ学校の双子",
      kind: "differ",
      same: ["birthDate", "school"],
      different: ["givenFolded", "givenReading"],
      all: true,
      without: ["residentNo"],
    },
    // One person holds one 住民票 at a time (住民基本台帳法 第6条: one record per person), so
    // two registry records whose residence periods (住定日 to 消除日) overlap are two people —
    // a parent and child of the same name, or a family that left together. A person who moved
    // out and back has a removed record that ended before the current one began.
    {
      name: "住民票の期間が重なる",
      kind: "overlapping-periods",
      scope: "registryStatus",
      start: "residentSince",
      end: "removedDate",
    },
  ],
  training: {
    uSamplePairs: 1_000_000,
    seed: 20240401,
    emMaxIterations: 60,
    emTolerance: 1e-5,
    tfMinimumU: 1e-7,
  },
};
