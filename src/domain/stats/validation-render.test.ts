import { describe, expect, it } from "vitest";
import { validateItems } from "./validate-item.ts";
import { groupDefinitions } from "./validation-groups.ts";
import {
  escapeHtml,
  formatFigure,
  type ValidationReport,
  validationCsvFiles,
  validationHtml,
} from "./validation-render.ts";
import { buildFunnel, evaluateRule, fairnessTable } from "./validation-report.ts";

const hostile = `<script>alert("x")</script>&'`;

function report(): ValidationReport {
  const groups = groupDefinitions().map((g) => ({ ...g, size: 3, n: 10 }));
  return {
    municipality: hostile,
    run: { id: 7, linkRunId: 3, ruleVersion: hostile, asOf: "2024-04-01" },
    children: 10,
    items: [{ id: "B16", name: hostile }],
    groups,
    registerMissing: true,
    alpha: 0.05,
    validation: validateItems([
      { itemId: "B16", difficulty: "abuse", a: 3, b: 1, c: 0, d: 6 },
      { itemId: "B01", difficulty: "abuse", a: 3, b: 0, c: 0, d: 7, excluded: true },
    ]),
    rules: [
      {
        ...evaluateRule("abuse", [{ score: 2, flagged: true, label: true }], [5], false),
        method: "weighted",
        threshold: 6,
        excludedItems: ["B01"],
      },
    ],
    capacity: { perMonth: 5, unit: "households" },
    funnel: buildFunnel([
      { runId: 7, asOf: "2024-04-01", difficulty: "abuse", applicable: 10, flagged: 2, listed: 2 },
    ]),
    fairness: fairnessTable([], ["abuse"], []),
    fairnessGroupSizes: { foreign: 1 },
    decisionLabels: [],
    laterCouncil: null,
  };
}

describe("validation report files", () => {
  it("escapes every value in the HTML and loads nothing from elsewhere", () => {
    const html = validationHtml(report());
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
    expect(html).not.toMatch(/<link|src=|url\(/);
    expect(html).toContain("@media print");
    expect(html).toContain("一時保護歴で定めました");
    expect(html).toContain("候補リストを作っていない実行の欄は「—」（未記録）です");
    expect(html).toContain("会議の判断をラベルにした確認");
    expect(html).not.toContain("のちの要対協への登録"); // laterCouncil null: a non-member's report
  });

  it("writes CSV with a BOM, quoting fields that need it", () => {
    const files = validationCsvFiles(report());
    const v = files["item-validation.csv"] as string;
    expect(v.startsWith("\uFEFFdifficulty,item_id,item_name,a,b,c,d")).toBe(true);
    expect(v).toContain(`"<script>alert(""x"")</script>&'"`);
    expect(v.split("\r\n")[2]).toMatch(/^abuse,B01,,3,0,0,7,/);
    expect(Object.keys(files)).toEqual([
      "yearly-review.csv",
      "item-validation.csv",
      "rule-evaluation.csv",
      "rule-capacity.csv",
      "rule-by-score.csv",
      "calibration.csv",
      "funnel.csv",
      "fairness.csv",
      "decision_precision.csv",
    ]);
  });

  it("formats figures for people", () => {
    expect(escapeHtml(`a<b & "c"`)).toBe("a&lt;b &amp; &quot;c&quot;");
    expect(formatFigure(null)).toBe("—");
    expect(formatFigure(1.23456e-7)).toBe("1.23e-7");
    expect(formatFigure(0.0123456)).toBe("0.01235");
  });
});
