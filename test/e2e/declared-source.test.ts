/**
 * Issue 14 acceptance: a source the built-in layouts do not know (妊娠届
 * アンケート, Q1–Q12, keyed by the mother's 宛名番号) declared from a file,
 * an item over it added by a rule-change file, a file of it imported, a run —
 * and the item is in the flags, the scores, the child's evidence and the
 * validation report. Only CLI commands and the files in
 * test/fixtures/declared-source (the documented formats) are used: no code
 * knows this source.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Command } from "../../src/cli/command.ts";
import { exportFlags } from "../../src/cli/commands/export-flags.ts";
import { exportPersons } from "../../src/cli/commands/export-links.ts";
import { exportScores } from "../../src/cli/commands/export-scores.ts";
import { importCommand } from "../../src/cli/commands/import.ts";
import { rulesCommands } from "../../src/cli/commands/rules.ts";
import { runCommand } from "../../src/cli/commands/run.ts";
import { sourceCommands } from "../../src/cli/commands/source.ts";
import { statsValidate } from "../../src/cli/commands/stats-validate.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "declared-source");
const AS_OF = "2025-04-01";
let t: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), "mimamori-declared-"));
const out: Record<string, string> = {};

const cmd = (list: readonly Command[], verb: string) =>
  list.find((c) => c.path[1] === verb) as Command;

/** Runs a command and returns its exit code and what it printed on stdout. */
async function call(c: Command, args: string[]): Promise<{ code: number; text: string }> {
  const printed: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    printed.push(String(s));
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const code = await c.run(args, { databaseUrl: t.url, home: dir });
    return { code, text: printed.join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8")
    .replace(/^\ufeff/, "")
    .split(/\r?\n/)
    .filter(Boolean);
}

let child = "";
let namedChild = "";

beforeAll(async () => {
  t = await createTestDatabase();
  const add = await call(cmd(sourceCommands, "add"), [join(FIXTURES, "ninshin_anketo.yaml")]);
  expect(add.code).toBe(0);
  out.add = add.text;
  const imported = await call(importCommand, [
    join(FIXTURES, "jumin.csv"),
    join(FIXTURES, "ninshin_anketo.csv"),
    "--as-of",
    AS_OF,
  ]);
  out.import = imported.text;
  expect(imported.code).toBe(0);
  const rules = await call(cmd(rulesCommands, "add"), [
    join(FIXTURES, "town-2025.1.yaml"),
    "--effective",
    "2025-01-01",
    "--note",
    "妊娠届アンケートの問9を産後うつに追加",
  ]);
  out.rules = rules.text;
  expect(rules.code).toBe(0);
  expect((await call(runCommand, [])).code).toBe(0);
  for (const [c, name] of [
    [exportFlags, "flags.csv"],
    [exportScores, "scores.csv"],
    [exportPersons, "persons.csv"],
  ] as const)
    expect((await call(c, ["--out", join(dir, name)])).code).toBe(0);
  const persons = lines(join(dir, "persons.csv"));
  const idOf = (residentNo: string) =>
    persons.find((l) => l.includes(residentNo))?.split(",")[0] ?? "";
  child = idOf("000000103");
  namedChild = idOf("000000202");
  expect(child).not.toBe("");
  expect(namedChild).not.toBe("");
}, 300_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a declared source, end to end", () => {
  it("is registered, listed and shown in the declared form", async () => {
    expect(out.add).toContain("ninshin_anketo（妊娠届アンケート）");
    expect((await call(cmd(sourceCommands, "list"), [])).text).toContain(
      "ninshin_anketo\t妊娠届アンケート\t自治体の定義\t母の行",
    );
    const shown = await call(cmd(sourceCommands, "show"), ["ninshin_anketo"]);
    expect(shown.text).toContain("eventDate: 届出日");
    // A built-in is shown in the same form.
    const jumin = await call(cmd(sourceCommands, "show"), ["jumin"]);
    expect(jumin.text).toContain("residentNo: 宛名番号");
  });

  it("imports by its file name, with its types and recodings", () => {
    expect(out.import).toContain("ninshin_anketo.csv");
    expect(out.import).not.toMatch(/ninshin_anketo\.csv[^\n]*取り込めません/);
  });

  it("puts the item in the flags with the child's evidence, from the mother's row", () => {
    const flags = lines(join(dir, "flags.csv"));
    const n01 = flags.filter((l) => l.split(",")[1] === "N01");
    // 000000102's answer Q9=1 (はい) concerns her child 000000103 (born nearest 出産予定日);
    // 000000201 answered 2 (recoded いいえ); 000000301's was filed after the run's date.
    expect(n01.map((l) => l.split(",")[0])).toEqual([child]);
    const evidence = n01[0] as string;
    expect(evidence).toContain("Q9 はい");
    expect(evidence).toContain("ninshin_anketo.csv");
    expect(evidence).toContain("母");
    expect(flags.some((l) => l.startsWith(`${namedChild},N01`))).toBe(false);
  });

  it("scores it: 産後うつ flagged through the new item's weight", () => {
    const scores = lines(join(dir, "scores.csv"));
    const header = (scores[0] as string).split(",");
    const row = scores
      .map((l) => l.split(","))
      .find((r) => r[0] === child && r[header.indexOf("difficulty")] === "postpartum");
    expect(row?.[header.indexOf("score")]).toBe("2");
    expect(row?.[header.indexOf("flagged")]).toMatch(/^(1|true)$/);
  });

  it("lists it in the validation report", async () => {
    const report = join(dir, "validation");
    expect((await call(statsValidate, ["--out", report])).code).toBe(0);
    const text = readdirSync(report)
      .map((f) => readFileSync(join(report, f), "utf8"))
      .join("\n");
    expect(text).toContain("N01");
  });

  it("keeps the rule change as a version: diff, and who leaves with the old version", async () => {
    expect(out.rules).toContain("追加 catalog.items[N01]");
    const list = await call(cmd(rulesCommands, "list"), []);
    expect(list.text).toMatch(/town-2025\.1\t2025-01-01 から/);
    const base = (list.text.split("\n")[0] as string).split("\t")[0] as string;
    const diff = await call(cmd(rulesCommands, "diff"), [base, "town-2025.1"]);
    expect(diff.text).toContain("types[postpartum].items[N01]");
    const cmp = await call(cmd(rulesCommands, "compare"), ["--version", base, "--json"]);
    const parsed = JSON.parse(cmp.text) as {
      runVersion: string;
      types: { difficulty: string; leaving: string[]; entering: string[] }[];
    };
    expect(parsed.runVersion).toBe("town-2025.1");
    const pp = parsed.types.find((x) => x.difficulty === "postpartum");
    expect(pp?.leaving).toEqual([child]);
    expect(pp?.entering).toEqual([]);
  });
});
