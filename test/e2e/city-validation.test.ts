/**
 * Issue 7 acceptance, end to end: `synth --profile city` → import → 名寄せ →
 * score → `mimamori stats validate`. The report must find the associations the
 * generator built in (BUILT_IN_ASSOCIATIONS, src/domain/synth/built-in-associations.ts;
 * docs/synthetic-data.md) and must
 * not flag the items the generator made independent of every difficulty (B07
 * 激しく揺さぶった, K17 学校健診 要精密検査; 出席停止忌引等日数 is no catalog item, so
 * the report cannot show it). Nothing here reads the generator's truth: the
 * report works from the imported files alone.
 *
 * Error rates: an expected association is required by the pilots' own
 * criterion (p ≤ 0.05, more than expected); an independent item fails the test
 * only with a positive association at p ≤ 0.001 — 0.1 % per test by chance, ≈ 1 %
 * over its 10 tests — the level synth-associations.test.ts uses on the truth.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statsValidate } from "../../src/cli/commands/stats-validate.ts";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { BUILT_IN_ASSOCIATIONS } from "../../src/domain/synth/built-in-associations.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import { type ScoreRunSummary, scoreRun } from "../../src/pipeline/score.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };
let t: TestDatabase;
let municipalityId: number;
let summary: ScoreRunSummary;
const dir = mkdtempSync(join(tmpdir(), "mimamori-city-validation-"));
const data = join(dir, "data");
const out = join(dir, "report");

/** A CSV file of the report as records keyed by its header (no quoted commas in these files). */
function readCsv(name: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(join(out, name), "utf8")
    .replace(/^\uFEFF/, "")
    .trimEnd()
    .split("\r\n")
    .map((l) => l.split(","));
  return lines.map((cells) =>
    Object.fromEntries((header as string[]).map((h, i) => [h, cells[i] ?? ""])),
  );
}

beforeAll(async () => {
  t = await createTestDatabase();
  runSynth({ profile: "city", seed: 2024, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  ({ id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault(
    DEFAULT_MUNICIPALITY_NAME,
  ));
  for (const path of await listImportFiles([data]))
    await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
  await runLinkage(t, { municipalityId, actor });
  summary = await scoreRun(t, { municipalityId, actor });
  const code = await statsValidate.run(["--out", out], { databaseUrl: t.url, home: dir });
  if (code !== 0) throw new Error(`stats validate exited ${code}`);
}, 300_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const TYPE: Record<string, string> = {
  虐待: "abuse",
  産後うつ: "postpartum",
  発達障がい: "developmental",
  貧困: "poverty",
  不登校: "truancy",
};
/** The synth test's names for items outside B01–B18, as catalog ids (docs/scoring.md). */
const ITEM: Record<string, string> = { 喫煙: "K15", 特別支援学級: "K01", 虫歯: "K14" };

describe("stats validate on a synthetic city", () => {
  const rows = () => readCsv("item-validation.csv");
  const find = (item: string, type: string) => {
    const r = rows().find(
      (x) => x.item_id === (ITEM[item] ?? item) && x.difficulty === (TYPE[type] ?? type),
    );
    if (!r) throw new Error(`no row ${item} × ${type}`);
    return r;
  };

  it("writes every file, one validation row per catalog item × type", () => {
    expect(rows().length).toBe(39 * 5);
    for (const f of ["rule-evaluation.csv", "rule-capacity.csv", "funnel.csv", "fairness.csv"])
      expect(readCsv(f).length).toBeGreaterThan(0);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain("@media print");
    expect(html).not.toMatch(/<script|<link|src="http|url\(/);
  });

  it("marks the items that define each 抽出群 with –", () => {
    for (const [item, type] of [
      ["B01", "abuse"],
      ["B15", "postpartum"],
      ["B09", "developmental"],
      ["K18", "developmental"],
      ["B17", "poverty"],
      ["B18", "poverty"],
      ["B11", "truancy"],
    ] as const) {
      const r = find(item, type);
      expect(r.marker, `${item} × ${type}`).toBe("–");
      expect(r.excluded).toBe("1");
    }
  });

  it.each(BUILT_IN_ASSOCIATIONS)(
    "finds %s associated with %s (p ≤ 0.05, more than expected)",
    (item, g) => {
      const r = find(item, g);
      expect(r.associated).toBe("1");
      expect(["●", "◆"]).toContain(r.marker);
      expect(Number(r.a)).toBeGreaterThan(Number(r.expected_a));
    },
  );

  it.each(["B07", "K17"])("does not find %s, independent by construction, at p ≤ 0.001", (item) => {
    for (const g of Object.keys(TYPE)) {
      const r = find(item, g);
      const strong = r.direction === "positive" && r.p_used !== "" && Number(r.p_used) <= 0.001;
      expect(strong, `${item} × ${g}: p ${r.p_used}`).toBe(false);
    }
  });

  it("evaluates each rule against its label with the label's items left out", () => {
    const rules = readCsv("rule-evaluation.csv");
    expect(rules.map((r) => r.difficulty).sort()).toEqual(Object.values(TYPE).sort());
    const abuse = rules.find((r) => r.difficulty === "abuse") as Record<string, string>;
    expect(abuse.items_left_out).toBe("B01");
    // Registered children are found better than by chance without B01 itself.
    expect(Number(abuse.auc)).toBeGreaterThan(0.6);
    expect(readCsv("rule-capacity.csv").filter((r) => r.difficulty === "abuse").length).toBe(2);
  });

  it("counts the funnel of the run as stored, and leaves the screening stages empty", () => {
    const funnel = readCsv("funnel.csv");
    for (const [d, n] of Object.entries(summary.flagged)) {
      const r = funnel.find((x) => x.difficulty === d) as Record<string, string>;
      expect(Number(r.flagged)).toBe(n);
      expect(Number(r.listed)).toBe(summary.listed[d]);
      expect(r.selected).toBe("");
      expect(r.support_started).toBe("");
    }
  });

  it("compares flag rates by group, with false-positive rates where a label exists", () => {
    const fairness = readCsv("fairness.csv");
    expect(new Set(fairness.map((r) => r.group))).toEqual(
      new Set(["foreign", "single_parent", "disability", "welfare"]),
    );
    for (const r of fairness) {
      expect(Number(r.group_n) + Number(r.rest_n)).toBeLessThanOrEqual(summary.children);
      // Labelled types count label-negative children; a group can have none (every 生活保護
      // child is in 貧困's 抽出群), and then its false-positive rate is undefined ("").
      if (Object.values(TYPE).includes(r.difficulty ?? "")) expect(r.group_negatives).not.toBe("");
      else expect(r.group_negatives).toBe("");
    }
    const welfare = fairness.find((r) => r.group === "welfare" && r.difficulty === "poverty");
    expect(welfare?.group_negatives).toBe("0");
    expect(welfare?.group_fpr).toBe("");
    // The generator gives foreign households more poverty: some foreign children exist.
    const foreign = fairness.find((r) => r.group === "foreign" && r.difficulty === "poverty");
    expect(Number(foreign?.group_n)).toBeGreaterThan(100);
  });

  it("audits the report with ids and counts only", async () => {
    const entries = await createAuditRepository(t.db).list({
      municipalityId,
      limit: 50,
      action: "stats.validate",
    });
    const e = entries.find((x) => x.action === "stats.validate");
    expect(e?.target).toMatch(/^score_run:\d+$/);
    expect(JSON.stringify(e?.detail)).not.toMatch(/P\d{8}|\d{9}/);
  });
});
