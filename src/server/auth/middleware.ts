import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ACCOUNT_LOOKUP, withDataScope } from "../../db/scope.ts";
import { createSessionRepository } from "../../db/session.repository.ts";
import { createUserRepository, type UserRow } from "../../db/user.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { type Actor, can, type Permission, scopeOf } from "../../domain/policy/index.ts";
import type { AppEnv } from "../app-env.ts";
import { hashToken, SESSION_IDLE_MS } from "../services/auth.service.ts";

export const SESSION_COOKIE = "mimamori_session";

export function setSessionCookie(c: Context, token: string, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure,
    path: "/",
    maxAge: Math.floor(SESSION_IDLE_MS / 1000) * 12,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/**
 * Loads the session (if any) into the context. State-changing requests of a
 * logged-in user must carry the session's CSRF token in `X-CSRF-Token`
 * (synchroniser token; SameSite=Strict cookies are the first line).
 */
export function sessionMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      // Before the user is known: an account lookup (app_user and session of
      // any municipality, no municipal data; db/scope.ts).
      await withDataScope(ACCOUNT_LOOKUP, async () => {
        const deps = c.get("deps");
        const now = deps.now();
        const sessions = createSessionRepository(deps.db);
        const found = await createUserRepository(deps.db).findBySession(hashToken(token), now);
        const session = found?.session;
        const user = found?.user;
        if (session && user?.disabled) {
          // A disabled account's sessions end at once, whatever disabled it.
          await sessions.delete(hashToken(token));
        } else if (session && user) {
          c.set("session", {
            token,
            csrfToken: session.csrfToken,
            user,
            authenticatedAt: session.authenticatedAt,
          });
          const actor = actorFromUser(user);
          c.set("actor", actor);
          c.set("scope", scopeOf(actor));
          // Sliding idle timeout; written at most once a minute per session.
          if (session.expiresAt.getTime() - now.getTime() < SESSION_IDLE_MS - 60_000) {
            await sessions.extend(hashToken(token), now, new Date(now.getTime() + SESSION_IDLE_MS));
          }
        }
      });
    }
    const method = c.req.method;
    const session = c.get("session");
    if (session && method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
      if (c.req.header("x-csrf-token") !== session.csrfToken) {
        throw new MimamoriError(
          "forbidden",
          "画面の有効期限が切れました。ページを再読み込みしてから、もう一度操作してください。",
        );
      }
    }
    // The rest of the request runs in the user's data scope in the database
    // too: row-level security limits every statement to their municipality
    // (and 要対協 rows to council members) whatever the route does. Without
    // a user: account lookups only (login).
    await withDataScope(c.get("scope") ?? ACCOUNT_LOOKUP, () => next());
  };
}

/** The logged-in user, or 401. Users who must change their password get only what `allowPending` allows. */
export function requireUser(
  c: Context<AppEnv>,
  options: { allowPending?: boolean } = {},
): { user: UserRow; token: string } {
  const session = c.get("session");
  if (!session) throw new MimamoriError("unauthenticated", "ログインしてください。");
  if (session.user.mustChangePassword && !options.allowPending) {
    throw new MimamoriError("forbidden", "初回ログインのため、先にパスワードを変更してください。");
  }
  return session;
}

/** The logged-in user holding `permission`, or 401/403. */
export function requirePermission(
  c: Context<AppEnv>,
  permission: Permission,
): { user: UserRow; token: string } {
  const s = requireUser(c);
  if (!can(s.user, permission))
    throw new MimamoriError("forbidden", "この操作を行う権限がありません。");
  return s;
}

/** The policy module's view of a user row. */
export function actorFromUser(user: UserRow): Actor {
  return {
    userId: user.id,
    loginName: user.loginName,
    municipalityId: user.municipalityId,
    roles: user.roles,
    council: user.council,
    affiliation: user.affiliation,
  };
}
