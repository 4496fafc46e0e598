import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeSpaces, normalizeWidth, removeSpaces, toHalfWidthAscii } from "./width.ts";

describe("toHalfWidthAscii", () => {
  it("folds full-width digits, letters and symbols", () => {
    expect(toHalfWidthAscii("２０２４／０４／０１")).toBe("2024/04/01");
    expect(toHalfWidthAscii("Ｒ６．４．１")).toBe("R6.4.1");
    expect(toHalfWidthAscii("ｋｇ（１２）")).toBe("kg(12)");
    expect(toHalfWidthAscii("山田　太郎")).toBe("山田 太郎");
  });

  it("leaves kanji, kana and half-width kana alone", () => {
    expect(toHalfWidthAscii("ﾔﾏﾀﾞ タロウ 山田")).toBe("ﾔﾏﾀﾞ タロウ 山田");
  });

  it("is the identity on printable ASCII and idempotent on anything", () => {
    fc.assert(
      fc.property(
        fc.string(),
        (s) => toHalfWidthAscii(toHalfWidthAscii(s)) === toHalfWidthAscii(s),
      ),
    );
    fc.assert(fc.property(fc.stringMatching(/^[ -~]*$/), (s) => toHalfWidthAscii(s) === s));
  });
});

describe("normalizeSpaces", () => {
  it("collapses any white space run to one ASCII space and trims", () => {
    expect(normalizeSpaces("　山田　　太郎 ")).toBe("山田 太郎");
    expect(normalizeSpaces("a\u00a0\tb")).toBe("a b");
    expect(normalizeSpaces("\ufeff氏名")).toBe("氏名");
  });

  it("never leaves double spaces or outer spaces", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const n = normalizeSpaces(s);
        return !/\s\s/.test(n) && n === n.trim();
      }),
    );
  });
});

describe("normalizeWidth and removeSpaces", () => {
  it("combine folding and spaces", () => {
    expect(normalizeWidth(" ＡＢＣ　１２３ ")).toBe("ABC 123");
    expect(removeSpaces(" 00 12　3 ")).toBe("00123");
  });
});
