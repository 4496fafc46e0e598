/**
 * A municipality's own 名寄せ settings (issue 14): checked when stored, used by
 * the next run and recorded with it; a wrong file is refused in Japanese and
 * changes nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createLinkageRepository } from "../db/linkage.repository.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { JAPANESE_SETTINGS } from "../domain/linkage/japanese-settings.ts";
import { BUILT_IN_NAME_POOLS } from "../domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../domain/types.ts";
import { importFile, listImportFiles } from "./import.ts";
import { runLinkage } from "./linkage.ts";
import {
  loadLinkageSettings,
  parseLinkageSettingsText,
  resetLinkageSettings,
  saveLinkageSettings,
} from "./linkage-settings.ts";
import { runSynth } from "./synth.ts";

const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };
let t: TestDatabase;
let mid: number;
const out = mkdtempSync(join(tmpdir(), "mimamori-linkage-settings-"));

beforeAll(async () => {
  t = await createTestDatabase();
  runSynth({ profile: "village", seed: 8, out, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  ({ id: mid } = await createMunicipalityRepository(t.db).ensureDefault("見守村"));
  for (const path of await listImportFiles([out]))
    await importFile(t, path, { municipalityId: mid, actor, asOf: AS_OF });
}, 240_000);

afterAll(async () => {
  await t?.drop();
  rmSync(out, { recursive: true, force: true });
});

describe("linkage settings of a municipality", () => {
  it("are used by the next run and recorded with it, until reset", async () => {
    expect((await loadLinkageSettings(t.db, mid)).own).toBe(false);
    const first = await runLinkage(t, { municipalityId: mid, actor });
    const linkage = createLinkageRepository(t.db);
    expect((await linkage.runById(mid, first.runId))?.settings.version).toBe(
      JAPANESE_SETTINGS.version,
    );

    // Candidates only by 宛名番号: rows without one (school files) find nobody to compare with.
    const strict = parseLinkageSettingsText(
      JSON.stringify({
        ...JAPANESE_SETTINGS,
        version: "見守村-2025.1",
        blockingRules: JAPANESE_SETTINGS.blockingRules.filter((r) => r.name === "宛名番号"),
      }),
      "名寄せ設定.json",
    );
    await saveLinkageSettings(t.db, mid, strict, actor);
    const loaded = await loadLinkageSettings(t.db, mid);
    expect(loaded.own).toBe(true);
    expect(loaded.settings.blockingRules.map((r) => r.name)).toEqual(["宛名番号"]);

    const second = await runLinkage(t, { municipalityId: mid, actor });
    const stored = await linkage.runById(mid, second.runId);
    expect(stored?.settings.version).toBe("見守村-2025.1");
    // School rows now only link among themselves: persons without a registry record abound.
    expect(second.unmatched).toBeGreaterThan(first.unmatched * 5);
    expect(second.methods.unlinked).toBeGreaterThan(first.methods.unlinked);

    expect(await resetLinkageSettings(t.db, mid, actor)).toBe(true);
    const third = await runLinkage(t, { municipalityId: mid, actor });
    expect((await linkage.runById(mid, third.runId))?.settings.version).toBe(
      JAPANESE_SETTINGS.version,
    );
    expect(third.methods).toEqual(first.methods);
  }, 240_000);

  it("refuses a file the engine could not run with, in Japanese, storing nothing", async () => {
    expect(() => parseLinkageSettingsText("{ thresholds: [", "壊れた.yaml")).toThrow(
      /JSON・YAML として読めません/,
    );
    expect(() =>
      parseLinkageSettingsText(
        JSON.stringify({ ...JAPANESE_SETTINGS, thresholds: { accept: 2 } }),
        "誤り.json",
      ),
    ).toThrow(/名寄せ設定が正しくありません/);
    const unknownColumn = {
      ...JAPANESE_SETTINGS,
      blockingRules: [{ name: "旧氏", columns: ["formerFamily"], masks: [], maxBlockSize: 100 }],
    };
    expect(() => parseLinkageSettingsText(JSON.stringify(unknownColumn), "列.json")).toThrow(
      /存在しない列「formerFamily」/,
    );
    expect((await loadLinkageSettings(t.db, mid)).own).toBe(false);
  });
});
