/**
 * The CLI's usage errors are short Japanese lines (issue 13 newcomer
 * findings): an unknown command names only its words and, under a known
 * group, lists what may follow; node:util's English option errors become
 * Japanese sentences.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseCommandArgs } from "./args.ts";
import { main } from "./main.ts";

function stderrOf(): { text: () => string } {
  const chunks: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  return { text: () => chunks.join("") };
}

afterEach(() => vi.restoreAllMocks());

const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;

describe("unknown commands", () => {
  it("export bogus: lists the export kinds, does not echo the options", async () => {
    const err = stderrOf();
    const code = await main([
      "export",
      "bogus",
      "--out",
      "/home/secret/path.csv",
      "--purpose",
      "ケース会議の資料",
    ]);
    expect(code).toBe(2);
    const text = err.text();
    expect(text).toContain("「export bogus」というコマンドはありません");
    for (const kind of ["flags", "scores", "links", "persons", "register", "pseudonymised"])
      expect(text).toContain(kind);
    expect(text).not.toContain("/home/secret");
    expect(text).not.toContain("ケース会議");
    expect(text.trim().split("\n")).toHaveLength(1);
  });

  it("a word that is no group: points to mimamori help", async () => {
    const err = stderrOf();
    expect(await main(["frobnicate", "--x", "1"])).toBe(2);
    expect(err.text().trim()).toBe(
      "エラー: 「frobnicate」というコマンドはありません。mimamori help で一覧を確認してください。",
    );
  });
});

describe("option errors in Japanese", () => {
  const options = { out: { type: "string" }, force: { type: "boolean" } } as const;
  const messageOf = (args: string[], positionals = false): string => {
    try {
      parseCommandArgs(args, options, "mimamori test --out FILE [--force]", positionals);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("expected a refusal");
  };

  it("an unknown option: named, with the command's options", () => {
    const m = messageOf(["--bogus"]);
    expect(m).toBe("「--bogus」というオプションはありません。使えるオプション: --out, --force");
  });

  it("a missing value, a value on a switch, an extra argument", () => {
    expect(messageOf(["--out"])).toBe("--out には値が必要です（例: --out 値）。");
    expect(messageOf(["--out", "--force"])).toBe("--out には値が必要です（例: --out 値）。");
    expect(messageOf(["--force=yes"])).toBe("--force には値を付けずに指定してください。");
    expect(messageOf(["extra"])).toContain("「extra」は使えません");
    for (const args of [["--bogus"], ["--out"], ["extra"]])
      expect(messageOf(args)).not.toMatch(/Unknown|missing|Unexpected/);
    expect(messageOf(["--bogus"])).toMatch(japanese);
  });

  it("through main: the command's option error in Japanese with its usage", async () => {
    const err = stderrOf();
    expect(await main(["synth", "--bogus"])).toBe(2);
    expect(err.text()).toContain("「--bogus」というオプションはありません");
    expect(err.text()).toContain("使い方: ");
    expect(err.text()).not.toContain("Unknown option");
  });
});
