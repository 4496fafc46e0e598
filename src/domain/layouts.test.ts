import { describe, expect, it } from "vitest";
import {
  AS_OF_COLUMN,
  describeSources,
  findLayout,
  isSourceId,
  LAYOUTS,
  normalizeHeader,
  SOURCE_IDS,
  sourceFromFileName,
  sourceFromHeader,
} from "./layouts.ts";

describe("LAYOUTS", () => {
  it("holds the 19 sources of layouts.md, ids unique", () => {
    expect(SOURCE_IDS).toEqual([
      "jumin",
      "gakureibo",
      "shukketsu",
      "gakko_kenshin",
      "kokoro_check",
      "yotaikyo",
      "ichiji_hogo",
      "nyuyoji_kenshin",
      "ninpu_kenshin",
      "sanpu_kenshin",
      "shogai_techo",
      "shogaiji_jukyusha",
      "seikatsu_hogo",
      "jido_fuyo",
      "shugaku_enjo",
      "kaigo_nintei",
      "iryohi_josei",
      "sodan_kiroku",
      "hoiku_zaiseki",
    ]);
  });

  it("reads every column ending in 日 as a date (layouts.md, Dates)", () => {
    for (const l of LAYOUTS) {
      for (const c of l.columns) {
        if (c.name.endsWith("日")) expect(c.type.kind, `${l.id}.${c.name}`).toBe("date");
      }
    }
  });

  it("has unique column names per source, an optional 抽出日, and valid rule columns", () => {
    for (const l of LAYOUTS) {
      const names = l.columns.map((c) => c.name);
      expect(new Set(names).size).toBe(names.length);
      expect(l.columns.find((c) => c.name === AS_OF_COLUMN)?.required).toBe(false);
      for (const name of [...l.periods.flat(), ...l.atLeastOne.flat()])
        expect(names).toContain(name);
    }
  });

  it("marks the required columns of the spec (spot checks)", () => {
    const required = (id: string) =>
      findLayout(id)
        ?.columns.filter((c) => c.required)
        .map((c) => c.name);
    expect(required("jumin")).toEqual(["宛名番号", "世帯番号", "氏名", "生年月日", "性別"]);
    expect(required("shukketsu")).toEqual([
      "学校名",
      "氏名",
      "生年月日",
      "集計開始日",
      "集計終了日",
      "欠席日数",
    ]);
    expect(required("sodan_kiroku")).toEqual(["相談日", "相談分野"]);
    expect(required("sanpu_kenshin")).toEqual(["母宛名番号", "健診日", "EPDS合計点"]);
  });

  it("knows its ids", () => {
    expect(isSourceId("jumin")).toBe(true);
    expect(isSourceId("foo")).toBe(false);
    expect(describeSources()[0]).toBe("jumin（住民基本台帳）");
  });
});

describe("sourceFromFileName (cli.md)", () => {
  it.each([
    ["jumin.csv", "jumin"],
    ["jumin_2024-04.csv", "jumin"],
    ["/data/in/JUMIN-202404.CSV", "jumin"],
    ["shukketsu.xlsx", "shukketsu"],
    ["shukketsu_第一小.xlsx", "shukketsu"],
    ["shogaiji_jukyusha.csv", "shogaiji_jukyusha"],
    ["shogai_techo_2024.csv", "shogai_techo"],
    ["nyuyoji_kenshin.csv", "nyuyoji_kenshin"],
    ["住民基本台帳_202404.csv", "jumin"],
    ["ｊｕｍｉｎ.csv", "jumin"],
  ])("%s → %s", (name, id) => {
    expect(sourceFromFileName(name)).toBe(id);
  });

  it.each(["juminx.csv", "export.csv", "kenshin.csv", "shogai.csv", ""])("%s → none", (name) => {
    expect(sourceFromFileName(name)).toBeUndefined();
  });
});

describe("sourceFromHeader", () => {
  it("finds each source from its full canonical header", () => {
    for (const l of LAYOUTS) {
      const m = sourceFromHeader(l.columns.map((c) => c.name));
      expect(m, l.id).toEqual({ kind: "found", source: l.id });
    }
  });

  it("finds a source from its required columns plus extras, in any order and width", () => {
    expect(sourceFromHeader(["ﾒﾓ", "性別", "生年月日", "氏名", "世帯番号", "宛名番号"])).toEqual({
      kind: "found",
      source: "jumin",
    });
    expect(sourceFromHeader(["宛名番号 ", "認定年度＊"])).toEqual({
      kind: "found",
      source: "shugaku_enjo",
    });
  });

  it("says ambiguous when two sources fit equally, none when nothing fits", () => {
    // Only 宛名番号 + 施設名 + 入所日 fit hoiku; 宛名番号 alone fits nothing.
    expect(sourceFromHeader(["宛名番号"]).kind).toBe("none");
    expect(sourceFromHeader(["a", "b"]).kind).toBe("none");
    const both = sourceFromHeader([
      "宛名番号",
      "受給者証番号",
      "決定日",
      "保護世帯番号",
      "開始年月日",
    ]);
    expect(both).toEqual({ kind: "ambiguous", candidates: ["shogaiji_jukyusha", "seikatsu_hogo"] });
  });
});

describe("normalizeHeader", () => {
  it("drops spaces, BOM and the required marker, folds width", () => {
    expect(normalizeHeader("\ufeff宛名番号*")).toBe("宛名番号");
    expect(normalizeHeader(" 氏名　ｶﾅ ")).toBe("氏名カナ");
    expect(normalizeHeader("ＥＰＤＳ合計点")).toBe("EPDS合計点");
  });
});
