import { describe, expect, it } from "vitest";
import { BUILT_IN_SOURCES } from "../layouts.ts";
import { type Condition, type Criterion, DEFAULT_CATALOG } from "./catalog.ts";
import { describeCriterion } from "./describe.ts";

const name = (id: string) => BUILT_IN_SOURCES.find(id)?.name ?? id;

/** Every condition of a criterion, through any_of. */
function conditionsOf(c: Criterion): Condition[] {
  if (c.kind === "record") return [...c.where];
  if (c.kind === "any_of") return c.criteria.flatMap(conditionsOf);
  return [];
}

describe("describeCriterion", () => {
  it("says every built-in item in Japanese: no internal kind, no source id, every column and value named", () => {
    for (const item of DEFAULT_CATALOG.items) {
      const text = describeCriterion(item.criterion, name);
      // No internal word a clerk cannot read (record, any_of, checkup_missed, nyuyoji_kenshin…).
      expect(text, item.id).not.toMatch(/[a-z]{3,}|_/);
      for (const s of item.sources) expect(text, item.id).toContain(name(s));
      for (const c of conditionsOf(item.criterion)) {
        expect(text, item.id).toContain(`「${c.column}」`);
        if (c.op === "in") for (const v of c.values) expect(text, item.id).toContain(`「${v}」`);
        if ("value" in c) expect(text, item.id).toContain(` ${c.value} `);
      }
    }
  });

  it("reads as the item does", () => {
    const text = (id: string) =>
      describeCriterion(
        DEFAULT_CATALOG.items.find((i) => i.id === id)?.criterion as Criterion,
        name,
      );
    expect(text("B04")).toBe("乳幼児健診に、本人の行で「家に残して外出」が「はい」のものがある。");
    expect(text("B15")).toBe(
      "産婦健診に、母の行（このこどもの妊娠・出産のもの）で「EPDS合計点」が 9 以上のものがある。",
    );
    expect(text("B17")).toBe(
      "生活保護に、本人か同じ世帯の人の行（世帯番号だけで届く行を含む）がある。基準日に有効な行だけ（「開始年月日」から「廃止年月日」の前日まで）。",
    );
    expect(text("B09")).toContain("「手帳種別」ごとに最新の行だけを見る");
    expect(text("B09")).toContain("「主たる精神障害コード」が ICD-10 の F80〜F98");
    expect(text("B03")).toBe(
      "乳幼児健診（3-4か月児・1歳6か月児・3歳児）の対象なのに受診していない（受診日が空欄で、同じ健診区分を受診した行がない。行がない健診は未受診としない）。",
    );
    expect(text("B11")).toBe(
      "出欠の記録の「欠席日数」が 1 学年度に 30 日以上（記録のある月数で按分。例: 6 か月分なら 15 日）。",
    );
    expect(text("B08")).toMatch(
      /^次のどれかに当てはまる。（1）乳幼児健診に.*（2）児童生徒健康診断で肥満度が -20％ 以下/,
    );
    expect(text("K11")).toBe(
      "同じ世帯に 0〜18 歳の人が本人を含めて 3 人以上いる（住民基本台帳）。",
    );
  });

  it("says counts, periods and a source it does not know", () => {
    expect(
      describeCriterion(
        {
          kind: "record",
          source: "sdq_survey" as never,
          scope: "self",
          where: [{ op: "ge", column: "SDQ合計", value: 16 }],
          minRows: 3,
          withinMonths: 12,
        },
        name,
      ),
    ).toBe(
      "sdq_surveyに、本人の行で「SDQ合計」が 16 以上のものが 3 件以上ある。基準日から 12 か月以内の行だけ。",
    );
  });
});
