/**
 * Privacy routes of issue 12:
 * - POST /api/analysis/pseudonymised (`stats.pseudonymised`, analysts): the
 *   pseudonymised CSV of the newest run (pipeline/pseudonymise.ts), with a
 *   purpose and re-authentication; audited.
 * - POST /api/break-glass (`breakglass.use`): emergency access to one child
 *   outside the reader's scope — a reason, re-authentication, an expiry; the
 *   opening is audited and appears in the coordinating office's list
 *   (GET /api/break-glass, `breakglass.report`). GET /api/break-glass/mine:
 *   the user's own grants.
 */

import type { Context } from "hono";
import {
  BREAK_GLASS_HOURS_SETTING,
  type BreakGlassRow,
  createBreakGlassRepository,
  DEFAULT_BREAK_GLASS_HOURS,
} from "../../../db/break-glass.repository.ts";
import type { Database } from "../../../db/database.ts";
import { createRunViewRepository } from "../../../db/run-view.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { pseudonymisedCsv } from "../../../pipeline/pseudonymise.ts";
import type { AppEnv } from "../../app-env.ts";
import { auditRequest } from "../../audit.ts";
import { CSV_BOM, csvDownload, csvResponses, exportPurposeBody } from "../../openapi/csv.ts";
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
  breakGlassBody,
  breakGlassListQuery,
  breakGlassListSchema,
  breakGlassPersonParam,
  breakGlassSchema,
  breakGlassTargetSchema,
} from "./schema.ts";

function noRun(): never {
  throw new MimamoriError(
    "not_found",
    "判定の結果がありません。データを取り込んだ後に月次実行（mimamori run）で判定してください。",
  );
}

export const analysisRoutes = createRouter().openapi(
  policyRoute("stats.pseudonymised", {
    method: "post",
    path: "/pseudonymised",
    tags: ["分析"],
    summary: "仮名化データの CSV 出力（分析担当。目的の入力と本人確認が必要）",
    description:
      "最新の判定について、こどもごとに仮名 ID（自治体ごとの鍵による HMAC、鍵は出力されません）・世帯の仮名 ID・生年月・性別・該当項目を返します。氏名・カナ・住所・宛名番号は含みません。要対協の項目（B01・B02）は構成員にだけ含まれます。",
    request: { body: jsonBody(exportPurposeBody) },
    responses: csvResponses,
  }),
  async (c) => {
    const actor = actorOf(c);
    const scope = scopeOfRequest(c);
    const { purpose } = c.req.valid("json");
    await requireReauth(c, "stats.pseudonymised");
    const db = c.get("deps").db;
    const run = await findRun(db, actor.municipalityId, "latest");
    if (!run) noRun();
    let text = CSV_BOM;
    let rows = -1;
    const disclosed = new Set<string>();
    for await (const chunk of pseudonymisedCsv(db, scope, run, disclosed)) {
      text += chunk;
      rows += chunk.split("\r\n").length - 1;
    }
    await auditRequest(c, {
      action: "export.pseudonymised",
      target: `score_run:${run.id}`,
      purpose,
      detail: { rows, council: scope.council },
      disclosed: { persons: disclosed, council: scope.council },
    });
    return csvDownload(text, `pseudonymised-${run.id}.csv`);
  },
);

async function grantHours(db: Database, municipalityId: number): Promise<number> {
  const v = await createRunViewRepository(db).setting(municipalityId, BREAK_GLASS_HOURS_SETTING);
  return typeof v === "number" && v > 0 && v <= 24 ? v : DEFAULT_BREAK_GLASS_HOURS;
}

/** The answer for an id break-the-glass cannot name (also another municipality's, or council-only for a non-member). */
export const BREAK_GLASS_NOT_FOUND =
  "指定されたこどもは見つかりません。緊急時の閲覧は、この自治体の最新の判定にいるこどもにだけ開始できます。番号を確かめるか、検索からこどもを探してください。";

/** Refuses (404, audited) an id break-the-glass cannot name; needs a completed run. */
async function requireTarget(
  c: Context<AppEnv>,
  db: Database,
  municipalityId: number,
  personId: string,
): Promise<void> {
  const run = await findRun(db, municipalityId, "latest");
  if (!run) noRun();
  if (!(await createBreakGlassRepository(db).personExists(municipalityId, run.linkRunId, personId)))
    await refuseAsNotFound(c, `person:${personId}`, BREAK_GLASS_NOT_FOUND);
}

const view = (g: BreakGlassRow) => ({
  ...g,
  openedAt: new Date(g.openedAt).toISOString(),
  expiresAt: new Date(g.expiresAt).toISOString(),
});

export const breakGlassRoutes = createRouter()
  .openapi(
    policyRoute("breakglass.use", {
      method: "post",
      path: "/",
      tags: ["緊急時の閲覧"],
      summary: "緊急時の閲覧（ブレークグラス）を開始（理由と本人確認が必要、期限付き）",
      description:
        "担当外のこども 1 人を、期限（既定 4 時間、自治体の設定 break_glass_hours）まで閲覧できるようにします。理由は監査ログに記録され、総括管理の一覧に表示されます。要対協の情報は構成員でなければ含まれません。",
      request: { body: jsonBody(breakGlassBody) },
      responses: { 200: json(breakGlassSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { personId, reason } = c.req.valid("json");
      const db = c.get("deps").db;
      // The child first: a password asked for an id that names nobody is wasted.
      await requireTarget(c, db, actor.municipalityId, personId);
      await requireReauth(c, "breakglass.use");
      const repo = createBreakGlassRepository(db);
      const hours = await grantHours(db, actor.municipalityId);
      const g = await repo.open({
        municipalityId: actor.municipalityId,
        userId: actor.userId,
        loginName: actor.loginName,
        personId,
        reason,
        hours,
      });
      await auditRequest(c, {
        action: "breakglass.open",
        target: `break_glass:${g.id}`,
        personId,
        purpose: reason,
        detail: { hours, expiresAt: new Date(g.expiresAt).toISOString() },
      });
      return c.json(view(g), 200);
    },
  )
  .openapi(
    policyRoute("breakglass.use", {
      method: "get",
      path: "/persons/{personId}",
      tags: ["緊急時の閲覧"],
      summary: "緊急時の閲覧を開始できるこどもか（こども詳細が 404 のときに画面が確認）",
      description:
        "この自治体の最新の判定にいて、自分が見られる記録のあるこどもなら 200、そうでなければ 404（存在しない・他の自治体・要対協の記録だけのこどもは、構成員でない人には同じ 404）。確認は監査ログに記録されます。",
      request: { params: breakGlassPersonParam },
      responses: { 200: json(breakGlassTargetSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { personId } = c.req.valid("param");
      const db = c.get("deps").db;
      await requireTarget(c, db, actor.municipalityId, personId);
      await auditRequest(c, {
        action: "breakglass.check",
        target: `person:${personId}`,
        personId,
      });
      return c.json({ personId, hours: await grantHours(db, actor.municipalityId) }, 200);
    },
  )
  .openapi(
    policyRoute("breakglass.use", {
      method: "get",
      path: "/mine",
      tags: ["緊急時の閲覧"],
      summary: "自分の緊急時の閲覧（新しい順）",
      request: { query: breakGlassListQuery },
      responses: { 200: json(breakGlassListSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const db = c.get("deps").db;
      const { limit } = c.req.valid("query");
      const items = await createBreakGlassRepository(db).list(
        actor.municipalityId,
        limit,
        actor.userId,
      );
      return c.json(
        { items: items.map(view), hours: await grantHours(db, actor.municipalityId) },
        200,
      );
    },
  )
  .openapi(
    policyRoute("breakglass.report", {
      method: "get",
      path: "/",
      tags: ["緊急時の閲覧"],
      summary: "緊急時の閲覧の報告（総括管理。だれが・どのこどもを・なぜ・いつまで）",
      request: { query: breakGlassListQuery },
      responses: { 200: json(breakGlassListSchema) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const db = c.get("deps").db;
      const { limit } = c.req.valid("query");
      const items = await createBreakGlassRepository(db).list(actor.municipalityId, limit);
      await auditRequest(c, { action: "breakglass.report", detail: { count: items.length } });
      return c.json(
        { items: items.map(view), hours: await grantHours(db, actor.municipalityId) },
        200,
      );
    },
  );
