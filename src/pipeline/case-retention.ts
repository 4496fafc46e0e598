/**
 * Retention per case (issue 12, lifecycle: 「データ削除タイミングの検討」 of the
 * 2024 report's checklist). A closed case is kept while either still holds:
 * - fewer than `closedYears` years have passed since it was closed (the
 *   conference may need the history if the family comes back), or
 * - the child has not yet reached `untilAge` (18: the end of 児童 under
 *   児童福祉法; a closed case of a small child stays while they are a child).
 * After both, the case and every row depending on it (its trail, list
 * entries, plans, actions, follow-ups, evaluations) are deleted in one
 * transaction; what was deleted is recorded as counts only (purge_log and
 * one audit row), never the content. Open cases are never purged.
 */
import { createAuditRepository } from "../db/audit.repository.ts";
import { type ClosedCase, createCaseRetentionRepository } from "../db/case-retention.repository.ts";
import type { Database } from "../db/database.ts";
import type { IsoDate } from "../domain/types.ts";

export interface CaseRetentionPolicy {
  /** Years a closed case is kept after its closing. */
  readonly closedYears: number;
  /** The case is kept at least until the child reaches this age; null: no age rule. */
  readonly untilAge: number | null;
}

export const DEFAULT_CASE_RETENTION: CaseRetentionPolicy = { closedYears: 5, untilAge: 18 };

/** `date` plus `years` (02-29 → 02-28 in a common year). */
export function yearsAfter(date: string, years: number): IsoDate {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y + years, m, 0)).getUTCDate();
  return `${String(y + years).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(Math.min(d, last)).padStart(2, "0")}` as IsoDate;
}

/** The day from which a closed case may be deleted. */
export function purgeableFrom(c: ClosedCase, policy: CaseRetentionPolicy): IsoDate {
  const closed = yearsAfter(c.closedOn, policy.closedYears);
  if (policy.untilAge === null || c.birthDate === null) return closed;
  const adult = yearsAfter(c.birthDate, policy.untilAge);
  return adult > closed ? adult : closed;
}

export interface CaseRetentionResult {
  readonly policy: CaseRetentionPolicy;
  readonly today: IsoDate;
  readonly closedCases: number;
  readonly purgedCases: number;
  /** Rows deleted per table (empty on a dry run). */
  readonly counts: Readonly<Record<string, number>>;
  readonly dryRun: boolean;
}

export async function purgeCases(
  db: Database,
  options: {
    municipalityId: number;
    policy: CaseRetentionPolicy;
    today: IsoDate;
    dryRun: boolean;
    actor: { userId: number | null; loginName: string };
  },
): Promise<CaseRetentionResult> {
  const m = options.municipalityId;
  const repo = createCaseRetentionRepository(db);
  const closed = await repo.closedCases(m);
  const due = closed.filter((c) => purgeableFrom(c, options.policy) <= options.today);
  const base = {
    policy: options.policy,
    today: options.today,
    closedCases: closed.length,
    purgedCases: due.length,
    dryRun: options.dryRun,
  };
  if (options.dryRun || due.length === 0) return { ...base, counts: {} };
  const counts = await repo.purge(
    m,
    due.map((c) => c.id),
    { actor: options.actor.loginName, policy: { ...options.policy, today: options.today } },
  );
  await createAuditRepository(db).append({
    municipalityId: m,
    actorUserId: options.actor.userId,
    actor: options.actor.loginName,
    action: "retention.cases",
    target: null,
    detail: { policy: { ...options.policy }, today: options.today, cases: due.length, counts },
  });
  return { ...base, counts };
}
