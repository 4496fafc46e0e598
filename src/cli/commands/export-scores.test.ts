/**
 * `export flags` and `export scores` against a scored synthetic village:
 * the CSV columns of spec/cli.md, one line per item held / per child and
 * type, written atomically, and audited; and reruns of the same snapshots and
 * rule version (direct COPY and staging path) export byte-identical flags,
 * scores, links and persons (issue 15).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/db.ts";
import { createAuditRepository } from "../../db/audit.repository.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { withDataScope } from "../../db/scope.ts";
import { DEFAULT_RULE_SET } from "../../domain/scoring/rules.ts";
import { BUILT_IN_NAME_POOLS } from "../../domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../domain/types.ts";
import { importFile, listImportFiles } from "../../pipeline/import.ts";
import { runLinkage } from "../../pipeline/linkage.ts";
import { type ScoreRunSummary, scoreRun } from "../../pipeline/score.ts";
import { runSynth } from "../../pipeline/synth.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../server/bootstrap.ts";
import { exportFlags } from "./export-flags.ts";
import { exportLinks, exportPersons } from "./export-links.ts";
import { exportScores } from "./export-scores.ts";

const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };
let t: TestDatabase;
let summary: ScoreRunSummary;
let municipalityId: number;
const dir = mkdtempSync(join(tmpdir(), "mimamori-export-scores-"));
const data = join(dir, "data");

beforeAll(async () => {
  t = await createTestDatabase();
  runSynth({ profile: "village", seed: 8, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  ({ id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault(
    DEFAULT_MUNICIPALITY_NAME,
  ));
  for (const path of await listImportFiles([data]))
    await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
  await runLinkage(t, { municipalityId, actor });
  summary = await scoreRun(t, { municipalityId, actor });
}, 240_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const globals = () => ({ databaseUrl: t.url, home: dir });

function readCsv(path: string): string[] {
  return readFileSync(path, "utf8").trimEnd().split("\n");
}

describe("export flags / export scores", () => {
  it("writes one line per person and item held, with as-of and evidence", async () => {
    const path = join(dir, "flags.csv");
    expect(await exportFlags.run(["--out", path], globals())).toBe(0);
    const lines = readCsv(path);
    expect(lines[0]).toBe("person_id,item_id,as_of,evidence");
    expect(lines.length - 1).toBe(summary.items);
    const first = lines[1] as string;
    expect(first).toMatch(/^P\d{8},[BK]\d{2},2024-04-01,/);
    expect(first).toMatch(/\.csv \d+(・\d+)*行目（抽出日 2024-04-01）/);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("writes one line per child and difficulty type", async () => {
    const path = join(dir, "scores.csv");
    expect(await exportScores.run(["--out", path], globals())).toBe(0);
    const lines = readCsv(path);
    expect(lines[0]).toBe("person_id,difficulty,score,threshold,flagged,total_points");
    expect(lines.length - 1).toBe(summary.children * DEFAULT_RULE_SET.types.length);
    const rows = lines.slice(1).map((l) => l.split(","));
    for (const [person, difficulty, score, threshold, flagged, total] of rows.slice(0, 500)) {
      expect(person).toMatch(/^P\d{8}$/);
      expect(DEFAULT_RULE_SET.types.map((x) => x.difficulty)).toContain(difficulty);
      expect(flagged).toBe(Number(score) >= Number(threshold) && Number(score) > 0 ? "1" : "0");
      expect(Number.isInteger(Number(total))).toBe(true);
    }
    const flaggedTotal = rows.filter((r) => r[4] === "1").length;
    expect(flaggedTotal).toBe(Object.values(summary.flagged).reduce((a, b) => a + b, 0));
    const audit = await t.db
      .selectFrom("audit_log")
      .select("action")
      .where("action", "in", ["export.flags", "export.scores"])
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(["export.flags", "export.scores"]);
  });

  it("records the persons each export disclosed, and the per-person report finds them (issue 12)", async () => {
    const rows = await t.db
      .selectFrom("audit_log")
      .select(["id", "action", "detail"])
      .where("action", "in", ["export.flags", "export.scores"])
      .execute();
    const repo = createAuditRepository(t.db);
    const scores = rows.find((r) => r.action === "export.scores");
    if (!scores) throw new Error("export.scores is not audited");
    const persons = await repo.disclosedPersons(municipalityId, scores.id);
    expect(persons).toHaveLength(summary.children);
    expect((scores.detail as { disclosed: { persons: number } }).disclosed.persons).toBe(
      summary.children,
    );
    const flags = rows.find((r) => r.action === "export.flags");
    const holders = new Set(
      readCsv(join(dir, "flags.csv"))
        .slice(1)
        .map((l) => l.split(",")[0]),
    );
    expect(await repo.disclosedPersons(municipalityId, flags?.id as string)).toEqual(
      [...holders].sort(),
    );
    const child = persons[0] as string;
    const report = await withDataScope({ municipalityId, council: true }, () =>
      repo.personReport({ municipalityId, personId: child, mode: "all", limit: 50 }),
    );
    expect(report.filter((r) => r.how === "exported").map((r) => r.action)).toContain(
      "export.scores",
    );
  });

  it("fails in Japanese, writing nothing, without --out", async () => {
    await expect(exportScores.run([], globals())).rejects.toThrow(/--out/);
  });
});

describe("reproducible exports (issue 15: a rerun gives byte-identical exports)", () => {
  const exports = {
    "flags.csv": exportFlags,
    "scores.csv": exportScores,
    "links.csv": exportLinks,
    "persons.csv": exportPersons,
  };
  async function exportAll(sub: string): Promise<Map<string, Buffer>> {
    const out = join(dir, sub);
    mkdirSync(out, { recursive: true });
    const files = new Map<string, Buffer>();
    for (const [name, command] of Object.entries(exports)) {
      expect(await command.run(["--out", join(out, name)], globals())).toBe(0);
      files.set(name, readFileSync(join(out, name)));
    }
    return files;
  }

  it("reruns of the same snapshots and rule version, on the owner's direct COPY and the app login's staging path, export the same bytes", async () => {
    const first = await exportAll("first");
    // Again on the owner's connection (direct COPY, foreign-key checks made in code) …
    await runLinkage(t, { municipalityId, actor });
    const again = await scoreRun(t, { municipalityId, actor });
    expect(again.runId).not.toBe(summary.runId);
    const second = await exportAll("second");
    // … and as a web-started run does: the app login role, staging tables under the policies.
    await withDataScope({ municipalityId, council: true }, async () => {
      await runLinkage({ db: t.db, url: t.appUrl }, { municipalityId, actor });
      await scoreRun({ db: t.db, url: t.appUrl }, { municipalityId, actor });
    });
    const third = await exportAll("third");
    for (const [name, bytes] of first) {
      expect(bytes.length, name).toBeGreaterThan(100);
      expect(second.get(name)?.equals(bytes), `${name} after a rerun`).toBe(true);
      expect(third.get(name)?.equals(bytes), `${name} after a rerun on the app login`).toBe(true);
    }
  }, 240_000);
});
