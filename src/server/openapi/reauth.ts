/**
 * Re-authentication before exports and break-the-glass (issue 12): every route
 * that lets data leave the server (CSV, the 開示 file, the pseudonymised
 * export) or opens a child outside the reader's scope calls `requireReauth`
 * first. The session's password entry must be recent (REAUTH_MAX_AGE_MS);
 * otherwise the answer is 403 with the detail `reauth_required` and a Japanese
 * message asking for the password, which the web app turns into a prompt
 * (web/src/lib/reauth.tsx), and the refusal is audited.
 */
import type { Context } from "hono";
import { MimamoriError } from "../../domain/errors.ts";
import type { AppEnv } from "../app-env.ts";
import { auditRefusal } from "../audit.ts";
import { requireRecentAuth } from "../services/account.service.ts";

export async function requireReauth(c: Context<AppEnv>, permission: string): Promise<void> {
  const session = c.get("session");
  if (!session) throw new MimamoriError("unauthenticated", "ログインしてください。");
  try {
    requireRecentAuth(session.authenticatedAt, c.get("deps").now());
  } catch (e) {
    await auditRefusal(c, { permission, status: 403, reason: "reauth_required" });
    throw e;
  }
}
