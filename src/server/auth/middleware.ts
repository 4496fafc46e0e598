import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { feedCacheOf } from "../../db/change-bus.ts";
import type { Database } from "../../db/database.ts";
import { ACCOUNT_LOOKUP, withDataScope } from "../../db/scope.ts";
import type { SessionRow } from "../../db/session.repository.ts";
import { createSessionRepository } from "../../db/session.repository.ts";
import { createUserRepository, type UserRow } from "../../db/user.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { type Actor, can, type Permission, scopeOf } from "../../domain/policy/index.ts";
import type { AppEnv } from "../app-env.ts";
import { auditRefusal } from "../openapi/route.ts";
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

/** How long a looked-up session (with its user) is reused without reading the database. */
export const SESSION_REUSE_MS = 60_000;

type FoundSession = { session: SessionRow; user: UserRow };

/**
 * Looked-up sessions by token hash (db/change-bus.ts): reused for at most
 * {@link SESSION_REUSE_MS}, dropped at once by this process's own writes to
 * session / app_user and by another process's through NOTIFY (0092), and
 * not used at all while the LISTEN connection is down. A disabled user's
 * session is never kept; misses are never kept.
 */
export function sessionCacheOf(db: Database) {
  return feedCacheOf<FoundSession>(db, "session", {
    topics: ["session", "app_user"],
    capacity: 10_000,
    ttlMs: SESSION_REUSE_MS,
  });
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
        const users = createUserRepository(deps.db);
        const hash = hashToken(token);
        const cache = sessionCacheOf(deps.db);
        let found = await cache.get(hash, () => users.findBySession(hash, now), {
          keep: (f) => !f.user.disabled,
          userId: (f) => f.user.id,
        });
        // A reused entry past its idle or absolute end: ask the database (it may have been extended elsewhere).
        if (
          found &&
          (found.session.expiresAt <= now ||
            (found.session.absoluteExpiresAt !== undefined &&
              found.session.absoluteExpiresAt <= now))
        )
          found = await users.findBySession(hash, now);
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
          // Sliding idle timeout and last-seen time: written lazily, at most
          // once a minute per session, not on every request.
          if (session.expiresAt.getTime() - now.getTime() < SESSION_IDLE_MS - 60_000) {
            const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
            await sessions.extend(hash, now, expiresAt);
            cache.update(hash, (f) => ({ ...f, session: { ...f.session, expiresAt } }));
          }
        }
      });
    }
    const method = c.req.method;
    const session = c.get("session");
    if (session && method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
      if (c.req.header("x-csrf-token") !== session.csrfToken) {
        // A refused forgery (or a page left open past a token change) is an
        // authorization refusal of a known user: audited like the others.
        await withDataScope(c.get("scope") ?? ACCOUNT_LOOKUP, () =>
          auditRefusal(c, { reason: "csrf" }),
        );
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
    importSources: user.importSources ?? null,
  };
}
