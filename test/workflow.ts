/**
 * A scored synthetic village for the screening workflow's tests (issue 13):
 * imported, linked and scored through the application's own pipeline, with
 * the flagged children of the run (person, type, household) to pick from.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFile, listImportFiles } from "../src/pipeline/import.ts";
import { runLinkage } from "../src/pipeline/linkage.ts";
import { scoreRun } from "../src/pipeline/score.ts";
import { runSynth } from "../src/pipeline/synth.ts";
import type { TestDatabase } from "./db.ts";

export interface FlaggedChild {
  personId: string;
  difficulty: string;
  householdNo: string | null;
  excludedBy: string[];
}

export interface ScoredVillage {
  municipalityId: number;
  runId: number;
  flagged: FlaggedChild[];
  cleanup(): void;
}

export async function scoredVillage(
  t: TestDatabase,
  municipalityName: string,
  seed = 8,
): Promise<ScoredVillage> {
  const AS_OF = "2024-04-01" as IsoDate;
  const actor = { userId: null, loginName: "test" };
  const dir = mkdtempSync(join(tmpdir(), "mimamori-workflow-"));
  const data = join(dir, "data");
  runSynth({ profile: "village", seed, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  const { id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault(
    municipalityName,
  );
  for (const path of await listImportFiles([data]))
    await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
  await runLinkage(t, { municipalityId, actor });
  const summary = await scoreRun(t, { municipalityId, actor });
  const r = await sql<FlaggedChild>`
    SELECT r.person_id AS "personId", r.difficulty, p.household_no AS "householdNo",
           r.excluded_by AS "excludedBy"
      FROM score_result r JOIN score_run s ON s.id = r.run_id
      LEFT JOIN link_person p ON p.run_id = s.link_run_id AND p.person_id = r.person_id
     WHERE r.run_id = ${summary.runId} AND r.flagged
     ORDER BY r.score DESC, r.person_id`.execute(t.db);
  return {
    municipalityId,
    runId: summary.runId,
    flagged: r.rows,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
