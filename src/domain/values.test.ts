import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  enumeration,
  foldEnum,
  isBlank,
  parseBoolean,
  parseEnum,
  parseFiscalYear,
  parseGrade,
  parseIcd10,
  parseId,
  parseKana,
  parseNumber,
  parseSex,
  type ValueResult,
} from "./values.ts";

function ok<T>(r: ValueResult<T>): T {
  if (!r.ok) throw new Error(`expected a value, got: ${r.reason}`);
  return r.value;
}
function reason<T>(r: ValueResult<T>): string {
  if (r.ok) throw new Error(`expected an error, got ${String(r.value)}`);
  return r.reason;
}

describe("parseBoolean: every pair of layouts.md", () => {
  it.each([
    ["1", true],
    ["0", false],
    ["はい", true],
    ["いいえ", false],
    ["有", true],
    ["無", false],
    ["あり", true],
    ["なし", false],
    ["該当", true],
    ["非該当", false],
    ["○", true],
    ["〇", true],
    ["◯", true],
    ["×", false],
    ["true", true],
    ["FALSE", false],
    ["Y", true],
    ["n", false],
    ["１", true],
    ["Ｙ", true],
    ["ﾊｲ", true],
    [" あり ", true],
  ])("%s → %s", (raw, expected) => {
    expect(ok(parseBoolean(raw))).toBe(expected);
  });

  it("blank is null, never true", () => {
    expect(ok(parseBoolean(""))).toBeNull();
    expect(ok(parseBoolean("　"))).toBeNull();
  });

  it("anything else is an error naming the accepted codes", () => {
    expect(reason(parseBoolean("たぶん"))).toContain("はい/いいえ");
    expect(parseBoolean("2").ok).toBe(false);
  });
});

describe("parseSex", () => {
  it.each([
    ["1", "male"],
    ["2", "female"],
    ["男", "male"],
    ["女", "female"],
    ["男性", "male"],
    ["女性", "female"],
    ["M", "male"],
    ["f", "female"],
    ["Ｆ", "female"],
    ["9", "unknown"],
    ["", "unknown"],
    ["不明", "unknown"],
  ])("%s → %s", (raw, expected) => {
    expect(ok(parseSex(raw))).toBe(expected);
  });

  it("other codes are errors", () => {
    expect(reason(parseSex("3"))).toContain("性別");
    expect(parseSex("X").ok).toBe(false);
  });
});

describe("parseNumber", () => {
  it.each([
    ["12", 12],
    ["1,234", 1234],
    ["１，２３４", 1234],
    ["12.5", 12.5],
    ["１２．５", 12.5],
    ["-3", -3],
    ["−3", -3],
    ["▲3", -3],
    [" 7 ", 7],
  ])("%s → %d", (raw, expected) => {
    expect(ok(parseNumber(raw))).toBe(expected);
  });

  it("drops a declared unit", () => {
    expect(ok(parseNumber("12.5kg", { units: ["kg"] }))).toBe(12.5);
    expect(ok(parseNumber("１２．５ｋｇ", { units: ["kg"] }))).toBe(12.5);
    expect(ok(parseNumber("15日", { units: ["日"] }))).toBe(15);
    expect(parseNumber("12.5kg").ok).toBe(false);
  });

  it("checks integer and range", () => {
    expect(reason(parseNumber("3.5", { integer: true }))).toContain("整数");
    expect(ok(parseNumber("3.0", { integer: true }))).toBe(3);
    expect(reason(parseNumber("31", { integer: true, min: 0, max: 30 }))).toContain("0〜30");
    expect(parseNumber("-1", { min: 0 }).ok).toBe(false);
  });

  it("blank is null; words are errors", () => {
    expect(ok(parseNumber(""))).toBeNull();
    expect(reason(parseNumber("十二"))).toContain("数値");
    expect(parseNumber("1e5").ok).toBe(false);
    expect(parseNumber(".").ok).toBe(false);
  });

  it("round-trips integers written with thousands separators", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        (n) => ok(parseNumber(n.toLocaleString("en-US"))) === n,
      ),
    );
  });
});

describe("parseEnum", () => {
  const e = enumeration(["3-4か月児", "1歳6か月児", "3歳児"], { "1歳半": "1歳6か月児" });

  it("accepts the canonical values and their spellings", () => {
    expect(ok(parseEnum("3-4か月児", e))).toBe("3-4か月児");
    expect(ok(parseEnum("3～4ヶ月児", e))).toBe("3-4か月児");
    expect(ok(parseEnum("３〜４カ月児", e))).toBe("3-4か月児");
    expect(ok(parseEnum("1歳6ヶ月児", e))).toBe("1歳6か月児");
    expect(ok(parseEnum("1歳半", e))).toBe("1歳6か月児");
    expect(ok(parseEnum(" 3歳児 ", e))).toBe("3歳児");
    expect(ok(parseEnum("", e))).toBeNull();
  });

  it("refuses other values, listing the accepted ones", () => {
    expect(reason(parseEnum("5歳児", e))).toContain("3-4か月児、1歳6か月児、3歳児");
  });

  it("refuses aliases onto values that do not exist", () => {
    expect(() => enumeration(["a"], { b: "c" })).toThrow();
  });

  it("folds full-width digits", () => {
    expect(foldEnum("要介護１")).toBe(foldEnum("要介護1"));
  });
});

describe("parseId", () => {
  it("keeps leading zeros, folds width and drops spaces", () => {
    expect(ok(parseId("000123"))).toBe("000123");
    expect(ok(parseId("００１２３"))).toBe("00123");
    expect(ok(parseId(" 12 34 "))).toBe("1234");
    expect(ok(parseId(""))).toBeNull();
  });

  it("refuses numbers Excel turned into scientific notation", () => {
    expect(reason(parseId("1.23457E+11"))).toContain("指数表記");
  });
});

describe("parseKana", () => {
  it("accepts katakana, hiragana and half-width kana, folded to full-width katakana", () => {
    expect(ok(parseKana("ヤマダ　タロウ"))).toBe("ヤマダ タロウ");
    expect(ok(parseKana("やまだ たろう"))).toBe("ヤマダ タロウ");
    expect(ok(parseKana("ﾔﾏﾀﾞ ﾀﾛｳ"))).toBe("ヤマダ タロウ");
    expect(ok(parseKana("ヴァン・ダイク"))).toBe("ヴァン・ダイク");
  });

  it("refuses kanji and latin letters", () => {
    expect(reason(parseKana("山田タロウ"))).toContain("カナ以外");
    expect(parseKana("Yamada").ok).toBe(false);
  });
});

describe("parseGrade, parseFiscalYear, parseIcd10", () => {
  it.each([
    ["1", 1],
    ["３", 3],
    ["3年", 3],
    ["3年生", 3],
    ["小3", 3],
    ["中1", 1],
    ["中学2年", 2],
  ])("grade %s → %d", (raw, n) => {
    expect(ok(parseGrade(raw))).toBe(n);
  });

  it("refuses impossible grades", () => {
    expect(parseGrade("0").ok).toBe(false);
    expect(parseGrade("13").ok).toBe(false);
    expect(parseGrade("年長").ok).toBe(false);
  });

  it.each([
    ["2024", 2024],
    ["2024年度", 2024],
    ["令和6年度", 2024],
    ["R6", 2024],
    ["令和元年度", 2019],
    ["平成31年度", 2019],
    ["Ｈ３０", 2018],
  ])("fiscal year %s → %d", (raw, n) => {
    expect(ok(parseFiscalYear(raw))).toBe(n);
  });

  it("refuses fiscal years outside their era", () => {
    expect(reason(parseFiscalYear("平成32年度"))).toContain("元号の範囲外");
    expect(parseFiscalYear("R0").ok).toBe(false);
    expect(parseFiscalYear("24").ok).toBe(false);
  });

  it.each([
    ["F84.0", "F84.0"],
    ["f840", "F84.0"],
    ["Ｆ８４．０", "F84.0"],
    ["F90", "F90"],
    ["F32.10", "F32.10"],
  ])("ICD-10 %s → %s", (raw, code) => {
    expect(ok(parseIcd10(raw))).toBe(code);
  });

  it("refuses non-ICD-10 codes", () => {
    expect(reason(parseIcd10("自閉症"))).toContain("ICD-10");
  });
});

describe("isBlank", () => {
  it("is true only for white space", () => {
    expect(isBlank("")).toBe(true);
    expect(isBlank(" \t\u3000\u00a0")).toBe(true);
    expect(isBlank(" a ")).toBe(false);
  });
});

describe("no normaliser throws", () => {
  it("on any string", () => {
    const e = enumeration(["a", "b"]);
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        for (const r of [
          parseBoolean(s),
          parseSex(s),
          parseNumber(s, { units: ["kg"], integer: true, min: 0, max: 9 }),
          parseEnum(s, e),
          parseId(s),
          parseKana(s),
          parseGrade(s),
          parseFiscalYear(s),
          parseIcd10(s),
        ]) {
          if (!r.ok && r.reason.length === 0) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
