/**
 * The 検証 page (issue 11): the validation report of a stored run
 * (pipeline/validation.ts, the same computation as `mimamori stats validate`)
 * turned into the API's JSON, and its printable HTML.
 *
 * 要対協: the report is built with council visibility (the run's population
 * includes children known only from council rows, and the non-member
 * adjustment needs the B01/B02 rows), and for a reader who is not a member it
 * is built WITHOUT B01/B02 (`withoutCouncilFacts`): no row, q-value, 抽出群,
 * model term or count reveals them; the funnel's counts are the dashboard's
 * (recomputed without B01/B02 in SQL).
 *
 * 利用停止 at once: the persons of the run under a 利用停止 in force are left
 * out of the report (pipeline/validation.ts) and of the funnel, as 判定一覧 and the
 * dashboard leave them out, from the moment the stop is recorded.
 *
 * A report reads the whole run (every child's items, results and the rows
 * its attributes come from), which took ~1 s of CPU on the demo town (3,303
 * children) and ~4 s of wall on the busy machine: it is computed once per
 * (run, newest run, membership, case trail, stopped persons) and kept in a
 * small in-process cache — a stored run never changes, and a new run changes
 * the key (its funnel row). The read of the run (`loadValidationRun`) is
 * cached apart, per (run, membership, stopped persons): a case decision or a
 * newer run changes only the labels and the funnel, so the page reopens after
 * one by recomputing those, not by reading the run again.
 */
import { createHash } from "node:crypto";
import { createCaseLabelRepository } from "../../db/case-labels.repository.ts";
import type { Database } from "../../db/database.ts";
import { createRunViewRepository } from "../../db/run-view.repository.ts";
import { withDataScope } from "../../db/scope.ts";
import { COUNCIL_ONLY_ITEMS, type DataScope } from "../../domain/policy/index.ts";
import { DIFFICULTY_NAMES, isDifficultyId } from "../../domain/scoring/difficulties.ts";
import { REVIEW_STATUS_NAMES } from "../../domain/stats/pilot-findings.ts";
import { FAIRNESS_GROUPS } from "../../domain/stats/validation-groups.ts";
import { reviewOf } from "../../domain/stats/validation-render.ts";
import type { RunTypeCounts } from "../../domain/stats/validation-report.ts";
import {
  buildValidationReport,
  loadValidationRun,
  type RunData,
  type ValidationReport,
} from "../../pipeline/validation.ts";
import { findRun, type LoadedRun, usageStopped } from "./run-view.service.ts";

const typeName = (d: string) => (isDifficultyId(d) ? DIFFICULTY_NAMES[d] : d);
/** JSON has no NaN or Infinity: such figures are shown as "—". */
const fin = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

const CACHE_SIZE = 6;
/** Per database (tests open several in one process), then per key. */
const caches = new WeakMap<
  Database,
  Map<string, Promise<{ report: ValidationReport; run: LoadedRun }>>
>();
/**
 * The runs as read (loadValidationRun), per database, then per (run, membership, stops).
 * Two: a run's data is per child (a city's ~50,000 children), unlike a report's aggregates;
 * two hold the newest run for a member and a non-member.
 */
const RUN_CACHE_SIZE = 2;
const runCaches = new WeakMap<Database, Map<string, Promise<RunData>>>();

/** A small map of promises: the newest `size` kept, a failed one forgotten. */
function cached<T>(
  store: WeakMap<Database, Map<string, Promise<T>>>,
  db: Database,
  key: string,
  make: () => Promise<T>,
  size = CACHE_SIZE,
): Promise<T> {
  let cache = store.get(db);
  if (!cache) {
    cache = new Map();
    store.set(db, cache);
  }
  let hit = cache.get(key);
  if (!hit) {
    hit = make();
    cache.set(key, hit);
    const own = cache;
    hit.catch(() => own.delete(key));
    while (cache.size > size) cache.delete(cache.keys().next().value as string);
  }
  return hit;
}

/**
 * The funnel's per-run counts as the dashboard shows them to this reader:
 * without B01/B02 for a non-member (the dashboard's SQL adjustment), and
 * without the persons under a 利用停止 in force (each run's own link run).
 */
async function funnelCounts(db: Database, scope: DataScope): Promise<RunTypeCounts[]> {
  const repo = createRunViewRepository(db);
  const runs = await repo.previousRuns(scope.municipalityId, 2_147_483_647, 1_000);
  const out: RunTypeCounts[] = [];
  for (const r of runs.reverse()) {
    const run = await findRun(db, scope.municipalityId, String(r.id));
    if (!run) continue;
    const stopped = await usageStopped(db, scope.municipalityId, run);
    for (const c of await repo.typeCounts(scope, run, stopped)) {
      out.push({
        runId: run.id,
        asOf: run.asOf,
        difficulty: run.difficulties[c.typeIndex] as string,
        applicable: c.applicable,
        flagged: c.flagged,
        listed: c.listed,
      });
    }
  }
  return out;
}

/** The report of a run (undefined: no completed run) for the reader's membership. */
export async function loadValidationReport(
  db: Database,
  scope: DataScope,
  runId: string,
): Promise<{ report: ValidationReport; run: LoadedRun } | undefined> {
  const run = await findRun(db, scope.municipalityId, runId);
  if (!run) return undefined;
  const latest = await findRun(db, scope.municipalityId, "latest");
  // The case trail's newest event: a decision or a list changes the report's labels.
  const labels = await createCaseLabelRepository(db).version(scope.municipalityId);
  // 利用停止 at once: the stopped persons of the run are left out, and part of the key
  // (stopping or lifting one makes a new report; stoppedPersons is a small cached read).
  const stopped = await usageStopped(db, scope.municipalityId, run);
  const stops = createHash("sha256").update(stopped.join("\n")).digest("hex").slice(0, 16);
  const hide = !scope.council;
  const runKey = `${scope.municipalityId}:${run.id}:${hide}:${stops}`;
  const key = `${runKey}:${latest?.id}:${labels}`;
  return cached(caches, db, key, async () => {
    // Counted as the dashboard counts them (council adjustment, 利用停止).
    const funnelRuns = await funnelCounts(db, scope);
    const options = {
      municipalityId: scope.municipalityId,
      runId: run.id,
      withoutCouncilFacts: hide,
      funnelRuns,
    };
    const report = await withDataScope(
      { municipalityId: scope.municipalityId, council: true },
      async () => {
        const data = await cached(
          runCaches,
          db,
          runKey,
          () => loadValidationRun({ db }, options),
          RUN_CACHE_SIZE,
        );
        return buildValidationReport({ db }, options, data);
      },
    );
    return { report, run };
  });
}

/** The API's JSON of a report. */
export function validationView(report: ValidationReport, run: LoadedRun, scope: DataScope) {
  const hide = !scope.council;
  const visible = (id: string) => !hide || !COUNCIL_ONLY_ITEMS.includes(id);
  const capacity = run.rules.capacity;
  return {
    run: {
      id: report.run.id,
      linkRunId: report.run.linkRunId,
      asOf: report.run.asOf,
      ruleVersion: run.ruleVersion,
    },
    municipality: report.municipality,
    children: report.children,
    alpha: report.alpha,
    councilHidden: hide,
    items: report.items.filter((i) => visible(i.id)),
    groups: report.groups.map((g) => ({
      difficulty: g.difficulty,
      name: typeName(g.difficulty),
      label: g.label,
      populationLabel: g.populationLabel,
      defining: g.defining.filter(visible),
      size: g.size,
      n: g.n,
    })),
    registerMissing: report.registerMissing,
    // The yearly review (docs/statistics.md): this run beside the 2024 pilots' findings.
    review: reviewOf(report)
      .filter((r) => visible(r.itemId))
      .map((r) => ({
        difficulty: r.difficulty,
        itemId: r.itemId,
        pilot: r.pilot ?? null,
        here: r.here,
        status: r.status,
        statusName: REVIEW_STATUS_NAMES[r.status],
      })),
    validation: report.validation.map((v) => ({
      difficulty: v.difficulty,
      itemId: v.itemId,
      a: v.counts.a,
      b: v.counts.b,
      c: v.counts.c,
      d: v.counts.d,
      expectedA: fin(v.test.expectedA),
      testUsed: v.excluded ? "excluded" : v.test.testUsed,
      p: fin(v.test.pUsed),
      q: fin(v.q),
      oddsRatio: fin(v.test.oddsRatio),
      orCiLow: fin(v.test.orCiLow),
      orCiHigh: fin(v.test.orCiHigh),
      haldane: v.test.haldane,
      excluded: v.excluded,
      associated: v.associated,
      marker: v.marker,
    })),
    rules: report.rules.map((e) => ({
      difficulty: e.difficulty,
      name: typeName(e.difficulty),
      method: e.method,
      threshold: e.threshold,
      excludedItems: e.excludedItems.filter(visible),
      n: e.n,
      positives: e.positives,
      tp: e.atThreshold.tp,
      fp: e.atThreshold.fp,
      fn: e.atThreshold.fn,
      tn: e.atThreshold.tn,
      precision: fin(e.atThreshold.precision),
      recall: fin(e.atThreshold.recall),
      falsePositiveRate: fin(e.atThreshold.falsePositiveRate),
      auc: fin(e.auc),
      atCapacity: e.atCapacity.map((t) => ({
        k: t.k,
        truePositives: t.truePositives,
        precision: fin(t.precision),
        recall: fin(t.recall),
        tiedAtCut: t.tiedAtCut,
      })),
      byScore: e.byScore.map((s) => ({ ...s })),
      calibration: e.calibration ? e.calibration.map((b) => ({ ...b })) : null,
    })),
    capacity: { perMonth: capacity.perMonth, unit: capacity.unit },
    funnel: report.funnel.map((f) => ({
      runId: f.runId,
      asOf: f.asOf,
      difficulty: f.difficulty,
      name: typeName(f.difficulty),
      applicable: f.applicable,
      flagged: f.flagged,
      flagRate: fin(f.flagRate),
      listed: f.listed,
      selected: f.selected,
      supportStarted: f.supportStarted,
    })),
    decisionLabels: report.decisionLabels.map((d) => ({
      difficulty: d.difficulty,
      name: typeName(d.difficulty),
      n: d.n,
      decided: d.decided,
      positives: d.positives,
      decidedFlagged: d.decidedFlagged,
      atCapacity: d.atCapacity.map((c) => ({ ...c, precision: fin(c.precision) })),
    })),
    // 要対協-derived: never in a non-member's view (the report is built without it too).
    laterCouncil:
      hide || !report.laterCouncil
        ? null
        : {
            laterRuns: report.laterCouncil.laterRuns,
            rows: report.laterCouncil.rows.map((x) => ({
              ...x,
              name: typeName(x.difficulty),
              flaggedRate: fin(x.flaggedRate),
              unflaggedRate: fin(x.unflaggedRate),
            })),
          },
    fairnessGroups: FAIRNESS_GROUPS.map((g) => ({
      id: g.id,
      label: g.label,
      basis: g.basis,
      size: report.fairnessGroupSizes[g.id] ?? 0,
    })),
    fairness: report.fairness.map((f) => ({
      difficulty: f.difficulty,
      name: typeName(f.difficulty),
      group: f.group,
      inGroup: { ...f.inGroup, rate: fin(f.inGroup.rate) },
      rest: { ...f.rest, rate: fin(f.rest.rate) },
      flagRateRatio: fin(f.flagRateRatio),
      fpInGroup: f.fpInGroup ? { ...f.fpInGroup, rate: fin(f.fpInGroup.rate) } : null,
      fpRest: f.fpRest ? { ...f.fpRest, rate: fin(f.fpRest.rate) } : null,
      fprRatio: fin(f.fprRatio),
    })),
    modelCards: run.rules.types
      .filter((t) => t.enabled && t.method === "model" && t.model)
      .flatMap((t) => {
        const m = t.model;
        if (!m) return [];
        // A model that learns 要対協 registration states council facts in its counts.
        if (m.label.kind === "item" && !visible(m.label.itemId)) return [];
        return [
          {
            difficulty: t.difficulty,
            name: typeName(t.difficulty),
            kind: m.kind,
            label: m.label.kind === "item" ? m.label.itemId : m.label.name,
            features: m.features.filter(visible),
            trainedAsOf: m.trainedAsOf,
            samples: m.samples,
            positives: m.positives,
            auc: fin(m.validation.auc),
            precisionAtCapacity: fin(m.validation.precisionAtCapacity),
            recallAtCapacity: fin(m.validation.recallAtCapacity),
            capacity: m.validation.capacity,
            terms: (m.logistic?.terms ?? [])
              .filter((x) => visible(x.itemId))
              .map((x) => ({
                itemId: x.itemId,
                coefficient: x.coefficient,
                oddsRatio: fin(x.oddsRatio),
                ciLow: fin(x.ciLow),
                ciHigh: fin(x.ciHigh),
              })),
            notes: [...m.notes],
          },
        ];
      }),
  };
}
