import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createAccountRepository } from "../../../db/account.repository.ts";
import { createUserRepository, type UserRow } from "../../../db/user.repository.ts";
import { INVENTORY_FLAGS, inventoryFlags } from "../../../domain/accounts/inventory.ts";
import { COUNCIL_ONLY_SOURCES, isRole } from "../../../domain/policy/index.ts";
import { loadSources } from "../../../pipeline/sources.ts";
import type { AppEnv } from "../../app-env.ts";
import { auditRequest } from "../../audit.ts";
import { csvDocument, csvDownload, csvResponses, exportPurposeBody } from "../../openapi/csv.ts";
import { requireReauth } from "../../openapi/reauth.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
} from "../../openapi/route.ts";
import { createUserWithTemporaryPassword } from "../../services/user.service.ts";
import {
  changeRoles,
  disableUser,
  enableUser,
  endUserSessions,
  resetPassword,
  resetUserSecondFactor,
  setImportSources,
} from "../../services/user-admin.service.ts";
import {
  changeRolesBody,
  createdUserSchema,
  createUserBody,
  importSourceChoiceSchema,
  importSourcesBody,
  inventorySchema,
  secondFactorResetBody,
  secondFactorResetSchema,
  sessionsEndedSchema,
  userIdParam,
  userSummarySchema,
} from "./schema.ts";

export const summary = (u: UserRow): z.infer<typeof userSummarySchema> => ({
  id: u.id,
  loginName: u.loginName,
  displayName: u.displayName,
  roles: u.roles.filter(isRole),
  council: u.council,
  affiliation: u.affiliation,
  importSources: u.importSources ?? null,
  mustChangePassword: u.mustChangePassword,
  disabled: u.disabled,
  lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
  email: u.email ?? null,
});

const tags = ["利用者"];

/** Who acts on which user from where: what every user-admin service call takes. */
function onUser(c: Context<AppEnv>, userId: number) {
  const a = actorOf(c);
  return {
    actor: { id: a.userId, loginName: a.loginName, municipalityId: a.municipalityId },
    userId,
    clientAddress: clientAddress(c),
  };
}

/** The inventory with its flags (one reading of the clock for every row). */
async function inventoryOf(c: Context<AppEnv>) {
  const actor = actorOf(c);
  const now = c.get("deps").now();
  const rows = await createAccountRepository(c.get("deps").db).inventory(actor.municipalityId, now);
  const items = rows.map((r) => ({
    id: r.id,
    loginName: r.loginName,
    displayName: r.displayName,
    roles: r.roles,
    affiliation: r.affiliation,
    council: r.council,
    secondFactor: r.secondFactor,
    lastLoginAt: r.lastLoginAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    disabled: r.disabled,
    mustChangePassword: r.mustChangePassword,
    lockedUntil: r.lockedUntil?.toISOString() ?? null,
    activeSessions: r.activeSessions,
    flags: inventoryFlags(r, now).map((id) => ({ id, label: INVENTORY_FLAGS[id] })),
  }));
  return { at: now.toISOString(), items, flagged: items.filter((i) => i.flags.length > 0).length };
}

const yesNo = (b: boolean) => (b ? "はい" : "いいえ");

export const userRoutes = createRouter()
  .openapi(
    policyRoute("audit.read", {
      method: "get",
      path: "/inventory",
      tags,
      summary:
        "利用者の棚卸（役割・所属・要対協・二要素認証・最終ログイン・作成・無効・セッション、注意点）",
      description:
        "定期的な棚卸のための一覧です。注意点: 90日以上ログインなし、管理者・総括管理で二要素認証なし、仮パスワードのまま、ロック中、無効なのにセッションあり。閲覧は監査ログに記録されます。",
      responses: { 200: json(inventorySchema) },
    }),
    async (c) => {
      const inventory = await inventoryOf(c);
      await auditRequest(c, {
        action: "user.inventory",
        detail: { accounts: inventory.items.length, flagged: inventory.flagged },
      });
      return c.json(inventory, 200);
    },
  )
  .openapi(
    policyRoute("audit.read", {
      method: "post",
      path: "/inventory/export",
      tags,
      summary: "利用者の棚卸表の CSV 出力（目的の入力と本人確認が必要）",
      description:
        "UTF-8（BOM 付き）。数式として解釈される文字で始まるセルには ' を付けます。目的は監査ログに記録されます。出力の前 10 分以内の本人確認（POST /api/auth/reauth）が必要です。",
      request: { body: jsonBody(exportPurposeBody) },
      responses: csvResponses,
    }),
    async (c) => {
      const { purpose } = c.req.valid("json");
      await requireReauth(c, "audit.read");
      const inventory = await inventoryOf(c);
      await auditRequest(c, {
        action: "user.inventory_export",
        purpose,
        detail: { accounts: inventory.items.length, flagged: inventory.flagged },
      });
      const header = [
        "利用者番号",
        "ログイン名",
        "表示名",
        "役割",
        "所属",
        "要対協",
        "二要素認証",
        "最終ログイン",
        "作成",
        "無効",
        "仮パスワード",
        "ロック",
        "セッション数",
        "注意点",
      ];
      const rows = inventory.items.map((i) => [
        i.id,
        i.loginName,
        i.displayName,
        i.roles.join(" "),
        i.affiliation,
        yesNo(i.council),
        yesNo(i.secondFactor),
        i.lastLoginAt,
        i.createdAt,
        yesNo(i.disabled),
        yesNo(i.mustChangePassword),
        i.lockedUntil,
        i.activeSessions,
        i.flags.map((f) => f.label).join(" / "),
      ]);
      return csvDownload(csvDocument(header, rows), `tanaoroshi-${inventory.at.slice(0, 10)}.csv`);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "get",
      path: "/",
      tags,
      summary: "利用者の一覧",
      responses: { 200: json(z.array(userSummarySchema)) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const users = await createUserRepository(c.get("deps").db).list(actor.municipalityId);
      return c.json(users.map(summary), 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "post",
      path: "/",
      tags,
      summary: "利用者の追加（仮パスワードを一度だけ返す）",
      request: { body: jsonBody(createUserBody) },
      responses: { 201: json(createdUserSchema, "作成した") },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const created = await createUserWithTemporaryPassword(c.get("deps").db, {
        municipalityId: actor.municipalityId,
        loginName: body.loginName,
        displayName: body.displayName,
        roles: body.roles,
        council: body.council,
        affiliation: body.affiliation || null,
        actor: { id: actor.userId, loginName: actor.loginName },
      });
      return c.json(
        { user: summary(created.user), temporaryPassword: created.temporaryPassword },
        201,
      );
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "post",
      path: "/{id}/disable",
      tags,
      summary: "利用者を無効にする（ログイン中のセッションもすぐに終了）",
      request: { params: userIdParam },
      responses: { 200: json(userSummarySchema) },
    }),
    async (c) => {
      const user = await disableUser(c.get("deps").db, {
        ...onUser(c, c.req.valid("param").id),
      });
      return c.json(summary(user), 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "post",
      path: "/{id}/enable",
      tags,
      summary: "無効にした利用者を有効に戻す",
      request: { params: userIdParam },
      responses: { 200: json(userSummarySchema) },
    }),
    async (c) => {
      const user = await enableUser(c.get("deps").db, {
        ...onUser(c, c.req.valid("param").id),
      });
      return c.json(summary(user), 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "post",
      path: "/{id}/password-reset",
      tags,
      summary:
        "パスワードを仮パスワードに再設定（一度だけ表示、次のログインで変更、セッション終了）",
      request: { params: userIdParam },
      responses: { 200: json(createdUserSchema) },
    }),
    async (c) => {
      const r = await resetPassword(c.get("deps").db, {
        ...onUser(c, c.req.valid("param").id),
      });
      return c.json({ user: summary(r.user), temporaryPassword: r.temporaryPassword }, 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "put",
      path: "/{id}/roles",
      tags,
      summary: "役割・要対協構成員・所属を変更（セッション終了）",
      request: { params: userIdParam, body: jsonBody(changeRolesBody) },
      responses: { 200: json(userSummarySchema) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const user = await changeRoles(c.get("deps").db, {
        ...onUser(c, c.req.valid("param").id),
        roles: body.roles,
        council: body.council,
        affiliation: body.affiliation || null,
      });
      return c.json(summary(user), 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "get",
      path: "/import-source-choices",
      tags,
      summary: "データ提供の利用者に設定できるデータの種類（この自治体の取り込み元）",
      responses: { 200: json(z.array(importSourceChoiceSchema)) },
    }),
    async (c) => {
      const sources = await loadSources(c.get("deps").db, actorOf(c).municipalityId);
      return c.json(
        sources.layouts.map((l) => ({
          id: l.id,
          name: l.name,
          councilOnly: COUNCIL_ONLY_SOURCES.includes(l.id),
        })),
        200,
      );
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "put",
      path: "/{id}/import-sources",
      tags,
      summary: "データ提供の利用者が取り込めるデータを設定（セッション終了）",
      request: { params: userIdParam, body: jsonBody(importSourcesBody) },
      responses: { 200: json(userSummarySchema) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const user = await setImportSources(c.get("deps").db, {
        ...onUser(c, c.req.valid("param").id),
        sources: body.sources,
      });
      return c.json(summary(user), 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "post",
      path: "/{id}/sessions/end",
      tags,
      summary: "利用者のセッションをすべて終了（次の操作でログインが必要）",
      request: { params: userIdParam },
      responses: { 200: json(sessionsEndedSchema) },
    }),
    async (c) => {
      const n = await endUserSessions(c.get("deps").db, {
        ...onUser(c, c.req.valid("param").id),
      });
      return c.json({ sessionsEnded: n }, 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "post",
      path: "/{id}/second-factor/reset",
      tags,
      summary: "二要素認証をリセット（理由必須、次のログインで登録し直し、セッション終了）",
      description:
        "端末の紛失などのときに使います。秘密鍵と回復コードを消し、次のログインで認証アプリの登録を必ず求めます（役割にかかわらず）。利用者のセッションはすべて終了します。理由とともに監査ログに残ります。",
      request: { params: userIdParam, body: jsonBody(secondFactorResetBody) },
      responses: { 200: json(secondFactorResetSchema) },
    }),
    async (c) => {
      const r = await resetUserSecondFactor(c.get("deps").db, {
        ...onUser(c, c.req.valid("param").id),
        reason: c.req.valid("json").reason,
      });
      return c.json({ user: summary(r.user), sessionsEnded: r.sessionsEnded }, 200);
    },
  );
