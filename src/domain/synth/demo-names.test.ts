/**
 * The built-in name table made at `npm install` (scripts/build-name-table.ts from faker's ja
 * names and kuromoji's IPADIC): big enough for a town, every name with a katakana reading,
 * given names split by sex.
 */
import { describe, expect, it } from "vitest";
import { BUILT_IN_NAME_POOLS } from "./demo-names.generated.ts";
import type { NameEntry } from "./names.ts";

const KATAKANA = /^[\u30a1-\u30f6\u30fc]+$/;
const pools = BUILT_IN_NAME_POOLS;

function find(list: readonly NameEntry[], kanji: string): string | undefined {
  return list.find((n) => n.kanji === kanji)?.kana;
}

describe("built-in name pools", () => {
  it("hold several hundred family names and given names of each sex", () => {
    expect(pools.family.length).toBeGreaterThanOrEqual(400);
    expect(pools.male.length).toBeGreaterThanOrEqual(400);
    expect(pools.female.length).toBeGreaterThanOrEqual(400);
  });

  it("give every name a katakana reading and list each name once", () => {
    for (const list of [pools.family, pools.male, pools.female]) {
      const bad = list.filter((n) => n.kanji.trim() === "" || !KATAKANA.test(n.kana));
      expect(bad).toEqual([]);
      expect(new Set(list.map((n) => n.kanji)).size).toBe(list.length);
    }
  });

  it("never give a given name to both sexes", () => {
    const male = new Set(pools.male.map((n) => n.kanji));
    expect(pools.female.filter((n) => male.has(n.kanji))).toEqual([]);
  });

  it("read common names as a clerk would", () => {
    expect(find(pools.family, "佐藤")).toBe("サトウ");
    expect(find(pools.family, "渡辺")).toBe("ワタナベ");
    expect(find(pools.family, "清水")).toBe("シミズ");
    expect(find(pools.male, "翔太")).toBe("ショウタ");
    expect(find(pools.male, "健一")).toBe("ケンイチ");
    expect(find(pools.female, "結衣")).toBe("ユイ");
    expect(find(pools.female, "久美子")).toBe("クミコ");
  });

  it("keep the sex of the common endings (子 for girls, 郎 for boys)", () => {
    expect(pools.male.filter((n) => n.kanji.endsWith("子"))).toEqual([]);
    expect(pools.female.filter((n) => n.kanji.endsWith("郎"))).toEqual([]);
    expect(pools.female.filter((n) => n.kanji.endsWith("子")).length).toBeGreaterThan(50);
    expect(pools.male.filter((n) => n.kanji.endsWith("郎")).length).toBeGreaterThan(50);
  });
});
