import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalVariant,
  foldVariants,
  isCommonNameVariant,
  isCp932Variant,
  isJisX0208Variant,
  isKosekiVariant,
  sameUpToVariants,
  variantsOf,
} from "./variants.ts";

describe("foldVariants", () => {
  it.each([
    ["髙", "高"],
    ["﨑", "崎"],
    ["邊", "辺"],
    ["邉", "辺"],
    ["齋", "斎"],
    ["濱", "浜"],
    ["澤", "沢"],
    ["德", "徳"],
    ["嶋", "島"],
    ["廣", "広"],
    ["櫻", "桜"],
    ["𠮷", "吉"],
  ])("folds %s to %s", (variant, standard) => {
    expect(foldVariants(variant)).toBe(standard);
    expect(foldVariants(standard)).toBe(standard);
  });

  it("folds whole names and leaves kana, ASCII and spaces alone", () => {
    expect(foldVariants("髙橋　邉美")).toBe("高橋　辺美");
    expect(foldVariants("渡邊 﨑子")).toBe("渡辺 崎子");
    expect(foldVariants("サイトウ ﾀﾛｳ abc 123")).toBe("サイトウ ﾀﾛｳ abc 123");
    expect(foldVariants("")).toBe("");
  });

  it("keeps different standard characters apart (斎 and 斉 are different family names)", () => {
    expect(foldVariants("齋藤")).toBe("斎藤");
    expect(foldVariants("齊藤")).toBe("斉藤");
    expect(foldVariants("斎藤")).not.toBe(foldVariants("斉藤"));
    expect(foldVariants("島")).not.toBe(foldVariants("雀"));
  });

  it("maps compatibility ideographs and Kangxi radicals, and drops variation selectors", () => {
    expect(foldVariants("\uFA19")).toBe("神"); // CJK COMPATIBILITY IDEOGRAPH-FA19
    expect(foldVariants("\u2FBC")).toBe("高"); // KANGXI RADICAL HIGH, as pasted from PDFs
    expect(foldVariants("葛\u{E0100}城")).toBe("葛城");
    expect(foldVariants("辻\uFE00")).toBe("辻");
  });

  it("is idempotent", () => {
    const chars = [
      "髙",
      "高",
      "﨑",
      "邊",
      "邉",
      "辺",
      "齋",
      "齊",
      "濱",
      "澤",
      "德",
      "a",
      "ア",
      " ",
      "\u{E0100}",
      "𠮷",
      "\uFA19",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...chars), { maxLength: 12 }),
        fc.string(),
        (parts, s) => {
          const x = parts.join("") + s;
          const once = foldVariants(x);
          expect(foldVariants(once)).toBe(once);
        },
      ),
    );
  });

  it("maps every member of a group to the group's first member", () => {
    for (const ch of ["辺", "高", "崎", "沢", "浜", "斎", "徳", "島"]) {
      const group = variantsOf(ch);
      expect(group[0]).toBe(ch);
      for (const v of group) expect(canonicalVariant(v)).toBe(ch);
    }
  });

  it("returns the input string itself when nothing folds (no copy)", () => {
    const s = "山田 太郎";
    expect(foldVariants(s)).toBe(s);
  });
});

describe("variantsOf", () => {
  it("lists the group with the canonical form first", () => {
    const g = variantsOf("邉");
    expect(g[0]).toBe("辺");
    expect(g).toContain("邊");
    expect(g).toContain("邉");
    expect(variantsOf("髙")).toEqual(expect.arrayContaining(["高", "髙"]));
  });

  it("gives a one-element group for characters without variants", () => {
    expect(variantsOf("ア")).toEqual(["ア"]);
    expect(variantsOf("")).toEqual([]);
  });
});

describe("character-set flags", () => {
  it("knows which variants older systems cannot hold", () => {
    expect(isCp932Variant("髙")).toBe(true);
    expect(isJisX0208Variant("髙")).toBe(false); // NEC/IBM extension, 外字 in JIS X 0208 systems
    expect(isJisX0208Variant("邊")).toBe(true);
    expect(isCp932Variant("𠮷")).toBe(false);
  });

  it("marks registered-name variants", () => {
    for (const ch of ["髙", "﨑", "邊", "齋", "濱", "澤", "德"]) {
      expect(isKosekiVariant(ch)).toBe(true);
      expect(isCommonNameVariant(ch)).toBe(true);
    }
    expect(isKosekiVariant("高")).toBe(false);
  });

  it("compares names up to variants", () => {
    expect(sameUpToVariants("髙橋", "高橋")).toBe(true);
    expect(sameUpToVariants("高橋", "高端")).toBe(false);
  });
});
