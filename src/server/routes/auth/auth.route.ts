import { ROLE_LABELS, ROLES } from "../../../domain/policy/index.ts";
import { clearSessionCookie, setSessionCookie } from "../../auth/middleware.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
} from "../../openapi/route.ts";
import { changePassword, login, logout, toCurrentUser } from "../../services/auth.service.ts";
import { changePasswordBody, loginBody, okSchema, sessionInfoSchema } from "./schema.ts";

const roleCatalog = ROLES.map((id) => ({ id, label: ROLE_LABELS[id] }));
const tags = ["認証"];

export const authRoutes = createRouter()
  .openapi(
    policyRoute("public", {
      method: "post",
      path: "/login",
      tags,
      summary: "ログイン",
      description:
        "成功するとセッション Cookie を設定し、csrfToken を返します。user.mustChangePassword が true のときは POST /api/auth/password で変更するまで他の操作はできません。",
      request: { body: jsonBody(loginBody) },
      responses: { 200: json(sessionInfoSchema) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const deps = c.get("deps");
      const result = await login(deps, { ...body, clientAddress: clientAddress(c) });
      setSessionCookie(c, result.token, deps.secureCookies);
      return c.json({ user: result.user, csrfToken: result.csrfToken, roleCatalog }, 200);
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
        { user: await toCurrentUser(deps.db, fresh), csrfToken: session.csrfToken, roleCatalog },
        200,
      );
    },
  );
