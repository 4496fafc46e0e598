import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { LOGIN_CHALLENGE_MS } from "../../domain/account-policy.ts";
import { MimamoriError } from "../../domain/errors.ts";

/** The cookie of the step between password and second factor: never a session. */
export const CHALLENGE_COOKIE = "mimamori_login_step";
const PATH = "/api/auth";

export function setChallengeCookie(c: Context, token: string, secure: boolean): void {
  setCookie(c, CHALLENGE_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure,
    path: PATH,
    maxAge: Math.floor(LOGIN_CHALLENGE_MS / 1000),
  });
}

export function clearChallengeCookie(c: Context): void {
  deleteCookie(c, CHALLENGE_COOKIE, { path: PATH });
}

/** The challenge token and the CSRF token sent with it, or 401 when there is none. */
export function challengeOf(c: Context): { challengeToken: string; csrfToken: string | undefined } {
  const challengeToken = getCookie(c, CHALLENGE_COOKIE);
  if (!challengeToken) {
    throw new MimamoriError(
      "unauthenticated",
      "ログインの手続きの有効期限が切れました。もう一度ログイン名とパスワードを入力してください。",
    );
  }
  return { challengeToken, csrfToken: c.req.header("x-csrf-token") };
}
