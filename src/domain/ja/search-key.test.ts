import { describe, expect, it } from "vitest";
import { buildGaijiTable } from "./name.ts";
import { personSearchKeys, querySearchKeys, searchKeyMaker } from "./search-key.ts";

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

  it("gives, token by token with its memo, exactly the keys of personSearchKeys", () => {
    // Seeded random names over what could fold across a token boundary: spaces of every
    // width, half-width kana and their separate 濁点, combining marks, 異体字, compatibility
    // characters that NFKC turns into a space plus a mark (U+00A8), 外字.
    const alphabet = [
      " ",
      "\u3000",
      "\u00a0",
      "\u2003",
      "\t",
      "\u00a8",
      "\u3099",
      "\u309a",
      "ﾞ",
      "ﾟ",
      "ｶ",
      "ﾊ",
      "ヴ",
      "ゔ",
      "ー",
      "ｰ",
      "ッ",
      "っ",
      "ヂ",
      "ジ",
      "ユウ",
      "ユー",
      "髙",
      "高",
      "﨑",
      "崎",
      "渡",
      "邉",
      "Ａ",
      "a",
      "Ⅲ",
      "㈱",
      "\ue001",
      "タ",
      "カ",
      "キ",
      "ギ",
      "は",
      "ば",
      "ぱ",
      "山",
      "田",
    ];
    let seed = 7;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const random = () => {
      let s = "";
      for (let i = next(9); i > 0; i--) s += alphabet[next(alphabet.length)];
      return next(10) === 0 ? null : s;
    };
    const gaiji = buildGaijiTable([{ code: "U+E001", char: "近" }]);
    const make = searchKeyMaker(gaiji);
    for (let i = 0; i < 5000; i++) {
      const name = random();
      const kana = random();
      // Twice: the second time from the memo.
      expect(make(name, kana), `${name} / ${kana}`).toEqual(personSearchKeys(name, kana, gaiji));
      expect(make(name, kana)).toEqual(personSearchKeys(name, kana, gaiji));
    }
  });
});
