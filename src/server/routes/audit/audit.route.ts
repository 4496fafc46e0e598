import { Hono } from "hono";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import type { AuditPage } from "../../api-types.ts";
import type { AppEnv } from "../../app-env.ts";
import { requirePermission } from "../../auth/middleware.ts";
import { parseQuery } from "../../parse.ts";
import { auditQuery } from "./schema.ts";

export const auditRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const { user } = requirePermission(c, "audit.read");
  const q = parseQuery(c, auditQuery);
  const audit = createAuditRepository(c.get("deps").db);
  const [rows, chain] = await Promise.all([
    audit.list({
      municipalityId: user.municipalityId,
      limit: q.limit,
      beforeId: q.before,
      action: q.action,
    }),
    audit.verifyChain(),
  ]);
  // Reading the audit log is itself an audited view.
  await audit.append({
    municipalityId: user.municipalityId,
    actorUserId: user.id,
    actor: user.loginName,
    action: "audit.view",
    detail: { count: rows.length },
  });
  return c.json<AuditPage>({
    items: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
    chain,
  });
});
