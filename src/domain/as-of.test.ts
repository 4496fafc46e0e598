import { describe, expect, it } from "vitest";
import { japanDate, refuseFutureAsOf } from "./as-of.ts";
import { isMimamoriError } from "./errors.ts";

describe("refuseFutureAsOf (one rule for the web and the CLI)", () => {
  // 2026-12-04 20:30 UTC is already 12-05 05:30 in Japan.
  const now = new Date("2026-12-04T20:30:00Z");

  it("takes today in Japan, not in UTC", () => {
    expect(japanDate(now)).toBe("2026-12-05");
    expect(() => refuseFutureAsOf(now, "2026-12-05")).not.toThrow();
    expect(() => refuseFutureAsOf(now, "2024-04-01")).not.toThrow();
  });

  it("refuses a later day with a Japanese invalid_input error", () => {
    let caught: unknown;
    try {
      refuseFutureAsOf(now, "2062-04-01");
    } catch (e) {
      caught = e;
    }
    expect(isMimamoriError(caught) && caught.code).toBe("invalid_input");
    expect((caught as Error).message).toBe(
      "抽出日（2062-04-01）が今日（2026-12-05）より後になっています。部署がデータを出力した日を入力してください。",
    );
    expect(() => refuseFutureAsOf(now, "2026-12-06")).toThrow(/より後/);
  });
});
