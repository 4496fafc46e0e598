import { describe, expect, it } from "vitest";
import {
  kanaTypo,
  toHalfWidthKana,
  toHiragana,
  varyJiZu,
  varyLongVowel,
  varyVu,
} from "./kana-mess.ts";
import { Rng } from "./random.ts";

describe("kana variants", () => {
  it("writes half-width kana with separate voicing marks, optionally without small kana", () => {
    expect(toHalfWidthKana("ガッコウ　ジョウ")).toBe("ｶﾞｯｺｳ ｼﾞｮｳ");
    expect(toHalfWidthKana("キョウコ", true)).toBe("ｷﾖｳｺ");
    expect(toHalfWidthKana("ヴィンセント・パク")).toBe("ｳﾞｨﾝｾﾝﾄ･ﾊﾟｸ");
  });

  it("writes hiragana but keeps ヴ (missing from CP932 as ゔ)", () => {
    expect(toHiragana("サトウ　ハナコ")).toBe("さとう　はなこ");
    expect(toHiragana("ヴァン")).toBe("ヴぁん");
  });

  it("varies ヴ/ブ, ヂ/ジ and long vowels", () => {
    expect(varyVu("グエン ヴァン")).toBe("グエン バン");
    expect(varyJiZu("チヅル", new Rng(1))).toBe("チズル");
    const r = new Rng(5);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(varyLongVowel("コウタ", r));
    expect(seen).toEqual(new Set(["コータ"]));
    expect(varyLongVowel("ユーキ", r)).toBe("ユウキ");
    expect(varyLongVowel("アキラ", r)).toBe("アキラ");
  });

  it("makes exactly one keying slip, never on the separator", () => {
    const r = new Rng(9);
    for (let i = 0; i < 200; i++) {
      const out = kanaTypo("タナカ タロウ", r);
      expect(out).not.toBe("タナカ タロウ");
      expect(out.split(" ")).toHaveLength(2);
      expect(Math.abs(Array.from(out).length - 7)).toBeLessThanOrEqual(1);
    }
  });
});
