/**
 * The scoring stage of a monthly run (issue 6): take the newest 名寄せ run,
 * build every person's facts from its linked rows (pure: domain/items/
 * build-facts.ts), evaluate the data items and score every child with the
 * rule version in force on the as-of date (pure: domain/scoring), and store
 * the run — rule version, linkage run, snapshots, as-of date and code version
 * — with the items that held (evidence as data) and the scores, in one
 * transaction. This module only moves data in and out.
 */
import { createRequire } from "node:module";
import { createAuditRepository } from "../db/audit.repository.ts";
import { createCorrectionRepository, rowKey } from "../db/correction.repository.ts";
import type { Database } from "../db/database.ts";
import { createLinkageRepository } from "../db/linkage.repository.ts";
import { createRightsRepository } from "../db/rights.repository.ts";
import {
  createScoringRepository,
  type ItemToStore,
  type LinkedStoredRow,
  type PersonFactsRow,
  type ResultToStore,
  type StoredRuleVersion,
  saveScoreRun,
} from "../db/scoring.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import {
  type BuildReport,
  populationBuilder,
  RESIDENCE_COLUMNS,
} from "../domain/items/build-facts.ts";
import type { Sources } from "../domain/layouts.ts";
import type { PersonId } from "../domain/linkage/types.ts";
import { type CapacityPlan, planCapacity } from "../domain/scoring/capacity.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "../domain/scoring/difficulties.ts";
import {
  type LabelSpec,
  type ModelCard,
  type ModelKind,
  trainModel,
} from "../domain/scoring/model.ts";
import { parseRuleSet } from "../domain/scoring/rule-schema.ts";
import { DEFAULT_RULE_SET, type RuleSet } from "../domain/scoring/rules.ts";
import {
  APPLICABLE,
  type Decision,
  evaluateForScoring,
  excludedBy,
  FLAGGED,
  runScoring,
  scoreEvaluation,
  storeOrder,
} from "../domain/scoring/score.ts";
import { ruleVersionAt } from "../domain/scoring/versions.ts";
import type { IsoDate } from "../domain/types.ts";
import type { Sex } from "../domain/values.ts";
import { loadSources } from "./sources.ts";
import type { StageReporter } from "./stages.ts";

export interface ScoreTarget {
  readonly db: Database;
  readonly url: string;
}

export interface ScoreRunOptions {
  readonly municipalityId: number;
  /** Default: the as-of date of the newest 名寄せ run. */
  readonly asOf?: IsoDate;
  /** A rule version label; default: the version in force on the as-of date. */
  readonly ruleVersion?: string;
  /** Earlier conference decisions (from the screening workflow, when it exists). */
  readonly decisions?: readonly Decision[];
  readonly actor: { readonly userId: number | null; readonly loginName: string };
  /** Wall clock for stage times (the domain never reads the time itself). */
  readonly clock?: () => number;
  /**
   * Score this 名寄せ run (default: the newest completed one). The monthly run
   * passes the run it has just written, before publishing both (pipeline/run.ts).
   */
  readonly linkRunId?: number;
  /** Told when each stage (evaluate, score, store_scores) begins and ends. */
  readonly progress?: StageReporter;
  /** Store the run unpublished (pipeline/run.ts publishes it). */
  readonly pending?: boolean;
}

export interface ScoreRunSummary {
  readonly runId: number;
  readonly linkRunId: number;
  readonly asOf: IsoDate;
  readonly ruleVersion: string;
  readonly catalogVersion: string;
  readonly codeVersion: string;
  readonly persons: number;
  readonly children: number;
  /** Item results stored (person × item that holds). */
  readonly items: number;
  /** Per enabled type: children flagged, and of those not excluded (the review list). */
  readonly flagged: Readonly<Record<string, number>>;
  readonly listed: Readonly<Record<string, number>>;
  readonly attribution: BuildReport;
  /**
   * Per enabled type: how many children / 世帯 each threshold would list
   * against the rule set's monthly review capacity (also stored in
   * score_run.stats.capacity).
   */
  readonly capacity: readonly CapacityPlan[];
  readonly timings: Readonly<Record<string, number>>;
}

/** Label and date of the default rule set when a municipality has stored none. */
const DEFAULT_EFFECTIVE_FROM = "1900-01-01" as IsoDate;

/** `mimamori <version>` from package.json: stored with every run. */
export function codeVersion(): string {
  const pkg = createRequire(import.meta.url)("../../package.json") as { version?: string };
  return `mimamori ${pkg.version ?? "unknown"}`;
}

/**
 * Stores a new rule version after checking it (every problem listed at
 * once); the label must be new. Audited as `rules.version`.
 */
export async function saveRuleVersion(
  db: Database,
  municipalityId: number,
  v: { label?: string; effectiveFrom: IsoDate; note: string; rules: unknown },
  actor: { userId: number | null; loginName: string },
): Promise<number> {
  const rules = parseRuleSet(v.rules, await loadSources(db, municipalityId));
  const label = v.label ?? rules.version;
  const repo = createScoringRepository(db);
  const existing = await repo.listRuleVersions(municipalityId);
  if (existing.some((x) => x.label === label)) {
    throw new MimamoriError(
      "conflict",
      `規則の版「${label}」はすでにあります。version を変えて登録してください。`,
    );
  }
  const id = await repo.insertRuleVersion(
    municipalityId,
    { label, effectiveFrom: v.effectiveFrom, note: v.note, rules },
    actor.loginName,
  );
  await createAuditRepository(db).append({
    municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "rules.version",
    target: `rule_version:${id}`,
    detail: { label, effectiveFrom: v.effectiveFrom, types: rules.types.length },
  });
  return id;
}

/** The stored version to use: by label, else the one in force (storing the default on first use). */
export async function chooseRuleVersion(
  db: Database,
  municipalityId: number,
  asOf: IsoDate,
  label: string | undefined,
  actor: { userId: number | null; loginName: string },
): Promise<StoredRuleVersion> {
  const repo = createScoringRepository(db);
  let versions = await repo.listRuleVersions(municipalityId);
  if (label !== undefined) {
    const v = versions.find((x) => x.label === label);
    if (!v) {
      throw new MimamoriError(
        "not_found",
        `規則の版「${label}」がありません。`,
        versions.length > 0 ? [`登録済みの版: ${versions.map((x) => x.label).join("、")}`] : [],
      );
    }
    return v;
  }
  if (versions.length === 0) {
    await saveRuleVersion(
      db,
      municipalityId,
      {
        effectiveFrom: DEFAULT_EFFECTIVE_FROM,
        note: "既定の規則（2024年度実証の関連性の表から作成、docs/scoring.md）",
        rules: DEFAULT_RULE_SET,
      },
      actor,
    );
    versions = await repo.listRuleVersions(municipalityId);
  }
  const chosen = ruleVersionAt(
    versions.map((v) => ({
      id: v.label,
      effectiveFrom: v.effectiveFrom,
      note: v.note,
      rules: v.rules,
    })),
    asOf,
  );
  return versions.find((v) => v.label === chosen.id) as StoredRuleVersion;
}

export interface ReadPopulationOptions {
  /**
   * Read only the rows of these sources (default: every source). The
   * validation report needs a few sources' items and jumin; reading every row
   * of a city is most of its time.
   */
  readonly sources?: readonly string[];
  /** Sees every row read, for a caller that keeps something the facts drop. */
  readonly onRow?: (row: LinkedStoredRow) => void;
  /** The municipality's sources (default: read from the database, pipeline/sources.ts). */
  readonly declared?: Sources;
}

/**
 * Every person of a 名寄せ run with the rows linked to them, as evaluation
 * input (PersonFacts). 妊婦/産婦健診 rows go to the child (twins: children) of
 * that pregnancy as the run stored it (link_mother_child, written by
 * `mimamori run` with domain/linkage/mother-child.ts): the one attribution
 * the scoring stage and the validation report share. A mother row with no
 * stored child attributes to nobody (counted unattributed). The scoring
 * stage and pipeline/validation-population.ts both read through here.
 */
export async function readPopulation(
  db: Database,
  mid: number,
  linkRunId: number,
  options: ReadPopulationOptions = {},
) {
  const scoring = createScoringRepository(db);
  // 利用停止 (db/rights.repository.ts): stopped persons and their rows are left out of the run;
  // a stop matches the person id or any 宛名番号 it recorded (it survives a relink).
  const stops = await createRightsRepository(db).stoppedKeys(mid);
  const linked: PersonFactsRow[] = [];
  for await (const batch of scoring.streamPersonFacts(mid, linkRunId)) linked.push(...batch);
  const stopped = new Set(
    linked
      .filter(
        (p) =>
          stops.personIds.has(p.personId) || p.residentNos.some((r) => stops.residentNos.has(r)),
      )
      .map((p) => p.personId),
  );
  // 訂正 (db/correction.repository.ts): corrected cells replace the stored ones, rows unchanged.
  // The database's time just before they are read goes into the run's stats
  // (`correctionsReadAt`): the child view shows a correction made before it
  // as applied by the run, one made after as pending (issue 11).
  const correctionRepo = createCorrectionRepository(db);
  const correctionsReadAt = await correctionRepo.readTime();
  const corrections = await correctionRepo.inForce(mid);
  const persons = linked
    .filter((p) => !stopped.has(p.personId))
    .map((p) => ({
      personId: p.personId as PersonId,
      residentNos: p.residentNos,
      birthDate: p.birthDate as IsoDate | null,
      sex: (p.sex === "male" || p.sex === "female" || p.sex === "unknown"
        ? p.sex
        : null) as Sex | null,
    }));
  // The children of each 妊婦/産婦健診 row, by snapshot then row number (numbers: no key
  // text made per row, here or in the loop below).
  const childrenOf = new Map<number, Map<number, PersonId[]>>();
  for await (const batch of scoring.streamMotherChildren(mid, linkRunId))
    for (const l of batch) {
      let rows = childrenOf.get(l.snapshotId);
      if (rows === undefined) {
        rows = new Map();
        childrenOf.set(l.snapshotId, rows);
      }
      const children = rows.get(l.rowNo);
      if (children === undefined) rows.set(l.rowNo, [l.childPersonId as PersonId]);
      else children.push(l.childPersonId as PersonId);
    }
  const declared = options.declared ?? (await loadSources(db, mid));
  // Streamed: each page's rows go straight into the population (no second copy of every row).
  const builder = populationBuilder(persons, declared);
  // 住基 rows become residence periods (five columns): the rest of their JSON is not parsed,
  // unless a caller sees every row (onRow).
  const stream = scoring.streamLinkedRows(mid, linkRunId, {
    sources: options.sources,
    ...(options.onRow === undefined ? { columnsOf: new Map([["jumin", RESIDENCE_COLUMNS]]) } : {}),
  });
  // Per row (3.1 M on metro) only what applies: no key text for corrections or stops
  // when the municipality has none.
  const anyStopped = stopped.size > 0;
  const anyCorrected = corrections.size > 0;
  const onRow = options.onRow;
  for await (const page of stream) {
    for (const r of page) {
      if (anyStopped && r.personId !== null && stopped.has(r.personId)) continue;
      onRow?.(r);
      const values = anyCorrected
        ? corrected(r.data, corrections.get(rowKey(r.snapshotId, r.rowNo)))
        : r.data;
      if (declared.motherSources.has(r.sourceId)) {
        const children = childrenOf.get(r.snapshotId)?.get(r.rowNo) ?? [];
        builder.add({
          source: r.sourceId,
          file: r.fileName,
          row: r.rowNo,
          asOf: r.asOf,
          values,
          personId: r.personId as PersonId | null,
          children: anyStopped ? children.filter((c) => !stopped.has(c)) : children,
        });
      } else
        builder.add({
          source: r.sourceId,
          file: r.fileName,
          row: r.rowNo,
          asOf: r.asOf,
          values,
          personId: r.personId as PersonId | null,
        });
    }
  }
  const { population, report } = builder.finish();
  return { persons, population, report, sources: declared, correctionsReadAt };
}

const corrected = <T extends object>(data: T, overlay: object | undefined): T =>
  overlay === undefined ? data : { ...data, ...overlay };

/** Evaluates and scores every child of the newest 名寄せ run and stores the run. */
export async function scoreRun(
  target: ScoreTarget,
  options: ScoreRunOptions,
): Promise<ScoreRunSummary> {
  const clock = options.clock ?? (() => 0);
  const progress = options.progress;
  await progress?.enter("evaluate");
  const t0 = clock();
  const mid = options.municipalityId;
  const linkage = createLinkageRepository(target.db);
  const link =
    options.linkRunId === undefined
      ? await linkage.latestRun(mid)
      : await linkage.runById(mid, options.linkRunId);
  if (!link) {
    throw new MimamoriError(
      "not_found",
      "名寄せの結果がありません。先に mimamori run でデータを名寄せしてください。",
    );
  }
  const asOf = options.asOf ?? link.asOf;
  const stored = await chooseRuleVersion(target.db, mid, asOf, options.ruleVersion, options.actor);
  const sources = await loadSources(target.db, mid);
  // Stored JSON is checked again: a version edited in the database must not run half-valid.
  const rules: RuleSet = parseRuleSet(stored.rules, sources);

  const { persons, population, report, correctionsReadAt } = await readPopulation(
    target.db,
    mid,
    link.id,
    { declared: sources },
  );
  const tRead = clock();

  // Evaluation and scoring are two stages of progress; together they are runScoring.
  const { evaluation, filters } = evaluateForScoring(population, rules, asOf);
  await progress?.done("evaluate", {
    persons: persons.length,
    children: evaluation.children.length,
    items: evaluation.children.reduce((n, c) => n + c.items.length, 0),
  });
  await progress?.enter("score");
  const run = scoreEvaluation(evaluation, rules, {
    decisions: options.decisions ?? [],
    filters,
  });
  const capacity = planCapacity(run, rules);
  const tScore = clock();
  {
    let flaggedTotal = 0;
    for (let i = 0; i < run.flags.length; i++)
      if (((run.flags[i] as number) & FLAGGED) !== 0) flaggedTotal++;
    await progress?.done("score", { children: run.children.length, flagged: flaggedTotal });
  }
  await progress?.enter("store_scores");

  const T = run.difficulties.length;
  const flagged: Record<string, number> = {};
  const listed: Record<string, number> = {};
  for (const d of run.difficulties) {
    flagged[d] = 0;
    listed[d] = 0;
  }
  let itemCount = 0;
  const items = function* (): Generator<ItemToStore> {
    for (const child of run.children) {
      for (const k of child.items) {
        itemCount++;
        yield {
          personId: child.personId,
          itemId: run.evaluation.itemIds[k] as string,
          evidence: run.evaluation.evidence(child, k),
        };
      }
    }
  };
  // Type by type in the review index's order (storeOrder: PostgreSQL builds that index from
  // presorted input); which rows are stored does not depend on it.
  const results = function* (): Generator<ResultToStore> {
    for (let t = 0; t < T; t++) {
      for (const c of storeOrder(run, t)) {
        const child = run.children[c] as (typeof run.children)[number];
        const f = run.flags[c * T + t] as number;
        const isFlagged = (f & FLAGGED) !== 0;
        const reasons = excludedBy(run, c, t);
        const d = run.difficulties[t] as DifficultyId;
        if (isFlagged) {
          flagged[d] = (flagged[d] ?? 0) + 1;
          if (reasons.length === 0) listed[d] = (listed[d] ?? 0) + 1;
        }
        yield {
          personId: child.personId,
          typeIndex: t,
          difficulty: d,
          applicable: (f & APPLICABLE) !== 0,
          score: run.scores[c * T + t] as number,
          threshold: run.thresholds[t] as number,
          flagged: isFlagged,
          totalPoints: child.items.length,
          excludedBy: reasons,
        };
      }
    }
  };
  const version = codeVersion();
  const stats = {
    persons: persons.length,
    children: run.children.length,
    attribution: report,
    decisions: options.decisions?.length ?? 0,
    correctionsReadAt,
    // Capacity planning as the run saw it (issue 6: which threshold fits the review capacity).
    capacity: capacity.map((c) => ({
      difficulty: c.difficulty,
      currentThreshold: c.currentThreshold,
      current: c.current,
      recommended: c.recommended,
      monthsToReview: Number.isFinite(c.monthsToReview) ? c.monthsToReview : null,
      levels: c.levels,
      summary: c.summary,
    })),
  };
  const runId = await saveScoreRun(target.url, {
    municipalityId: mid,
    linkRunId: link.id,
    ruleVersionId: stored.id,
    asOf,
    snapshotIds: link.snapshotIds,
    codeVersion: version,
    catalogVersion: rules.catalog.version,
    difficulties: run.difficulties,
    stats,
    actor: options.actor.loginName,
    pending: options.pending === true,
    items: items(),
    results: results(),
  });
  const tStore = clock();
  await progress?.done("store_scores", { items: itemCount, results: run.children.length * T });
  // Ids and counts only: never names or resident numbers in the audit log (db/README.md).
  await createAuditRepository(target.db).append({
    municipalityId: mid,
    actorUserId: options.actor.userId,
    actor: options.actor.loginName,
    action: "run.score",
    target: `score_run:${runId}`,
    detail: {
      asOf,
      linkRunId: link.id,
      ruleVersion: stored.label,
      codeVersion: version,
      children: run.children.length,
      items: itemCount,
      flagged,
      listed,
    },
  });
  return {
    runId,
    linkRunId: link.id,
    asOf,
    ruleVersion: stored.label,
    catalogVersion: rules.catalog.version,
    codeVersion: version,
    persons: persons.length,
    children: run.children.length,
    items: itemCount,
    flagged,
    listed,
    attribution: report,
    capacity,
    timings: { read: tRead - t0, score: tScore - tRead, store: tStore - tScore },
  };
}

/** The run's summary as Japanese lines for the CLI. */
export function formatScoreSummary(s: ScoreRunSummary): string[] {
  const n = (x: number) => x.toLocaleString("ja-JP");
  const sec = (ms: number) => (ms / 1000).toFixed(1);
  const perType = Object.keys(s.flagged).map(
    (d) =>
      `  ${DIFFICULTY_NAMES[d as DifficultyId] ?? d}: 基準以上 ${n(s.flagged[d] ?? 0)} 人（支援中・確認済みを除く ${n(s.listed[d] ?? 0)} 人）`,
  );
  return [
    `判定（基準日 ${s.asOf}、実行番号 ${s.runId}、規則 ${s.ruleVersion}、名寄せ実行番号 ${s.linkRunId}）`,
    `  対象のこども（0〜18歳の住民）${n(s.children)} 人、該当したデータ項目 ${n(s.items)} 件`,
    ...perType,
    `  どの人にも結び付かなかった行: ${n(s.attribution.unattributed)} 行`,
    ...(s.capacity.length > 0
      ? ["確認できる件数との比較（規則の capacity）:", ...s.capacity.map((c) => `  ${c.summary}`)]
      : []),
    `  所要時間: 読込 ${sec(s.timings.read ?? 0)} 秒、判定 ${sec(s.timings.score ?? 0)} 秒、保存 ${sec(s.timings.store ?? 0)} 秒`,
  ];
}

export interface TrainModelOptions {
  readonly municipalityId: number;
  readonly difficulty: DifficultyId;
  readonly kind: ModelKind;
  /** The label: an item (e.g. B01 要対協登録 for abuse) or the municipality's own list of children. */
  readonly label: LabelSpec;
  /** Person ids of the positive children, for an `external` label. */
  readonly positives?: readonly string[];
  /** Default: the as-of date of the newest 名寄せ run. */
  readonly asOf?: IsoDate;
  /** Label of the new rule version (must be new) and the date it takes effect. */
  readonly versionLabel: string;
  readonly effectiveFrom: IsoDate;
  /**
   * Switch the type to `method: "model"` with this threshold (a probability,
   * 0–1). Without it the card is only stored with the version: children are
   * scored by a model only when the municipality switches the type (issue 6).
   */
  readonly switchToModel?: { readonly threshold: number };
  readonly actor: { readonly userId: number | null; readonly loginName: string };
  /** Items that may be features (default: all); the label's item is removed in any case. */
  readonly features?: readonly string[];
}

/** A model trained but not yet saved: the card and the version it was trained under. */
export interface TrainedTypeModel {
  readonly card: ModelCard;
  readonly base: StoredRuleVersion;
  readonly rules: RuleSet;
  readonly asOf: IsoDate;
}

/**
 * Trains an explainable model for one difficulty type on the newest 名寄せ
 * run (items evaluated with the rule version in force on the as-of date;
 * domain/scoring/model.ts: the label's own item is never a feature, k-fold
 * AUC and precision at the review capacity) without saving anything — what
 * the models page shows before the municipality decides to switch.
 */
export async function trainTypeModel(
  db: Database,
  options: Omit<TrainModelOptions, "versionLabel" | "effectiveFrom" | "switchToModel">,
): Promise<TrainedTypeModel> {
  const mid = options.municipalityId;
  const link = await createLinkageRepository(db).latestRun(mid);
  if (!link) {
    throw new MimamoriError(
      "not_found",
      "名寄せの結果がありません。先に mimamori run でデータを名寄せしてください。",
    );
  }
  const asOf = options.asOf ?? link.asOf;
  const stored = await chooseRuleVersion(db, mid, asOf, undefined, options.actor);
  const sources = await loadSources(db, mid);
  const rules = parseRuleSet(stored.rules, sources);
  if (!rules.types.some((t) => t.difficulty === options.difficulty)) {
    throw new MimamoriError(
      "invalid_input",
      `規則の版「${stored.label}」に困難の種類「${options.difficulty}」がありません。`,
    );
  }
  const { population } = await readPopulation(db, mid, link.id, { declared: sources });
  const evaluation = runScoring(population, rules, asOf).evaluation;
  const card = trainModel(evaluation, {
    difficulty: options.difficulty,
    kind: options.kind,
    label: options.label,
    ...(options.positives ? { positives: new Set(options.positives as PersonId[]) } : {}),
    ...(options.features
      ? { features: evaluation.itemIds.filter((i) => options.features?.includes(i)) }
      : {}),
    capacity: rules.capacity.perMonth,
  });
  return { card, base: stored, rules, asOf };
}

/**
 * Trains a model (trainTypeModel) and stores a new rule version carrying the
 * model card. Audited through `saveRuleVersion` (`rules.version`).
 */
export async function trainModelVersion(
  target: ScoreTarget,
  options: TrainModelOptions,
): Promise<{ readonly versionId: number; readonly card: ModelCard }> {
  const mid = options.municipalityId;
  const { card, base: stored, rules, asOf } = await trainTypeModel(target.db, options);
  const next: RuleSet = {
    ...rules,
    version: options.versionLabel,
    types: rules.types.map((t) =>
      t.difficulty !== options.difficulty
        ? t
        : {
            ...t,
            model: card,
            ...(options.switchToModel
              ? { method: "model" as const, threshold: options.switchToModel.threshold }
              : {}),
          },
    ),
  };
  const versionId = await saveRuleVersion(
    target.db,
    mid,
    {
      label: options.versionLabel,
      effectiveFrom: options.effectiveFrom,
      note: `${DIFFICULTY_NAMES[options.difficulty]}のモデル（${options.kind === "logistic" ? "ロジスティック回帰" : "決定木"}）を ${asOf} 時点のデータで学習（元の版 ${stored.label}）`,
      rules: next,
    },
    options.actor,
  );
  return { versionId, card };
}
