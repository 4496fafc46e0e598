/**
 * 情報収集シート (issue 13, wf-sheets), mounted at /api/sheets:
 * - staff and coordinators (`cases.work`): send one request or one school's
 *   round, list (overdue first), open, withdraw; the returned sheets of one
 *   child (`GET /sheets/children/{personId}`, for the conference screen);
 *   the templates (read; edited with `cases.manage`);
 * - 所属 accounts (`sheets.answer`): their inbox — only requests addressed to
 *   their affiliation, in the recipient's shape (what the sharing mode shares,
 *   no more) — and the answer.
 * A request or child outside the reader's scope is answered like a missing
 * one (refuseAsNotFound, audited); every list and view is audited.
 */

import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import type { AppEnv } from "../../app-env.ts";
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
import {
  createSheetService,
  inboxItem,
  staffItem,
  todayInJapan,
} from "../../services/sheet.service.ts";
import {
  affiliationsSchema,
  answerBody,
  bulkBody,
  bulkResultSchema,
  inboxListSchema,
  inboxQuery,
  inboxRequestSchema,
  listQuery,
  personParam,
  requestIdParam,
  sendBody,
  staffListSchema,
  staffRequestSchema,
  templateBody,
  templateKeyParam,
  templateSchema,
  withdrawBody,
} from "./schema.ts";

const tags = ["情報収集シート"];

async function auditRead(
  c: Context<AppEnv>,
  action: string,
  target: string,
  personId: string | null,
  detail: Record<string, unknown>,
) {
  const actor = actorOf(c);
  const from = clientAddress(c);
  await createAuditRepository(c.get("deps").db).append({
    municipalityId: actor.municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action,
    target,
    personId,
    clientAddress: from,
    detail: { ...detail, from },
  });
}

const senderName = (c: Context<AppEnv>) => {
  const u = c.get("session")?.user;
  return u?.displayName || u?.loginName || "";
};

const NOT_FOUND =
  "指定された情報収集シートは見つかりません（閲覧できる範囲にない場合も同じです）。一覧から開き直してください。";

export const sheetRoutes = createRouter()
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/templates",
      tags,
      summary: "情報収集シートのひな形（困難の種類ごと。自治体で編集したものか組み込み）",
      responses: { 200: json(z.array(templateSchema)) },
    }),
    async (c) => {
      const list = await createSheetService(c.get("deps").db).templates(scopeOfRequest(c));
      return c.json(list, 200);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "put",
      path: "/templates/{key}",
      tags,
      summary: "ひな形の保存（この自治体だけ）",
      request: { params: templateKeyParam, body: jsonBody(templateBody) },
      responses: { 200: json(z.array(templateSchema)) },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const body = c.req.valid("json");
      const service = createSheetService(c.get("deps").db);
      const scope = scopeOfRequest(c);
      await service.saveTemplate(scope, actorOf(c), clientAddress(c), key, body);
      return c.json(await service.templates(scope), 200);
    },
  )
  .openapi(
    policyRoute("cases.manage", {
      method: "delete",
      path: "/templates/{key}",
      tags,
      summary: "ひな形を組み込みに戻す",
      request: { params: templateKeyParam },
      responses: { 200: json(z.array(templateSchema)) },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const service = createSheetService(c.get("deps").db);
      const scope = scopeOfRequest(c);
      await service.saveTemplate(scope, actorOf(c), clientAddress(c), key, null);
      return c.json(await service.templates(scope), 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/affiliations",
      tags,
      summary: "所属アカウントのある依頼先（学校・保育所など）",
      responses: { 200: json(affiliationsSchema) },
    }),
    async (c) => {
      const affiliations = await createSheetService(c.get("deps").db).affiliations(
        scopeOfRequest(c),
      );
      return c.json({ affiliations }, 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/requests",
      tags,
      summary: "情報収集シートを送る（こども1人）",
      description:
        "共有モード: (a) 判定結果と根拠の項目・基準値 / (b) 判定結果と困難の種類 / (c) 氏名だけ。共有する内容は送った時点で確定して記録し、受け取った所属にはそれ以上を返しません。要対協・一時保護の項目（B01・B02）は、どのモードでも共有しません。",
      request: { body: jsonBody(sendBody) },
      responses: { 201: json(staffRequestSchema, "送った") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const r = await createSheetService(c.get("deps").db).send(
        scopeOfRequest(c),
        actorOf(c),
        senderName(c),
        clientAddress(c),
        body,
      );
      if (!r)
        return refuseAsNotFound(
          c,
          `person:${body.personId}`,
          "指定されたこどもは見つかりません（閲覧できる範囲にいない場合も同じです）。",
        );
      return c.json(r, 201);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/requests/bulk",
      tags,
      summary: "一つの所属へまとめて送る（年度初め・夏休み明けの一斉依頼）",
      description:
        "選んだこども、または依頼先に今在籍し最新の判定で基準以上のこども全員に、1人1件の依頼を作ります。閲覧できないこどもが含まれるときは何も送りません。",
      request: { body: jsonBody(bulkBody) },
      responses: { 201: json(bulkResultSchema, "送った") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const r = await createSheetService(c.get("deps").db).sendBulk(
        scopeOfRequest(c),
        actorOf(c),
        senderName(c),
        clientAddress(c),
        body,
      );
      if (r.refused)
        return refuseAsNotFound(
          c,
          `person:${r.refused.join(",")}`,
          "閲覧できる範囲にいないこどもが含まれているため、送りませんでした。こどもを選び直してください。",
        );
      return c.json({ batchId: r.batchId ?? "", ids: r.ids }, 201);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/requests",
      tags,
      summary: "送った情報収集シートの一覧（期限超過が先）",
      description:
        "期限を過ぎた依頼は、その日の最初の一覧表示で依頼先と送った人にアプリ内で通知します。",
      request: { query: listQuery },
      responses: { 200: json(staffListSchema) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const r = await createSheetService(c.get("deps").db).list(scopeOfRequest(c), q);
      await auditRead(c, "sheet.list", "sheet_request", q.personId ?? null, {
        rows: r.rows.length,
        status: q.status ?? null,
      });
      return c.json(
        { total: r.total, today: r.today, requests: r.rows.map((x) => staffItem(x, r.today)) },
        200,
      );
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/requests/{requestId}",
      tags,
      summary: "情報収集シート（依頼の内容と回答）",
      request: { params: requestIdParam },
      responses: { 200: json(staffRequestSchema) },
    }),
    async (c) => {
      const { requestId } = c.req.valid("param");
      const service = createSheetService(c.get("deps").db);
      const r = await service.find(scopeOfRequest(c), requestId);
      if (!r) return refuseAsNotFound(c, `sheet_request:${requestId}`, NOT_FOUND);
      await auditRead(c, "sheet.view", `sheet_request:${requestId}`, r.personId, {});
      return c.json(staffItem(r, todayInJapan()), 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "post",
      path: "/requests/{requestId}/withdraw",
      tags,
      summary: "依頼の取り下げ（依頼先からは見えなくなる）",
      request: { params: requestIdParam, body: jsonBody(withdrawBody) },
      responses: { 200: json(staffRequestSchema) },
    }),
    async (c) => {
      const { requestId } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const r = await createSheetService(c.get("deps").db).withdraw(
        scopeOfRequest(c),
        actorOf(c),
        clientAddress(c),
        requestId,
        reason,
      );
      if (!r) return refuseAsNotFound(c, `sheet_request:${requestId}`, NOT_FOUND);
      return c.json(r, 200);
    },
  )
  .openapi(
    policyRoute("cases.work", {
      method: "get",
      path: "/children/{personId}",
      tags,
      summary: "こども1人の情報収集シート（会議の画面で、返ってきたシートを並べる）",
      description:
        "依頼・回答・取り下げのすべてを新しい順ではなく期限順に返します。閲覧できないこどもは 404（監査ログに記録）。",
      request: { params: personParam },
      responses: { 200: json(staffListSchema) },
    }),
    async (c) => {
      const { personId } = c.req.valid("param");
      const r = await createSheetService(c.get("deps").db).list(scopeOfRequest(c), {
        personId,
        limit: 200,
        offset: 0,
      });
      await auditRead(c, "sheet.list", `person:${personId}`, personId, { rows: r.rows.length });
      return c.json(
        { total: r.total, today: r.today, requests: r.rows.map((x) => staffItem(x, r.today)) },
        200,
      );
    },
  )
  .openapi(
    policyRoute("sheets.answer", {
      method: "get",
      path: "/inbox",
      tags,
      summary: "届いた情報収集シート（自分の所属あての依頼だけ）",
      request: { query: inboxQuery },
      responses: { 200: json(inboxListSchema) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const r = await createSheetService(c.get("deps").db).list(scopeOfRequest(c), q);
      await auditRead(c, "sheet.inbox", "sheet_request", null, { rows: r.rows.length });
      return c.json(
        { total: r.total, today: r.today, requests: r.rows.map((x) => inboxItem(x, r.today)) },
        200,
      );
    },
  )
  .openapi(
    policyRoute("sheets.answer", {
      method: "get",
      path: "/inbox/{requestId}",
      tags,
      summary: "届いた情報収集シート1件（共有モードの範囲の判定結果、質問、回答）",
      request: { params: requestIdParam },
      responses: { 200: json(inboxRequestSchema) },
    }),
    async (c) => {
      const { requestId } = c.req.valid("param");
      const service = createSheetService(c.get("deps").db);
      const r = await service.find(scopeOfRequest(c), requestId);
      if (!r) return refuseAsNotFound(c, `sheet_request:${requestId}`, NOT_FOUND);
      await auditRead(c, "sheet.view", `sheet_request:${requestId}`, r.personId, { mode: r.mode });
      return c.json(inboxItem(r, todayInJapan()), 200);
    },
  )
  .openapi(
    policyRoute("sheets.answer", {
      method: "post",
      path: "/inbox/{requestId}/answer",
      tags,
      summary: "情報収集シートに回答する",
      request: { params: requestIdParam, body: jsonBody(answerBody) },
      responses: { 200: json(inboxRequestSchema) },
    }),
    async (c) => {
      const { requestId } = c.req.valid("param");
      const { answers } = c.req.valid("json");
      const r = await createSheetService(c.get("deps").db).answer(
        scopeOfRequest(c),
        actorOf(c),
        senderName(c),
        clientAddress(c),
        requestId,
        answers,
      );
      if (!r) return refuseAsNotFound(c, `sheet_request:${requestId}`, NOT_FOUND);
      return c.json(r, 200);
    },
  );
