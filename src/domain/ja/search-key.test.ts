import { describe, expect, it } from "vitest";
import { personSearchKeys, querySearchKeys } from "./search-key.ts";

describe("search keys", () => {
  const stored = personSearchKeys("髙橋 花子", "タカハシ ハナコ");
  const hits = (q: string) => querySearchKeys(q).some((k) => stored.some((s) => s.startsWith(k)));

  it("finds a name by a 異体字 of its kanji, with or without the space", () => {
    expect(hits("高橋花子")).toBe(true);
    expect(hits("高橋 花")).toBe(true);
    expect(hits("花子")).toBe(true);
  });

  it("finds a name by half-width kana, hiragana and small kana", () => {
    expect(hits("ﾀｶﾊｼ ﾊﾅｺ")).toBe(true);
    expect(hits("たかはし")).toBe(true);
    expect(personSearchKeys("吉田 一", "キッタ ハジメ")).toContain("kana:キツタハジメ");
    expect(querySearchKeys("きつた")).toContain("kana:キツタ");
  });

  it("does not find another name", () => {
    expect(hits("田中")).toBe(false);
    expect(hits("ハナダ")).toBe(false);
    expect(querySearchKeys("  ")).toEqual([]);
  });
});
