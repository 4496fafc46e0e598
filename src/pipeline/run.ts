/**
 * The one monthly-run engine (issue 16), shared by `mimamori run` and the web
 * app: 名寄せ (pipeline/linkage.ts) then data items and scores
 * (pipeline/score.ts), under one lock per municipality, with its progress
 * recorded stage by stage in `run_job`.
 *
 * Crash safety: the linkage and scoring runs are each written in their own
 * transaction but unpublished (`completed_at` null), and published together
 * with the job's success in one transaction at the end. Readers only see
 * completed runs, so a run killed at any point (kill -9, out of memory, the
 * database going away) leaves the previous results as the latest and
 * intact. The next run, holding the lock, marks the dead job failed and
 * deletes what it left unpublished.
 */
import { hostname } from "node:os";
import { createAuditRepository } from "../db/audit.repository.ts";
import {
  createRunJobRepository,
  type RunJob,
  type RunLock,
  tryRunLock,
} from "../db/run-job.repository.ts";
import { currentDataScope, runsAsOwner, withDataScope } from "../db/scope.ts";
import { type FillingStage, refreshStatistics } from "../db/statistics.repository.ts";
import { isMimamoriError, MimamoriError } from "../domain/errors.ts";
import type { IsoDate } from "../domain/types.ts";
import { type LinkageRunReport, type LinkageTarget, runLinkage } from "./linkage.ts";
import { releaseStageMemory } from "./release-memory.ts";
import { type ScoreRunSummary, scoreRun } from "./score.ts";
import { RUN_STAGE_NAMES, type RunStage, type StageReporter } from "./stages.ts";

export interface MonthlyRunOptions {
  readonly municipalityId: number;
  /** Default: the newest as-of date among current imports. */
  readonly asOf?: IsoDate;
  readonly actor: { readonly userId: number | null; readonly loginName: string };
  /** Where the run was started from (`cli`, `web`), shown to whoever is refused. */
  readonly origin: "cli" | "web";
  /** Wall clock in ms for stage times. */
  readonly clock?: () => number;
  /** Told after each stage is recorded (the CLI prints it). */
  readonly onStage?: (event: StageEvent) => void;
  /**
   * Called as each stage begins, after it is recorded: the crash-safety
   * test kills the process here (cli/commands/run.ts, MIMAMORI_TEST_CRASH_AT).
   */
  readonly beforeStage?: (stage: RunStage) => Promise<void> | void;
}

export type StageEvent =
  | { readonly kind: "enter"; readonly stage: RunStage }
  | {
      readonly kind: "done";
      readonly stage: RunStage;
      readonly counts: Readonly<Record<string, number>>;
    };

export interface MonthlyRunResult {
  readonly jobId: number;
  readonly linked: LinkageRunReport;
  readonly scored: ScoreRunSummary;
}

export interface StartedRun {
  readonly jobId: number;
  /** Settles when the run has been published (or has failed and been recorded). */
  readonly done: Promise<MonthlyRunResult>;
}

/**
 * Takes the municipality's run lock, records a new job and starts the run.
 * Throws `conflict` (with who is running and since when) when a run is in
 * progress. The caller awaits `done` (CLI) or polls the job (web app).
 */
export async function startMonthlyRun(
  target: LinkageTarget,
  options: MonthlyRunOptions,
): Promise<StartedRun> {
  const mid = options.municipalityId;
  const jobs = createRunJobRepository(target.db);
  const lock = await tryRunLock(target.url, mid);
  if (!lock) throw await busyError(target, mid);
  let jobId: number;
  try {
    // Holding the lock: any job still `running` is one whose process died,
    // and any unpublished run is what it left behind.
    await jobs.failRunning(mid);
    await jobs.deleteUnpublishedRuns(mid);
    jobId = await jobs.create({
      municipalityId: mid,
      actorUserId: options.actor.userId,
      actor: options.actor.loginName,
      origin: options.origin,
      host: hostname(),
      pid: process.pid,
    });
    await createAuditRepository(target.db).append({
      municipalityId: mid,
      actorUserId: options.actor.userId,
      actor: options.actor.loginName,
      action: "run.start",
      target: `run_job:${jobId}`,
      detail: { origin: options.origin, asOf: options.asOf ?? null },
    });
  } catch (e) {
    await lock.release();
    throw e;
  }
  const done = inRunScope(() => execute(target, options, jobId, lock));
  // The web app does not await `done`; its rejection is recorded in the job.
  done.catch(() => {});
  return { jobId, done };
}

/**
 * Runs `fn` in the caller's municipality with 要対協 membership on, whoever started the run.
 * The run is the system's, published for every reader; in a non-member's scope (a coordinator
 * who is not a member, starting it from the web) row security would leave the 要対協 /
 * 一時保護 rows out of 名寄せ and B01/B02 out of every child's scores — for members too (a
 * village run started so stored 27 fewer links and flagged 300 children instead of 305).
 * Nothing of it reaches the starter: the job's council-only counts are cut for non-members
 * (routes/run-jobs viewOfJob) and every reader sees the run through their own scope.
 * `mimamori run` is in a council scope already.
 */
function inRunScope<T>(fn: () => T): T {
  const scope = currentDataScope();
  if (runsAsOwner() || scope === undefined || scope.council) return fn();
  return withDataScope({ ...scope, council: true }, fn);
}

/** Runs a monthly run to the end (the CLI's way). */
export async function monthlyRun(
  target: LinkageTarget,
  options: MonthlyRunOptions,
): Promise<MonthlyRunResult> {
  return (await startMonthlyRun(target, options)).done;
}

/** The refusal when the lock is taken: who runs, from where, since when. */
async function busyError(target: LinkageTarget, mid: number): Promise<MimamoriError> {
  const jobs = createRunJobRepository(target.db);
  await jobs.reapStale(mid);
  const job = await jobs.running(mid);
  const what = job
    ? `${job.actor} さんが${job.origin === "web" ? "画面" : "コマンド"}から ${formatJst(job.startedAt)} に開始した実行`
    : "別の実行";
  return new MimamoriError(
    "conflict",
    `${what}がまだ終わっていません。同時に実行できるのは 1 つだけです。終わってから、もう一度実行してください。`,
    job?.stage ? [`実行中の段階: ${RUN_STAGE_NAMES[job.stage as RunStage] ?? job.stage}`] : [],
  );
}

/** `2026-12-03 14:05`, in Japan time (what staff read). */
export function formatJst(d: Date): string {
  const p = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Tokyo",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).format(d);
  return p;
}

async function execute(
  target: LinkageTarget,
  options: MonthlyRunOptions,
  jobId: number,
  lock: RunLock,
): Promise<MonthlyRunResult> {
  const mid = options.municipalityId;
  const jobs = createRunJobRepository(target.db);
  const audit = createAuditRepository(target.db);
  const clock = options.clock ?? (() => performance.now());
  const counts: Record<string, Record<string, number>> = {};
  let started = clock();
  let asOf: string | undefined;
  let linkRunId: number | undefined;
  const progress: StageReporter = {
    async enter(stage) {
      started = clock();
      await jobs.progress(jobId, {
        stage,
        counts,
        ...(asOf === undefined ? {} : { asOf }),
        ...(linkRunId === undefined ? {} : { linkRunId }),
      });
      options.onStage?.({ kind: "enter", stage });
      await options.beforeStage?.(stage);
    },
    async done(stage, c) {
      counts[stage] = { ...c, seconds: Math.round((clock() - started) / 100) / 10 };
      await jobs.progress(jobId, { stage, counts });
      options.onStage?.({ kind: "done", stage, counts: counts[stage] });
    },
  };
  try {
    const { linked, scored } = await linkAndScore(target, {
      municipalityId: mid,
      ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
      actor: options.actor,
      clock,
      progress,
      pending: true,
      onLinked: (l) => {
        asOf = l.asOf;
        linkRunId = l.runId;
      },
    });
    await progress.enter("publish");
    counts.publish = { linkRun: linked.runId, scoreRun: scored.runId };
    await jobs.publish(mid, {
      jobId,
      linkRunId: linked.runId,
      scoreRunId: scored.runId,
      counts,
    });
    options.onStage?.({ kind: "done", stage: "publish", counts: counts.publish });
    await audit.append({
      municipalityId: mid,
      actorUserId: options.actor.userId,
      actor: options.actor.loginName,
      action: "run.complete",
      target: `run_job:${jobId}`,
      detail: { asOf: linked.asOf, linkRunId: linked.runId, scoreRunId: scored.runId },
    });
    return { jobId, linked, scored };
  } catch (e) {
    const message = isMimamoriError(e)
      ? e.message
      : `実行中に予期しない問題が発生しました（${e instanceof Error ? e.message : String(e)}）。`;
    await jobs.fail(jobId, message).catch(() => {});
    // What this run wrote stays unpublished; remove it now (the next run would anyway).
    await jobs.deleteUnpublishedRuns(mid).catch(() => {});
    await audit
      .append({
        municipalityId: mid,
        actorUserId: options.actor.userId,
        actor: options.actor.loginName,
        action: "run.failed",
        target: `run_job:${jobId}`,
        detail: { stage: (await jobs.get(mid, jobId).catch(() => undefined))?.stage ?? null },
      })
      .catch(() => {});
    throw e;
  } finally {
    await lock.release();
  }
}

export interface LinkAndScoreOptions {
  readonly municipalityId: number;
  readonly asOf?: IsoDate;
  readonly actor: { readonly userId: number | null; readonly loginName: string };
  readonly clock?: () => number;
  readonly progress?: StageReporter;
  readonly pending?: boolean;
  /** Told when the link run is stored, before scoring starts (the job records its id). */
  readonly onLinked?: (linked: LinkageRunReport) => void;
  /** Told when the run has waited for a stage's ANALYZE, with the ms it waited (benches). */
  readonly onStatistics?: (stage: FillingStage, waitedMs: number) => void;
}

/**
 * A run's stages after import — 名寄せ, then items and scores — with the planner statistics
 * refreshed (db/statistics.repository.ts) after each bulk-loading stage, as the run engine
 * runs them; exported so the benchmarks time exactly this (bench/monthly-run.bench.ts,
 * bench/run-cpu.ts).
 *
 * Imports may have just bulk-loaded (`import` then `run` at once): import_row is analyzed
 * while the link stage reads and links, not before it, and the link run's tables while
 * scoring reads and evaluates. Neither read's plan depends on statistics (ORDERED_READ: the
 * primary keys in order; db/run-statistics.test.ts checks both plans without statistics),
 * and during both stages Node works while PostgreSQL has a core to spare, so these ANALYZEs
 * cost the run little wall time. import_row's is awaited before scoring starts (the run's
 * other statements on import_row then plan on it), the link tables' before the scoring
 * tables are analyzed; each stage's tables are fresh when the run is published.
 */
export async function linkAndScore(
  target: LinkageTarget,
  options: LinkAndScoreOptions,
): Promise<{ readonly linked: LinkageRunReport; readonly scored: ScoreRunSummary }> {
  const clock = options.clock ?? (() => performance.now());
  const progress = options.progress === undefined ? {} : { progress: options.progress };
  const pending = options.pending === undefined ? {} : { pending: options.pending };
  const linked = await besideAnalyze(target, "import", options, () =>
    runLinkage(target, {
      municipalityId: options.municipalityId,
      ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
      actor: options.actor,
      clock,
      ...progress,
      ...pending,
    }),
  );
  options.onLinked?.(linked);
  const scored = await besideAnalyze(target, "linkage", options, () => {
    // The link stage's structures are garbage now: give them back before scoring reads.
    releaseStageMemory();
    return scoreRun(target, {
      municipalityId: options.municipalityId,
      asOf: linked.asOf,
      linkRunId: linked.runId,
      actor: options.actor,
      clock,
      ...progress,
      ...pending,
    });
  });
  const t = clock();
  await refreshStatistics(target.db, "scoring");
  options.onStatistics?.("scoring", clock() - t);
  return { linked, scored };
}

/**
 * Runs `work` while the tables `stage` filled are analyzed, on one connection (the other core
 * is Node's), then waits for the ANALYZE — also when `work` fails, so that none is left
 * running behind the run — and reports how long it waited.
 */
async function besideAnalyze<T>(
  target: LinkageTarget,
  stage: FillingStage,
  options: Pick<LinkAndScoreOptions, "clock" | "onStatistics">,
  work: () => Promise<T>,
): Promise<T> {
  const clock = options.clock ?? (() => performance.now());
  const analyzing = refreshStatistics(target.db, stage, { connections: 1 }).then(
    () => undefined,
    (e: unknown) => ({ error: e }),
  );
  const done = await Promise.resolve()
    .then(work)
    .then(
      (value) => ({ value }),
      (e: unknown) => ({ error: e }),
    );
  const t = clock();
  const failed = await analyzing;
  if ("error" in done) throw done.error;
  if (failed !== undefined) throw failed.error;
  options.onStatistics?.(stage, clock() - t);
  return done.value;
}

/** The jobs of a municipality for display, dead ones marked failed first. */
export async function listRunJobs(
  target: { db: LinkageTarget["db"] },
  municipalityId: number,
  limit = 20,
): Promise<RunJob[]> {
  const jobs = createRunJobRepository(target.db);
  await jobs.reapStale(municipalityId);
  return jobs.list(municipalityId, limit);
}

/** One job for display (polling), a dead one marked failed first. */
export async function getRunJob(
  target: { db: LinkageTarget["db"] },
  municipalityId: number,
  jobId: number,
): Promise<RunJob | undefined> {
  const jobs = createRunJobRepository(target.db);
  await jobs.reapStale(municipalityId);
  return jobs.get(municipalityId, jobId);
}
