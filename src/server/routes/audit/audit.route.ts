import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createUserRepository } from "../../../db/user.repository.ts";
import { AUDIT_ACTIONS, auditActionName } from "../../../domain/audit/actions.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { actorOf, clientAddress, createRouter, json, policyRoute } from "../../openapi/route.ts";
import { auditDetailSchema, auditIdParam, auditPageSchema, auditQuery } from "./schema.ts";

/** Midnight of a date in Japan (the municipality's day). */
const jstMidnight = (date: string, plusDays = 0) =>
  new Date(Date.parse(`${date}T00:00:00+09:00`) + plusDays * 86_400_000);

const item = (
  r: Awaited<ReturnType<ReturnType<typeof createAuditRepository>["list"]>>[number],
) => ({
  id: r.id,
  at: r.at.toISOString(),
  actorUserId: r.actorUserId,
  actor: r.actor,
  action: r.action,
  actionName: auditActionName(r.action),
  target: r.target,
  personId: r.personId,
  clientAddress: r.clientAddress,
  purpose: r.purpose,
});

export const auditRoutes = createRouter()
  .openapi(
    policyRoute("audit.read", {
      method: "get",
      path: "/",
      tags: ["監査"],
      summary: "監査ログ（新しい順、利用者・操作・こども・期間で絞り込み、キーセットページング）",
      request: { query: auditQuery },
      responses: { 200: json(auditPageSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const q = c.req.valid("query");
      const db = c.get("deps").db;
      const audit = createAuditRepository(db);
      const [rows, chain, users] = await Promise.all([
        // One more than the page: whether an older page exists.
        audit.list({
          municipalityId: actor.municipalityId,
          limit: q.limit + 1,
          beforeId: q.before,
          action: q.action,
          actorUserId: q.user,
          personId: q.person,
          since: q.from ? jstMidnight(q.from) : undefined,
          until: q.to ? jstMidnight(q.to, 1) : undefined,
        }),
        audit.verifyChain(),
        createUserRepository(db).list(actor.municipalityId),
      ]);
      const page = rows.slice(0, q.limit);
      // Reading the audit log is itself an audited view (with its filters).
      await audit.append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "audit.view",
        clientAddress: clientAddress(c),
        detail: {
          count: page.length,
          filter: {
            action: q.action ?? null,
            user: q.user ?? null,
            person: q.person ?? null,
            from: q.from ?? null,
            to: q.to ?? null,
            before: q.before ?? null,
          },
        },
      });
      return c.json(
        {
          items: page.map(item),
          nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
          chain: { ok: chain.ok, rows: chain.rows, firstBadId: chain.firstBadId },
          actions: [...AUDIT_ACTIONS],
          users: users.map((u) => ({
            id: u.id,
            loginName: u.loginName,
            displayName: u.displayName,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("audit.read", {
      method: "get",
      path: "/{id}",
      tags: ["監査"],
      summary: "監査ログの 1 件（詳細を含む）",
      request: { params: auditIdParam },
      responses: { 200: json(auditDetailSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { id } = c.req.valid("param");
      const audit = createAuditRepository(c.get("deps").db);
      const row = await audit.find(actor.municipalityId, id);
      if (!row) {
        throw new MimamoriError(
          "not_found",
          "指定された記録はありません。一覧から開き直してください。",
        );
      }
      await audit.append({
        municipalityId: actor.municipalityId,
        actorUserId: actor.userId,
        actor: actor.loginName,
        action: "audit.view",
        target: `audit:${id}`,
        clientAddress: clientAddress(c),
        detail: { count: 1 },
      });
      return c.json({ ...item(row), detail: row.detail }, 200);
    },
  );
