import { describe, expect, it } from "vitest";
import { buildGaijiTable } from "./name.ts";
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
    expect(personSearchKeys("吉田 一", "キッタ ハジメ")).toContain("kana:キツタハシメ"); // stored blind to 濁点
    expect(querySearchKeys("きつた")).toContain("kana:キツタ");
  });

  it("finds kana regardless of 濁点・半濁点, both ways (タカキ ↔ タカギ, ハシモト ↔ バシモト)", () => {
    const takagi = personSearchKeys("高木 勇気", "タカギ ユウキ");
    const find = (keys: string[], q: string) =>
      querySearchKeys(q).some((k) => keys.some((s) => s.startsWith(k)));
    for (const q of ["タカキ", "たかき", "ﾀｶｷ", "タカギ", "タカキ ユーキ", "ユウギ"])
      expect(find(takagi, q), q).toBe(true);
    const hashimoto = personSearchKeys("橋本 花", "ハシモト ハナ");
    expect(find(hashimoto, "バシモト")).toBe(true);
    expect(find(hashimoto, "パナ")).toBe(true);
    // Only the marks are blind: another kana is another name.
    expect(find(takagi, "タナカ")).toBe(false);
    expect(find(takagi, "タカシ")).toBe(false);
  });

  it("still finds a run stored before the keys were blind to the marks", () => {
    const old = ["kana:タカギユーキ", "kana:ユーキ"];
    const find = (q: string) => querySearchKeys(q).some((k) => old.some((s) => s.startsWith(k)));
    expect(find("タカギ")).toBe(true);
    expect(find("ユウキ")).toBe(true);
  });

  it("does not find another name", () => {
    expect(hits("田中")).toBe(false);
    expect(hits("ハナダ")).toBe(false);
    expect(querySearchKeys("  ")).toEqual([]);
  });

  it("finds a name held with a vendor 外字 by the character the municipality's table gives", () => {
    // 喬木村's case: the registry holds 近 as a private-use code point.
    const held = "\ue001藤 一郎";
    const q = (stored: readonly string[], text: string) =>
      querySearchKeys(text).some((k) => stored.some((s) => s.startsWith(k)));
    expect(q(personSearchKeys(held, null), "近藤")).toBe(false);
    const gaiji = buildGaijiTable([{ code: "U+E001", char: "近" }]);
    expect(q(personSearchKeys(held, null, gaiji), "近藤一郎")).toBe(true);
  });
});
