import { describe, expect, it } from "vitest";
import type { IsoDate } from "../types.ts";
import { DEFAULT_RULE_SET, type RuleSet } from "./rules.ts";
import { diffRuleSets, type RuleVersion, ruleVersionAt } from "./versions.ts";

const d = (s: string) => s as IsoDate;

describe("ruleVersionAt", () => {
  const v = (id: string, from: string): RuleVersion => ({
    id,
    effectiveFrom: d(from),
    note: "",
    rules: DEFAULT_RULE_SET,
  });
  const versions = [v("v2", "2024-04-01"), v("v1", "2023-04-01"), v("v3", "2025-04-01")];

  it("picks the version in force on the date", () => {
    expect(ruleVersionAt(versions, d("2024-03-31")).id).toBe("v1");
    expect(ruleVersionAt(versions, d("2024-04-01")).id).toBe("v2");
    expect(ruleVersionAt(versions, d("2030-01-01")).id).toBe("v3");
  });

  it("fails with a Japanese message before the first version", () => {
    expect(() => ruleVersionAt(versions, d("2023-03-31"))).toThrow(/有効な規則の版がありません/);
  });
});

describe("diffRuleSets", () => {
  it("shows changed thresholds, weights and criteria by id", () => {
    const next: RuleSet = JSON.parse(JSON.stringify(DEFAULT_RULE_SET));
    const abuse = next.types.find((t) => t.difficulty === "abuse") as { threshold: number };
    abuse.threshold = 7;
    const b11 = next.catalog.items.find((i) => i.id === "B11") as unknown as {
      criterion: { perYear: number };
    };
    b11.criterion.perYear = 20;
    (next as { version: string }).version = "v2";
    const changes = diffRuleSets(DEFAULT_RULE_SET, next);
    expect(changes).toEqual([
      { path: "catalog.items[B11].criterion.perYear", before: 30, after: 20 },
      { path: "types[abuse].threshold", before: 6, after: 7 },
      { path: "version", before: DEFAULT_RULE_SET.version, after: "v2" },
    ]);
  });

  it("reports added and removed items", () => {
    const next: RuleSet = JSON.parse(JSON.stringify(DEFAULT_RULE_SET));
    const t = next.types[0] as unknown as {
      items: { itemId: string; weight: number; basis: string }[];
    };
    const removed = t.items.shift();
    t.items.push({ itemId: "B07", weight: 1, basis: "local" });
    const changes = diffRuleSets(DEFAULT_RULE_SET, next);
    expect(changes).toEqual([
      { path: `types[abuse].items[${removed?.itemId}]`, before: removed, after: undefined },
      {
        path: "types[abuse].items[B07]",
        before: undefined,
        after: { itemId: "B07", weight: 1, basis: "local" },
      },
    ]);
    expect(diffRuleSets(DEFAULT_RULE_SET, DEFAULT_RULE_SET)).toEqual([]);
  });
});
