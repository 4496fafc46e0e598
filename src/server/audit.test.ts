import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createAuditRepository } from "../db/audit.repository.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import type { UserRow } from "../db/user.repository.ts";
import type { AppDeps, AppEnv } from "./app-env.ts";
import { auditRefusal, auditRequest } from "./audit.ts";
import { startAuditCheckpoints } from "./audit-checkpoints.ts";
import { createLogger } from "./logger.ts";

let t: TestDatabase;
let municipalityId: number;
const dir = mkdtempSync(join(tmpdir(), "mimamori-audit-helper-"));
beforeAll(async () => {
  t = await createTestDatabase();
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト町")).id;
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

const user = (): UserRow => ({
  id: 41,
  municipalityId,
  loginName: "sato",
  displayName: "佐藤",
  passwordHash: "",
  roles: ["staff"],
  mustChangePassword: false,
  disabled: false,
  council: false,
  affiliation: null,
  lastLoginAt: null,
  previousLoginAt: null,
});

function app() {
  const a = new Hono<AppEnv>();
  a.use(async (c, next) => {
    c.set("deps", { db: t.db } as AppDeps);
    c.set("session", { token: "x", csrfToken: "y", user: user() });
    await next();
  });
  a.get("/children/:id", async (c) => {
    await auditRequest(c, { action: "child.view", personId: c.req.param("id") });
    return c.text("ok");
  });
  a.post("/exports/:kind", async (c) => {
    await auditRefusal(c, { permission: "export.csv", status: 403, reason: "reauth_required" });
    return c.text("no", 403);
  });
  return a;
}

// What @hono/node-server puts in c.env: the request's socket.
const socket = (address: string) => ({
  incoming: { socket: { remoteAddress: address, remotePort: 50000, remoteFamily: "IPv4" } },
});

describe("auditRequest / auditRefusal", () => {
  it("records who, what, about whom and from where; refusals with the permission and route", async () => {
    await app().request("/children/P0007", {}, socket("192.0.2.33"));
    await app().request("/exports/persons", { method: "POST" }, socket("192.0.2.34"));
    const rows = await createAuditRepository(t.db).list({ municipalityId, limit: 10 });
    expect(rows[1]).toMatchObject({
      actor: "sato",
      actorUserId: 41,
      action: "child.view",
      personId: "P0007",
      clientAddress: "192.0.2.33",
    });
    expect(rows[0]).toMatchObject({
      action: "authz.denied",
      target: "POST /exports/:kind",
      clientAddress: "192.0.2.34",
      detail: { permission: "export.csv", status: 403, reason: "reauth_required" },
    });
  });
});

describe("the server's periodic audit checkpoints", () => {
  it("appends the verified tail to the home folder's file, and nothing over a broken chain", async () => {
    const file = join(dir, "home", "audit-checkpoints.jsonl");
    const timer = startAuditCheckpoints({
      db: t.db,
      file,
      logger: createLogger("silent"),
      intervalMs: 3_600_000,
    });
    await timer.runOnce();
    timer.stop();
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(1);
    const tail = await createAuditRepository(t.db).tail();
    expect(JSON.parse(lines[0] as string)).toMatchObject({ id: tail?.id, hash: tail?.hash });
  });
});
