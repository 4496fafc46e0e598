import { describe, expect, it } from "vitest";
import { PopulationBuilder } from "../items/testing.ts";
import type { IsoDate, SourceId } from "../types.ts";
import {
  applyRulePatch,
  compareRuns,
  flagCounts,
  parseRulePatch,
  previewCounts,
} from "./rule-edit.ts";
import { parseRuleSet } from "./rule-schema.ts";
import { DEFAULT_RULE_SET, type TypeRule } from "./rules.ts";
import { runScoring } from "./score.ts";
import { diffRuleSets } from "./versions.ts";

const AS_OF = "2024-10-01" as IsoDate;
const abuseOf = (r: typeof DEFAULT_RULE_SET) =>
  r.types.find((t) => t.difficulty === "abuse") as TypeRule;

/** Two households: one child with B04+B06 (abuse weights 1 + 2), one with B04 only. */
function population() {
  const b = new PopulationBuilder(AS_OF);
  const a = b.person({ birth: "2021-01-01", household: "H1" });
  b.row(a, "nyuyoji_kenshin", {
    健診区分: "1歳6か月児",
    受診日: "2022-08-01",
    家に残して外出: true,
    口をふさいだ: true,
  });
  const c = b.person({ birth: "2021-02-01", household: "H2" });
  b.row(c, "nyuyoji_kenshin", {
    健診区分: "1歳6か月児",
    受診日: "2022-08-01",
    家に残して外出: true,
  });
  const sibling = b.person({ birth: "2019-02-01", household: "H2" });
  b.row(sibling, "nyuyoji_kenshin", {
    健診区分: "3歳児",
    受診日: "2022-08-01",
    家に残して外出: true,
  });
  return { population: b.build(), ids: [b.personId(a), b.personId(c), b.personId(sibling)] };
}

describe("rule patches", () => {
  it("change a weight and a threshold, add an item, and stay a valid rule set", () => {
    const next = applyRulePatch(
      DEFAULT_RULE_SET,
      parseRulePatch({
        version: "town-2025.1",
        items: [
          {
            id: "X01",
            name: "相談 3件以上（1年）",
            level: "household",
            sources: ["sodan_kiroku"],
            criterion: {
              kind: "record",
              source: "sodan_kiroku",
              scope: "household",
              where: [],
              withinMonths: 12,
              minRows: 3,
            },
            basis: "町の検討会",
            purpose: "継続的な相談のある世帯を知るため",
            legalBasis: "法69条2項2号",
          },
        ],
        types: { abuse: { threshold: 2, weights: { B04: 2, X01: 1, B05: null } } },
      }),
    );
    expect(() => parseRuleSet(JSON.parse(JSON.stringify(next)))).not.toThrow();
    const abuse = abuseOf(next);
    expect(abuse.threshold).toBe(2);
    expect(abuse.items.find((i) => i.itemId === "B04")?.weight).toBe(2);
    expect(abuse.items.find((i) => i.itemId === "X01")?.basis).toContain("town-2025.1");
    expect(next.catalog.version).not.toBe(DEFAULT_RULE_SET.catalog.version);
    const paths = diffRuleSets(DEFAULT_RULE_SET, next).map((c) => c.path);
    expect(paths).toContain("types[abuse].threshold");
    expect(paths).toContain("types[abuse].items[B04].weight");
    expect(paths).toContain("catalog.items[X01]");
    expect(paths).toContain("types[abuse].items[B05]");
  });

  it("refuses unknown types and items, with Japanese reasons", () => {
    expect(() =>
      applyRulePatch(DEFAULT_RULE_SET, {
        version: "x",
        removeItems: ["Z99"],
        types: { abuse: { weights: { Q77: 1 } } },
      }),
    ).toThrow(/規則の変更に誤りがあります/);
    expect(() => parseRulePatch({ version: "x", types: { nosuch: {} } })).toThrow(
      /形が正しくありません/,
    );
  });
});

describe("preview and comparison", () => {
  it("counts children and households flagged before and after a change, and who enters", () => {
    const { population: p, ids } = population();
    const base = {
      ...DEFAULT_RULE_SET,
      types: [{ ...abuseOf(DEFAULT_RULE_SET), method: "weighted" as const, threshold: 3 }],
    };
    const before = runScoring(p, base, AS_OF);
    expect(flagCounts(before)).toEqual([
      { difficulty: "abuse", threshold: 3, children: 1, households: 1 },
    ]);
    const next = applyRulePatch(base, { version: "v2", types: { abuse: { threshold: 1 } } });
    const after = runScoring(p, next, AS_OF);
    const [line] = previewCounts(before, after);
    expect(line?.before?.children).toBe(1);
    expect(line?.after).toMatchObject({ children: 3, households: 2 });
    expect(line?.monthsOfWork).toBeCloseTo(
      (base.capacity.unit === "children" ? 3 : 2) / base.capacity.perMonth,
    );
    const [cmp] = compareRuns(before, after);
    expect(cmp?.entering).toEqual([ids[1], ids[2]].sort());
    expect(cmp?.leaving).toEqual([]);
    expect(cmp?.staying).toBe(1);
    const [back] = compareRuns(after, before);
    expect(back?.leaving).toHaveLength(2);
    void ("sodan_kiroku" as SourceId);
  });
});

describe("tie-break per type", () => {
  it("a patch sets a type's tie-break; the diff shows it; a contradictory order is refused", () => {
    const next = applyRulePatch(
      DEFAULT_RULE_SET,
      parseRulePatch({ version: "tb-1", types: { abuse: { tieBreak: ["older"] } } }),
    );
    expect(abuseOf(next).tieBreak).toEqual(["older"]);
    expect(abuseOf(DEFAULT_RULE_SET).tieBreak).toBeUndefined();
    expect(diffRuleSets(DEFAULT_RULE_SET, next).map((c) => c.path)).toContain(
      "types[abuse].tieBreak",
    );
    expect(() => parseRuleSet(JSON.parse(JSON.stringify(next)))).not.toThrow();
    const bad = applyRulePatch(
      DEFAULT_RULE_SET,
      parseRulePatch({ version: "tb-2", types: { abuse: { tieBreak: ["younger", "older"] } } }),
    );
    expect(() => parseRuleSet(JSON.parse(JSON.stringify(bad)))).toThrow(/規則/);
  });
});
