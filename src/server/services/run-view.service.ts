/**
 * The run views behind the dashboard, 判定一覧, ルール詳細 and their export
 * (issue 11): finds the run (with its rules), makes sure its child index is
 * written, turns a validated query into the repository's filter and applies
 * the 要対協 rule to what is named (items, filter, exclusion reasons).
 * Every count and row comes from SQL (db/run-view.repository.ts).
 */
import { sql } from "kysely";
import { feedCacheOf } from "../../db/change-bus.ts";
import { stoppedPersons } from "../../db/child.repository.ts";
import type { Database } from "../../db/database.ts";
import {
  createRunViewRepository,
  type ListFilter,
  type RunForView,
} from "../../db/run-view.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { COUNCIL_ONLY_ITEMS, type DataScope } from "../../domain/policy/index.ts";
import { DIFFICULTY_NAMES, isDifficultyId } from "../../domain/scoring/difficulties.ts";
import {
  conditionItems,
  formatItemCondition,
  parseItemCondition,
} from "../../domain/scoring/item-filter.ts";
import type { RuleSet } from "../../domain/scoring/rules.ts";
import { loadSources } from "../../pipeline/sources.ts";

export interface LoadedRun extends RunForView {
  readonly ruleVersion: string;
  readonly createdAt: Date;
  readonly stats: Record<string, unknown>;
  /** The run's child index (score_child) is written (ensureChildIndex). */
  readonly childrenIndexed: boolean;
}

/** The default age (months) after which a source's newest 抽出日 is shown as stale. */
export const DEFAULT_FRESHNESS_MONTHS = 3;
export const FRESHNESS_SETTING = "freshness_months";

/**
 * Completed runs as loaded, per database and municipality: a completed run and
 * its rule version never change, and reading the rule set (catalog, types,
 * model cards) on every request of 50 users cost more than the list itself.
 */
const runCache = new WeakMap<Database, Map<string, LoadedRun>>();

/** A completed run by id or the newest ("latest"); undefined when there is none. */
function runHeadCacheOf(db: Database) {
  return feedCacheOf<{ id: number; indexed: boolean } | null>(db, "run-view-head", {
    topics: ["score_run"],
    capacity: 1_000,
  });
}

export async function findRun(
  db: Database,
  municipalityId: number,
  runId: string,
): Promise<LoadedRun | undefined> {
  // Which run (and whether its child index is written): kept per
  // municipality and asked-for run, cleared by any score_run change
  // (db/change-bus.ts), used only while the change feed listens.
  const h = await runHeadCacheOf(db).get(`${municipalityId}:${runId}`, async () => {
    const head = await sql<{ id: number; indexed: boolean }>`
      SELECT id, children_indexed_at IS NOT NULL AS indexed FROM score_run
      WHERE municipality_id = ${municipalityId} AND completed_at IS NOT NULL
        ${runId === "latest" ? sql`` : sql`AND id = ${Number(runId)}`}
      ORDER BY id DESC LIMIT 1`.execute(db);
    return head.rows[0] ?? null;
  });
  if (!h) return undefined;
  let perDb = runCache.get(db);
  if (!perDb) {
    perDb = new Map();
    runCache.set(db, perDb);
  }
  const key = `${municipalityId}:${h.id}`;
  const cached = perDb.get(key);
  if (cached) return { ...cached, childrenIndexed: h.indexed };
  const r = await sql<{
    id: number;
    link_run_id: number;
    as_of: string;
    difficulties: string[];
    snapshot_ids: number[];
    rules: RuleSet;
    label: string;
    created_at: Date;
    stats: Record<string, unknown>;
  }>`
    SELECT s.id, s.link_run_id, to_char(s.as_of, 'YYYY-MM-DD') AS as_of, s.difficulties,
           s.snapshot_ids, v.rules, v.label, s.created_at, s.stats
    FROM score_run s JOIN rule_version v ON v.id = s.rule_version_id
    WHERE s.municipality_id = ${municipalityId} AND s.id = ${h.id}`.execute(db);
  const x = r.rows[0];
  if (!x) return undefined;
  const run: LoadedRun = {
    id: x.id,
    linkRunId: x.link_run_id,
    asOf: x.as_of,
    difficulties: x.difficulties,
    snapshotIds: x.snapshot_ids,
    rules: x.rules,
    ruleVersion: x.label,
    createdAt: x.created_at,
    stats: x.stats ?? {},
    childrenIndexed: h.indexed,
  };
  perDb.set(key, run);
  if (perDb.size > 32) perDb.delete(perDb.keys().next().value as string);
  return run;
}

/** The run's child index (age, 所属, 学年, 世帯) written on first use. */
export async function ensureChildIndex(
  db: Database,
  municipalityId: number,
  run: RunForView & { readonly childrenIndexed?: boolean },
) {
  // Written once per run: no lock, no source definitions read on later requests.
  if (run.childrenIndexed) return;
  const sources = await loadSources(db, municipalityId);
  const cols: { source: string; column: string; grade: string | null }[] = [];
  for (const l of sources.layouts) {
    if (l.roles.school)
      cols.push({ source: l.id, column: l.roles.school, grade: l.roles.grade ?? null });
  }
  // Nurseries: 保育所・幼稚園在籍's 施設名 (no school role: it is a free-text facility name).
  const hoiku = sources.find("hoiku_zaiseki");
  if (hoiku?.columns.some((c) => c.name === "施設名"))
    cols.push({ source: "hoiku_zaiseki", column: "施設名", grade: null });
  await createRunViewRepository(db).ensureChildIndex(municipalityId, run, cols);
}

export function runInfo(run: LoadedRun) {
  return {
    id: run.id,
    asOf: run.asOf,
    ruleVersion: run.ruleVersion,
    createdAt: run.createdAt.toISOString(),
    difficulties: run.difficulties.map((d) => ({
      id: d,
      name: isDifficultyId(d) ? DIFFICULTY_NAMES[d] : d,
    })),
  };
}

/** Items of the catalog the reader may see, by id → name. */
export function visibleItems(scope: DataScope, run: RunForView): Map<string, string> {
  return new Map(
    run.rules.catalog.items
      .filter((i) => scope.council || !COUNCIL_ONLY_ITEMS.includes(i.id))
      .map((i) => [i.id, i.name]),
  );
}

export interface FilterQuery {
  type?: string | undefined;
  flagged?: "yes" | "no" | undefined;
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  affiliation?: string | undefined;
  grade?: string | undefined;
  ageMin?: number | undefined;
  ageMax?: number | undefined;
  items?: string | undefined;
  supported?: "yes" | "no" | undefined;
}

/**
 * The repository filter of a query, and its audit form (conditions only, no
 * names). A condition naming B01/B02 is refused for non-members; an item id
 * not in the catalog is refused (a typo would otherwise match nobody silently).
 */
export function buildFilter(
  scope: DataScope,
  run: RunForView,
  q: FilterQuery,
): { filter: ListFilter; type: string; audit: Record<string, unknown> } {
  const type = q.type ?? run.difficulties[0];
  const typeIndex = type === undefined ? -1 : run.difficulties.indexOf(type);
  if (type === undefined || typeIndex < 0)
    throw new MimamoriError(
      "invalid_input",
      "この実行ではその困難の類型を判定していません。類型を選び直してください。",
    );
  const items = q.items?.trim() ? parseItemCondition(q.items) : undefined;
  if (items) {
    const named = conditionItems(items);
    if (!scope.council && named.some((i) => COUNCIL_ONLY_ITEMS.includes(i)))
      throw new MimamoriError(
        "forbidden",
        "要対協の項目（B01・B02）で絞り込めるのは要対協の構成員だけです。条件から外してください。",
      );
    const known = visibleItems(scope, run);
    const unknown = named.filter((i) => !known.has(i));
    if (unknown.length)
      throw new MimamoriError(
        "invalid_input",
        `データ項目 ${unknown.join("・")} はありません。項目の一覧から選んでください。`,
      );
  }
  const filter: ListFilter = {
    typeIndex,
    ...(q.flagged ? { flagged: q.flagged === "yes" } : {}),
    ...(q.scoreMin !== undefined ? { scoreMin: q.scoreMin } : {}),
    ...(q.scoreMax !== undefined ? { scoreMax: q.scoreMax } : {}),
    ...(q.affiliation ? { affiliation: q.affiliation } : {}),
    ...(q.grade ? { grade: q.grade } : {}),
    ...(q.ageMin !== undefined ? { ageMin: q.ageMin } : {}),
    ...(q.ageMax !== undefined ? { ageMax: q.ageMax } : {}),
    ...(items ? { items } : {}),
    ...(q.supported ? { supported: q.supported === "yes" } : {}),
  };
  const audit: Record<string, unknown> = {
    type,
    ...(q.flagged ? { flagged: q.flagged } : {}),
    ...(q.scoreMin !== undefined ? { scoreMin: q.scoreMin } : {}),
    ...(q.scoreMax !== undefined ? { scoreMax: q.scoreMax } : {}),
    // 所属 and 学年 are organisation facts, not personal data.
    ...(q.affiliation ? { affiliation: q.affiliation } : {}),
    ...(q.grade ? { grade: q.grade } : {}),
    ...(q.ageMin !== undefined ? { ageMin: q.ageMin } : {}),
    ...(q.ageMax !== undefined ? { ageMax: q.ageMax } : {}),
    ...(items ? { items: formatItemCondition(items) } : {}),
    ...(q.supported ? { supported: q.supported } : {}),
  };
  return { filter, type, audit };
}

/**
 * The filter with the persons under a 利用停止 in force left out (issue 11:
 * from the moment the stop is recorded, not from the next run). Their ids
 * come from a small cached read (child.repository.ts stoppedPersons).
 */
export async function withUsageStops(
  db: Database,
  municipalityId: number,
  run: RunForView,
  filter: ListFilter,
): Promise<ListFilter> {
  const stopped = await stoppedPersons(db, municipalityId, run.linkRunId);
  return stopped.length ? { ...filter, excluded: stopped } : filter;
}

/**
 * The persons of `run` under a 利用停止 in force (cached, usually empty): what
 * the dashboard's counts and the 検証 report leave out at once, as 判定一覧 does.
 */
export function usageStopped(
  db: Database,
  municipalityId: number,
  run: RunForView,
): Promise<readonly string[]> {
  return stoppedPersons(db, municipalityId, run.linkRunId);
}

/** Exclusion reason ids → names (non-members never see 要対協 reasons: removed in SQL). */
export function reasonNames(run: RunForView): Map<string, string> {
  const m = new Map(run.rules.exclusions.map((e) => [e.id, e.name]));
  return m;
}

export function reasonName(names: Map<string, string>, id: string): string {
  // Conference decisions are stored as their Japanese reason text.
  return names.get(id) ?? id;
}
