import { getCookie } from "hono/cookie";
import { createAccountRepository } from "../../../db/account.repository.ts";
import { requiresSecondFactor } from "../../../domain/account-policy.ts";
import { PASSWORD_RULES } from "../../../domain/password-policy.ts";
import { ROLE_LABELS, ROLES } from "../../../domain/policy/index.ts";
import {
  challengeOf,
  clearChallengeCookie,
  setChallengeCookie,
} from "../../auth/challenge-cookie.ts";
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from "../../auth/middleware.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
} from "../../openapi/route.ts";
import {
  completeLoginChallenge,
  confirmEnrolment,
  reauthenticate,
  regenerateRecoveryCodes,
  startEnrolment,
  startOwnEnrolment,
  turnOffOwnSecondFactor,
} from "../../services/account.service.ts";
import {
  beginLogin,
  changePassword,
  type LoginResult,
  logout,
  toCurrentUser,
} from "../../services/auth.service.ts";
import {
  changePasswordBody,
  codeBody,
  enrolmentDoneSchema,
  enrolmentSchema,
  loginBody,
  loginResponseSchema,
  okSchema,
  reauthBody,
  reauthResponseSchema,
  recoveryCodesSchema,
  secondFactorStatusSchema,
  sessionInfoSchema,
} from "./schema.ts";

const roleCatalog = ROLES.map((id) => ({ id, label: ROLE_LABELS[id] }));
const passwordRules = PASSWORD_RULES.map((r) => ({ ...r }));
const tags = ["認証"];

export const authRoutes = createRouter()
  .openapi(
    policyRoute("public", {
      method: "post",
      path: "/login",
      tags,
      summary: "ログイン",
      description:
        "成功するとセッション Cookie を設定し、csrfToken を返します。user.mustChangePassword が true のときは POST /api/auth/password で変更するまで他の操作はできません。二要素認証が必要なときはセッションの代わりに secondFactorRequired（totp または enrol）と csrfToken を返します: totp は POST /api/auth/second-factor、enrol は POST /api/auth/second-factor/enrolment と POST /api/auth/second-factor/enrolment/confirm で完了します。ログイン時に送られた既存のセッションは終了します（セッション固定の防止）。",
      request: { body: jsonBody(loginBody) },
      responses: { 200: json(loginResponseSchema) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const deps = c.get("deps");
      const outcome = await beginLogin(deps, {
        ...body,
        clientAddress: clientAddress(c),
        previousToken: getCookie(c, SESSION_COOKIE),
      });
      if (outcome.kind === "challenge") {
        clearSessionCookie(c);
        setChallengeCookie(c, outcome.challengeToken, deps.secureCookies);
        return c.json(
          { secondFactorRequired: outcome.secondFactor, csrfToken: outcome.csrfToken },
          200,
        );
      }
      return c.json(sessionAnswer(c, outcome), 200);
    },
  )
  .openapi(
    policyRoute("public", {
      method: "post",
      path: "/second-factor",
      tags,
      summary: "ログインの 2 段階目（認証アプリのコード）",
      description:
        "ログインで secondFactorRequired: totp が返ったあと、5 分以内に認証アプリの 6 桁のコード（または未使用の回復コード）を送ります。X-CSRF-Token にはログインの応答の csrfToken を付けます。5 回間違えるとログインからやり直しです。",
      request: { body: jsonBody(codeBody) },
      responses: { 200: json(sessionInfoSchema) },
    }),
    async (c) => {
      const { code } = c.req.valid("json");
      const deps = c.get("deps");
      const result = await completeLoginChallenge(deps, {
        ...challengeOf(c),
        code,
        clientAddress: clientAddress(c),
      });
      clearChallengeCookie(c);
      return c.json(sessionAnswer(c, result), 200);
    },
  )
  .openapi(
    policyRoute("public", {
      method: "post",
      path: "/second-factor/enrolment",
      tags,
      summary: "ログイン中の二要素認証の登録開始",
      description:
        "ログインで secondFactorRequired: enrol が返ったあと（管理者・総括管理は必須）、認証アプリに登録する秘密鍵を発行します。秘密鍵はこの一度だけ表示されます。",
      responses: { 200: json(enrolmentSchema) },
    }),
    async (c) => {
      return c.json(await startEnrolment(c.get("deps"), challengeOf(c)), 200);
    },
  )
  .openapi(
    policyRoute("public", {
      method: "post",
      path: "/second-factor/enrolment/confirm",
      tags,
      summary: "ログイン中の二要素認証の登録完了",
      description:
        "認証アプリに表示されたコードで登録を確認するとログインが完了し、回復コード 10 個（この一度だけ表示）とセッションを返します。",
      request: { body: jsonBody(codeBody) },
      responses: { 200: json(enrolmentDoneSchema) },
    }),
    async (c) => {
      const { code } = c.req.valid("json");
      const deps = c.get("deps");
      const done = await confirmEnrolment(deps, challengeOf(c), {
        code,
        clientAddress: clientAddress(c),
      });
      clearChallengeCookie(c);
      return c.json(
        {
          recoveryCodes: done.recoveryCodes,
          session: done.session ? sessionAnswer(c, done.session) : null,
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute(
      "authenticated",
      {
        method: "post",
        path: "/logout",
        tags,
        summary: "ログアウト",
        responses: { 200: json(okSchema) },
      },
      { allowPendingPassword: true },
    ),
    async (c) => {
      const session = c.get("session");
      if (session) await logout(c.get("deps"), session.token, session.user);
      clearSessionCookie(c);
      return c.json({ ok: true as const }, 200);
    },
  )
  .openapi(
    policyRoute(
      "authenticated",
      {
        method: "get",
        path: "/me",
        tags,
        summary: "ログイン中の利用者",
        responses: { 200: json(sessionInfoSchema) },
      },
      { allowPendingPassword: true },
    ),
    async (c) => {
      actorOf(c);
      const session = c.get("session");
      if (!session) throw new Error("unreachable: authorize() requires a session");
      return c.json(
        {
          user: await toCurrentUser(c.get("deps").db, session.user),
          csrfToken: session.csrfToken,
          roleCatalog,
          passwordRules,
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute(
      "authenticated",
      {
        method: "post",
        path: "/password",
        tags,
        summary: "パスワードの変更",
        request: { body: jsonBody(changePasswordBody) },
        responses: { 200: json(sessionInfoSchema) },
      },
      { allowPendingPassword: true },
    ),
    async (c) => {
      const session = c.get("session");
      if (!session) throw new Error("unreachable: authorize() requires a session");
      const body = c.req.valid("json");
      const deps = c.get("deps");
      await changePassword(deps, { user: session.user, token: session.token, ...body });
      const fresh = { ...session.user, mustChangePassword: false };
      return c.json(
        {
          user: await toCurrentUser(deps.db, fresh),
          csrfToken: session.csrfToken,
          roleCatalog,
          passwordRules,
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "get",
      path: "/second-factor",
      tags,
      summary: "自分の二要素認証の状態",
      responses: { 200: json(secondFactorStatusSchema) },
    }),
    async (c) => {
      const session = c.get("session");
      if (!session) throw new Error("unreachable: authorize() requires a session");
      const accounts = createAccountRepository(c.get("deps").db);
      const state = await accounts.totpState(session.user.id);
      return c.json(
        {
          enrolled: state.secret !== null,
          required: requiresSecondFactor(session.user.roles) || state.mustEnrol,
          recoveryCodesLeft: await accounts.unusedRecoveryCodes(session.user.id),
        },
        200,
      );
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "post",
      path: "/second-factor/setup",
      tags,
      summary: "二要素認証の登録開始・認証アプリの変更（ログイン中、本人確認つき）",
      description:
        "パスワードと、登録済みなら認証アプリの今のコード（または未使用の回復コード）で本人確認してから、新しい秘密鍵を発行します（この一度だけ表示）。POST /api/auth/second-factor/setup/confirm で確認するまで、今の設定は変わりません。",
      request: { body: jsonBody(reauthBody) },
      responses: { 200: json(enrolmentSchema) },
    }),
    async (c) => {
      const session = c.get("session");
      if (!session) throw new Error("unreachable: authorize() requires a session");
      const body = c.req.valid("json");
      return c.json(
        await startOwnEnrolment(c.get("deps"), {
          user: session.user,
          password: body.password,
          code: body.code,
          clientAddress: clientAddress(c),
        }),
        200,
      );
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "post",
      path: "/second-factor/recovery-codes",
      tags,
      summary: "回復コードの再発行（本人確認つき）",
      description:
        "パスワードと認証アプリの今のコードで本人確認してから、新しい回復コード 10 個を返します（この一度だけ表示）。前の回復コードは使えなくなります。",
      request: { body: jsonBody(reauthBody) },
      responses: { 200: json(recoveryCodesSchema) },
    }),
    async (c) => {
      const session = c.get("session");
      if (!session) throw new Error("unreachable: authorize() requires a session");
      const body = c.req.valid("json");
      const recoveryCodes = await regenerateRecoveryCodes(c.get("deps"), {
        user: session.user,
        password: body.password,
        code: body.code,
        clientAddress: clientAddress(c),
      });
      return c.json({ recoveryCodes }, 200);
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "post",
      path: "/second-factor/disable",
      tags,
      summary: "二要素認証を止める（必須でない役割のみ、本人確認つき）",
      description:
        "システム管理者・総括管理、または管理者のリセット後で登録待ちの利用者は止められません（403）。パスワードと認証アプリの今のコードが必要です。ほかの端末のセッションは終了します。",
      request: { body: jsonBody(reauthBody) },
      responses: { 200: json(okSchema) },
    }),
    async (c) => {
      const session = c.get("session");
      if (!session) throw new Error("unreachable: authorize() requires a session");
      const body = c.req.valid("json");
      await turnOffOwnSecondFactor(c.get("deps"), {
        user: session.user,
        token: session.token,
        password: body.password,
        code: body.code,
        clientAddress: clientAddress(c),
      });
      return c.json({ ok: true as const }, 200);
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "post",
      path: "/second-factor/setup/confirm",
      tags,
      summary: "二要素認証の登録完了（ログイン中）",
      description:
        "コードを確認して登録し、回復コード 10 個を返します（この一度だけ表示）。ほかの端末のセッションは終了します。",
      request: { body: jsonBody(codeBody) },
      responses: { 200: json(enrolmentDoneSchema) },
    }),
    async (c) => {
      const session = c.get("session");
      if (!session) throw new Error("unreachable: authorize() requires a session");
      const { code } = c.req.valid("json");
      const done = await confirmEnrolment(
        c.get("deps"),
        { user: session.user, token: session.token },
        { code, clientAddress: clientAddress(c) },
      );
      return c.json({ recoveryCodes: done.recoveryCodes, session: null }, 200);
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "post",
      path: "/reauth",
      tags,
      summary: "本人確認（パスワードの再入力）",
      description:
        "出力や緊急時の閲覧（break-the-glass）の前に必要です（10 分間有効）。成功するとセッションの Cookie と csrfToken が新しくなります。",
      request: { body: jsonBody(reauthBody) },
      responses: { 200: json(reauthResponseSchema) },
    }),
    async (c) => {
      const session = c.get("session");
      if (!session) throw new Error("unreachable: authorize() requires a session");
      const body = c.req.valid("json");
      const deps = c.get("deps");
      const r = await reauthenticate(deps, {
        user: session.user,
        token: session.token,
        password: body.password,
        code: body.code,
        clientAddress: clientAddress(c),
      });
      setSessionCookie(c, r.token, deps.secureCookies);
      return c.json({ csrfToken: r.csrfToken, authenticatedAt: deps.now().toISOString() }, 200);
    },
  );

/** Sets the session cookie and shapes the session answer of a completed login. */
function sessionAnswer(c: Parameters<typeof setSessionCookie>[0], result: LoginResult) {
  setSessionCookie(c, result.token, (c.get("deps") as { secureCookies: boolean }).secureCookies);
  return { user: result.user, csrfToken: result.csrfToken, roleCatalog, passwordRules };
}
