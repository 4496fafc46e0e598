/**
 * No outbound network at run time (issue 12): the server, started as `serve`
 * starts it, is driven through its main pages and API while every socket
 * connect and DNS lookup in the process is recorded. The only connections
 * allowed are to the database and the test's own requests to the server; a
 * connection anywhere else (a CDN font, telemetry, an update check, a map
 * tile) fails the test.
 *
 * Mail (issue 13): the background mail sender runs as `serve` runs it. With
 * SMTP off (the default) a notification for a user with an address opens no
 * connection; once the administrator configures a relay, the one extra
 * destination allowed is exactly that relay's host:port (docs/security.md).
 */
import dns from "node:dns";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailRepository } from "../../src/db/mail.repository.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createNotificationRepository } from "../../src/db/notification.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { mailSettingsInput } from "../../src/domain/notifications/mail.ts";
import { systemScope } from "../../src/domain/policy/index.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { startMailSender } from "../../src/server/mail-sender.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { startTestSmtpServer, type TestSmtpServer } from "../smtp.ts";

let t: TestDatabase;
let server: RunningServer;
let sender: ReturnType<typeof startMailSender>;
let smtp: TestSmtpServer;
let municipalityId: number;
let staffId: number;
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
  municipalityId = m.id;
  smtp = await startTestSmtpServer();
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
  staffId = (await createUserRepository(t.db).findByLogin("staff.net"))?.id as number;
  await createMailRepository(t.db).setEmail(staffId, "staff.net@town.example.lg.jp");
  sender = startMailSender({ db: t.db, logger: createLogger("silent"), intervalMs: 3_600_000 });
});

afterAll(async () => {
  sender?.stop();
  await smtp?.close();
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
    // A notification for a user with an address, and a pass of the mail
    // sender, with SMTP off (the default): nothing queued, nothing dialled.
    await notifyStaff();
    expect(await sender.runOnce()).toEqual({ sent: 0, failed: 0, cancelled: 0 });
    expect(smtp.connections()).toBe(0);
    expectOnly(new Set());
  });

  it("with a relay configured, connects to exactly that relay besides the database", async () => {
    await createMailRepository(t.db).saveSettings(
      mailSettingsInput.parse({
        enabled: true,
        host: "127.0.0.1",
        port: smtp.port,
        security: "none",
        fromAddress: "mimamori@town.example.lg.jp",
        appUrl: "https://mimamori.town.example.lg.jp/",
      }),
      "test",
    );
    const relay = `127.0.0.1:${smtp.port}`;
    await notifyStaff();
    expect(await sender.runOnce()).toEqual({ sent: 1, failed: 0, cancelled: 0 });
    expect(smtp.received).toHaveLength(1);
    expect(connects).toContain(relay);
    expectOnly(new Set([relay]));
  });
});

async function notifyStaff(): Promise<void> {
  await createNotificationRepository(t.db).add(systemScope(municipalityId), [
    {
      userIds: [staffId],
      kind: "sheet.new",
      text: "依頼",
      link: "/sheets/inbox/1",
      requestId: null,
    },
  ]);
}

/** Every connection so far went to the database, the server itself, or `extra`. */
function expectOnly(extra: Set<string>): void {
  const db = new URL(t.url);
  const dbTarget = `${db.hostname}:${db.port || "5432"}`;
  const allowed = new Set([
    dbTarget,
    `127.0.0.1:${server.port}`,
    `localhost:${db.port || "5432"}`,
    ...extra,
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
}
