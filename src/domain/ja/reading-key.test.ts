import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readingKey } from "./reading-key.ts";

describe("readingKey", () => {
  it("folds long vowels written as ー, ウ, オ or a doubled vowel", () => {
    expect(readingKey("サトウ")).toBe(readingKey("サトー"));
    expect(readingKey("オオノ")).toBe(readingKey("オーノ"));
    expect(readingKey("オオノ")).toBe(readingKey("オウノ"));
    expect(readingKey("ユウキ")).toBe(readingKey("ユーキ"));
    expect(readingKey("ショウタ")).toBe(readingKey("ショータ"));
    expect(readingKey("ケイタ")).toBe(readingKey("ケータ"));
  });
  it("keeps short and long vowels apart", () => {
    expect(readingKey("ユキ")).not.toBe(readingKey("ユウキ"));
    expect(readingKey("オノ")).not.toBe(readingKey("オオノ"));
  });
  it("makes small kana large", () => {
    expect(readingKey("ショウタ")).toBe(readingKey("シヨウタ"));
    expect(readingKey("ハットリ")).toBe(readingKey("ハツトリ"));
  });
  it("maps ヴ onto the バ行, ヂ/ヅ onto ジ/ズ and ヲ onto オ", () => {
    expect(readingKey("ヴァイオリン")).toBe(readingKey("バイオリン"));
    expect(readingKey("ヴィ")).toBe("ビ");
    expect(readingKey("ヴ")).toBe("ブ");
    expect(readingKey("チヂワ")).toBe(readingKey("チジワ"));
    expect(readingKey("ミツヅカ")).toBe(readingKey("ミツズカ"));
    expect(readingKey("ヲノ")).toBe(readingKey("オノ"));
  });
  it("ignores spaces, width and script", () => {
    expect(readingKey("ｻﾄｳ ﾀﾛｳ")).toBe(readingKey("さとう　たろう"));
    expect(readingKey("サトウ タロウ")).toBe("サトータロー");
  });
  it("is idempotent", () => {
    const kana = fc.string({
      unit: fc.constantFrom(
        ..."アイウエオカキクケコサシスセソタチツテトヂヅヲヴァィゥェォッャュョーンｶﾞうおえい ",
      ),
    });
    fc.assert(
      fc.property(kana, (s) => {
        const k = readingKey(s);
        expect(readingKey(k)).toBe(k);
      }),
    );
  });
});
