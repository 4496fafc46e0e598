/**
 * Retention of raw rows per person (issue 12, lifecycle). A person of the
 * newest published 名寄せ run is due when
 * - their 18th birthday + `years` is on or before today (monitoring ends at
 *   18; the years after follow 児童福祉 record practice, see
 *   docs/operations.md), or
 * - they left the municipality (every 住民基本台帳 row of theirs has a
 *   消除日) and that date + `years` is on or before today,
 * and none of these holds: they are in a case that is not closed (a case
 * never loses its evidence while open); they are under an active 利用停止
 * (its rows are "kept only as required" and the stop excludes them from runs
 * anyway); by the age rule only, they are the parent side of a household or
 * mother–child line of a child under 18 (the child's monitoring still reads
 * them).
 *
 * A due person's rows (every import row linked to them in a stored run, of
 * every source) lose their content — the rows stay as keys so stored runs and
 * their views remain consistent (migration 0085). Planned first (a dry run
 * stops there), then applied in one transaction with one audit row and one
 * purge_log row holding counts only: persons, rows per source.
 */
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import {
  createPersonRetentionRepository,
  type RetentionPerson,
} from "../db/person-retention.repository.ts";
import { tryRunLockForTransaction } from "../db/run-job.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import type { IsoDate } from "../domain/types.ts";
import { yearsAfter } from "./case-retention.ts";

export interface PersonRetentionPolicy {
  /** Years after the 18th birthday, or after leaving, the raw rows are kept. */
  readonly years: number;
}

/** 5 years: see docs/operations.md (児童福祉 records); a municipality can change it. */
export const DEFAULT_PERSON_RETENTION: PersonRetentionPolicy = { years: 5 };

export type DueReason = "adult" | "left";

/** Why a person's rows are due, or null while they are kept. */
export function dueReason(
  p: Omit<RetentionPerson, "personId" | "rows">,
  policy: PersonRetentionPolicy,
  today: IsoDate,
): DueReason | null {
  if (p.openCase || p.usageStop) return null;
  if (p.leftOn !== null && yearsAfter(p.leftOn, policy.years) <= today) return "left";
  if (
    p.birthDate !== null &&
    !p.guardianOfMinor &&
    yearsAfter(p.birthDate, 18 + policy.years) <= today
  )
    return "adult";
  return null;
}

export interface PersonRetentionResult {
  readonly policy: PersonRetentionPolicy;
  readonly today: IsoDate;
  readonly dryRun: boolean;
  /** The run whose persons were judged; null: no published run yet. */
  readonly linkRunId: number | null;
  /** Persons of that run who still have rows with content. */
  readonly persons: number;
  /** Due persons, and by which rule. */
  readonly purgedPersons: number;
  readonly byReason: Readonly<Record<DueReason, number>>;
  /** Due by the dates but kept: in an open case / under a 利用停止. */
  readonly keptOpenCase: number;
  readonly keptUsageStop: number;
  /** Rows whose content goes (dry run) or went, per source. */
  readonly rows: Readonly<Record<string, number>>;
  /** 訂正 overlays of purged rows deleted (0 on a dry run). */
  readonly corrections: number;
}

function plan(persons: readonly RetentionPerson[], policy: PersonRetentionPolicy, today: IsoDate) {
  const due: RetentionPerson[] = [];
  const byReason: Record<DueReason, number> = { adult: 0, left: 0 };
  let keptOpenCase = 0;
  let keptUsageStop = 0;
  for (const p of persons) {
    const reason = dueReason(p, policy, today);
    if (reason !== null) {
      due.push(p);
      byReason[reason] += 1;
      continue;
    }
    const free = dueReason({ ...p, openCase: false, usageStop: false }, policy, today);
    if (free !== null && p.openCase) keptOpenCase += 1;
    else if (free !== null && p.usageStop) keptUsageStop += 1;
  }
  const rows: Record<string, number> = {};
  for (const p of due)
    for (const [source, n] of Object.entries(p.rows)) rows[source] = (rows[source] ?? 0) + n;
  return { due, byReason, keptOpenCase, keptUsageStop, rows };
}

export async function purgePersons(
  db: Database,
  options: {
    municipalityId: number;
    policy: PersonRetentionPolicy;
    today: IsoDate;
    dryRun: boolean;
    actor: { userId: number | null; loginName: string };
  },
): Promise<PersonRetentionResult> {
  const m = options.municipalityId;
  const decide = async (d: Database) => {
    const repo = createPersonRetentionRepository(d);
    const runId = (await repo.newestRun(m)) ?? null;
    const persons = runId === null ? [] : await repo.persons(m, runId, options.today);
    return { runId, persons, ...plan(persons, options.policy, options.today) };
  };
  const result = (d: Awaited<ReturnType<typeof decide>>, dryRun: boolean) => ({
    policy: options.policy,
    today: options.today,
    dryRun,
    linkRunId: d.runId,
    persons: d.persons.length,
    purgedPersons: d.due.length,
    byReason: d.byReason,
    keptOpenCase: d.keptOpenCase,
    keptUsageStop: d.keptUsageStop,
  });
  if (options.dryRun) {
    const d = await decide(db);
    return { ...result(d, true), rows: d.rows, corrections: 0 };
  }
  return db.transaction().execute(async (trx) => {
    // Not while a monthly run reads rows and writes runs (pipeline/run.ts).
    if (!(await tryRunLockForTransaction(trx, m))) {
      throw new MimamoriError(
        "conflict",
        "月次の実行（名寄せと判定）が進行中のため、保存期間を過ぎた行を削除できません。実行が終わってから、もう一度実行してください。",
      );
    }
    const d = await decide(trx);
    const policy = { ...options.policy, today: options.today, linkRunId: d.runId };
    const done = await createPersonRetentionRepository(trx).purge(
      m,
      d.due.map((p) => p.personId),
      { actor: options.actor.loginName, policy, persons: d.due.length },
    );
    await createAuditRepository(trx).append({
      municipalityId: m,
      actorUserId: options.actor.userId,
      actor: options.actor.loginName,
      action: "retention.persons",
      target: null,
      // Counts only: never a person id or a name.
      detail: {
        policy,
        persons: d.due.length,
        byReason: d.byReason,
        rows: done.rows,
        corrections: done.corrections,
      },
    });
    return { ...result(d, false), rows: done.rows, corrections: done.corrections };
  });
}
