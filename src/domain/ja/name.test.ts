import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MimamoriError } from "../errors.ts";
import {
  buildGaijiTable,
  foldName,
  matchesWithUnknown,
  parseName,
  safeNfkc,
  splitByKnownFamily,
  UNKNOWN_CHAR,
} from "./name.ts";

describe("safeNfkc", () => {
  it("folds full-width ASCII, half-width kana, the ideographic space and compatibility ideographs", () => {
    expect(safeNfkc("ＡＢＣ１２３")).toBe("ABC123");
    expect(safeNfkc("ｻﾄｳ ｶﾞ")).toBe("サトウ ガ");
    expect(safeNfkc("山田\u3000太郎")).toBe("山田 太郎");
    expect(safeNfkc("\ufa19")).toBe("神");
    expect(safeNfkc("⼭田")).toBe("山田");
  });
  it("leaves characters that NFKC would turn into other text", () => {
    expect(safeNfkc("①㈱㍻™")).toBe("①㈱㍻™");
    expect("①㈱㍻".normalize("NFKC")).not.toBe("①㈱㍻");
  });
  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 12 }), (s) => {
        expect(safeNfkc(safeNfkc(s))).toBe(safeNfkc(s));
      }),
    );
  });
});

describe("parseName", () => {
  it("splits at a full- or half-width space", () => {
    expect(parseName("山田　太郎")).toEqual({
      display: "山田 太郎",
      full: "山田太郎",
      family: "山田",
      given: "太郎",
    });
    expect(parseName(" 山田  太郎 ")?.family).toBe("山田");
  });
  it("does not split a name without a space", () => {
    expect(parseName("山田太郎")).toEqual({
      display: "山田太郎",
      full: "山田太郎",
      family: null,
      given: null,
    });
  });
  it("returns null for blank names", () => {
    expect(parseName("　 ")).toBeNull();
    expect(parseName(null)).toBeNull();
  });
  it("applies the municipality's 外字 table", () => {
    const gaiji = buildGaijiTable([{ code: "U+E001", char: "𠮷" }]);
    expect(parseName("\ue001田 花子", gaiji)?.family).toBe("𠮷田");
  });
});

describe("buildGaijiTable", () => {
  it("accepts U+XXXX, bare hex and the character itself", () => {
    const t = buildGaijiTable([
      { code: "U+E000", char: "髙" },
      { code: "e001", char: "﨑" },
      { code: "\ue002", char: "辻" },
    ]);
    expect(t.get("\ue000")).toBe("髙");
    expect(t.get("\ue001")).toBe("﨑");
    expect(t.get("\ue002")).toBe("辻");
  });
  it("lists every bad row in one Japanese error", () => {
    try {
      buildGaijiTable([
        { code: "U+0041", char: "A" },
        { code: "U+E000", char: "" },
      ]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MimamoriError);
      expect((e as MimamoriError).details).toHaveLength(2);
      expect((e as MimamoriError).message).toContain("外字");
    }
  });
});

describe("foldName", () => {
  it("folds 異体字 to one form", () => {
    expect(foldName("髙橋")).toBe(foldName("高橋"));
    expect(foldName("山﨑")).toBe(foldName("山崎"));
    expect(foldName("渡邊")).toBe(foldName("渡辺"));
  });
  it("turns every unknown-character mark and unmapped private-use character into 〓", () => {
    for (const s of ["〓田", "●田", "■田", "？田", "?田", "\ue123田"])
      expect(foldName(s)).toBe(`${UNKNOWN_CHAR}田`);
  });
  it("is idempotent", () => {
    const unit = fc.constantFrom(..."高髙崎﨑辺邊邉斎齋〓●■？田中山ｻﾄｳさとう ");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), (s) => {
        expect(foldName(foldName(s))).toBe(foldName(s));
      }),
    );
  });
});

describe("matchesWithUnknown", () => {
  it("lets 〓 stand for any one character", () => {
    expect(matchesWithUnknown("〓田", "髙田")).toBe(true);
    expect(matchesWithUnknown("〓田", "山中")).toBe(false);
    expect(matchesWithUnknown("〓田", "髙田中")).toBe(false);
  });
  it("is symmetric", () => {
    const unit = fc.constantFrom("〓", "田", "中", "山");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 4 }), fc.string({ unit, maxLength: 4 }), (a, b) => {
        expect(matchesWithUnknown(a, b)).toBe(matchesWithUnknown(b, a));
      }),
    );
  });
});

describe("splitByKnownFamily", () => {
  it("splits at the longest known family name that leaves a given name", () => {
    const families = new Set(["佐々木", "佐々", "山田"]);
    expect(splitByKnownFamily("佐々木太郎", families)).toEqual({ family: "佐々木", given: "太郎" });
    expect(splitByKnownFamily("山田", families)).toBeNull();
    expect(splitByKnownFamily("鈴木一郎", families)).toBeNull();
  });
});
