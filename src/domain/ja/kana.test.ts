import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isKatakana, normaliseKana } from "./kana.ts";

describe("normaliseKana", () => {
  it("turns half-width katakana into full-width, composing voiced marks", () => {
    expect(normaliseKana("ｻﾄｳ ﾀﾛｳ")).toBe("サトウ タロウ");
    expect(normaliseKana("ｶﾞｷﾞｸﾞ")).toBe("ガギグ");
    expect(normaliseKana("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ")).toBe("パピプペポ");
    expect(normaliseKana("ｳﾞｧｲｵﾘﾝ")).toBe("ヴァイオリン");
    expect(normaliseKana("ｼｮｳﾀ")).toBe("ショウタ");
    expect(normaliseKana("ｰ")).toBe("ー");
  });
  it("turns hiragana into katakana", () => {
    expect(normaliseKana("さとう はなこ")).toBe("サトウ ハナコ");
    expect(normaliseKana("ぢゅうゔ")).toBe("ヂュウヴ");
  });
  it("composes spacing and combining voiced marks typed after a kana", () => {
    expect(normaliseKana("カ゛")).toBe("ガ");
    expect(normaliseKana("ハ\u309a")).toBe("パ");
    expect(normaliseKana("ア゛")).toBe("ア゛");
  });
  it("leaves kanji, ASCII and full-width katakana alone", () => {
    expect(normaliseKana("山田 太郎 ABC")).toBe("山田 太郎 ABC");
  });
  it("is idempotent and yields katakana for kana input", () => {
    const kana = fc.string({
      unit: fc.constantFrom(..."ｱｶｻﾀﾅﾊﾏﾔﾗﾜｦﾝｧｯｬｰﾞﾟあかさたなはまやらわをんぁっゃーアカガパヴ "),
    });
    fc.assert(
      fc.property(kana, (s) => {
        const once = normaliseKana(s);
        expect(normaliseKana(once)).toBe(once);
        expect(isKatakana(once.replace(/[゛゜]/g, ""))).toBe(true);
      }),
    );
  });
});
