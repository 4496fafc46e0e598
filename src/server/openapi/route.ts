/**
 * How every API route is declared (src/server/routes/README.md): with its zod
 * schemas (validated at the edge, and the OpenAPI document generated from the
 * same objects) and the ONE permission of the policy module it needs. The
 * permission check runs before validation, so a caller without the permission
 * learns nothing from validation errors, and every refusal is audited.
 */

import { getConnInfo } from "@hono/node-server/conninfo";
import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { createAuditRepository } from "../../db/audit.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import {
  type Actor,
  can,
  type DataScope,
  PERMISSION_LABELS,
  type PolicyName,
} from "../../domain/policy/index.ts";
import type { AppEnv } from "../app-env.ts";
import { identityResponseSchemas, maskResponses } from "./identity.ts";

/** The OpenAPI extension naming a route's permission (read by the authorization matrix test). */
export const POLICY_EXTENSION = "x-mimamori-policy";

/** `{"error": {code, message, details}}` — every error the API answers. */
export const ApiErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string().openapi({ description: "日本語のメッセージ（次に何をすればよいか）" }),
      details: z.array(z.string()),
    }),
  })
  .openapi("ApiError");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ApiErrorSchema } },
});

const STANDARD_ERRORS = {
  400: errorResponse("入力の誤り"),
  401: errorResponse("ログインしていない"),
  403: errorResponse("権限がない、または CSRF トークンがない"),
  404: errorResponse("存在しない、または閲覧できない（区別しない）"),
  429: errorResponse("試行回数の超過"),
} as const;

/** A JSON response body for the OpenAPI document. */
export function json<S extends z.ZodType>(schema: S, description = "成功") {
  return { description, content: { "application/json": { schema } } };
}

/** A JSON request body (required). */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

export interface PolicyOptions {
  /** Reachable by a user whose temporary password must still be changed (me, password, logout). */
  allowPendingPassword?: boolean;
}

/**
 * `createRoute` with the permission the route needs. Every route of the API is
 * made with this function; `test/authorization-matrix.test.ts` fails for a route
 * without it.
 */
export function policyRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(
  policy: PolicyName,
  config: R,
  options: PolicyOptions = {},
) {
  const own = config.middleware
    ? Array.isArray(config.middleware)
      ? [...config.middleware]
      : [config.middleware]
    : [];
  // A person's identity leaves the API only through the masking step (issue 12).
  const identityShapes = identityResponseSchemas(config.responses);
  if (identityShapes) own.unshift(maskResponses(identityShapes));
  return createRoute({
    ...config,
    description: [config.description, `権限: ${policy}（${PERMISSION_LABELS[policy]}）`]
      .filter(Boolean)
      .join("\n\n"),
    security: policy === "public" ? [] : [{ session: [] }],
    responses: { ...STANDARD_ERRORS, ...config.responses },
    middleware: [authorize(policy, options), ...own] as MiddlewareHandler[],
    [POLICY_EXTENSION]: policy,
  });
}

/** A router for one resource; validation failures go to the one error mapper (Japanese messages). */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw result.error;
    },
  });
}

function authorize(policy: PolicyName, options: PolicyOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (policy === "public") return next();
    const session = c.get("session");
    if (!session) throw new MimamoriError("unauthenticated", "ログインしてください。");
    if (session.user.mustChangePassword && !options.allowPendingPassword) {
      throw new MimamoriError(
        "forbidden",
        "初回ログインのため、先にパスワードを変更してください。",
      );
    }
    const actor = c.get("actor");
    if (!actor || !can(actor, policy)) {
      await auditRefusal(c, { policy, reason: "permission" });
      throw new MimamoriError("forbidden", "この操作を行う権限がありません。");
    }
    await next();
  };
}

/** The signed-in actor of a route declared with a policy other than `public`. */
export function actorOf(c: Context<AppEnv>): Actor {
  const actor = c.get("actor");
  if (!actor) throw new MimamoriError("unauthenticated", "ログインしてください。");
  return actor;
}

/** The data scope every repository query of this request takes. */
export function scopeOfRequest(c: Context<AppEnv>): DataScope {
  const scope = c.get("scope");
  if (!scope) throw new MimamoriError("unauthenticated", "ログインしてください。");
  return scope;
}

/** The client's address, for the audit trail ("from where"). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Refuses a record the actor may not see exactly as a record that does not
 * exist (404, api.md), and audits the refusal.
 */
export async function refuseAsNotFound(
  c: Context<AppEnv>,
  target: string,
  message = "指定された情報はありません。",
): Promise<never> {
  await auditRefusal(c, { reason: "scope", target });
  throw new MimamoriError("not_found", message);
}

/** Appends `authz.denied` (who, which route, why, from where) to the audit log. */
export async function auditRefusal(
  c: Context<AppEnv>,
  what: {
    policy?: PolicyName;
    /** csrf: a state-changing request without the session's token; cross_site: from another Origin. */
    reason: "permission" | "scope" | "sharing_mode" | "csrf" | "cross_site";
    target?: string;
  },
): Promise<void> {
  const session = c.get("session");
  const deps = c.get("deps");
  await createAuditRepository(deps.db).append({
    municipalityId: session?.user.municipalityId ?? null,
    actorUserId: session?.user.id ?? null,
    actor: session?.user.loginName ?? "(未ログイン)",
    action: "authz.denied",
    target: what.target ?? null,
    detail: {
      method: c.req.method,
      // A refusal by a middleware (CSRF, Origin) has no route yet: the path asked for.
      route: c.req.routePath.endsWith("*") ? c.req.path : c.req.routePath,
      policy: what.policy ?? null,
      reason: what.reason,
      from: clientAddress(c),
    },
  });
}
