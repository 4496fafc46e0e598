import { describe, expect, it } from "vitest";
import { isMimamoriError, type MimamoriError } from "./errors.ts";
import { checkMapping, parseMapping } from "./mapping.ts";
import type { SourceId } from "./types.ts";

function problemsOf(text: string): MimamoriError {
  try {
    parseMapping(text, "m.yaml");
  } catch (e) {
    if (isMimamoriError(e)) return e;
    throw e;
  }
  throw new Error("expected the mapping to be refused");
}

describe("parseMapping", () => {
  it("reads every section, keeping codes like 01 as text", () => {
    const m = parseMapping(
      [
        "description: すこやか健診 Ver.3",
        "source: nyuyoji_kenshin",
        "encoding: cp932",
        "skip_rows: 2",
        "columns:",
        "  住民コード: 宛名番号",
        "  健診種別: 健診区分",
        "values:",
        "  健診区分:",
        "    01: 3-4か月児",
        "    02: 1歳6か月児",
        "dates:",
        "  受診日: era-code",
        "  '*': auto",
        "constants:",
        "  抽出日: 2024-04-01",
      ].join("\n"),
    );
    expect(m).toEqual({
      description: "すこやか健診 Ver.3",
      source: "nyuyoji_kenshin",
      encoding: "cp932",
      skipRows: 2,
      columns: { 住民コード: "宛名番号", 健診種別: "健診区分" },
      values: { 健診区分: { "01": "3-4か月児", "02": "1歳6か月児" } },
      dates: { 受診日: "era-code", "*": "auto" },
      constants: { 抽出日: "2024-04-01" },
    });
  });

  it("an empty file is an empty mapping", () => {
    expect(parseMapping("")).toMatchObject({ columns: {}, skipRows: 0 });
  });

  it("lists every problem at once, in Japanese, with where it is", () => {
    const e = problemsOf(
      ["sorce: jumin", "encoding: sjis", "skip_rows: two", "dates:", "  生年月日: ymd"].join("\n"),
    );
    expect(e.code).toBe("invalid_input");
    expect(e.message).toContain("m.yaml");
    const text = e.details.join("\n");
    expect(text).toContain("知らない項目「sorce」");
    expect(text).toContain("encoding: 使える値は utf-8, cp932");
    expect(text).toContain("skip_rows");
    expect(text).toContain("dates.生年月日");
  });

  it("refuses unknown sources and columns that are not in the source", () => {
    expect(problemsOf("source: kenshin").details.join()).toContain("jumin（住民基本台帳）");
    const e = problemsOf(["source: jumin", "columns:", "  番号: 宛名No"].join("\n"));
    expect(e.details.join()).toContain("「宛名No」は jumin（住民基本台帳）の列ではありません");
  });

  it("refuses two columns renamed onto one", () => {
    const e = problemsOf(["columns:", "  a: 氏名", "  b: 氏名"].join("\n"));
    expect(e.details.join()).toContain("同じ列「氏名」");
  });

  it("refuses text that is not YAML", () => {
    expect(problemsOf("columns: [a, b").message).toContain("YAML");
  });

  it("checkMapping without a source only checks what it can", () => {
    const m = parseMapping("columns:\n  x: 何か");
    expect(checkMapping(m, undefined)).toEqual([]);
    expect(checkMapping(m, "jumin" as SourceId)[0]).toContain("「何か」は jumin");
  });
});
