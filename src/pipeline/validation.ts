/**
 * The validation report of a stored scoring run (issue 7): item validation
 * against the 2024 report's reference groups, each rule against the labels
 * available now, the funnel over all runs, and the fairness comparison; and
 * the aggregate export for pooling. This module only reads and assembles:
 * items and scores come from the run's stored rows (score_item,
 * score_result); the attributes the report needs beyond them (EPDS present,
 * 精神 手帳, pupils, …; domain/stats/validation-groups.ts) are evaluated from
 * the run's facts by the same item evaluator the run used; the statistics are
 * domain/stats.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createAuditRepository } from "../db/audit.repository.ts";
import { createCaseLabelRepository } from "../db/case-labels.repository.ts";
import { stoppedPersons } from "../db/child.repository.ts";
import type { Database } from "../db/database.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { createScoringRepository, type ScoreRunSummaryRow } from "../db/scoring.repository.ts";
import { createValidationRepository } from "../db/validation.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import { type ChildItems, compileCatalog, type Evaluation } from "../domain/items/evaluate.ts";
import { COUNCIL_ONLY_ITEMS, isCouncilOnlyItem } from "../domain/policy/index.ts";
import { DIFFICULTY_IDS, type DifficultyId } from "../domain/scoring/difficulties.ts";
import { parseRuleSet } from "../domain/scoring/rule-schema.ts";
import type { RuleSet } from "../domain/scoring/rules.ts";
import { APPLICABLE, FLAGGED, scoreEvaluation } from "../domain/scoring/score.ts";
import {
  type AggregateRow,
  formatAggregateCsv,
  toAggregateRows,
} from "../domain/stats/aggregate.ts";
import {
  type DecisionPrecisionRow,
  decisionPrecision,
  type LaterCouncilRow,
  laterCouncilRow,
  OUTCOME_OF,
  type ScoredChild,
} from "../domain/stats/decision-labels.ts";
import { DEFAULT_SUPPRESSION_K } from "../domain/stats/suppression.ts";
import {
  ATTR,
  FAIRNESS_GROUPS,
  type GroupDefinition,
  groupDefinitions,
  VALIDATION_ITEMS,
} from "../domain/stats/validation-groups.ts";
import {
  type ValidationReport,
  validationCsvFiles,
  validationHtml,
} from "../domain/stats/validation-render.ts";
import {
  buildFunnel,
  countItemTables,
  evaluateRule,
  type FairnessCase,
  fairnessTable,
  groupOf,
  type ReportChild,
  type RuleCase,
  type RunTypeCounts,
  type ScreeningCounts,
  validateReportItems,
} from "../domain/stats/validation-report.ts";
import { writeFileAtomically } from "./atomic-file.ts";
import { loadSources } from "./sources.ts";
import { loadRunPopulation } from "./validation-population.ts";

export type { ValidationReport };

export interface ValidationTarget {
  readonly db: Database;
}

export interface ValidationOptions {
  readonly municipalityId: number;
  /** A scoring run id; default: the newest. */
  readonly runId?: number;
  readonly alpha?: number;
  /**
   * For a reader who is not a 要対協 member (the web app's 検証 page): the
   * report as if items B01/B02 did not exist — no row, test or q-value names
   * them, the 虐待 抽出群 (defined by them) is left out, and the flags of the
   * fairness table are those of the scores without them (as 判定一覧 shows
   * them). The caller must load with council visibility (the adjustment needs
   * the rows) and pass the funnel counted the same way (`funnel`).
   */
  readonly withoutCouncilFacts?: boolean;
  /** The funnel's per-run counts, when the caller counts them itself (see above). */
  readonly funnelRuns?: readonly RunTypeCounts[];
}

/**
 * What both the report and the export read of a run: the expensive part of a
 * report (every child's held items, results and attributes). It depends on
 * the run, the reader's membership and the persons under a 利用停止 only, so
 * the web app keeps it apart from the report, which the case trail changes
 * too (services/validation-view.service.ts).
 */
export interface RunData {
  readonly municipality: string;
  readonly run: ScoreRunSummaryRow;
  readonly rules: RuleSet;
  readonly children: readonly ReportChild[];
  /** Per child: its ChildItems with the stored items (indexes into the rule catalog). */
  readonly childItems: readonly ChildItems[];
  /** Per child: per difficulty, the stored result. */
  readonly results: readonly ReadonlyMap<string, { applicable: boolean; flagged: boolean }>[];
  readonly groups: readonly GroupDefinition[];
  readonly registerMissing: boolean;
  /** Per child: holds a 要対協 item (B01/B02); only filled when they are removed. */
  readonly councilHeld: readonly boolean[];
}

export async function loadValidationRun(
  target: ValidationTarget,
  options: ValidationOptions,
): Promise<RunData> {
  const mid = options.municipalityId;
  const run = await createScoringRepository(target.db).findScoreRun(mid, options.runId);
  if (!run) {
    throw new MimamoriError(
      "not_found",
      options.runId === undefined
        ? "判定の結果がありません。先に mimamori run でデータを判定してください。"
        : `判定の実行番号 ${options.runId} がありません。実行番号を確認してください。`,
    );
  }
  const municipality =
    (await createMunicipalityRepository(target.db).findById(mid))?.name ?? String(mid);
  const scoring = createScoringRepository(target.db);
  const version = (await scoring.listRuleVersions(mid)).find((v) => v.id === run.ruleVersionId);
  if (!version) {
    throw new MimamoriError(
      "not_found",
      `判定の実行番号 ${run.id} の規則の版がありません。データベースを確認してください。`,
    );
  }
  const rules = parseRuleSet(version.rules, await loadSources(target.db, mid));

  const validationRepo = createValidationRepository(target.db);
  const stored = new Map<string, Set<string>>();
  for (const [person, items] of await validationRepo.heldItems(mid, run.id))
    stored.set(person, new Set(items));
  const results = new Map<string, Map<string, { applicable: boolean; flagged: boolean }>>();
  for (const x of await validationRepo.resultFlags(mid, run.id)) {
    const m = results.get(x.personId) ?? new Map();
    results.set(x.personId, m);
    m.set(x.difficulty, { applicable: x.applicable, flagged: x.flagged });
  }

  // 利用停止 at once: the population read below leaves out the persons under a
  // stop in force (readPopulation), so their stored results go too and the
  // report is of the others — as 判定一覧 and the dashboard count them. (Without
  // this, any stop recorded after the run made the report refuse to build.)
  for (const p of await stoppedPersons(target.db, mid, run.linkRunId)) {
    results.delete(p);
    stored.delete(p);
  }
  const { population, foreignHouseholds, sources } = await loadRunPopulation(
    target.db,
    mid,
    run.linkRunId,
    run.asOf,
    VALIDATION_ITEMS.flatMap((i) => i.sources),
  );
  const attributes = compileCatalog({ version: "validation", items: VALIDATION_ITEMS }).evaluate(
    population,
    run.asOf,
  );
  if (attributes.children.length !== results.size) {
    throw new MimamoriError(
      "conflict",
      `判定の実行番号 ${run.id} の対象のこども（${results.size} 人）と、名寄せ結果から読み直したこども（${attributes.children.length} 人）が一致しません。判定をやり直してから検証してください。`,
    );
  }
  const catalogIds = rules.catalog.items.map((i) => i.id);
  const indexOf = new Map(catalogIds.map((id, k) => [id, k]));
  const hide = options.withoutCouncilFacts === true;
  const children: ReportChild[] = [];
  const councilHeld: boolean[] = [];
  const childItems: ChildItems[] = [];
  const perChildResults: ReadonlyMap<string, { applicable: boolean; flagged: boolean }>[] = [];
  for (const c of attributes.children) {
    const r = results.get(c.personId);
    if (!r) {
      throw new MimamoriError(
        "conflict",
        `判定の実行番号 ${run.id} にないこども（${c.personId}）が名寄せ結果にあります。判定をやり直してから検証してください。`,
      );
    }
    const held = stored.get(c.personId) ?? new Set<string>();
    if (hide) {
      councilHeld.push(COUNCIL_ONLY_ITEMS.some((id) => held.has(id)));
      for (const id of COUNCIL_ONLY_ITEMS) held.delete(id);
    }
    const holds = new Set<string>(held);
    for (const k of c.items) holds.add(attributes.itemIds[k] as string);
    if (c.householdNo !== null && foreignHouseholds.has(c.householdNo)) holds.add(ATTR.foreign);
    children.push({ personId: c.personId, holds });
    const items = [...held]
      .map((id) => indexOf.get(id))
      .filter((k): k is number => k !== undefined)
      .sort((x, y) => x - y);
    childItems.push({ ...c, items });
    perChildResults.push(r);
  }
  // Without any 要対協 row the register is missing: 虐待 falls back to 一時保護 (report §2.1).
  const registerMissing = !sources.has("yotaikyo");
  const groups = groupDefinitions({ registerMissing });
  if (!hide) {
    return {
      municipality,
      run,
      rules,
      children,
      childItems,
      results: perChildResults,
      groups,
      registerMissing,
      councilHeld,
    };
  }
  const data: RunData = {
    municipality,
    run,
    rules,
    children,
    childItems,
    results: perChildResults,
    // The 虐待 抽出群 is 要対協 registration (or 一時保護): a council fact.
    groups: groups.filter((g) => !g.members.some(isCouncilOnlyItem)),
    registerMissing: false,
    councilHeld,
  };
  return { ...data, results: flagsWithoutCouncil(data) };
}

/**
 * The run's flags as a non-member sees them (as db/run-view.repository.ts
 * computes them for 判定一覧): points and counts scored again without B01/B02
 * (already removed from `childItems`); a model type's flag stands only for a
 * child holding neither (its probability cannot be recomputed without them).
 */
function flagsWithoutCouncil(
  data: RunData,
): ReadonlyMap<string, { applicable: boolean; flagged: boolean }>[] {
  const rules = data.rules;
  const evaluation: Evaluation = {
    asOf: data.run.asOf,
    catalogVersion: rules.catalog.version,
    itemIds: rules.catalog.items.map((i) => i.id),
    children: data.childItems,
    evidence: () => {
      throw new MimamoriError("internal", "検証では根拠を作りません。");
    },
  };
  const scored = scoreEvaluation(evaluation, rules);
  const T = scored.difficulties.length;
  return data.results.map((stored, c) => {
    const out = new Map<string, { applicable: boolean; flagged: boolean }>();
    for (const [d, r] of stored) {
      const type = rules.types.find((x) => x.difficulty === d);
      const t = scored.difficulties.indexOf(d as DifficultyId);
      if (type?.method === "model" || t < 0) {
        out.set(d, { applicable: r.applicable, flagged: r.flagged && !data.councilHeld[c] });
        continue;
      }
      const f = scored.flags[c * T + t] as number;
      out.set(d, { applicable: r.applicable, flagged: r.applicable && (f & FLAGGED) !== 0 });
    }
    return out;
  });
}

/**
 * Each type's rule scored again without the items that define its label, so
 * that the label is not predicted by itself (B01 is worth 2 points in 虐待).
 * Returns per child: score, flagged, applicable.
 */
function rescoreWithout(
  data: RunData,
  g: GroupDefinition,
): { scores: number[]; flagged: boolean[]; applicable: boolean[] } | null {
  const rules = data.rules;
  const itemIds = rules.catalog.items.map((i) => i.id);
  const drop = new Set(
    [...g.defining, ...g.members].map((id) => itemIds.indexOf(id)).filter((k) => k >= 0),
  );
  const evaluation: Evaluation = {
    asOf: data.run.asOf,
    catalogVersion: rules.catalog.version,
    itemIds,
    children: data.childItems.map((c) => ({ ...c, items: c.items.filter((k) => !drop.has(k)) })),
    evidence: () => {
      throw new MimamoriError("internal", "検証では根拠を作りません。");
    },
  };
  const scored = scoreEvaluation(evaluation, rules);
  const t = scored.difficulties.indexOf(g.difficulty as DifficultyId);
  if (t < 0) return null;
  const T = scored.difficulties.length;
  const n = data.childItems.length;
  const scores: number[] = new Array(n);
  const flagged: boolean[] = new Array(n);
  const applicable: boolean[] = new Array(n);
  for (let c = 0; c < n; c++) {
    const f = scored.flags[c * T + t] as number;
    scores[c] = scored.scores[c * T + t] as number;
    flagged[c] = (f & FLAGGED) !== 0;
    applicable[c] = (f & APPLICABLE) !== 0;
  }
  return { scores, flagged, applicable };
}

/**
 * Builds the whole validation report of a run; `loaded` is the run as
 * `loadValidationRun` read it with the same options (read here when not given).
 */
export async function buildValidationReport(
  target: ValidationTarget,
  options: ValidationOptions,
  loaded?: RunData,
): Promise<ValidationReport> {
  const alpha = options.alpha ?? 0.05;
  const data = loaded ?? (await loadValidationRun(target, options));
  const hide = options.withoutCouncilFacts === true;
  const itemIds = data.rules.catalog.items
    .map((i) => i.id)
    .filter((id) => !hide || !isCouncilOnlyItem(id));
  const validation = validateReportItems(data.children, itemIds, data.groups, alpha);

  const capacity = data.rules.capacity;
  // A month's and a year's review capacity (開成町 reviewed ~5 households a month, reference/004).
  const capacities = [capacity.perMonth, capacity.perMonth * 12];
  const rules: ValidationReport["rules"][number][] = [];
  const labelled = data.children.map(() => new Map<string, { label: boolean; flagged: boolean }>());
  for (const g of data.groups) {
    const type = data.rules.types.find((t) => t.enabled && t.difficulty === g.difficulty);
    if (!type) continue;
    const rescored = rescoreWithout(data, g);
    if (!rescored) continue;
    const cases: RuleCase[] = [];
    data.children.forEach((child, i) => {
      const label = groupOf(child, g);
      if (label === null || !rescored.applicable[i]) return;
      const flagged = rescored.flagged[i] as boolean;
      cases.push({ score: rescored.scores[i] as number, flagged, label });
      labelled[i]?.set(g.difficulty, { label, flagged });
    });
    rules.push({
      ...evaluateRule(g.difficulty, cases, capacities, type.method === "model"),
      method: type.method,
      threshold: type.threshold,
      excludedItems: [...new Set([...g.defining, ...g.members])].filter((id) =>
        itemIds.includes(id),
      ),
    });
  }

  const difficulties = data.run.difficulties.filter((d): d is DifficultyId =>
    (DIFFICULTY_IDS as readonly string[]).includes(d),
  );
  const fairnessCases: FairnessCase[] = data.children.map((child, i) => {
    const flagged = new Map<string, boolean>();
    for (const [d, r] of data.results[i] ?? new Map()) if (r.applicable) flagged.set(d, r.flagged);
    return { holds: child.holds, flagged, labelled: labelled[i] ?? new Map() };
  });
  const fairness = fairnessTable(fairnessCases, difficulties, FAIRNESS_GROUPS);
  const fairnessGroupSizes = Object.fromEntries(
    FAIRNESS_GROUPS.map((g) => [g.id, data.children.filter((c) => c.holds.has(g.holds)).length]),
  );

  const runs =
    options.funnelRuns ??
    (await createValidationRepository(target.db).flagCountsPerRun(options.municipalityId));
  const labels = await caseLabels(target, options, data, runs, capacities, hide);
  const funnel = buildFunnel(runs, labels.screening);

  return {
    municipality: data.municipality,
    run: data.run,
    children: data.children.length,
    items: data.rules.catalog.items
      .filter((i) => itemIds.includes(i.id))
      .map((i) => ({ id: i.id, name: i.name })),
    groups: data.groups.map((g) => {
      let size = 0;
      let n = 0;
      for (const c of data.children) {
        const m = groupOf(c, g);
        if (m === null) continue;
        n++;
        if (m) size++;
      }
      return { ...g, size, n };
    }),
    registerMissing: data.registerMissing,
    alpha,
    validation,
    rules,
    capacity,
    funnel,
    fairness,
    fairnessGroupSizes,
    decisionLabels: labels.decisions,
    laterCouncil: labels.laterCouncil,
  };
}

/**
 * The screening workflow's records as labels (issue 13): the funnel's later
 * stages from the case tables, precision at capacity against conference
 * decisions (domain/stats/decision-labels.ts says what counts as positive),
 * and — for a council member's report only — later 要対協 registration.
 * Scores are the reader's: without B01/B02 for a non-member (`childItems`
 * have them removed), so a rank never rests on a council fact.
 */
async function caseLabels(
  target: ValidationTarget,
  options: ValidationOptions,
  data: RunData,
  runs: readonly RunTypeCounts[],
  capacities: readonly number[],
  hide: boolean,
): Promise<{
  screening: ScreeningCounts[];
  decisions: DecisionPrecisionRow[];
  laterCouncil: { laterRuns: number; rows: LaterCouncilRow[] } | null;
}> {
  const mid = options.municipalityId;
  const repo = createCaseLabelRepository(target.db);
  const [withLists, counts, decided] = await Promise.all([
    repo.runsWithLists(mid),
    repo.screeningCounts(mid, !hide),
    repo.decisionLabels(mid, data.run.id, !hide),
  ]);
  // A run with a list records every type's stages (0 when nobody); others stay 未記録.
  const listed = new Set(withLists);
  const byKey = new Map(counts.map((c) => [`${c.runId}\u0000${c.difficulty}`, c]));
  const screening: ScreeningCounts[] = runs
    .filter((r) => listed.has(r.runId))
    .map((r) => {
      const c = byKey.get(`${r.runId}\u0000${r.difficulty}`);
      const outcomes = { 要支援: 0, 調査継続: 0, 経過観察: 0, 支援不要: 0 };
      if (c)
        for (const [d, n] of Object.entries(c.decisions))
          outcomes[OUTCOME_OF[d as keyof typeof OUTCOME_OF]] = n;
      return {
        runId: r.runId,
        difficulty: r.difficulty,
        selected: c?.selected ?? 0,
        outcomes,
        supportStarted: c?.supportStarted ?? 0,
      };
    });

  // The run's scores as the reader sees them.
  const rules = data.rules;
  const scored = scoreEvaluation(
    {
      asOf: data.run.asOf,
      catalogVersion: rules.catalog.version,
      itemIds: rules.catalog.items.map((i) => i.id),
      children: data.childItems,
      evidence: () => {
        throw new MimamoriError("internal", "検証では根拠を作りません。");
      },
    },
    rules,
  );
  const T = scored.difficulties.length;
  const childrenOf = (d: string): ScoredChild[] => {
    const t = scored.difficulties.indexOf(d as DifficultyId);
    if (t < 0) return [];
    const out: ScoredChild[] = [];
    data.children.forEach((c, i) => {
      const r = data.results[i]?.get(d);
      if (!r?.applicable) return;
      out.push({
        personId: c.personId,
        score: scored.scores[i * T + t] as number,
        flagged: r.flagged,
      });
    });
    return out;
  };
  const types = data.run.difficulties;
  const decisionsOf = new Map<string, Map<string, (typeof decided)[number]["decision"]>>();
  for (const x of decided) {
    const m = decisionsOf.get(x.difficulty) ?? new Map();
    decisionsOf.set(x.difficulty, m);
    m.set(x.personId, x.decision);
  }
  const decisions = types.map((d) =>
    decisionPrecision(d, childrenOf(d), decisionsOf.get(d) ?? new Map(), capacities),
  );

  let laterCouncil: { laterRuns: number; rows: LaterCouncilRow[] } | null = null;
  if (!hide) {
    const l = await repo.laterCouncil(mid, data.run.id);
    const held = new Set(l.heldAtRun);
    const later = new Set(l.later);
    laterCouncil = {
      laterRuns: l.laterRuns,
      rows: types.map((d) => laterCouncilRow(d, childrenOf(d), held, later)),
    };
  }
  return { screening, decisions, laterCouncil };
}

/** The aggregate export of a run: 2×2 counts per item × type, suppressed (aggregate.ts). */
export async function buildAggregateExport(
  target: ValidationTarget,
  options: ValidationOptions & { readonly minCell?: number },
): Promise<{ run: ScoreRunSummaryRow; rows: AggregateRow[]; csv: string; suppressed: number }> {
  const data = await loadValidationRun(target, options);
  const itemIds = data.rules.catalog.items.map((i) => i.id);
  const counts = countItemTables(data.children, itemIds, data.groups);
  const rows = toAggregateRows(data.municipality, counts, {
    k: options.minCell ?? DEFAULT_SUPPRESSION_K,
  });
  const suppressed = rows.filter(
    (r) => r.a === null || r.b === null || r.c === null || r.d === null,
  ).length;
  return { run: data.run, rows, csv: formatAggregateCsv(rows), suppressed };
}

/** Appends the audit entry of a report or export: ids and counts only (db/README.md). */
export async function auditValidation(
  db: Database,
  municipalityId: number,
  action: "stats.validate" | "stats.export",
  runId: number,
  detail: Record<string, number | string>,
): Promise<void> {
  await createAuditRepository(db).append({
    municipalityId,
    actorUserId: null,
    actor: "cli",
    action,
    target: `score_run:${runId}`,
    detail,
  });
}

/**
 * Writes the report's CSV files and `report.html` into `dir` (created when
 * missing). Each file goes to a temporary name first and is renamed into
 * place, so no file is ever half-written. Returns the file names.
 */
export function writeValidationReport(dir: string, report: ValidationReport): string[] {
  const files: Record<string, string> = {
    ...validationCsvFiles(report),
    "report.html": validationHtml(report),
  };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new MimamoriError(
      "invalid_input",
      `出力フォルダ「${dir}」を作れません。パスと権限を確認してください。`,
      [],
      e,
    );
  }
  for (const [name, text] of Object.entries(files)) writeFileAtomically(join(dir, name), text);
  return Object.keys(files);
}
