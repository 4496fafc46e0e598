import { describe, expect, it } from "vitest";
import { testTwoByTwo } from "./two-by-two.ts";
import { ATTR, FAIRNESS_GROUPS, groupDefinitions } from "./validation-groups.ts";
import {
  buildFunnel,
  countItemTables,
  evaluateRule,
  fairnessTable,
  groupOf,
  type ReportChild,
  rateByScore,
  validateReportItems,
} from "./validation-report.ts";

const child = (id: string, ...holds: string[]): ReportChild => ({
  personId: id,
  holds: new Set(holds),
});

const groups = groupDefinitions();
const byType = (d: string) => groups.find((g) => g.difficulty === d) as (typeof groups)[number];

describe("reference groups (抽出群) of the 2024 report", () => {
  it("虐待 is 要対協 registration, or 一時保護 where the register is missing", () => {
    expect(groupOf(child("1", "B01"), byType("abuse"))).toBe(true);
    expect(groupOf(child("1", "B02"), byType("abuse"))).toBe(false);
    const fallback = groupDefinitions({ registerMissing: true }).find(
      (g) => g.difficulty === "abuse",
    );
    expect(fallback?.members).toEqual(["B02"]);
    expect(groupOf(child("1", "B02"), fallback as (typeof groups)[number])).toBe(true);
  });

  it("産後うつ leaves children without an EPDS score out of the denominator", () => {
    const g = byType("postpartum");
    expect(groupOf(child("1", "B15"), g)).toBeNull();
    expect(groupOf(child("1", "B15", ATTR.epds), g)).toBe(true);
    expect(groupOf(child("1", ATTR.epds), g)).toBe(false);
  });

  it("貧困 is 生活保護 or 児童扶養手当; 発達障がい any 精神 手帳; 不登校 among pupils", () => {
    expect(groupOf(child("1", "B18"), byType("poverty"))).toBe(true);
    expect(groupOf(child("1", "B17"), byType("poverty"))).toBe(true);
    expect(groupOf(child("1", ATTR.seishin), byType("developmental"))).toBe(true);
    expect(groupOf(child("1", "B11"), byType("truancy"))).toBeNull();
    expect(groupOf(child("1", "B11", ATTR.pupil), byType("truancy"))).toBe(true);
  });
});

describe("countItemTables", () => {
  const children = [
    child("1", "B01", "B16"),
    child("2", "B01"),
    child("3", "B16"),
    child("4"),
    child("5", "B16", "B01"),
    child("6", "B07", ATTR.askedB07),
    child("7", "B07", "B01", ATTR.askedB07),
    child("8", "B01"),
    // Attended a checkup where the question was not asked: not in B07's table.
    child("9", "B01", ATTR.nyuyojiSeen),
  ];
  const tables = countItemTables(children, ["B01", "B16", "B07"], [byType("abuse")]);
  const t = (id: string) => tables.find((x) => x.itemId === id);

  it("counts a, b, c, d among all children for a household item", () => {
    expect(t("B16")).toMatchObject({ a: 2, b: 1, c: 4, d: 2, excluded: false });
  });

  it("counts a questionnaire item only among children asked that question", () => {
    expect(t("B07")).toMatchObject({ a: 1, b: 1, c: 0, d: 0 });
  });

  it("marks the group-defining item as excluded", () => {
    expect(t("B01")?.excluded).toBe(true);
    const v = validateReportItems(children, ["B01", "B16"], [byType("abuse")]);
    expect(v.find((x) => x.itemId === "B01")?.marker).toBe("–");
    expect(v.find((x) => x.itemId === "B16")?.test).toEqual(
      testTwoByTwo({ a: 2, b: 1, c: 4, d: 2 }),
    );
  });
});

describe("evaluateRule", () => {
  const cases = [
    { score: 5, flagged: true, label: true },
    { score: 5, flagged: true, label: false },
    { score: 3, flagged: false, label: true },
    { score: 0, flagged: false, label: false },
    { score: 0, flagged: false, label: false },
  ];

  it("gives confusion counts, AUC, precision at capacity and the rate by score", () => {
    const e = evaluateRule("abuse", cases, [1, 3], false);
    expect(e.atThreshold).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 2 });
    // Positives 5 and 3 against negatives 5, 0, 0: (0.5 + 1 + 1 + 0 + 1 + 1) / 6.
    expect(e.auc).toBeCloseTo(4.5 / 6, 12);
    // k = 1 cuts the two tied at 5: half a true positive expected.
    expect(e.atCapacity[0]).toMatchObject({ k: 1, truePositives: 0.5, tiedAtCut: 2 });
    expect(e.atCapacity[1]).toMatchObject({ k: 3, truePositives: 2, tiedAtCut: 0 });
    expect(e.calibration).toBeNull();
    expect(rateByScore(cases)).toEqual([
      { score: 5, n: 2, positives: 1, observedRate: 0.5 },
      { score: 3, n: 1, positives: 1, observedRate: 1 },
      { score: 0, n: 2, positives: 0, observedRate: 0 },
    ]);
  });

  it("adds a calibration table for model probabilities", () => {
    const probs = cases.map((c) => ({ ...c, score: c.score / 10 }));
    expect(evaluateRule("abuse", probs, [1], true).calibration?.length).toBeGreaterThan(0);
  });
});

describe("fairnessTable", () => {
  it("compares flag rates and false-positive rates with the rest", () => {
    const mk = (foreign: boolean, flagged: boolean, label: boolean | null) => ({
      holds: new Set(foreign ? [ATTR.foreign] : []),
      flagged: new Map([["abuse", flagged]]),
      labelled: new Map(label === null ? [] : [["abuse", { label, flagged }]]),
    });
    const cases = [
      mk(true, true, false),
      mk(true, false, false),
      mk(true, true, true),
      mk(false, true, false),
      mk(false, false, false),
      mk(false, false, false),
      mk(false, false, false),
      mk(false, false, null),
    ];
    const [row] = fairnessTable(
      cases,
      ["abuse"],
      FAIRNESS_GROUPS.filter((g) => g.id === "foreign"),
    );
    expect(row?.inGroup).toEqual({ n: 3, count: 2, rate: 2 / 3 });
    expect(row?.rest).toEqual({ n: 5, count: 1, rate: 1 / 5 });
    expect(row?.flagRateRatio).toBeCloseTo(10 / 3, 12);
    expect(row?.fpInGroup).toEqual({ n: 2, count: 1, rate: 0.5 });
    expect(row?.fpRest).toEqual({ n: 4, count: 1, rate: 0.25 });
    expect(row?.fprRatio).toBe(2);
  });

  it("has no false-positive rates for a type without a label", () => {
    const [row] = fairnessTable(
      [{ holds: new Set(), flagged: new Map([["bullying", true]]), labelled: new Map() }],
      ["bullying"],
      FAIRNESS_GROUPS.slice(0, 1),
    );
    expect(row?.fpInGroup).toBeNull();
    expect(row?.flagRateRatio).toBeNull();
  });
});

describe("buildFunnel", () => {
  const runs = [
    { runId: 2, asOf: "2024-05-01", difficulty: "abuse", applicable: 100, flagged: 10, listed: 8 },
    { runId: 1, asOf: "2024-04-01", difficulty: "abuse", applicable: 100, flagged: 12, listed: 12 },
  ];
  const outcomes = { 要支援: 2, 調査継続: 1, 経過観察: 1, 支援不要: 1 };

  it("orders runs by date and leaves unrecorded stages null", () => {
    const f = buildFunnel(runs);
    expect(f.map((r) => r.runId)).toEqual([1, 2]);
    expect(f[0]).toMatchObject({ flagRate: 0.12, selected: null, outcomes: null });
  });

  it("takes the screening stages as input and gives the rates", () => {
    const f = buildFunnel(runs, [
      { runId: 2, difficulty: "abuse", selected: 6, outcomes, supportStarted: 2 },
    ]);
    expect(f[1]).toMatchObject({ selected: 6, selectedRate: 0.75, supportRate: 2 / 6 });
  });

  it("refuses stages that do not fit the run, listing every problem", () => {
    const bad = () =>
      buildFunnel(runs, [
        { runId: 2, difficulty: "abuse", selected: 9, outcomes, supportStarted: 4 },
        { runId: 3, difficulty: "abuse", selected: 1, outcomes, supportStarted: 0 },
      ]);
    expect(bad).toThrow(/記録の件数/);
    try {
      bad();
    } catch (e) {
      expect((e as { details: string[] }).details.length).toBe(4);
    }
  });
});
