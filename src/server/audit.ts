/**
 * The one way an HTTP route writes the audit log (issue 12): who (the session's
 * user), what (action, target, person), when (the database's clock), from
 * where (the client address) and why (the purpose the user gave). Routes call
 * `auditRequest`; the route framework calls `auditRefusal` for every request
 * it refuses, so a denial can never go unrecorded.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { createAuditRepository, type Disclosure } from "../db/audit.repository.ts";
import type { UserRow } from "../db/user.repository.ts";
import type { AppEnv } from "./app-env.ts";

/**
 * The client address of the request: the socket's peer. Behind a reverse
 * proxy this is the proxy; X-Forwarded-For is not trusted (any client can send
 * it) — configure the proxy to log the original address as well.
 */
export function clientAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    // app.request() in tests has no socket.
    return null;
  }
}

export interface RequestAuditEntry {
  action: string;
  target?: string | null;
  /** The person the request concerned ("who looked at this child"). */
  personId?: string | null;
  /** Why: required by the caller for exports and break-the-glass. */
  purpose?: string | null;
  /** Ids and counts only — never names, addresses or resident numbers. */
  detail?: Record<string, unknown>;
  /** The acting user when there is no session yet (login). */
  user?: UserRow;
  /**
   * The persons an export disclosed: recorded with the row in audit_disclosure
   * (issue 12, bounded chunks), never in `detail`.
   */
  disclosed?: Disclosure;
}

/** Appends one audit row for this request, attributed to the session's user. */
export async function auditRequest(c: Context<AppEnv>, e: RequestAuditEntry): Promise<void> {
  const user = e.user ?? c.get("session")?.user;
  const entry = {
    municipalityId: user?.municipalityId ?? null,
    actorUserId: user?.id ?? null,
    actor: user?.loginName ?? "(未ログイン)",
    action: e.action,
    target: e.target ?? null,
    detail: e.detail,
    clientAddress: clientAddress(c),
    personId: e.personId ?? null,
    purpose: e.purpose ?? null,
  };
  const audit = createAuditRepository(c.get("deps").db);
  if (e.disclosed) await audit.appendDisclosure(entry, e.disclosed);
  else await audit.append(entry);
}

/**
 * Records a refused request: the permission it needed, the route pattern and
 * method. Called by the route framework before it answers 401/403/404.
 */
export async function auditRefusal(
  c: Context<AppEnv>,
  refusal: { permission: string; status: number; reason?: string; personId?: string | null },
): Promise<void> {
  await auditRequest(c, {
    action: "authz.denied",
    target: `${c.req.method} ${c.req.routePath}`,
    personId: refusal.personId ?? null,
    detail: {
      permission: refusal.permission,
      status: refusal.status,
      ...(refusal.reason ? { reason: refusal.reason } : {}),
    },
  });
}
