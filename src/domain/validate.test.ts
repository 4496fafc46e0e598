import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findLayout, type Layout } from "./layouts.ts";
import { parseMapping } from "./mapping.ts";
import type { IsoDate } from "./types.ts";
import { type FilePlan, type PlanOptions, planFile, recordOf, validateRow } from "./validate.ts";

const jumin = findLayout("jumin") as Layout;
const JUMIN_HEADER = [
  "宛名番号",
  "世帯番号",
  "氏名",
  "氏名カナ",
  "生年月日",
  "性別",
  "続柄",
  "住所",
  "住定日",
  "消除日",
  "国籍",
];
const AS_OF = "2024-04-01" as IsoDate;

function plan(layout: Layout, header: string[], options: PlanOptions = { asOf: AS_OF }): FilePlan {
  const r = planFile(layout, header, options);
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r.plan;
}

function row(p: FilePlan, fields: string[]) {
  const r = validateRow(p, fields);
  return r.ok ? { ok: true as const, record: recordOf(p, r.values), asOf: r.asOf } : r;
}

describe("planFile: layout problems fail the whole file", () => {
  it("binds the canonical header, any order, extras kept aside", () => {
    const r = planFile(jumin, ["メモ", ...[...JUMIN_HEADER].reverse()], { asOf: AS_OF });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.extras).toEqual(["メモ"]);
    expect(r.notes.join()).toContain("メモ");
  });

  it("a missing required column is reported with a hint when it looks renamed", () => {
    const header = JUMIN_HEADER.map((h) => (h === "生年月日" ? "生年月日(西暦)" : h)).filter(
      (h) => h !== "性別",
    );
    const r = planFile(jumin, header, { asOf: AS_OF });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toContain("必須の列「生年月日」がありません");
    expect(r.problems[0]).toContain("「生年月日(西暦): 生年月日」");
    expect(r.problems[1]).toBe("必須の列「性別」がありません。");
  });

  it("catches a typo'd header as renamed", () => {
    const r = planFile(
      jumin,
      JUMIN_HEADER.map((h) => (h === "世帯番号" ? "世帯番 号x" : h)),
      { asOf: AS_OF },
    );
    expect(r.ok ? "" : r.problems.join()).toContain("「世帯番 号x」が名前の変わった列であれば");
  });

  it("refuses a column given twice", () => {
    const r = planFile(jumin, [...JUMIN_HEADER, "氏名 "], { asOf: AS_OF });
    expect(r.ok ? "" : r.problems.join()).toContain("列「氏名」が 2 回あります（3列目、12列目）");
  });

  it("needs an as-of date from --as-of or a 抽出日 column", () => {
    const r = planFile(jumin, JUMIN_HEADER, {});
    expect(r.ok ? "" : r.problems.join()).toContain("抽出日がわかりません");
    // The web upload has no --as-of: the message names the form's field too.
    expect(r.ok ? "" : r.problems.join()).toContain("取込画面の「抽出日」欄");
    expect(planFile(jumin, [...JUMIN_HEADER, "抽出日"], {}).ok).toBe(true);
  });

  it("needs one column of an at-least-one group", () => {
    const sodan = findLayout("sodan_kiroku") as Layout;
    const r = planFile(sodan, ["相談日", "相談分野"], { asOf: AS_OF });
    expect(r.ok ? "" : r.problems.join()).toContain(
      "列「宛名番号」か「世帯番号」の少なくとも1つが必要です",
    );
  });
});

describe("validateRow", () => {
  const p = plan(jumin, JUMIN_HEADER);

  it("normalises every type and keeps column order", () => {
    const r = row(p, [
      "０００１２",
      "H-1",
      "山田　太郎",
      "ﾔﾏﾀﾞ ﾀﾛｳ",
      "H29.5.3",
      "男",
      "長男",
      "東京都１－２",
      "",
      "",
      "",
    ]);
    expect(r).toEqual({
      ok: true,
      asOf: AS_OF,
      record: {
        宛名番号: "00012",
        世帯番号: "H-1",
        氏名: "山田 太郎",
        氏名カナ: "ヤマダ タロウ",
        生年月日: "2017-05-03",
        性別: "male",
        続柄: "子",
        住所: "東京都1-2",
        住定日: null,
        消除日: null,
        国籍: "日本",
        抽出日: null,
        // Optional columns absent from the file (issue 15: the registry's 通称).
        通称: null,
        通称カナ: null,
      },
    });
  });

  it("reports every bad value of a row with its column and a Japanese reason", () => {
    const r = validateRow(p, ["1", "", "山田", "", "R1.4.30", "3", "", "", "", "", ""]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.column, e.value])).toEqual([
      ["世帯番号", ""],
      ["生年月日", "R1.4.30"],
      ["性別", "3"],
    ]);
    expect(r.errors[0]?.reason).toBe("必須の項目が空です。");
    expect(r.errors[1]?.reason).toContain("平成31年4月30日");
  });

  it("blank in a required 性別 column is an error; 9 is unknown", () => {
    expect(validateRow(p, ["1", "1", "A", "", "2020-01-01", "", "", "", "", "", ""]).ok).toBe(
      false,
    );
    const r = row(p, ["1", "1", "A", "", "2020-01-01", "9", "", "", "", "", ""]);
    expect(r.ok && r.record.性別).toBe("unknown");
  });

  it("checks periods: an end before its start is an error on the end column", () => {
    const r = validateRow(p, [
      "1",
      "1",
      "A",
      "",
      "2020-01-01",
      "1",
      "",
      "",
      "2022-04-01",
      "2021-03-31",
      "",
    ]);
    expect(r.ok ? [] : r.errors.map((e) => e.column)).toEqual(["消除日"]);
  });

  it("a row with too few cells (truncated file) or too many is one whole-row error", () => {
    const short = validateRow(p, ["1", "1", "A"]);
    expect(short.ok ? "" : short.errors[0]?.reason).toContain(
      "列の数が足りません（見出しは 11 列、この行は 3 列）",
    );
    const long = validateRow(p, [...JUMIN_HEADER.map(() => "x"), "extra"]);
    expect(long.ok ? "" : long.errors[0]?.reason).toContain("列の数が多すぎます");
    const trailingEmpty = validateRow(p, [
      "1",
      "1",
      "A",
      "",
      "2020-01-01",
      "1",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
    ]);
    expect(trailingEmpty.ok).toBe(true);
  });

  it("takes the as-of date from the 抽出日 column when there is no --as-of", () => {
    const q = plan(jumin, [...JUMIN_HEADER, "抽出日"], {});
    const good = validateRow(q, [
      "1",
      "1",
      "A",
      "",
      "2020-01-01",
      "1",
      "",
      "",
      "",
      "",
      "",
      "R6.4.1",
    ]);
    expect(good.ok && good.asOf).toBe("2024-04-01");
    const blank = validateRow(q, ["1", "1", "A", "", "2020-01-01", "1", "", "", "", "", "", ""]);
    expect(blank.ok ? [] : blank.errors.map((e) => e.column)).toEqual(["抽出日"]);
  });

  it("a 抽出日 column after today is an error on that row, as a typed one is refused", () => {
    const q = plan(jumin, [...JUMIN_HEADER, "抽出日"], { today: "2024-10-01" as IsoDate });
    const cells = (asOf: string) => [
      "1",
      "1",
      "A",
      "",
      "2020-01-01",
      "1",
      "",
      "",
      "",
      "",
      "",
      asOf,
    ];
    const today = validateRow(q, cells("R6.10.1"));
    expect(today.ok && today.asOf).toBe("2024-10-01");
    const typo = validateRow(q, cells("2062/10/1"));
    expect(typo.ok ? [] : typo.errors).toEqual([
      {
        column: "抽出日",
        value: "2062/10/1",
        reason:
          "抽出日（2062-10-01）が今日（2024-10-01）より後になっています。部署がデータを出力した日が入っているか確認し、ファイルを直してから取り込み直してください。",
      },
    ]);
    // --as-of given: the column is not the row's 抽出日 (the typed date was checked when typed).
    const typed = plan(jumin, [...JUMIN_HEADER, "抽出日"], {
      asOf: AS_OF,
      today: "2024-10-01" as IsoDate,
    });
    const r = validateRow(typed, cells("2062/10/1"));
    expect(r.ok && r.asOf).toBe(AS_OF);
  });

  it("at-least-one groups are checked per row", () => {
    const sodan = plan(findLayout("sodan_kiroku") as Layout, [
      "宛名番号",
      "世帯番号",
      "相談日",
      "相談分野",
    ]);
    expect(validateRow(sodan, ["", "S1", "2024-01-01", "DV"]).ok).toBe(true);
    const r = validateRow(sodan, ["", "", "2024-01-01", "ＤＶ"]);
    expect(r.ok ? "" : r.errors[0]?.reason).toContain(
      "「宛名番号」か「世帯番号」のどちらかは必要です",
    );
  });

  it("never throws, whatever the cells", () => {
    const header = [...JUMIN_HEADER, "抽出日"];
    const q = plan(jumin, header, {});
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 14 }), (fields) => {
        const r = validateRow(q, fields);
        return r.ok || r.errors.length > 0;
      }),
      { numRuns: 500 },
    );
  });
});

describe("mapping applied by planFile/validateRow", () => {
  const kenshin = findLayout("nyuyoji_kenshin") as Layout;
  const mapping = parseMapping(
    [
      "source: nyuyoji_kenshin",
      "columns:",
      "  住民コード: 宛名番号",
      "  健診種別: 健診区分",
      "  受診年月日: 受診日",
      "  Q1: 家に残して外出",
      "values:",
      "  健診区分: { '01': 3-4か月児, '02': 1歳6か月児, '03': 3歳児 }",
      "  家に残して外出: { '2': いいえ }",
      "dates:",
      "  受診日: era-code",
      "constants:",
      "  抽出日: R6.5.1",
    ].join("\n"),
  );
  const p = plan(kenshin, ["住民コード", "健診種別", "受診年月日", "Q1"], { mapping });

  it("renames, recodes, reads dates by hint and fills constants", () => {
    const r = row(p, ["0042", "02", "5060401", "2"]);
    expect(r.ok && r.record).toMatchObject({
      宛名番号: "0042",
      健診区分: "1歳6か月児",
      受診日: "2024-04-01",
      家に残して外出: false,
      抽出日: "2024-05-01",
    });
    expect(r.ok && r.asOf).toBe("2024-05-01");
  });

  it("a recoded value that is still invalid is an error showing the file's raw value", () => {
    const r = validateRow(p, ["0042", "09", "5060401", "1"]);
    expect(r.ok ? [] : r.errors.map((e) => [e.column, e.value])).toEqual([["健診区分", "09"]]);
  });

  it("notes renamed columns missing from the file", () => {
    const r = planFile(kenshin, ["住民コード", "健診種別"], { mapping });
    expect(r.ok && r.notes.join()).toContain("「受診年月日」はこのファイルにありません");
  });
});
