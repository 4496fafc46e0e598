import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GlobalOptions } from "../command.ts";
import { statsPool } from "./stats-pool.ts";

const globals: GlobalOptions = { databaseUrl: undefined, home: "/nonexistent" };
let dir: string;

function captureStdout(): () => string {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return () => chunks.join("");
}

const header = "municipality,item_id,difficulty,a,b,c,d\n";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mimamori-pool-"));
  // The three towns of src/domain/stats/mantel-haenszel.test.ts (hand computation there),
  // plus a second item and a suppressed table.
  writeFileSync(join(dir, "a.csv"), `${header}A町,B03,abuse,6,10,4,20\nA町,B16,poverty,x,x,x,x\n`);
  writeFileSync(
    join(dir, "b.csv"),
    `\uFEFF${header}B町,B03,abuse,5,10,5,30\r\nB町,B16,poverty,20,30,80,870\r\n`,
  );
  // Re-saved by Excel on a Japanese PC: Shift_JIS.
  writeFileSync(
    join(dir, "c.csv"),
    iconv.encode(`${header}C町,B03,abuse,12,15,8,25\nC町,B16,poverty,25,40,75,860\n`, "cp932"),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe("mimamori stats pool", () => {
  it("pools three files: MH OR, CI and CMH p per item × type", async () => {
    const out = captureStdout();
    const files = ["a.csv", "b.csv", "c.csv"].map((f) => join(dir, f));
    expect(await statsPool.run([...files, "--json"], globals)).toBe(0);
    const rows = JSON.parse(out());
    expect(rows.map((r: { item_id: string }) => r.item_id)).toEqual(["B03", "B16"]);
    const [b03, b16] = rows;
    expect(b03.municipalities_used).toEqual(["A町", "B町", "C町"]);
    expect(b03.odds_ratio).toBe(2.75);
    expect(b03.p_corrected).toBeCloseTo(0.013451847816, 10);
    expect(b03.associated).toBe(true);
    expect(b16.municipalities_used).toEqual(["B町", "C町"]);
    expect(b16.municipalities_excluded).toEqual(["A町"]);
    // Σ a d/n over B, C: 20·870/1000 + 25·860/1000 = 17.4 + 21.5; Σ b c/n: 30·80/1000 + 40·75/1000 = 2.4 + 3.0.
    expect(b16.odds_ratio).toBeCloseTo(38.9 / 5.4, 12);
  });

  it("prints a Japanese table and writes --out as CSV without leftovers", async () => {
    const out = captureStdout();
    const target = join(dir, "pooled.csv");
    const files = ["a.csv", "b.csv", "c.csv"].map((f) => join(dir, f));
    await statsPool.run([...files, "--out", target], globals);
    const text = out();
    expect(text).toContain("Mantel–Haenszel");
    expect(text).toContain("虐待");
    expect(text).toContain("秘匿で除外 1");
    const csv = readFileSync(target, "utf8").split("\n");
    expect(csv[0]).toBe(
      "item_id,difficulty,municipalities_used,municipalities_excluded,a,b,c,d,observed_a,expected_a,odds_ratio,or_ci_low,or_ci_high,cmh_corrected,p_corrected,cmh,p,q,associated_in,pilot_marker,associated",
    );
    expect(csv[1]?.startsWith("B03,abuse,A町|B町|C町,,23,35,17,75,23,16,2.75,")).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("fails with a Japanese message on a missing file, a bad file or no file", async () => {
    await expect(statsPool.run([join(dir, "none.csv")], globals)).rejects.toThrow(/読めません/);
    writeFileSync(join(dir, "bad.csv"), `${header}D村,B03,abuse,1,2,?,4\n`);
    await expect(statsPool.run([join(dir, "bad.csv")], globals)).rejects.toThrow(
      /bad.csv.*1 件の問題/,
    );
    await expect(statsPool.run([], globals)).rejects.toThrow(/1 つ以上/);
    expect(existsSync(join(dir, "pooled.csv"))).toBe(false);
  });
});
