/**
 * Option checks of `stats validate` and `stats export` that fail before the
 * database is opened (the commands' full runs are test/e2e/city-validation
 * and test/e2e/pooling).
 */
import { describe, expect, it } from "vitest";
import { statsExport } from "./stats-export.ts";
import { alphaOption, statsValidate } from "./stats-validate.ts";

const globals = { databaseUrl: "postgres://127.0.0.1:1/none", home: "/nonexistent" };

describe("stats validate / stats export options", () => {
  it("refuses an --alpha outside (0, 1) and defaults to 0.05", () => {
    expect(alphaOption(undefined)).toBe(0.05);
    expect(alphaOption("0.01")).toBe(0.01);
    expect(() => alphaOption("1")).toThrow(/--alpha/);
    expect(() => alphaOption("x")).toThrow(/--alpha/);
  });

  it("refuses a run id that is not a positive integer", async () => {
    await expect(statsValidate.run(["--run", "0"], globals)).rejects.toThrow(/--run/);
    await expect(statsValidate.run(["--run", "abc"], globals)).rejects.toThrow(/--run/);
  });

  it("needs --out and an integer --min-cell for the export", async () => {
    await expect(statsExport.run([], globals)).rejects.toThrow(/--out/);
    await expect(
      statsExport.run(["--out", "/tmp/x.csv", "--min-cell", "-1"], globals),
    ).rejects.toThrow(/--min-cell/);
  });
});
