/**
 * The authorization matrix, generated from the OpenAPI document (issue 12):
 * every route × every role. A route that is not in the document, or has no
 * permission (`x-mimamori-policy`), fails here; a role without the permission
 * gets 403 and the refusal is audited; without a session, 401.
 *
 * Routes that refuse records outside the caller's scope (other children, other
 * schools, other municipalities, council-only cases) answer 404 exactly as for
 * a record that does not exist; those are tested with real records beside the
 * routes that own them (e.g. test/scope.test.ts).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { can, type PolicyName, ROLES } from "../src/domain/policy/index.ts";
import type { App } from "../src/server/app.ts";
import { POLICY_EXTENSION } from "../src/server/openapi/route.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";
import { type Client, createClient, createTestApp, loginAs } from "./http.ts";

interface Operation {
  method: string;
  path: string;
  policy: PolicyName | undefined;
  params: { name: string; in: string; schema?: { enum?: string[] } }[];
}

let t: TestDatabase;
let app: App;
let doc: { paths: Record<string, Record<string, Record<string, unknown>>> };
let operations: Operation[];
const clients = new Map<string, Client>();

beforeAll(async () => {
  t = await createTestDatabase();
  app = await createTestApp(t.db, t.url);
  const res = await app.request("http://localhost/api/openapi.json");
  expect(res.status).toBe(200);
  doc = (await res.json()) as typeof doc;
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      policy: op[POLICY_EXTENSION] as PolicyName | undefined,
      params: (op.parameters ?? []) as Operation["params"],
    })),
  );
  for (const role of ROLES) {
    clients.set(
      role,
      await loginAs(app, t.db, `matrix-${role}`, [role], {
        affiliation: role === "affiliation" ? "テスト小学校" : null,
      }),
    );
  }
});
afterAll(() => t.drop());

/** `/api/children/{id}` → `/api/children/1` (enum params take their first value). */
function concretePath(op: Operation): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const p = op.params.find((x) => x.name === name && x.in === "path");
    return p?.schema?.enum?.[0] ?? "1";
  });
}

describe("authorization matrix (from /api/openapi.json)", () => {
  it("every route the app serves under /api is in the document with a permission", () => {
    const documented = new Set(
      operations.map((o) => `${o.method} ${o.path.replace(/\{([^}]+)\}/g, ":$1")}`),
    );
    const served = app.routes
      .filter((r) => r.path.startsWith("/api/") && r.method !== "ALL")
      .map((r) => `${r.method} ${r.path}`);
    expect(served.length).toBeGreaterThan(10);
    const missing = [...new Set(served)].filter((r) => !documented.has(r));
    expect(missing, "routes served but not in the OpenAPI document").toEqual([]);
    const withoutPolicy = operations.filter((o) => !o.policy).map((o) => `${o.method} ${o.path}`);
    expect(withoutPolicy, "routes without x-mimamori-policy").toEqual([]);
  });

  it("every operation states its permission and its error shape", () => {
    for (const o of operations) {
      const op = doc.paths[o.path]?.[o.method.toLowerCase()] as {
        responses: Record<string, unknown>;
      };
      expect(Object.keys(op.responses), `${o.method} ${o.path}`).toEqual(
        expect.arrayContaining(["401", "403", "404"]),
      );
    }
  });

  it("without a session, every non-public route answers 401", async () => {
    const anonymous = createClient(app);
    for (const o of operations.filter((x) => x.policy !== "public")) {
      const r = await anonymous.request(concretePath(o), {
        method: o.method,
        ...(o.method === "GET" ? {} : { body: {} }),
      });
      expect(r.status, `${o.method} ${o.path}`).toBe(401);
    }
  });

  it("each role is refused (403, audited) exactly where the policy says, and let through elsewhere", async () => {
    // Counted in SQL: routes × roles outgrew the audit list's page of 500 rows.
    const permissionRefusals = async () =>
      Number(
        (
          await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log
             WHERE municipality_id = 1 AND action = 'authz.denied'
               AND detail->>'reason' = 'permission'`.execute(t.db)
        ).rows[0]?.n,
      );
    const deniedBefore = await permissionRefusals();
    let refusals = 0;
    for (const role of ROLES) {
      const client = clients.get(role);
      if (!client) throw new Error(role);
      for (const o of operations) {
        if (!o.policy || o.policy === "public" || o.policy === "authenticated") continue;
        const allowed = can({ roles: [role] }, o.policy);
        // Permitted state-changing calls are exercised by each route's own tests.
        if (allowed && o.method !== "GET") continue;
        const r = await client.request(concretePath(o), {
          method: o.method,
          ...(o.method === "GET" ? {} : { body: {} }),
        });
        const label = `${role} ${o.method} ${o.path} (${o.policy})`;
        if (allowed) {
          expect([401, 403], label).not.toContain(r.status);
        } else {
          expect(r.status, label).toBe(403);
          const body = (await r.json()) as { error: { code: string; message: string } };
          expect(body.error.code, label).toBe("forbidden");
          expect(body.error.message, label).toMatch(/権限/);
          refusals++;
        }
      }
    }
    expect(refusals).toBeGreaterThan(0);
    const deniedAfter = await permissionRefusals();
    expect(deniedAfter - deniedBefore).toBe(refusals);
  });
});
