import { describe, expect, it } from "vitest";
import type { RetentionSnapshot } from "../../db/retention.repository.ts";
import type { IsoDate, SourceId } from "../../domain/types.ts";
import { planRetention, type RetentionResult } from "../../pipeline/retention.ts";
import { formatRetentionReport } from "./retention.ts";

const snap = (id: number, asOf: string): RetentionSnapshot => ({
  id,
  sourceId: "jumin" as SourceId,
  version: id,
  fileName: `jumin_${asOf}.csv`,
  asOf: asOf as IsoDate,
  importedOn: asOf as IsoDate,
  rows: 1000 * id,
  supersededBy: null,
  manual: false,
});

function result(withRuns: boolean, dryRun: boolean): RetentionResult {
  const plan = planRetention({
    snapshots: [snap(1, "2022-04-01"), snap(2, "2023-04-01"), snap(3, "2025-04-01")],
    runs: [
      { kind: "link", id: 4, linkRunId: null, snapshotIds: [2] },
      { kind: "link", id: 5, linkRunId: null, snapshotIds: [3] },
    ],
    policy: { keepSnapshots: 1, keepMonths: 13 },
    today: "2025-04-15" as IsoDate,
    withRuns,
  });
  return { ...plan, dryRun, importRowsDeleted: dryRun ? 0 : 3000 };
}

describe("formatRetentionReport", () => {
  it("says in Japanese what goes, what stays for which run, and that a dry run changed nothing", () => {
    const text = formatRetentionReport(result(false, true), "既定");
    expect(text).toContain(
      "保存期間の方針（既定）: 取り込み元ごとに新しい順に 1 件と、抽出日が 13 か月以内のもの",
    );
    expect(text).toContain("基準日 2025-04-15: 抽出日が 2024-03-15 より前");
    expect(text).toContain("削除の対象: 1 件（1,000 行） / 全 3 件");
    expect(text).toContain("#1 jumin 第1版 抽出日 2022-04-01 jumin_2022-04-01.csv（1,000 行）");
    expect(text).toContain("#2 jumin 第2版 抽出日 2023-04-01（名寄せ #4）");
    expect(text).toContain("--with-runs");
    expect(text).toContain("--dry-run のため、何も削除していません");
  });

  it("lists the runs deleted with --with-runs and the rows deleted", () => {
    const text = formatRetentionReport(result(true, false), "今回の指定");
    expect(text).toContain("削除した取り込み: 2 件（3,000 行）");
    expect(text).toContain("一緒に削除した実行結果: 名寄せ #4／採点 なし");
    expect(text).toContain("取り込みの行 3,000 行");
    expect(text).not.toContain("--dry-run");
  });
});
