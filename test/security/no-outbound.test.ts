/**
 * No outbound network at run time (issue 12): the server, started as `serve`
 * starts it, is driven through its main pages and API while every socket
 * connect and DNS lookup in the process is recorded. The only connections
 * allowed are to the database and the test's own requests to the server; a
 * connection anywhere else (a CDN font, telemetry, an update check, a map
 * tile) fails the test.
 */
import dns from "node:dns";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

let t: TestDatabase;
let server: RunningServer;
const connects: string[] = [];
const lookups: string[] = [];
const originalConnect = net.Socket.prototype.connect;
const originalLookup = dns.lookup;

function describeTarget(args: unknown[]): string {
  const a = args[0];
  if (Array.isArray(a)) return describeTarget(a);
  if (a && typeof a === "object") {
    const o = a as { path?: string; host?: string; port?: number };
    return o.path ? `unix:${o.path}` : `${o.host ?? "localhost"}:${o.port}`;
  }
  if (typeof a === "string" && Number.isNaN(Number(a))) return `unix:${a}`;
  return `${typeof args[1] === "string" ? args[1] : "localhost"}:${String(a)}`;
}

beforeAll(async () => {
  t = await createTestDatabase();
  const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
  await createUserRepository(t.db).insert({
    municipalityId: m.id,
    loginName: "staff.net",
    displayName: "staff.net",
    passwordHash: await hashPassword("staff-net-password-123"),
    roles: ["staff"],
    mustChangePassword: false,
    council: false,
    affiliation: null,
  });
  // biome-ignore lint/suspicious/noExplicitAny: patching the runtime's socket for the whole process
  (net.Socket.prototype as any).connect = function (this: net.Socket, ...args: unknown[]) {
    connects.push(describeTarget(args));
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  // biome-ignore lint/suspicious/noExplicitAny: as above
  (dns as any).lookup = (host: string, ...rest: unknown[]) => {
    lookups.push(host);
    return (originalLookup as (...a: unknown[]) => void)(host, ...rest);
  };
  server = await startHttpServer({
    db: t.db,
    databaseUrl: t.url,
    logger: createLogger("silent"),
    port: 0,
    host: "127.0.0.1",
    enforceSecondFactor: false,
  });
});

afterAll(async () => {
  net.Socket.prototype.connect = originalConnect;
  // biome-ignore lint/suspicious/noExplicitAny: restoring the patch
  (dns as any).lookup = originalLookup;
  await server?.close();
  await t?.drop();
});

describe("no outbound network", () => {
  it("connects only to the database while serving pages and the API", async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { Origin: base, "Content-Type": "application/json" },
      body: JSON.stringify({ loginName: "staff.net", password: "staff-net-password-123" }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    for (const path of [
      "/",
      "/api/openapi.json",
      "/api/auth/me",
      "/api/runs/latest/dashboard",
      "/api/search?q=%E5%B1%B1%E7%94%B0",
      "/api/children/P0000001",
    ]) {
      const r = await fetch(`${base}${path}`, { headers: { Cookie: cookie } });
      expect(r.status, path).toBeLessThan(500);
      await r.arrayBuffer();
    }
    const db = new URL(t.url);
    const dbTarget = `${db.hostname}:${db.port || "5432"}`;
    const allowed = new Set([
      dbTarget,
      `127.0.0.1:${server.port}`,
      `localhost:${db.port || "5432"}`,
    ]);
    const unexpected = connects.filter(
      (c) => !allowed.has(c) && !(db.hostname.startsWith("/") && c.startsWith("unix:")),
    );
    expect(connects.length).toBeGreaterThan(0);
    expect(unexpected).toEqual([]);
    const foreignLookups = lookups.filter(
      (h) => !["localhost", "127.0.0.1", db.hostname].includes(h),
    );
    expect(foreignLookups).toEqual([]);
  });
});
