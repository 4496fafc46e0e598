/**
 * 検証 (issue 11): the validation report of a run — item × type table with
 * ●/◆ and BH q, rule evaluation with calibration, funnel, fairness, model
 * cards — as JSON for the page and as the printable HTML of
 * `mimamori stats validate` (a download). Counts and statistics only, no
 * person; `stats.view`. For non-members of 要対協 the report is built without
 * B01/B02 and without the 虐待 抽出群 (services/validation-view.service.ts).
 * Every view is audited (`stats.validate`).
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { validationHtml } from "../../../domain/stats/validation-render.ts";
import type { AppEnv } from "../../app-env.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  policyRoute,
  scopeOfRequest,
} from "../../openapi/route.ts";
import { loadValidationReport, validationView } from "../../services/validation-view.service.ts";
import { validationParam, validationResponse } from "./schema.ts";

const tags = ["検証"];

async function auditView(
  c: Context<AppEnv>,
  runId: number,
  detail: Record<string, string | number | boolean>,
) {
  const actor = actorOf(c);
  await createAuditRepository(c.get("deps").db).append({
    municipalityId: actor.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "stats.validate",
    target: `score_run:${runId}`,
    clientAddress: clientAddress(c),
    detail,
  });
}

export const validationRoutes = createRouter()
  .openapi(
    policyRoute("stats.view", {
      method: "get",
      path: "/{runId}",
      tags,
      summary: "検証報告（データ項目 × 類型の検定、規則の評価、流れ、公平性、モデルカード）",
      description:
        "`mimamori stats validate` と同じ計算。件数と統計量のみ。要対協構成員でない利用者には B01・B02 と虐待の抽出群を除いて計算した報告を返します（q 値もそれらを除いた検定の中で計算）。",
      request: { params: validationParam },
      responses: { 200: json(validationResponse) },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { runId } = c.req.valid("param");
      const loaded = await loadValidationReport(c.get("deps").db, scope, runId);
      if (!loaded) {
        if (runId !== "latest") noRun(runId);
        return c.json(
          {
            run: null,
            municipality: "",
            children: 0,
            alpha: 0.05,
            councilHidden: !scope.council,
            items: [],
            groups: [],
            registerMissing: false,
            review: [],
            validation: [],
            rules: [],
            capacity: null,
            funnel: [],
            decisionLabels: [],
            laterCouncil: null,
            fairnessGroups: [],
            fairness: [],
            modelCards: [],
          },
          200,
        );
      }
      const view = validationView(loaded.report, loaded.run, scope);
      await auditView(c, loaded.run.id, {
        view: "page",
        tests: view.validation.length,
        councilHidden: view.councilHidden,
      });
      return c.json(view, 200);
    },
  )
  .openapi(
    policyRoute("stats.view", {
      method: "get",
      path: "/{runId}/report.html",
      tags,
      summary: "検証報告の印刷用 HTML（ダウンロード）",
      description:
        "`mimamori stats validate` の report.html と同じ形式。要対協構成員でない利用者には B01・B02 を除いた報告。",
      request: { params: validationParam },
      responses: {
        200: {
          description: "自己完結した HTML（外部の読み込みなし）",
          content: { "text/html": { schema: z.string() } },
        },
      },
    }),
    async (c) => {
      const scope = scopeOfRequest(c);
      const { runId } = c.req.valid("param");
      const loaded = await loadValidationReport(c.get("deps").db, scope, runId);
      if (!loaded) noRun(runId);
      await auditView(c, loaded.run.id, { view: "html", councilHidden: !scope.council });
      return c.body(validationHtml(loaded.report), 200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Disposition": `attachment; filename="validation-${loaded.run.id}.html"`,
        "Cache-Control": "no-store",
      });
    },
  );

function noRun(runId: string): never {
  throw new MimamoriError(
    "not_found",
    runId === "latest"
      ? "判定の結果がありません。データを取り込んだ後に月次実行（mimamori run）で判定してください。"
      : `判定の実行番号 ${runId} はありません。実行番号を確認してください。`,
  );
}
