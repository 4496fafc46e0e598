/**
 * Recording and undoing reviewers' 名寄せ decisions (issue 15): the decision
 * must be on an item of the newest run the reviewer may see, must not
 * contradict the decisions in force or the run's persons
 * (domain/linkage/decisions.ts), and is appended to the trail with the
 * anchors of both sides so that it holds for every later extract. Undoing
 * appends a reversal; nothing is removed. Both are audited (ids only).
 */
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import { createLinkageRepository } from "../db/linkage.repository.ts";
import { createReviewRepository, type ReviewScope } from "../db/review.repository.ts";
import { MimamoriError } from "../domain/errors.ts";
import { contradiction, decisionsInForce } from "../domain/linkage/decisions.ts";

export interface Actor {
  readonly userId: number | null;
  readonly loginName: string;
}

/** Records "same" / "different" on an item of the newest run; returns the decision's id. */
export async function recordDecision(
  db: Database,
  scope: ReviewScope,
  body: { readonly leftKey: string; readonly rightKey: string; readonly same: boolean },
  actor: Actor,
  from?: string,
): Promise<{ id: number; runId: number }> {
  const linkage = createLinkageRepository(db);
  const run = await linkage.latestRun(scope.municipalityId);
  const item = run
    ? await createReviewRepository(db).findItem(scope, run.id, body.leftKey, body.rightKey)
    : undefined;
  if (!run || !item)
    throw new MimamoriError(
      "not_found",
      "この組は最新の名寄せで確認対象になっていません。画面を再読み込みしてください。",
    );
  const inForce = decisionsInForce(await linkage.listDecisionTrail(scope.municipalityId));
  const keys = new Set([item.leftKey, item.rightKey]);
  for (const d of inForce) {
    keys.add(d.leftKey);
    keys.add(d.rightKey);
  }
  const persons = await linkage.personsOfKeys(scope.municipalityId, run.id, [...keys]);
  const reason = contradiction(
    inForce,
    { leftKey: item.leftKey, rightKey: item.rightKey, same: body.same },
    (k) => persons.get(k) ?? null,
  );
  if (reason) throw new MimamoriError("conflict", reason);
  const id = await linkage.appendDecision(
    scope.municipalityId,
    {
      leftKey: item.leftKey,
      rightKey: item.rightKey,
      same: body.same,
      leftAnchors: item.leftAnchors,
      rightAnchors: item.rightAnchors,
      runId: run.id,
      leftPerson: item.leftPerson,
      rightPerson: item.rightPerson,
    },
    actor,
  );
  await createAuditRepository(db).append({
    municipalityId: scope.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "linkage.decision",
    target: `link_decision:${id}`,
    detail: { runId: run.id, same: body.same, ...(from ? { from } : {}) },
  });
  return { id, runId: run.id };
}

/** Undoes a decision in force (appends its reversal); returns the reversal's id. */
export async function undoDecision(
  db: Database,
  scope: ReviewScope,
  decisionId: number,
  actor: Actor,
  from?: string,
): Promise<number> {
  const id = await createLinkageRepository(db).appendUndo(scope.municipalityId, decisionId, actor);
  if (id === undefined)
    throw new MimamoriError(
      "not_found",
      "取り消せる判断が見つかりません（すでに取り消されたか、別の判断に置き換わっています）。画面を再読み込みしてください。",
    );
  await createAuditRepository(db).append({
    municipalityId: scope.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "linkage.decision_undo",
    target: `link_decision:${decisionId}`,
    detail: { undo: id, ...(from ? { from } : {}) },
  });
  return id;
}
