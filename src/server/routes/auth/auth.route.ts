import { getConnInfo } from "@hono/node-server/conninfo";
import { Hono } from "hono";
import { ROLE_LABELS, ROLES } from "../../../domain/roles.ts";
import type { SessionInfo } from "../../api-types.ts";
import type { AppEnv } from "../../app-env.ts";
import { clearSessionCookie, requireUser, setSessionCookie } from "../../auth/middleware.ts";
import { parseJson } from "../../parse.ts";
import { changePassword, login, logout, toCurrentUser } from "../../services/auth.service.ts";
import { changePasswordBody, loginBody } from "./schema.ts";

const roleCatalog = ROLES.map((id) => ({ id, label: ROLE_LABELS[id] }));

export const authRoutes = new Hono<AppEnv>()
  .post("/login", async (c) => {
    const body = await parseJson(c, loginBody);
    const deps = c.get("deps");
    const clientAddress = safeAddress(c);
    const result = await login(deps, { ...body, clientAddress });
    setSessionCookie(c, result.token, deps.secureCookies);
    return c.json<SessionInfo>({ user: result.user, csrfToken: result.csrfToken, roleCatalog });
  })
  .post("/logout", async (c) => {
    const session = c.get("session");
    if (session) await logout(c.get("deps"), session.token, session.user);
    clearSessionCookie(c);
    return c.json({ ok: true });
  })
  .get("/me", async (c) => {
    const s = requireUser(c, { allowPending: true });
    const session = c.get("session");
    return c.json<SessionInfo>({
      user: await toCurrentUser(c.get("deps").db, s.user),
      csrfToken: session?.csrfToken ?? "",
      roleCatalog,
    });
  })
  .post("/password", async (c) => {
    const s = requireUser(c, { allowPending: true });
    const body = await parseJson(c, changePasswordBody);
    const deps = c.get("deps");
    await changePassword(deps, { user: s.user, token: s.token, ...body });
    const session = c.get("session");
    const fresh = { ...s.user, mustChangePassword: false };
    return c.json<SessionInfo>({
      user: await toCurrentUser(deps.db, fresh),
      csrfToken: session?.csrfToken ?? "",
      roleCatalog,
    });
  });

function safeAddress(c: Parameters<typeof getConnInfo>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}
