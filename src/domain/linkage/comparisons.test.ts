import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileComparisons, expectedGrade } from "./comparisons.ts";
import { JAPANESE_COMPARISONS } from "./japanese-settings.ts";
import type { ComparisonSpec } from "./settings.ts";
import { buildTable } from "./table.ts";
import { WESTERN_SETTINGS } from "./western-settings.ts";

describe("expectedGrade", () => {
  // 学校教育法 第17条: 小1 in the first April after the 6th birthday; 1 April births join the older year.
  it.each([
    ["20170402", "20240501", 1],
    ["20180401", "20240501", 1],
    ["20180402", "20240501", 0],
    ["20170402", "20250331", 1],
    ["20090402", "20240401", 9],
  ])("born %s, as of %s → %i", (birth, asOf, grade) => {
    expect(expectedGrade(birth, asOf)).toBe(grade);
  });
});

const spec = (levels: ComparisonSpec["levels"]): ComparisonSpec => ({
  name: "x",
  label: "x",
  levels,
});

describe("date levels computed per value", () => {
  // The per-pair definitions, as written before they were computed once per distinct value.
  const swap = (x: string, y: string) =>
    x.length === 8 &&
    y.length === 8 &&
    x !== y &&
    x.slice(0, 4) === y.slice(0, 4) &&
    x.slice(4, 6) === y.slice(6, 8) &&
    x.slice(6, 8) === y.slice(4, 6);
  const day = (s: string) =>
    s.length === 8
      ? Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8))) /
        86_400_000
      : Number.NaN;
  const date = fc.constantFrom(
    "20150317",
    "20151703",
    "20150505",
    "20150506",
    "20150605",
    "20150318",
    "20150316",
    "20151231",
    "20160101",
    "20160102",
    "2015031",
    null,
  );
  it("month-day-swap and days-apart give the levels of the per-pair definitions", () => {
    fc.assert(
      fc.property(fc.array(date, { minLength: 2, maxLength: 8 }), fc.nat(3), (dates, max) => {
        const t = buildTable(
          dates.map((d) => ({ d })),
          ["d"],
        );
        const [swapped, apart] = compileComparisons(t, [
          spec([
            { label: "swap", when: { kind: "month-day-swap", column: "d" } },
            { label: "else", when: { kind: "else" } },
          ]),
          spec([
            { label: "apart", when: { kind: "days-apart", column: "d", max } },
            { label: "else", when: { kind: "else" } },
          ]),
        ]);
        for (let i = 0; i < dates.length; i++)
          for (let j = 0; j < dates.length; j++) {
            const x = dates[i];
            const y = dates[j];
            if (x == null || y == null) {
              expect(swapped?.level(i, j)).toBe(0);
              expect(apart?.level(i, j)).toBe(0);
              continue;
            }
            expect(swapped?.level(i, j)).toBe(swap(x, y) ? 1 : 2);
            const near = x !== y && Math.abs(day(x) - day(y)) <= max;
            expect(apart?.level(i, j)).toBe(near ? 1 : 2);
          }
      }),
    );
  });
});

describe("comparison levels", () => {
  const table = buildTable(
    [
      { a: "サトウ", b: "1" },
      { a: "サトー", b: null },
      { a: null, b: "1" },
      { a: "スズキ", b: "2" },
    ],
    ["a", "b"],
  );
  it("takes the first level that holds, and 0 when nothing can be decided", () => {
    const [c] = compileComparisons(table, [
      spec([
        { label: "exact", when: { kind: "exact", column: "a" } },
        { label: "jw", when: { kind: "jaro-winkler", column: "a", threshold: 0.8 } },
        { label: "else", when: { kind: "else" } },
      ]),
    ]);
    expect(c?.level(0, 0)).toBe(1);
    expect(c?.level(0, 1)).toBe(2);
    expect(c?.level(0, 3)).toBe(3);
    expect(c?.level(0, 2)).toBe(0);
  });
  it("evaluates all/any/not/present three-valued", () => {
    const [c] = compileComparisons(table, [
      spec([
        {
          label: "both",
          when: {
            kind: "all",
            of: [
              { kind: "exact", column: "a" },
              { kind: "exact", column: "b" },
            ],
          },
        },
        { label: "b present on one side", when: { kind: "present", column: "b", on: "either" } },
        { label: "not a", when: { kind: "not", of: { kind: "exact", column: "a" } } },
      ]),
    ]);
    expect(c?.level(0, 0)).toBe(1);
    expect(c?.level(0, 1)).toBe(2);
    expect(c?.level(1, 1)).toBe(0);
  });
  it("matches the other side's birth date to a school year", () => {
    const t = buildTable(
      [
        { grade: "1", birth: "20170402", asOf: "20240501" },
        { grade: null, birth: "20170402", asOf: null },
        { grade: null, birth: "20160402", asOf: null },
      ],
      ["grade", "birth", "asOf"],
    );
    const [c] = compileComparisons(t, [
      spec([
        {
          label: "ok",
          when: { kind: "grade-age", grade: "grade", birth: "birth", asOf: "asOf", tolerance: 0 },
        },
        { label: "else", when: { kind: "else" } },
      ]),
    ]);
    expect(c?.level(0, 1)).toBe(1);
    expect(c?.level(1, 0)).toBe(1);
    expect(c?.level(0, 2)).toBe(2);
    expect(c?.level(1, 2)).toBe(0);
  });
});

describe("symmetry", () => {
  const kana = fc.constantFrom("サトウ", "サトー", "サイトウ", "スズキ", "〓トウ", null);
  const kanji = fc.constantFrom("佐藤", "〓藤", "斎藤", "鈴木", null);
  const date = fc.constantFrom("20150317", "20150371", "20150318", "20160101", null);
  const row = fc.record({
    familyRaw: kanji,
    familyFolded: kanji,
    familyReading: kana,
    givenRaw: kanji,
    givenFolded: kanji,
    givenReading: kana,
    fullFolded: kanji,
    fullReading: kana,
    birthDate: date,
    sex: fc.constantFrom("1", "2", null),
    address: fc.constantFrom("本町1-2-3", "本町1-2-4", null),
    residentNo: fc.constantFrom("1", "2", null),
    residentNoOther: fc.constantFrom("1", null),
    registryStatus: fc.constantFrom("current", "removed", null),
    householdNo: fc.constantFrom("H1", "H2", null),
    grade: fc.constantFrom("1", "3", null),
    asOf: fc.constantFrom("20240501", null),
    school: fc.constantFrom("第一小", "第二小", null),
    nameParts: fc.constantFrom("グエン テーラン", "アイン グエン", null),
    nameSound: fc.constantFrom("GN N", "GK GN N", null),
    nameSoundShort: fc.constantFrom("GN N", "SB BTR", null),
  });
  it("every Japanese comparison gives the same level for (i, j) and (j, i)", () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 2, maxLength: 6 }), (rows) => {
        const t = buildTable(rows, Object.keys(rows[0] ?? {}), {
          wildcardColumns: ["familyFolded", "givenFolded", "fullFolded"],
        });
        for (const c of compileComparisons(t, JAPANESE_COMPARISONS))
          for (let i = 0; i < rows.length; i++)
            for (let j = 0; j < rows.length; j++) expect(c.level(i, j)).toBe(c.level(j, i));
      }),
    );
  });
  it("every western comparison is symmetric", () => {
    const word = fc.constantFrom(
      "smith",
      "smyth",
      "smithe",
      "jones",
      "",
      "4223",
      "4232",
      "19151111",
    );
    const columns = [
      "given_name",
      "surname",
      "date_of_birth",
      "soc_sec_id",
      "street_number",
      "address_1",
      "address_2",
      "suburb",
      "postcode",
      "state",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 10, maxLength: 10 }), { minLength: 2, maxLength: 5 }),
        (cells) => {
          const rows = cells.map((cs) =>
            Object.fromEntries(columns.map((c, k) => [c, cs[k] ?? null])),
          );
          const t = buildTable(rows, columns);
          for (const c of compileComparisons(t, WESTERN_SETTINGS.comparisons))
            for (let i = 0; i < rows.length; i++)
              for (let j = 0; j < rows.length; j++) expect(c.level(i, j)).toBe(c.level(j, i));
        },
      ),
    );
  });
});
