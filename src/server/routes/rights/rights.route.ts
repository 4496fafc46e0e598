/**
 * Rights of the people concerned (issue 12), for the coordinating office
 * (`rights.manage`):
 * - POST /api/rights/{personId}/disclosure — 開示: everything held about the
 *   person as one JSON file (identity, every linked source row, the items that
 *   hold, scores for members, who looked at the record, break-the-glass
 *   accesses, 利用停止). Purpose-free but re-authenticated and audited.
 * - POST /api/rights/{personId}/stop and /resume — 利用停止 and its lifting,
 *   with the reason (e.g. the request's 受付番号); from the next run the
 *   person is left out of scoring, lists and validation (pipeline/score.ts
 *   readPopulation); the imported rows are kept. Audited.
 * - GET /api/rights/stops — the stops, newest first.
 * 訂正 is made where the data is: the department corrects its file or enters
 * the corrected row by hand (imports, manual entry); the import history is the
 * trail and the next run uses it (docs/security.md).
 */
import { createRightsRepository, type UsageStopRow } from "../../../db/rights.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { auditRequest } from "../../audit.ts";
import { requireReauth } from "../../openapi/reauth.ts";
import {
  actorOf,
  createRouter,
  json,
  jsonBody,
  policyRoute,
  refuseAsNotFound,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { findRun } from "../../services/run-view.service.ts";
import {
  disclosureSchema,
  rightsPersonParam,
  rightsReasonBody,
  usageStopListSchema,
  usageStopSchema,
} from "./schema.ts";

const tags = ["本人の権利"];
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const stopView = (s: UsageStopRow) => ({
  ...s,
  stoppedAt: new Date(s.stoppedAt).toISOString(),
  liftedAt: iso(s.liftedAt),
});

export const rightsRoutes = createRouter()
  .openapi(
    policyRoute("rights.manage", {
      method: "post",
      path: "/{personId}/disclosure",
      tags,
      summary: "開示: 本人について保有する情報の一式（JSON ファイル、本人確認が必要、監査に記録）",
      description:
        "要対協・一時保護の情報は構成員が作成した場合にだけ含まれます（不開示情報に当たるかは個人情報保護法 78 条により別途判断してください）。",
      request: { params: rightsPersonParam },
      responses: { 200: json(disclosureSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const scope = scopeOfRequest(c);
      const { personId } = c.req.valid("param");
      await requireReauth(c, "rights.manage");
      const db = c.get("deps").db;
      const run = await findRun(db, actor.municipalityId, "latest");
      if (!run)
        throw new MimamoriError(
          "not_found",
          "判定の結果がありません。先に月次実行を行ってください。",
        );
      const d = await createRightsRepository(db).disclosure(scope, run, personId);
      if (!d) return refuseAsNotFound(c, `person:${personId}`, "指定された本人は見つかりません。");
      await auditRequest(c, {
        action: "rights.disclosure",
        target: `person:${personId}`,
        personId,
        detail: { records: d.records.length, items: d.items.length, council: scope.council },
      });
      const body = {
        kind: "mimamori-disclosure" as const,
        generatedAt: new Date().toISOString(),
        municipalityId: actor.municipalityId,
        scoreRunId: run.id,
        note: scope.council
          ? "要対協・一時保護の情報を含みます（作成者は要対協の構成員）。"
          : "要対協・一時保護の情報と点数は含みません（作成者は要対協の構成員ではありません）。",
        ...d,
        usageStops: d.usageStops.map(stopView),
      };
      c.header("Content-Disposition", `attachment; filename="disclosure-${personId}.json"`);
      c.header("Cache-Control", "no-store");
      return c.json(body, 200);
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "post",
      path: "/{personId}/stop",
      tags,
      summary: "利用停止: 次回の実行から判定・一覧・検証の対象外にする（データは保存したまま）",
      request: { params: rightsPersonParam, body: jsonBody(rightsReasonBody) },
      responses: { 200: json(usageStopSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { personId } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const s = await createRightsRepository(c.get("deps").db).stop(
        actor.municipalityId,
        personId,
        reason,
        actor.loginName,
      );
      if (!s)
        throw new MimamoriError("conflict", "この本人はすでに利用停止中です。", [
          "already_stopped",
        ]);
      await auditRequest(c, {
        action: "rights.stop",
        target: `person:${personId}`,
        personId,
        purpose: reason,
      });
      return c.json(stopView(s), 200);
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "post",
      path: "/{personId}/resume",
      tags,
      summary: "利用停止の解除（理由が必要。次回の実行から対象に戻る）",
      request: { params: rightsPersonParam, body: jsonBody(rightsReasonBody) },
      responses: { 200: json(usageStopSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { personId } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const s = await createRightsRepository(c.get("deps").db).lift(
        actor.municipalityId,
        personId,
        reason,
        actor.loginName,
      );
      if (!s) throw new MimamoriError("not_found", "この本人は利用停止されていません。");
      await auditRequest(c, {
        action: "rights.resume",
        target: `person:${personId}`,
        personId,
        purpose: reason,
      });
      return c.json(stopView(s), 200);
    },
  )
  .openapi(
    policyRoute("rights.manage", {
      method: "get",
      path: "/stops",
      tags,
      summary: "利用停止の一覧（新しい順、最大 1000 件）",
      responses: { 200: json(usageStopListSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const items = await createRightsRepository(c.get("deps").db).listStops(actor.municipalityId);
      await auditRequest(c, { action: "rights.stops.view", detail: { count: items.length } });
      return c.json({ items: items.map(stopView) }, 200);
    },
  );
