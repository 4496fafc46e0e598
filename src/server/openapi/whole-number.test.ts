import { describe, expect, it } from "vitest";
import { MAX_INT4, pageOffset, pageSize, wholeNumber } from "./whole-number.ts";

describe("wholeNumber", () => {
  const id = wholeNumber("番号が正しくありません。");

  it("reads the decimal digits the API writes", () => {
    expect(id.parse("1")).toBe(1);
    expect(id.parse("1000")).toBe(1000);
    expect(id.parse(String(MAX_INT4))).toBe(MAX_INT4);
  });

  it("refuses what JavaScript's Number would read as another number", () => {
    for (const s of [
      "1e3",
      "1E3",
      "0x10",
      "0b1",
      "0o7",
      "1.0",
      "1.",
      " 1",
      "1 ",
      "+1",
      "-1",
      "",
      "01",
      "Infinity",
      "NaN",
      "１",
    ]) {
      const r = id.safeParse(s);
      expect(r.success, JSON.stringify(s)).toBe(false);
      expect(r.error?.issues[0]?.message).toBe("番号が正しくありません。");
    }
  });

  it("refuses 0 for an id and numbers PostgreSQL's integer cannot hold", () => {
    expect(id.safeParse("0").success).toBe(false);
    expect(id.safeParse(String(MAX_INT4 + 1)).success).toBe(false);
    expect(id.safeParse("99999999999999999999").success).toBe(false);
  });

  it("page size and offset: defaults when absent, Japanese range message otherwise", () => {
    const size = pageSize(100, 20);
    expect(size.parse(undefined)).toBe(20);
    expect(size.parse("7")).toBe(7);
    expect(size.safeParse("1e1").error?.issues[0]?.message).toBe(
      "件数は 1 から 100 までの整数で指定してください。",
    );
    expect(size.safeParse("101").success).toBe(false);
    const offset = pageOffset(10);
    expect(offset.parse(undefined)).toBe(0);
    expect(offset.parse("0")).toBe(0);
    expect(offset.safeParse("11").success).toBe(false);
  });
});
