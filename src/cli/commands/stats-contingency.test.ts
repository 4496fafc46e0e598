import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GlobalOptions } from "../command.ts";
import { statsContingency } from "./stats-contingency.ts";

const globals: GlobalOptions = { databaseUrl: undefined, home: "/nonexistent" };

function captureStdout(): () => string {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return () => chunks.join("");
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("mimamori stats contingency", () => {
  it("prints the cli.md JSON", async () => {
    const out = captureStdout();
    const code = await statsContingency.run(
      ["--a", "6", "--b", "10", "--c", "4", "--d", "20", "--json"],
      globals,
    );
    expect(code).toBe(0);
    const json = JSON.parse(out());
    expect(json).toMatchObject({
      odds_ratio: 3,
      expected_a: 4,
      direction: "positive",
      fisher_used: true,
      test_used: "fisher",
      haldane_correction: false,
    });
    // Pearson: 40·(120 − 40)²/(16·24·10·30) = 256000/115200 = 2.2…
    expect(json.chi2).toBeCloseTo(256000 / 115200, 13);
    // scipy: chi2_contingency(..., correction=False).pvalue, fisher_exact(...).pvalue
    expect(json.p).toBeCloseTo(0.13603712811414423, 13);
    expect(json.p_fisher).toBeCloseTo(0.15921889900717426, 13);
    for (const key of [
      "chi2",
      "p",
      "p_yates",
      "p_fisher",
      "odds_ratio",
      "or_ci_low",
      "or_ci_high",
      "expected_a",
      "direction",
    ]) {
      expect(json).toHaveProperty(key);
    }
  });

  it("prints a Japanese summary without --json, saying when Fisher decides and when Haldane applied", async () => {
    const out = captureStdout();
    await statsContingency.run(["--a", "0", "--b", "10", "--c", "6", "--d", "40"], globals);
    const text = out();
    expect(text).toContain("ピアソンのカイ二乗検定");
    expect(text).toContain("フィッシャーの正確確率検定");
    expect(text).toContain("Haldane 補正");
    expect(text).toContain("判定にはフィッシャーの正確確率検定の p 値を使います");
  });

  it("rejects a missing or malformed count with a Japanese message", async () => {
    await expect(
      statsContingency.run(["--a", "1", "--b", "2", "--c", "3"], globals),
    ).rejects.toThrow(/--d を指定してください/);
    await expect(
      statsContingency.run(["--a", "1.5", "--b", "2", "--c", "3", "--d", "4"], globals),
    ).rejects.toThrow(/整数/);
    await expect(statsContingency.run(["--x", "1"], globals)).rejects.toThrow(
      /「--x」というオプションはありません/,
    );
  });

  it("is registered in the CLI (runs through bin/mimamori.js)", () => {
    const bin = join(import.meta.dirname, "..", "..", "..", "bin", "mimamori.js");
    const stdout = execFileSync(
      process.execPath,
      [bin, "stats", "contingency", "--a", "12", "--b", "5", "--c", "3", "--d", "40", "--json"],
      {
        encoding: "utf8",
      },
    );
    const json = JSON.parse(stdout);
    expect(json.direction).toBe("positive");
    expect(json.p_fisher).toBeLessThan(1e-4);
  });
});
