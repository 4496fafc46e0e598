/**
 * Acceptance for issue 4: every file `mimamori synth` writes imports, and the
 * counts match its ground truth — rows read, rows stored, and exactly the rows
 * it broke on purpose rejected (truth/broken_rows.csv), on the right column.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNamePools, runSynth, type SynthRunResult } from "../../src/cli/commands/synth.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { type ImportReport, importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { TEST_NAMES_FILE } from "../fixtures/names.ts";

let t: TestDatabase;
const out = mkdtempSync(join(tmpdir(), "mimamori-synth-import-"));
let synth: SynthRunResult;
const reports: ImportReport[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  synth = runSynth({
    profile: "village",
    seed: 7,
    out,
    asOf: "2024-04-01",
    names: readNamePools(TEST_NAMES_FILE),
  });
  const { id } = await createMunicipalityRepository(t.db).ensureDefault("みまもり村");
  for (const path of await listImportFiles([out])) {
    reports.push(
      await importFile(t, path, {
        municipalityId: id,
        actor: { userId: null, loginName: "test" },
        asOf: "2024-04-01" as IsoDate,
      }),
    );
  }
});

afterAll(async () => {
  await t.drop();
  rmSync(out, { recursive: true, force: true });
});

describe("importing a synthetic municipality", () => {
  it("imports all 19 files and nothing from truth/", () => {
    expect(reports.map((r) => r.status)).toEqual(Array(19).fill("imported"));
    expect(reports.map((r) => r.fileName).sort()).toEqual(synth.files.map((f) => f.file).sort());
  });

  it("reads every row and rejects exactly the rows broken on purpose", () => {
    const broken = readFileSync(join(out, "truth", "broken_rows.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(","))
      .map(([, file, row, column]) => `${file}:${row}:${column}`)
      .sort();
    const rejected: string[] = [];
    for (const r of reports) {
      if (r.status !== "imported") continue;
      const truth = synth.files.find((f) => f.file === r.fileName);
      expect([r.fileName, r.rowsRead, r.rowsRejected, r.rowsStored]).toEqual([
        r.fileName,
        truth?.rows,
        truth?.broken,
        (truth?.rows ?? 0) - (truth?.broken ?? 0),
      ]);
      // One line per rejected row: its first error (a broken row is broken once).
      const seen = new Set<number>();
      for (const e of r.rejections) {
        if (seen.has(e.row)) continue;
        seen.add(e.row);
        rejected.push(`${r.fileName}:${e.row}:${e.column}`);
      }
    }
    expect(rejected.sort()).toEqual(broken);
  });
});
