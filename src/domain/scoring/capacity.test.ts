import { describe, expect, it } from "vitest";
import { PopulationBuilder } from "../items/testing.ts";
import type { IsoDate } from "../types.ts";
import { planCapacity } from "./capacity.ts";
import { DEFAULT_RULE_SET, type RuleSet, type TypeRule } from "./rules.ts";
import { runScoring } from "./score.ts";

const AS_OF = "2024-10-01" as IsoDate;

/**
 * Households with school children holding 1, 2 or 3 of the bullying items
 * (B11 absence, B12 lateness, B13 心の健康チェック).
 */
function population() {
  const b = new PopulationBuilder(AS_OF);
  const child = (hh: string, items: number) => {
    const c = b.person({ birth: "2012-05-05", household: hh });
    b.row(c, "shukketsu", {
      集計開始日: "2024-04-01",
      集計終了日: "2024-09-30",
      欠席日数: items >= 1 ? 20 : 0,
      遅刻日数: items >= 2 ? 20 : 0,
    });
    if (items >= 3) b.row(c, "kokoro_check", { 実施日: "2024-06-01", 判定結果: "要支援" });
    return c;
  };
  // 2 households at 3 points; 3 at 2 (one household with two such children); 6 at 1.
  child("A", 3);
  child("B", 3);
  child("C", 2);
  child("D", 2);
  child("D", 2);
  for (const h of ["E", "F", "G", "H", "I", "J"]) child(h, 1);
  const excluded = child("K", 3);
  b.row(excluded, "yotaikyo", { 登録日: "2024-01-01" });
  return b.build();
}

function rules(perMonth: number, unit: "children" | "households"): RuleSet {
  const bullying = DEFAULT_RULE_SET.types.find((t) => t.difficulty === "bullying") as TypeRule;
  return {
    ...DEFAULT_RULE_SET,
    types: [{ ...bullying, method: "count" }],
    capacity: { perMonth, unit },
  };
}

describe("planCapacity", () => {
  it("counts candidates per threshold level, households once, excluded children not at all", () => {
    const r = rules(3, "households");
    const [plan] = planCapacity(runScoring(population(), r, AS_OF), r);
    expect(plan?.levels).toEqual([
      { threshold: 3, children: 2, households: 2 },
      { threshold: 2, children: 5, households: 4 },
      { threshold: 1, children: 11, households: 10 },
    ]);
    expect(plan?.current).toEqual({ threshold: 2, children: 5, households: 4 });
    expect(plan?.monthsToReview).toBe(2);
    expect(plan?.recommended).toBe(3);
    expect(plan?.summary).toBe(
      "いじめ: 現在の基準（2以上）で 4世帯。月 3世帯の確認で 2 か月分。1か月で確認できる基準は 3 以上です。今月の確認分の境目が同点のため、総ポイント数の多い順、年齢の低い順で選びました。",
    );
    // A, B (3 points) and one of the three households at 2 points.
    expect(plan?.cutByTieBreak).toBe(true);
    expect(plan?.firstMonth).toHaveLength(3);
  });

  it("recommends the lowest threshold that fits, in children", () => {
    const r = rules(5, "children");
    const [plan] = planCapacity(runScoring(population(), r, AS_OF), r);
    expect(plan?.recommended).toBe(2);
  });

  it("says so when even the top score exceeds capacity", () => {
    const r = rules(1, "children");
    const [plan] = planCapacity(runScoring(population(), r, AS_OF), r);
    expect(plan?.recommended).toBe(3);
    expect(plan?.summary).toContain("最高点（3）でも 2人で確認できる数を超えます");
  });

  it("cuts a tie at the month's capacity by the type's tie-break", () => {
    const b = new PopulationBuilder(AS_OF);
    const child = (birth: string, hh: string) => {
      const c = b.person({ birth, household: hh });
      b.row(c, "shukketsu", {
        集計開始日: "2024-04-01",
        集計終了日: "2024-09-30",
        欠席日数: 20,
        遅刻日数: 20,
      });
      return c;
    };
    const older = child("2011-05-05", "A");
    const younger = child("2013-05-05", "B");
    const pop = b.build();
    const cut = (tieBreak?: TypeRule["tieBreak"]) => {
      const base = rules(1, "children");
      const r: RuleSet = {
        ...base,
        types: base.types.map((t) => ({ ...t, ...(tieBreak ? { tieBreak } : {}) })),
      };
      const run = runScoring(pop, r, AS_OF);
      const [plan] = planCapacity(run, r);
      const id = (i: number) => run.children.find((c) => c.person === i)?.personId;
      return { plan, older: id(older), younger: id(younger) };
    };
    const byDefault = cut();
    expect(byDefault.plan?.firstMonth).toEqual([byDefault.younger]);
    expect(byDefault.plan?.cutByTieBreak).toBe(true);
    const byAge = cut(["older"]);
    expect(byAge.plan?.firstMonth).toEqual([byAge.older]);
    expect(byAge.plan?.summary).toContain("同点は年齢の高い順に確認してください");
  });
});
