import { Hono } from "hono";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createLinkageRepository } from "../../../db/linkage.repository.ts";
import { createReviewRepository } from "../../../db/review.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import type { ReviewPage } from "../../api-types.ts";
import type { AppEnv } from "../../app-env.ts";
import { requirePermission } from "../../auth/middleware.ts";
import { parseJson, parseQuery } from "../../parse.ts";
import { decisionBody, reviewsQuery } from "./schema.ts";

export const linkageRoutes = new Hono<AppEnv>()
  /** The pairs of the latest 名寄せ run that a person must decide. */
  .get("/reviews", async (c) => {
    const { user } = requirePermission(c, "linkage.review");
    const q = parseQuery(c, reviewsQuery);
    const db = c.get("deps").db;
    const run = await createLinkageRepository(db).latestRun(user.municipalityId);
    if (!run) return c.json<ReviewPage>({ run: null, pairs: [] });
    const pairs = await createReviewRepository(db).listPairs(user.municipalityId, run.id, q.limit);
    // Viewing records of residents is audited (ids and counts only).
    await createAuditRepository(db).append({
      municipalityId: user.municipalityId,
      actorUserId: user.id,
      actor: user.loginName,
      action: "linkage.review_view",
      target: `link_run:${run.id}`,
      detail: { pairs: pairs.length },
    });
    return c.json<ReviewPage>({
      run: { id: run.id, asOf: run.asOf, createdAt: run.createdAt.toISOString() },
      pairs: pairs.map((p) => ({
        ...p,
        decision: p.decision
          ? { ...p.decision, decidedAt: p.decision.decidedAt.toISOString() }
          : null,
      })),
    });
  })
  /** Records a decision; every later run honours it (and uses it to train the model). */
  .post("/decisions", async (c) => {
    const { user } = requirePermission(c, "linkage.review");
    const body = await parseJson(c, decisionBody);
    const db = c.get("deps").db;
    const run = await createLinkageRepository(db).latestRun(user.municipalityId);
    if (
      !run ||
      !(await createReviewRepository(db).isPendingPair(
        user.municipalityId,
        run.id,
        body.leftKey,
        body.rightKey,
      ))
    ) {
      throw new MimamoriError(
        "not_found",
        "この組は最新の名寄せで確認対象になっていません。画面を再読み込みしてください。",
      );
    }
    await createLinkageRepository(db).saveDecision(
      user.municipalityId,
      { left: body.leftKey, right: body.rightKey, same: body.same },
      { userId: user.id, loginName: user.loginName },
    );
    await createAuditRepository(db).append({
      municipalityId: user.municipalityId,
      actorUserId: user.id,
      actor: user.loginName,
      action: "linkage.decision",
      target: `link_run:${run.id}`,
      detail: { same: body.same },
    });
    return c.json({ ok: true });
  });
