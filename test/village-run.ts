/**
 * The scored village the API end-to-end tests share (test/e2e/child-views,
 * sheets, caches): a synthetic village (seed 3) generated into a temporary
 * folder, imported into a fresh test database under the default
 * municipality, put through one monthly run (`origin: "cli"`), and an app
 * over the database. `close` drops the database and the folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMunicipalityRepository } from "../src/db/municipality.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFile, listImportFiles } from "../src/pipeline/import.ts";
import { monthlyRun } from "../src/pipeline/run.ts";
import { runSynth } from "../src/pipeline/synth.ts";
import type { App } from "../src/server/app.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";
import { createTestApp } from "./http.ts";

export const VILLAGE_AS_OF = "2024-04-01" as IsoDate;

export interface RunVillage {
  t: TestDatabase;
  app: App;
  municipalityId: number;
  linkRunId: number;
  scoreRunId: number;
  close(): Promise<void>;
}

export async function runVillage(municipality = "テスト村", seed = 3): Promise<RunVillage> {
  const dir = mkdtempSync(join(tmpdir(), "mimamori-village-"));
  const t = await createTestDatabase();
  const target = { db: t.db, url: t.url };
  runSynth({ profile: "village", seed, out: dir, asOf: VILLAGE_AS_OF, names: BUILT_IN_NAME_POOLS });
  const municipalityId = (await createMunicipalityRepository(t.db).ensureDefault(municipality)).id;
  const actor = { userId: null, loginName: "test" };
  for (const path of await listImportFiles([dir]))
    await importFile(target, path, { municipalityId, actor, asOf: VILLAGE_AS_OF });
  const run = await monthlyRun(target, { municipalityId, actor, origin: "cli" });
  return {
    t,
    app: await createTestApp(t.db, t.url),
    municipalityId,
    linkRunId: run.linked.runId,
    scoreRunId: run.scored.runId,
    async close() {
      await t.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
