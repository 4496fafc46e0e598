import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createLinkageRepository } from "../../../db/linkage.repository.ts";
import { createReviewRepository } from "../../../db/review.repository.ts";
import { recordDecision, undoDecision } from "../../../pipeline/review.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  refuseAsNotFound,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { okSchema } from "../auth/schema.ts";
import {
  decisionBody,
  decisionIdParam,
  decisionRecordedSchema,
  progressSchema,
  queuePageSchema,
  queueQuery,
  reviewPageSchema,
  reviewsQuery,
} from "./schema.ts";

const tags = ["名寄せ"];

export const linkageRoutes = createRouter()
  .openapi(
    policyRoute("linkage.review", {
      method: "get",
      path: "/reviews",
      tags,
      summary: "名寄せの確認待ちの組（最新の実行）",
      description:
        "要対協構成員でない利用者には、要対協・一時保護の行は含まれず、その行だけからなる組は表示されません。",
      request: { query: reviewsQuery },
      responses: { 200: json(reviewPageSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const q = c.req.valid("query");
      const db = c.get("deps").db;
      const run = await createLinkageRepository(db).latestRun(actor.municipalityId);
      if (!run) return c.json({ run: null, pairs: [] }, 200);
      const pairs = await createReviewRepository(db).listPairs(scope, run.id, q.limit);
      // Viewing records of residents is audited (ids and counts only).
      await createAuditRepository(db).append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "linkage.review_view",
        target: `link_run:${run.id}`,
        detail: { pairs: pairs.length, from: clientAddress(c) },
      });
      return c.json(
        {
          run: { id: run.id, asOf: run.asOf, createdAt: run.createdAt.toISOString() },
          pairs: pairs.map((p) => ({
            ...p,
            left: { ...p.left, data: p.left.data ? { ...p.left.data } : null },
            right: { ...p.right, data: p.right.data ? { ...p.right.data } : null },
            explanation: { ...p.explanation, steps: [...p.explanation.steps] },
            decision: p.decision
              ? { ...p.decision, decidedAt: p.decision.decidedAt.toISOString() }
              : null,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("linkage.review", {
      method: "post",
      path: "/decisions",
      tags,
      summary: "同一人物かどうかの判断を記録（次回以降の実行に反映）",
      request: { body: jsonBody(decisionBody) },
      responses: { 200: json(okSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const body = c.req.valid("json");
      const db = c.get("deps").db;
      // Refused when the run did not ask about the pair (or the reader may not see it), and,
      // with a Japanese reason, when it contradicts the decisions in force.
      const run = await createLinkageRepository(db).latestRun(actor.municipalityId);
      if (
        !run ||
        !(await createReviewRepository(db).isPendingPair(
          scope,
          run.id,
          body.leftKey,
          body.rightKey,
        ))
      ) {
        return refuseAsNotFound(
          c,
          `link_pair:${body.leftKey}|${body.rightKey}`,
          "この組は最新の名寄せで確認対象になっていません。画面を再読み込みしてください。",
        );
      }
      await recordDecision(
        db,
        scope,
        { leftKey: body.leftKey, rightKey: body.rightKey, same: body.same },
        { userId: actor.userId, loginName: actor.loginName },
        clientAddress(c),
      );
      return c.json({ ok: true as const }, 200);
    },
  )
  .openapi(
    policyRoute("linkage.review", {
      method: "get",
      path: "/queue",
      tags,
      summary: "名寄せの確認待ち（1 ページ、解決する行数の多い順）",
      description:
        "人の組ごとに 1 件。データ源・学校・確率の範囲・状態で絞り込み、next で続きを取得します。要対協構成員でない利用者には、要対協・一時保護の行は含まれません。",
      request: { query: queueQuery },
      responses: { 200: json(queuePageSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const q = c.req.valid("query");
      const db = c.get("deps").db;
      const run = await createLinkageRepository(db).latestRun(actor.municipalityId);
      if (!run) return c.json({ run: null, items: [], next: null }, 200);
      const page = await createReviewRepository(db).listQueue(scope, run.id, {
        limit: q.limit,
        after: q.after ?? null,
        source: q.source ?? null,
        school: q.school ?? null,
        minProbability: q.minProbability ?? null,
        maxProbability: q.maxProbability ?? null,
        status: q.status,
      });
      await createAuditRepository(db).append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "linkage.review_view",
        target: `link_run:${run.id}`,
        detail: { pairs: page.items.length, from: clientAddress(c) },
      });
      return c.json(
        {
          run: { id: run.id, asOf: run.asOf, createdAt: run.createdAt.toISOString() },
          next: page.next,
          items: page.items.map((p) => ({
            ...p,
            left: { ...p.left, data: p.left.data ? { ...p.left.data } : null },
            right: { ...p.right, data: p.right.data ? { ...p.right.data } : null },
            explanation: { ...p.explanation, steps: [...p.explanation.steps] },
            sources: [...p.sources],
            schools: [...p.schools],
            decision: p.decision
              ? { ...p.decision, decidedAt: p.decision.decidedAt.toISOString() }
              : null,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("linkage.review", {
      method: "get",
      path: "/progress",
      tags,
      summary: "名寄せの確認の進み具合（実行＝月ごと）",
      responses: { 200: json(progressSchema) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const runs = await createReviewRepository(c.get("deps").db).progress(scope);
      return c.json({ runs }, 200);
    },
  )
  .openapi(
    policyRoute("linkage.review", {
      method: "post",
      path: "/decisions/{id}/undo",
      tags,
      summary: "判断の取り消し（取り消しも記録として残り、次回の実行から反映）",
      request: { params: decisionIdParam },
      responses: { 200: json(decisionRecordedSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const { id } = c.req.valid("param");
      const db = c.get("deps").db;
      const run = await createLinkageRepository(db).latestRun(actor.municipalityId);
      const undo = await undoDecision(
        db,
        scope,
        id,
        { userId: actor.userId, loginName: actor.loginName },
        clientAddress(c),
      );
      return c.json({ id: undo, runId: run?.id ?? 0 }, 200);
    },
  );
