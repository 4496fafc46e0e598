import { describe, expect, it } from "vitest";
import { randomPopulation } from "../items/random-population.ts";
import { PopulationBuilder } from "../items/testing.ts";
import type { IsoDate } from "../types.ts";
import { modelScorer, trainModel } from "./model.ts";
import { DEFAULT_RULE_SET, type RuleSet, type TypeRule } from "./rules.ts";
import { childScore, type Decision, reviewList, runScoring, storeOrder } from "./score.ts";

const AS_OF = "2024-10-01" as IsoDate;

/** A rule set with one abuse rule over the given items. */
function rulesWith(type: Partial<TypeRule>): RuleSet {
  const abuse = DEFAULT_RULE_SET.types.find((t) => t.difficulty === "abuse") as TypeRule;
  return { ...DEFAULT_RULE_SET, types: [{ ...abuse, ...type }] };
}

/** Household H with a child holding B04 (家に残して外出) and B06 (口をふさいだ). */
function twoItemChild(b: PopulationBuilder, birth = "2021-01-01", household = "H"): number {
  const c = b.person({ birth, household });
  b.row(c, "nyuyoji_kenshin", {
    健診区分: "1歳6か月児",
    受診日: "2022-08-01",
    家に残して外出: true,
    口をふさいだ: true,
  });
  return c;
}

describe("methods", () => {
  const items = [
    { itemId: "B04", weight: 1.5, basis: "" },
    { itemId: "B06", weight: 2, basis: "" },
    { itemId: "B01", weight: 3, basis: "" },
  ];

  it("count: one point per rule item that holds", () => {
    const b = new PopulationBuilder(AS_OF);
    twoItemChild(b);
    const run = runScoring(b.build(), rulesWith({ method: "count", items, threshold: 2 }), AS_OF);
    const s = childScore(run, 0).scores[0];
    expect(s).toMatchObject({ difficulty: "abuse", score: 2, threshold: 2, flagged: true });
    expect(s?.contributions).toEqual([
      { itemId: "B04", points: 1 },
      { itemId: "B06", points: 1 },
    ]);
  });

  it("weighted: weights summed; flagged only at or above the threshold", () => {
    const b = new PopulationBuilder(AS_OF);
    twoItemChild(b);
    const pop = b.build();
    const at = runScoring(pop, rulesWith({ method: "weighted", items, threshold: 3.5 }), AS_OF);
    expect(childScore(at, 0).scores[0]).toMatchObject({ score: 3.5, flagged: true });
    const above = runScoring(pop, rulesWith({ method: "weighted", items, threshold: 3.6 }), AS_OF);
    expect(childScore(above, 0).scores[0]).toMatchObject({ score: 3.5, flagged: false });
  });

  it("sums decimal weights exactly enough to meet a decimal threshold", () => {
    const b = new PopulationBuilder(AS_OF);
    twoItemChild(b);
    const tenths = [
      { itemId: "B04", weight: 0.1, basis: "" },
      { itemId: "B06", weight: 0.2, basis: "" },
    ];
    const run = runScoring(
      b.build(),
      rulesWith({ method: "weighted", items: tenths, threshold: 0.3 }),
      AS_OF,
    );
    expect(childScore(run, 0).scores[0]?.flagged).toBe(true);
  });

  it("total points count every catalog item, used by the type or not", () => {
    const b = new PopulationBuilder(AS_OF);
    const c = twoItemChild(b);
    b.row(c, "nyuyoji_kenshin", { 健診区分: "3歳児", 受診日: null }); // B03
    const run = runScoring(b.build(), rulesWith({ method: "count", items, threshold: 1 }), AS_OF);
    expect(childScore(run, 0).scores[0]?.score).toBe(2);
    // B03, B04, B06 and K13 (2 years old? no: 3 years 9 months, at home → K13).
    expect(childScore(run, 0).totalPoints).toBe(4);
  });

  it("a type outside its ages scores 0 and is not flagged", () => {
    const b = new PopulationBuilder(AS_OF);
    twoItemChild(b);
    const run = runScoring(
      b.build(),
      rulesWith({ method: "count", items, threshold: 1, ages: { min: 6, max: 15 } }),
      AS_OF,
    );
    expect(childScore(run, 0).scores[0]).toMatchObject({
      applicable: false,
      score: 0,
      flagged: false,
    });
  });

  it("model without a card is a configuration error", () => {
    const b = new PopulationBuilder(AS_OF);
    twoItemChild(b);
    expect(() =>
      runScoring(b.build(), rulesWith({ method: "model", threshold: 0.5 }), AS_OF),
    ).toThrow(/学習済みモデルがありません/);
  });

  it("disabled types are not scored", () => {
    const b = new PopulationBuilder(AS_OF);
    twoItemChild(b);
    const rules: RuleSet = {
      ...DEFAULT_RULE_SET,
      types: DEFAULT_RULE_SET.types.map((t) => ({ ...t, enabled: t.difficulty !== "bullying" })),
    };
    const run = runScoring(b.build(), rules, AS_OF);
    expect(run.difficulties).not.toContain("bullying");
    expect(childScore(run, 0).scores).toHaveLength(7);
  });
});

describe("review order", () => {
  it("orders by score, then total points (開成町's tie fix), then younger first", () => {
    const b = new PopulationBuilder(AS_OF);
    const older = twoItemChild(b, "2021-01-01", "H1");
    const younger = twoItemChild(b, "2021-06-01", "H2");
    const morePoints = twoItemChild(b, "2020-01-01", "H3");
    b.row(morePoints, "nyuyoji_kenshin", {
      健診区分: "1歳6か月児",
      受診日: "2021-08-01",
      虫歯数: 3,
    });
    const higher = twoItemChild(b, "2019-01-01", "H4");
    b.row(higher, "ichiji_hogo", { 保護開始日: "2022-01-01" });
    const items = [
      { itemId: "B02", weight: 1, basis: "" },
      { itemId: "B04", weight: 1, basis: "" },
      { itemId: "B06", weight: 1, basis: "" },
    ];
    const run = runScoring(b.build(), rulesWith({ method: "count", items, threshold: 2 }), AS_OF);
    const list = reviewList(run, "abuse");
    expect(list.candidates.map((c) => c.person)).toEqual([higher, morePoints, younger, older]);
    // The municipality's own tie-break (TypeRule.tieBreak): age first, older first.
    const byAge = runScoring(
      b.build(),
      rulesWith({ method: "count", items, threshold: 2, tieBreak: ["older", "total_points"] }),
      AS_OF,
    );
    expect(reviewList(byAge, "abuse").candidates.map((c) => c.person)).toEqual([
      higher,
      morePoints,
      older,
      younger,
    ]);
    // Younger first, total points never consulted: the 2020 child with more points falls last.
    const young = runScoring(
      b.build(),
      rulesWith({ method: "count", items, threshold: 2, tieBreak: ["younger"] }),
      AS_OF,
    );
    expect(reviewList(young, "abuse").candidates.map((c) => c.person)).toEqual([
      higher,
      younger,
      older,
      morePoints,
    ]);
  });
});

describe("exclusions and decisions", () => {
  const items = [
    { itemId: "B04", weight: 1, basis: "" },
    { itemId: "B06", weight: 1, basis: "" },
  ];
  const rules = rulesWith({ method: "count", items, threshold: 2 });

  it("keeps the score but leaves an open 要対協 case off the list", () => {
    const b = new PopulationBuilder(AS_OF);
    const open = twoItemChild(b, "2021-01-01", "H1");
    b.row(open, "yotaikyo", { 登録日: "2023-01-01", 終結日: null });
    const closed = twoItemChild(b, "2021-01-01", "H2");
    b.row(closed, "yotaikyo", { 登録日: "2022-01-01", 終結日: "2023-01-01" });
    const run = runScoring(b.build(), rules, AS_OF);
    const list = reviewList(run, "abuse");
    expect(list.candidates.map((c) => c.person)).toEqual([closed]);
    expect(list.excluded.map((c) => c.person)).toEqual([open]);
    expect(list.excluded[0]?.scores[0]?.excludedBy).toEqual(["要対協で進行管理中"]);
  });

  it("excludes children in disability services and in checkup follow-up", () => {
    const b = new PopulationBuilder(AS_OF);
    const service = twoItemChild(b, "2021-01-01", "H1");
    b.row(service, "shogaiji_jukyusha", {
      受給者証番号: "1",
      決定日: "2024-04-01",
      有効期間終了日: "2025-03-31",
    });
    const expired = twoItemChild(b, "2021-01-01", "H2");
    b.row(expired, "shogaiji_jukyusha", {
      受給者証番号: "2",
      決定日: "2023-04-01",
      有効期間終了日: "2024-09-30",
    });
    const followed = twoItemChild(b, "2021-01-01", "H3");
    b.row(followed, "nyuyoji_kenshin", {
      健診区分: "3歳児",
      受診日: "2024-02-01",
      要フォロー: true,
    });
    const run = runScoring(b.build(), rules, AS_OF);
    const list = reviewList(run, "abuse");
    expect(list.candidates.map((c) => c.person)).toEqual([expired]);
    expect(list.excluded.map((c) => c.scores[0]?.excludedBy[0])).toEqual(
      expect.arrayContaining(["障害児サービス利用中", "健診後フォロー中"]),
    );
  });

  it("applies conference decisions until they are due for review", () => {
    const b = new PopulationBuilder(AS_OF);
    const kids = [0, 1, 2, 3, 4].map((i) => twoItemChild(b, "2021-01-01", `H${i}`));
    const pop = b.build();
    const id = (i: number) => b.personId(kids[i] as number);
    const decisions: Decision[] = [
      { personId: id(0), difficulty: null, decidedOn: "2024-09-01" as IsoDate, outcome: "要支援" },
      {
        personId: id(1),
        difficulty: "abuse",
        decidedOn: "2024-08-01" as IsoDate,
        outcome: "支援不要",
      },
      {
        personId: id(2),
        difficulty: null,
        decidedOn: "2024-06-15" as IsoDate,
        outcome: "経過観察",
      },
      {
        personId: id(3),
        difficulty: null,
        decidedOn: "2024-09-01" as IsoDate,
        outcome: "調査継続",
      },
      {
        personId: id(4),
        difficulty: "poverty",
        decidedOn: "2024-09-01" as IsoDate,
        outcome: "支援不要",
      },
    ];
    const run = runScoring(pop, rules, AS_OF, { decisions });
    const list = reviewList(run, "abuse");
    // 要支援: never due; 支援不要: 12 months; 経過観察 (3 months) due 2024-09-15; 調査継続 stays;
    // a poverty decision does not touch abuse.
    expect(list.candidates.map((c) => c.person).sort()).toEqual([kids[2], kids[3], kids[4]].sort());
    expect(list.excluded.find((c) => c.person === kids[1])?.scores[0]?.excludedBy).toEqual([
      "2024-08-01 のカンファレンスで「支援不要」（2025-08-01 から再確認）",
    ]);
  });

  it("a later general decision overrides an earlier type decision", () => {
    const b = new PopulationBuilder(AS_OF);
    const c = twoItemChild(b);
    const decisions: Decision[] = [
      {
        personId: b.personId(c),
        difficulty: "abuse",
        decidedOn: "2024-01-01" as IsoDate,
        outcome: "要支援",
      },
      {
        personId: b.personId(c),
        difficulty: null,
        decidedOn: "2024-05-01" as IsoDate,
        outcome: "調査継続",
      },
    ];
    const run = runScoring(b.build(), rules, AS_OF, { decisions });
    expect(reviewList(run, "abuse").candidates).toHaveLength(1);
  });
});

describe("model method", () => {
  it("scores a type by its model card only when the method is model", () => {
    const pop = randomPopulation({ households: 250, seed: 3, asOf: AS_OF });
    const base = runScoring(pop, DEFAULT_RULE_SET, AS_OF);
    const card = trainModel(base.evaluation, {
      difficulty: "poverty",
      kind: "logistic",
      label: { kind: "item", itemId: "B17" },
      folds: 3,
    });
    expect(card.features).not.toContain("B17");
    const poverty = DEFAULT_RULE_SET.types.find((t) => t.difficulty === "poverty") as TypeRule;
    const withCard = (method: "model" | "weighted"): RuleSet => ({
      ...DEFAULT_RULE_SET,
      types: [{ ...poverty, method, model: card, threshold: method === "model" ? 0.2 : 4 }],
    });
    const byModel = runScoring(pop, withCard("model"), AS_OF);
    const predict = modelScorer(card, byModel.evaluation.itemIds);
    byModel.children.forEach((c, i) => {
      const s = childScore(byModel, i).scores[0];
      if (!s?.applicable) return;
      expect(s.score).toBeCloseTo(predict(c.items), 9);
      expect(s.flagged).toBe(s.score >= 0.2);
    });
    // The same card on a weighted type is stored but not used.
    const weighted = runScoring(pop, withCard("weighted"), AS_OF);
    expect(childScore(weighted, 0).scores[0]?.score).toBe(childScore(base, 0).scores[1]?.score);
  });
});

describe("store order", () => {
  it("lists every child once per type, by score ↓, total points ↓, then child order — as a comparison sort does", () => {
    const pop = randomPopulation({ households: 400, seed: 5, asOf: AS_OF });
    const weighted = runScoring(pop, DEFAULT_RULE_SET, AS_OF);
    // A model type gives many distinct scores (probabilities), the weighted ones few.
    const card = trainModel(weighted.evaluation, {
      difficulty: "poverty",
      kind: "logistic",
      label: { kind: "item", itemId: "B17" },
      folds: 3,
    });
    const poverty = DEFAULT_RULE_SET.types.find((t) => t.difficulty === "poverty") as TypeRule;
    const modelled = runScoring(
      pop,
      {
        ...DEFAULT_RULE_SET,
        types: [{ ...poverty, method: "model", model: card, threshold: 0.2 }],
      },
      AS_OF,
    );
    for (const run of [weighted, modelled]) {
      const T = run.difficulties.length;
      expect(run.children.length).toBeGreaterThan(100);
      for (let t = 0; t < T; t++) {
        const reference = run.children
          .map((_, c) => c)
          .sort((a, b) => {
            const sa = run.scores[a * T + t] as number;
            const sb = run.scores[b * T + t] as number;
            if (sa !== sb) return sb - sa;
            const ta = run.children[a]?.items.length as number;
            const tb = run.children[b]?.items.length as number;
            return ta !== tb ? tb - ta : a - b;
          });
        const distinct = new Set(reference.map((c) => run.scores[c * T + t]));
        expect(distinct.size).toBeGreaterThan(1);
        expect([...storeOrder(run, t)]).toEqual(reference);
      }
    }
  });
});
