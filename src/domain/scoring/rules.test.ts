import { describe, expect, it } from "vitest";
import { isMimamoriError } from "../errors.ts";
import { DIFFICULTY_IDS } from "./difficulties.ts";
import { parseRuleSet, parseRuleVersion, ruleSetProblems } from "./rule-schema.ts";
import { ASSOCIATIONS, DEFAULT_RULE_SET, MARKER_WEIGHT, type RuleSet } from "./rules.ts";

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (isMimamoriError(e)) return [...e.details];
    throw e;
  }
  return [];
}

describe("default rule set", () => {
  it("is valid and survives a JSON round trip", () => {
    expect(ruleSetProblems(DEFAULT_RULE_SET)).toEqual([]);
    const copy = parseRuleSet(JSON.parse(JSON.stringify(DEFAULT_RULE_SET)));
    expect(copy).toEqual(DEFAULT_RULE_SET);
  });

  it("has one rule for each of the eight difficulty types", () => {
    expect(DEFAULT_RULE_SET.types.map((t) => t.difficulty).sort()).toEqual(
      [...DIFFICULTY_IDS].sort(),
    );
  });

  it("takes every tested association of the 2024 table with its weight, and no untested one", () => {
    for (const [d, row] of Object.entries(ASSOCIATIONS)) {
      const rule = DEFAULT_RULE_SET.types.find((t) => t.difficulty === d);
      for (const [item, marker] of Object.entries(row)) {
        const used = rule?.items.find((i) => i.itemId === item);
        if (marker === "na") expect(used, `${d} ${item}`).toBeUndefined();
        else expect(used?.weight, `${d} ${item}`).toBe(MARKER_WEIGHT[marker]);
      }
    }
    // B07 (激しく揺さぶった) was associated with no type in 2024.
    expect(DEFAULT_RULE_SET.types.some((t) => t.items.some((i) => i.itemId === "B07"))).toBe(false);
  });
});

describe("parseRuleSet", () => {
  const base = (): RuleSet => JSON.parse(JSON.stringify(DEFAULT_RULE_SET));

  it("lists every cross-reference problem at once, in Japanese", () => {
    const r = base() as unknown as {
      types: { items: { itemId: string }[]; method: string; threshold: number }[];
    };
    (r.types[0]?.items[0] as { itemId: string }).itemId = "Z99";
    (r.types[1] as { method: string }).method = "model";
    const problems = problemsOf(() => parseRuleSet(r));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("項目 Z99 がデータ項目の定義にありません"),
        expect.stringContaining("学習済みモデルがありません"),
        expect.stringContaining("0 と 1 の間の確率"),
      ]),
    );
  });

  it("checks catalog criteria against layouts.md", () => {
    const r = base() as unknown as { catalog: { items: { id: string; criterion: unknown }[] } };
    const b15 = r.catalog.items.find((i) => i.id === "B15") as { criterion: unknown };
    b15.criterion = {
      kind: "record",
      source: "sanpu_kenshin",
      scope: "mother",
      where: [{ op: "ge", column: "EPDS合計", value: 9 }],
    };
    const b13 = r.catalog.items.find((i) => i.id === "B13") as { criterion: unknown };
    b13.criterion = {
      kind: "record",
      source: "kokoro_check",
      scope: "self",
      where: [{ op: "in", column: "判定結果", values: ["要注意"] }],
    };
    const problems = problemsOf(() => parseRuleSet(r));
    expect(problems).toEqual([
      "項目 B13: 「要注意」は「判定結果」の値ではありません（使える値: 要支援、要観察、問題なし）。",
      "項目 B15: 条件の列「EPDS合計」は sanpu_kenshin にありません。",
    ]);
  });

  it("rejects a bad shape with the path of each problem", () => {
    const r = base() as unknown as {
      capacity: { perMonth: number };
      types: { threshold: unknown }[];
    };
    r.capacity.perMonth = 0;
    (r.types[0] as { threshold: unknown }).threshold = "3";
    const problems = problemsOf(() => parseRuleSet(r));
    expect(problems.some((p) => p.startsWith("capacity.perMonth"))).toBe(true);
    expect(problems.some((p) => p.startsWith("types.0.threshold"))).toBe(true);
  });

  it("parses a rule version", () => {
    const v = parseRuleVersion({
      id: "v1",
      effectiveFrom: "2024-04-01",
      note: "初版",
      rules: base(),
    });
    expect(v.effectiveFrom).toBe("2024-04-01");
  });
});
