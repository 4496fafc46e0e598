/**
 * Rule versions as the coordinating office changes them (issue 14): a patch
 * on the version in force (domain/scoring/rule-edit.ts) previewed against
 * the latest scoring run before it is saved, saved as a new version with an
 * effective date and a note, two versions diffed, and a past run scored again
 * with another version to see who enters and who leaves. Items over the
 * municipality's declared sources are checked against them (pipeline/sources.ts).
 */
import type { Database } from "../db/database.ts";
import { createScoringRepository, type StoredRuleVersion } from "../db/scoring.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import {
  applyRulePatch,
  compareRuns,
  type PreviewLine,
  previewCounts,
  type RulePatch,
  type RunComparison,
} from "../domain/scoring/rule-edit.ts";
import { parseRuleSet } from "../domain/scoring/rule-schema.ts";
import type { RuleSet } from "../domain/scoring/rules.ts";
import { runScoring } from "../domain/scoring/score.ts";
import { type Change, diffRuleSets } from "../domain/scoring/versions.ts";
import type { IsoDate } from "../domain/types.ts";
import { chooseRuleVersion, readPopulation, saveRuleVersion } from "./score.ts";
import { loadSources } from "./sources.ts";

export interface RulesActor {
  readonly userId: number | null;
  readonly loginName: string;
}

/** Every stored version, oldest effective date first (the default is stored on first use). */
export async function listRuleVersions(
  db: Database,
  municipalityId: number,
  actor: RulesActor,
): Promise<StoredRuleVersion[]> {
  await chooseRuleVersion(db, municipalityId, "9999-12-31" as IsoDate, undefined, actor);
  return createScoringRepository(db).listRuleVersions(municipalityId);
}

/** A version by label, or the one in force on a date (today's run date when none is given). */
export async function findRuleVersion(
  db: Database,
  municipalityId: number,
  which: { label?: string; asOf?: IsoDate },
  actor: RulesActor,
): Promise<StoredRuleVersion> {
  return chooseRuleVersion(
    db,
    municipalityId,
    which.asOf ?? ("9999-12-31" as IsoDate),
    which.label,
    actor,
  );
}

/** The rule set a patch makes of the version in force on its effective date, checked. */
export async function patchedRules(
  db: Database,
  municipalityId: number,
  patch: RulePatch,
  effectiveFrom: IsoDate,
  actor: RulesActor,
): Promise<{ base: StoredRuleVersion; rules: RuleSet }> {
  const base = await findRuleVersion(db, municipalityId, { asOf: effectiveFrom }, actor);
  const sources = await loadSources(db, municipalityId);
  const next = applyRulePatch(parseRuleSet(base.rules, sources), patch);
  // The same checks as a whole rule set (items over declared sources included).
  return { base, rules: parseRuleSet(JSON.parse(JSON.stringify(next)), sources) };
}

/** Saves a patch as a new version (label = patch.version); audited as `rules.version`. */
export async function saveRulePatch(
  db: Database,
  municipalityId: number,
  patch: RulePatch,
  v: { effectiveFrom: IsoDate; note: string },
  actor: RulesActor,
): Promise<{ versionId: number; base: string; changes: Change[] }> {
  const { base, rules } = await patchedRules(db, municipalityId, patch, v.effectiveFrom, actor);
  const versionId = await saveRuleVersion(
    db,
    municipalityId,
    { label: patch.version, effectiveFrom: v.effectiveFrom, note: v.note, rules },
    actor,
  );
  return { versionId, base: base.label, changes: diffRuleSets(base.rules, rules) };
}

/** What changed from version `a` to version `b` (labels). */
export async function diffRuleVersions(
  db: Database,
  municipalityId: number,
  a: string,
  b: string,
  actor: RulesActor,
): Promise<Change[]> {
  const x = await findRuleVersion(db, municipalityId, { label: a }, actor);
  const y = await findRuleVersion(db, municipalityId, { label: b }, actor);
  return diffRuleSets(x.rules, y.rules);
}

interface RunBasis {
  readonly runId: number;
  readonly asOf: IsoDate;
  readonly ruleVersion: StoredRuleVersion;
  readonly population: Awaited<ReturnType<typeof readPopulation>>["population"];
  readonly sources: Awaited<ReturnType<typeof loadSources>>;
}

/** A stored scoring run (default: the latest) with its population and rule version. */
async function runBasis(db: Database, municipalityId: number, runId?: number): Promise<RunBasis> {
  const scoring = createScoringRepository(db);
  const run = await scoring.findScoreRun(municipalityId, runId);
  if (!run) {
    throw new MimamoriError(
      "not_found",
      runId === undefined
        ? "判定の結果がありません。先に mimamori run を実行してください。"
        : `判定の実行番号 ${runId} はありません。`,
    );
  }
  const ruleVersion = (await scoring.listRuleVersions(municipalityId)).find(
    (v) => v.id === run.ruleVersionId,
  );
  if (!ruleVersion) {
    throw new MimamoriError("not_found", `判定の実行番号 ${run.id} の規則の版がありません。`);
  }
  const sources = await loadSources(db, municipalityId);
  const { population } = await readPopulation(db, municipalityId, run.linkRunId, {
    declared: sources,
  });
  return { runId: run.id, asOf: run.asOf, ruleVersion, population, sources };
}

export interface RulePreview {
  readonly runId: number;
  readonly asOf: IsoDate;
  readonly baseVersion: string;
  readonly lines: readonly PreviewLine[];
  readonly changes: readonly Change[];
}

/**
 * What a patch would flag on the latest run's data, per type, before it is
 * saved: children and households under the run's own rules and under the
 * patched ones, against the monthly capacity.
 */
export async function previewRulePatch(
  db: Database,
  municipalityId: number,
  patch: RulePatch,
): Promise<RulePreview> {
  const b = await runBasis(db, municipalityId);
  const base = parseRuleSet(b.ruleVersion.rules, b.sources);
  const next = parseRuleSet(JSON.parse(JSON.stringify(applyRulePatch(base, patch))), b.sources);
  const before = runScoring(b.population, base, b.asOf);
  const after = runScoring(b.population, next, b.asOf);
  return {
    runId: b.runId,
    asOf: b.asOf,
    baseVersion: b.ruleVersion.label,
    lines: previewCounts(before, after),
    changes: diffRuleSets(base, next),
  };
}

export interface VersionComparison {
  readonly runId: number;
  readonly asOf: IsoDate;
  readonly runVersion: string;
  readonly otherVersion: string;
  readonly types: readonly RunComparison[];
}

/** A past run's data scored with its own version and with another: who enters, who leaves. */
export async function compareRunWithVersion(
  db: Database,
  municipalityId: number,
  runId: number | undefined,
  label: string,
  actor: RulesActor,
): Promise<VersionComparison> {
  const b = await runBasis(db, municipalityId, runId);
  const other = await findRuleVersion(db, municipalityId, { label }, actor);
  const own = runScoring(b.population, parseRuleSet(b.ruleVersion.rules, b.sources), b.asOf);
  const with_ = runScoring(b.population, parseRuleSet(other.rules, b.sources), b.asOf);
  return {
    runId: b.runId,
    asOf: b.asOf,
    runVersion: b.ruleVersion.label,
    otherVersion: other.label,
    types: compareRuns(own, with_),
  };
}
