/**
 * Retention of imported snapshots (issue 4: "older snapshots stay queryable
 * until retention removes them"). A municipality keeps, per source, the newest
 * N snapshots and those whose 抽出日 is within M months; the snapshots a run
 * uses now are always kept, and so is every snapshot a stored linkage or
 * scoring run read — unless the user asks for those runs to go too
 * (`withRuns`). Everything is decided first (`planRetention`, pure), then
 * deleted in one transaction with one audit row (`applyRetention`).
 */
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import {
  createRetentionRepository,
  type RetentionRun,
  type RetentionSnapshot,
} from "../db/retention.repository.ts";
import { tryRunLockForTransaction } from "../db/run-job.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";

export interface RetentionPolicy {
  /** The newest N snapshots of each source are kept, whatever their age (N ≥ 1). */
  readonly keepSnapshots: number;
  /** Snapshots whose 抽出日 is within M months before today are kept; null: no age rule. */
  readonly keepMonths: number | null;
}

/**
 * The default when a municipality has set none: the newest snapshot of each
 * source, and everything from the last 13 months — a year of monthly exports
 * plus the same month a year ago, so a year-on-year comparison is possible,
 * while data from departments is not kept longer than the run needs it
 * (個人情報保護法 61条: 保有は利用目的の達成に必要な範囲).
 */
export const DEFAULT_RETENTION_POLICY: RetentionPolicy = { keepSnapshots: 1, keepMonths: 13 };

/** Why a snapshot outside the policy is kept anyway. */
export type KeptReason =
  | { readonly kind: "runs"; readonly linkRunIds: number[]; readonly scoreRunIds: number[] }
  | { readonly kind: "supersedes_kept"; readonly snapshotId: number };

export interface RetentionPlan {
  readonly policy: RetentionPolicy;
  /** Snapshots whose 抽出日 is before this date fall outside the age rule. */
  readonly cutoff: IsoDate | null;
  readonly today: IsoDate;
  /** Snapshots to delete, in (source, version) order. */
  readonly deleted: readonly RetentionSnapshot[];
  /** Snapshots outside the policy that stay, and why. */
  readonly kept: readonly { snapshot: RetentionSnapshot; reason: KeptReason }[];
  /** Runs deleted with them (only with `withRuns`). */
  readonly linkRunIds: readonly number[];
  readonly scoreRunIds: readonly number[];
  /** Snapshots of the municipality before retention. */
  readonly total: number;
}

/** `date` minus `months` calendar months; the day is clamped to the month's end (03-31 − 1 = 02-28/29). */
export function monthsBefore(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(d, last);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}` as IsoDate;
}

function bySourceNewestFirst(a: RetentionSnapshot, b: RetentionSnapshot): number {
  const da = a.asOf ?? a.importedOn;
  const db = b.asOf ?? b.importedOn;
  return da < db ? 1 : da > db ? -1 : b.id - a.id;
}

/**
 * The snapshots a run uses now (import.repository `currentSnapshots` with no
 * date): per source, those not superseded with the newest 抽出日, and every
 * manual entry not corrected (manual entries add to what is there, so an
 * earlier one is never "old" while it stands).
 */
function currentIds(snapshots: readonly RetentionSnapshot[]): Set<number> {
  const newest = new Map<SourceId, IsoDate>();
  for (const s of snapshots) {
    if (s.supersededBy !== null || s.asOf === null || s.manual) continue;
    const n = newest.get(s.sourceId);
    if (n === undefined || s.asOf > n) newest.set(s.sourceId, s.asOf);
  }
  return new Set(
    snapshots
      .filter(
        (s) =>
          s.supersededBy === null &&
          s.asOf !== null &&
          (s.manual || newest.get(s.sourceId) === s.asOf),
      )
      .map((s) => s.id),
  );
}

/**
 * Decides what retention deletes. Kept: the current snapshots of every
 * source; the newest `keepSnapshots` per source; those with a 抽出日 (or, when
 * none, an import date) on or after today − `keepMonths`. Of the rest, a
 * snapshot a stored run read is kept, naming the runs — or, with `withRuns`,
 * deleted together with those runs, except the newest linkage run and the
 * scoring runs on it (the next run carries person ids on from it), whose
 * snapshots stay. A snapshot that supersedes a kept one stays too, so the
 * older one does not become current again.
 */
export function planRetention(input: {
  snapshots: readonly RetentionSnapshot[];
  runs: readonly RetentionRun[];
  policy: RetentionPolicy;
  today: IsoDate;
  withRuns: boolean;
}): RetentionPlan {
  const { snapshots, runs, policy, today } = input;
  const cutoff = policy.keepMonths === null ? null : monthsBefore(today, policy.keepMonths);
  const keep = currentIds(snapshots);
  const bySource = new Map<SourceId, RetentionSnapshot[]>();
  for (const s of snapshots) {
    const list = bySource.get(s.sourceId) ?? [];
    list.push(s);
    bySource.set(s.sourceId, list);
  }
  for (const list of bySource.values()) {
    list.sort(bySourceNewestFirst);
    for (const s of list.slice(0, Math.max(1, policy.keepSnapshots))) keep.add(s.id);
  }
  if (cutoff !== null) {
    for (const s of snapshots) if ((s.asOf ?? s.importedOn) >= cutoff) keep.add(s.id);
  }
  const candidates = new Set(snapshots.filter((s) => !keep.has(s.id)).map((s) => s.id));

  const newestLink = runs.filter((r) => r.kind === "link").reduce((m, r) => Math.max(m, r.id), 0);
  const isProtected = (r: RetentionRun) =>
    input.withRuns ? (r.kind === "link" ? r.id : r.linkRunId) === newestLink : true;
  const kept = new Map<number, KeptReason>();
  // Runs that must stay hold their snapshots.
  for (const s of snapshots) {
    if (!candidates.has(s.id)) continue;
    const holding = runs.filter((r) => isProtected(r) && r.snapshotIds.includes(s.id));
    if (holding.length > 0) {
      kept.set(s.id, {
        kind: "runs",
        linkRunIds: holding.filter((r) => r.kind === "link").map((r) => r.id),
        scoreRunIds: holding.filter((r) => r.kind === "score").map((r) => r.id),
      });
      candidates.delete(s.id);
    }
  }
  // A deleted snapshot that supersedes a kept one would make the kept one current again.
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  let changed = true;
  while (changed) {
    changed = false;
    for (const s of snapshots) {
      if (candidates.has(s.id) || s.supersededBy === null || !candidates.has(s.supersededBy))
        continue;
      candidates.delete(s.supersededBy);
      kept.set(s.supersededBy, { kind: "supersedes_kept", snapshotId: s.id });
      changed = true;
    }
  }
  const linkRunIds = new Set<number>();
  const scoreRunIds = new Set<number>();
  if (input.withRuns) {
    for (const r of runs) {
      if (r.kind === "link" && r.snapshotIds.some((id) => candidates.has(id))) linkRunIds.add(r.id);
    }
    for (const r of runs) {
      if (
        r.kind === "score" &&
        (r.snapshotIds.some((id) => candidates.has(id)) ||
          (r.linkRunId !== null && linkRunIds.has(r.linkRunId)))
      )
        scoreRunIds.add(r.id);
    }
  }
  const order = (a: RetentionSnapshot, b: RetentionSnapshot) =>
    a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : a.version - b.version;
  return {
    policy,
    cutoff,
    today,
    deleted: snapshots.filter((s) => candidates.has(s.id)).sort(order),
    kept: [...kept]
      .map(([id, reason]) => ({ snapshot: byId.get(id) as RetentionSnapshot, reason }))
      .sort((a, b) => order(a.snapshot, b.snapshot)),
    linkRunIds: [...linkRunIds].sort((a, b) => a - b),
    scoreRunIds: [...scoreRunIds].sort((a, b) => a - b),
    total: snapshots.length,
  };
}

export interface RetentionResult extends RetentionPlan {
  readonly dryRun: boolean;
  /** Import rows deleted (0 on a dry run). */
  readonly importRowsDeleted: number;
}

/**
 * Applies a retention policy to a municipality: decides (as `planRetention`)
 * and, unless `dryRun`, deletes in one transaction — imports and new runs
 * wait meanwhile, so nothing decided changes underneath — and appends one
 * audit row with ids and counts. A dry run changes nothing.
 */
export async function applyRetention(
  db: Database,
  options: {
    municipalityId: number;
    policy: RetentionPolicy;
    today: IsoDate;
    withRuns: boolean;
    dryRun: boolean;
    actor: { userId: number | null; loginName: string };
  },
): Promise<RetentionResult> {
  const decide = async (repo: ReturnType<typeof createRetentionRepository>) =>
    planRetention({
      snapshots: await repo.listSnapshots(options.municipalityId),
      runs: await repo.listRuns(options.municipalityId),
      policy: options.policy,
      today: options.today,
      withRuns: options.withRuns,
    });
  if (options.dryRun) {
    const plan = await decide(createRetentionRepository(db));
    return { ...plan, dryRun: true, importRowsDeleted: 0 };
  }
  return db.transaction().execute(async (trx) => {
    const repo = createRetentionRepository(trx);
    await repo.lockForDeletion();
    // Not while a monthly run reads snapshots and writes runs (pipeline/run.ts).
    if (!(await tryRunLockForTransaction(trx, options.municipalityId))) {
      throw new MimamoriError(
        "conflict",
        "月次の実行（名寄せと判定）が進行中のため、古いデータを削除できません。実行が終わってから、もう一度実行してください。",
      );
    }
    const plan = await decide(repo);
    const { importRows } = await repo.deleteAll(
      options.municipalityId,
      {
        snapshotIds: plan.deleted.map((s) => s.id),
        linkRunIds: plan.linkRunIds,
        scoreRunIds: plan.scoreRunIds,
      },
      { actor: options.actor.loginName, policy: plan.policy },
    );
    await createAuditRepository(trx).append({
      municipalityId: options.municipalityId,
      actorUserId: options.actor.userId,
      actor: options.actor.loginName,
      action: "retention.delete",
      target: null,
      detail: {
        policy: plan.policy,
        cutoff: plan.cutoff,
        withRuns: options.withRuns,
        deletedSnapshotIds: plan.deleted.map((s) => s.id),
        deletedImportRows: importRows,
        deletedLinkRunIds: plan.linkRunIds,
        deletedScoreRunIds: plan.scoreRunIds,
        keptForRunsSnapshotIds: plan.kept.map((k) => k.snapshot.id),
      },
    });
    return { ...plan, dryRun: false, importRowsDeleted: importRows };
  });
}
