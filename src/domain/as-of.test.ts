import { describe, expect, it } from "vitest";
import { futureAsOfProblem, japanDate, refuseFutureAsOf } from "./as-of.ts";
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

describe("futureAsOfProblem (a 抽出日 the file carries, refused as a typed one is)", () => {
  it("says nothing up to today, and what to fix where the date came from after it", () => {
    expect(futureAsOfProblem("2026-12-05", "2026-12-05", "column")).toBeUndefined();
    expect(futureAsOfProblem("2026-12-05", "2025-04-01", "file_name")).toBeUndefined();
    expect(futureAsOfProblem("2026-12-05", "2062-04-01", "column")).toBe(
      "抽出日（2062-04-01）が今日（2026-12-05）より後になっています。部署がデータを出力した日が入っているか確認し、ファイルを直してから取り込み直してください。",
    );
    expect(futureAsOfProblem("2026-12-05", "2026-12-06", "file_name")).toBe(
      "ファイル名から読み取った抽出日（2026-12-06）が今日（2026-12-05）より後になっています。ファイル名の日付を直すか、取込画面の「抽出日」欄（コマンドでは --as-of）で正しい日付を指定して取り込み直してください。",
    );
    // The typed rule is the same rule (refuseFutureAsOf above).
    expect(futureAsOfProblem("2026-12-05", "2062-04-01", "typed")).toBe(
      "抽出日（2062-04-01）が今日（2026-12-05）より後になっています。部署がデータを出力した日を入力してください。",
    );
  });
});
