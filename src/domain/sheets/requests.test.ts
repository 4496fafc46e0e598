import { describe, expect, it } from "vitest";
import { answerProblems, requestStatus, sharedResult, type TypeResult } from "./requests.ts";
import { BUILT_IN_TEMPLATES, questionsFor, templateProblems } from "./templates.ts";

const results: TypeResult[] = [
  {
    difficulty: "poverty",
    label: "貧困",
    flagged: true,
    score: 3,
    threshold: 2,
    items: [{ itemId: "A01", name: "就学援助", text: "就学援助: 受給 (基準: 受給)" }],
  },
];

describe("shared result per mode", () => {
  it("(a) carries the result, the score, the threshold and the items", () => {
    const s = sharedResult("a", "2024-04-01", results);
    expect(s.types?.[0]).toMatchObject({ flagged: true, score: 3, threshold: 2 });
    expect(s.types?.[0]?.items).toHaveLength(1);
  });
  it("(b) carries the result and the difficulty type, no score, threshold or item", () => {
    const s = sharedResult("b", "2024-04-01", results);
    expect(s.types).toEqual([{ difficulty: "poverty", label: "貧困", flagged: true }]);
    expect(JSON.stringify(s)).not.toMatch(/A01|score|threshold|items/);
  });
  it("(c) carries nothing about the result", () => {
    const s = sharedResult("c", "2024-04-01", results);
    expect(s).toEqual({ mode: "c", asOf: "2024-04-01" });
    expect(JSON.stringify(s)).not.toMatch(/poverty|貧困|flagged/);
  });
});

describe("status", () => {
  it("a sent request past its due date is overdue; answered and withdrawn stay", () => {
    expect(requestStatus("sent", "2024-04-10", "2024-04-11")).toBe("overdue");
    expect(requestStatus("sent", "2024-04-10", "2024-04-10")).toBe("sent");
    expect(requestStatus("answered", "2024-04-10", "2024-05-01")).toBe("answered");
    expect(requestStatus("withdrawn", "2024-04-10", "2024-05-01")).toBe("withdrawn");
  });
});

describe("questions and answers", () => {
  it("a mode-(c) request asks the general questions, whatever the types", () => {
    const q = questionsFor("c", ["abuse"], new Map());
    expect(q.map((x) => x.id)).toEqual(BUILT_IN_TEMPLATES.general.questions.map((x) => x.id));
    expect(q.some((x) => x.id === "injury")).toBe(false);
  });
  it("types' questions are merged once each, a stored template replaces the built-in", () => {
    const stored = new Map([
      [
        "poverty",
        {
          key: "poverty" as const,
          title: "独自",
          questions: [{ id: "x", text: "独自の質問", kind: "text" as const }],
        },
      ],
    ]);
    const q = questionsFor("b", ["abuse", "poverty"], stored);
    expect(q.filter((x) => x.id === "attendance")).toHaveLength(1);
    expect(q.map((x) => x.id)).toContain("x");
    expect(q.map((x) => x.id)).not.toContain("fees");
  });
  it("every built-in template can be saved as it is", () => {
    for (const t of Object.values(BUILT_IN_TEMPLATES)) expect(templateProblems(t)).toEqual([]);
  });
  it("answers are checked against the questions", () => {
    const qs = BUILT_IN_TEMPLATES.general.questions;
    expect(answerProblems(qs, {})).toHaveLength(1);
    expect(answerProblems(qs, { attendance: "毎日" })[0]).toMatch(/選択肢/);
    expect(answerProblems(qs, { nope: "x", mood: "元気" })[0]).toMatch(/ない質問/);
    expect(answerProblems(qs, { attendance: "ほぼ毎日出席", mood: "元気" })).toEqual([]);
  });
});
