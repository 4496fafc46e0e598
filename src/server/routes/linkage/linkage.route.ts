import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createLinkageRepository } from "../../../db/linkage.repository.ts";
import { createReviewRepository } from "../../../db/review.repository.ts";
import { recordDecision } from "../../../pipeline/review.ts";
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
import { decisionBody, reviewPageSchema, reviewsQuery } from "./schema.ts";

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
  );
