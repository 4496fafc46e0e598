/**
 * The municipality's case-retention setting (issue 12, lifecycle): how long a
 * closed case is kept (years after closing, and until the child reaches an
 * age). 総括管理 and the system administrator set it (settings.manage, with a
 * reason; audited as retention.case_policy); `mimamori retention --cases`
 * applies it (docs/operations.md).
 */
import {
  createCaseRetentionRepository,
  type StoredCaseRetention,
} from "../../../db/case-retention.repository.ts";
import { DEFAULT_CASE_RETENTION } from "../../../pipeline/case-retention.ts";
import { auditRequest } from "../../audit.ts";
import { actorOf, createRouter, json, jsonBody, policyRoute } from "../../openapi/route.ts";
import { caseRetentionSchema, saveCaseRetentionBody } from "./schema.ts";

const tags = ["保存期間"];

const out = (s: StoredCaseRetention | undefined) => ({
  closedYears: s?.closedYears ?? DEFAULT_CASE_RETENTION.closedYears,
  untilAge: s ? s.untilAge : DEFAULT_CASE_RETENTION.untilAge,
  stored: s !== undefined,
  updatedAt: s ? s.updatedAt.toISOString() : null,
  updatedBy: s ? s.actor : null,
  defaults: { ...DEFAULT_CASE_RETENTION },
});

/** Mounted at /api/case-retention. */
export const caseRetentionRoutes = createRouter()
  .openapi(
    policyRoute("settings.manage", {
      method: "get",
      path: "/",
      tags,
      summary: "終結ケースの保存期間（この自治体の設定）",
      responses: { 200: json(caseRetentionSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const stored = await createCaseRetentionRepository(c.get("deps").db).getSetting(
        actor.municipalityId,
      );
      return c.json(out(stored), 200);
    },
  )
  .openapi(
    policyRoute("settings.manage", {
      method: "put",
      path: "/",
      tags,
      summary: "終結ケースの保存期間の保存（理由が必要）",
      description:
        "`mimamori retention --cases` がこの設定で終結ケースを削除します。変更は監査ログに記録されます。",
      request: { body: jsonBody(saveCaseRetentionBody) },
      responses: { 200: json(caseRetentionSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const repo = createCaseRetentionRepository(c.get("deps").db);
      const before = await repo.getSetting(actor.municipalityId);
      const saved = await repo.saveSetting(
        actor.municipalityId,
        { closedYears: body.closedYears, untilAge: body.untilAge },
        actor.loginName,
      );
      await auditRequest(c, {
        action: "retention.case_policy",
        target: `municipality:${actor.municipalityId}`,
        detail: {
          note: body.note,
          before: before ? { closedYears: before.closedYears, untilAge: before.untilAge } : null,
          after: { closedYears: saved.closedYears, untilAge: saved.untilAge },
        },
      });
      return c.json(out(saved), 200);
    },
  );
