import { createAuditRepository } from "../../../db/audit.repository.ts";
import { actorOf, createRouter, json, policyRoute } from "../../openapi/route.ts";
import { auditPageSchema, auditQuery } from "./schema.ts";

export const auditRoutes = createRouter().openapi(
  policyRoute("audit.read", {
    method: "get",
    path: "/",
    tags: ["監査"],
    summary: "監査ログ（新しい順、キーセットページング）",
    request: { query: auditQuery },
    responses: { 200: json(auditPageSchema) },
  }),
  async (c) => {
    const actor = actorOf(c);
    const q = c.req.valid("query");
    const audit = createAuditRepository(c.get("deps").db);
    const [rows, chain] = await Promise.all([
      audit.list({
        municipalityId: actor.municipalityId,
        limit: q.limit,
        beforeId: q.before,
        action: q.action,
      }),
      audit.verifyChain(),
    ]);
    // Reading the audit log is itself an audited view.
    await audit.append({
      municipalityId: actor.municipalityId,
      actorUserId: actor.userId,
      actor: actor.loginName,
      action: "audit.view",
      detail: { count: rows.length },
    });
    return c.json({ items: rows.map((r) => ({ ...r, at: r.at.toISOString() })), chain }, 200);
  },
);
