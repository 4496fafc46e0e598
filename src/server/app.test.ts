import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createClient } from "../../test/http.ts";
import { createAuditRepository } from "../db/audit.repository.ts";
import type { SessionInfo } from "./api-types.ts";
import { type App, createApp } from "./app.ts";
import { createRateLimiter } from "./auth/rate-limit.ts";
import { bootstrap } from "./bootstrap.ts";
import type { ApiError } from "./errors.ts";
import { createLogger } from "./logger.ts";

let t: TestDatabase;
let app: App;
let adminPassword: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const first = await bootstrap(t.db);
  if (!first.admin) throw new Error("bootstrap must create the admin on an empty database");
  adminPassword = first.admin.password;
  app = createApp({
    db: t.db,
    databaseUrl: t.url,
    logger: createLogger("silent"),
    limiter: createRateLimiter({ maxFailures: 3, windowMs: 60_000, now: Date.now }),
    now: () => new Date(),
    secureCookies: false,
  });
});
afterAll(() => t.drop());

const NEW_PASSWORD = "correct horse battery staple";

describe("authentication API (PostgreSQL)", () => {
  it("bootstrap creates the admin only once", async () => {
    expect((await bootstrap(t.db)).admin).toBeUndefined();
  });

  it("rejects a wrong password with a Japanese message and audits it", async () => {
    const c = createClient(app);
    const r = await c.json<ApiError>("/api/auth/login", {
      method: "POST",
      body: { loginName: "admin", password: "wrong-password" },
    });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toBe("ログイン名またはパスワードが正しくありません。");
    const log = await createAuditRepository(t.db).list({
      municipalityId: 1,
      limit: 5,
      action: "auth.login_failed",
    });
    expect(log.length).toBeGreaterThan(0);
  });

  it("validates the body with Japanese messages", async () => {
    const c = createClient(app);
    const r = await c.json<ApiError>("/api/auth/login", {
      method: "POST",
      body: { loginName: "", password: "" },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details.join(" ")).toContain("ログイン名を入力してください。");
    const bad = await c.request("/api/auth/login", { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
  });

  it("refuses a cross-site login (Origin check)", async () => {
    const evil = createClient(app, "http://localhost");
    const r = await evil.request("/api/auth/login", {
      method: "POST",
      body: { loginName: "admin", password: adminPassword },
      headers: { Origin: "http://evil.example" },
    });
    expect(r.status).toBe(403);
  });

  it("forces a password change at first login, then allows the app", async () => {
    const c = createClient(app);
    const login = await c.json<SessionInfo>("/api/auth/login", {
      method: "POST",
      body: { loginName: "admin", password: adminPassword },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.mustChangePassword).toBe(true);
    const setCookie = (await c.request("/api/auth/me")).status;
    expect(setCookie).toBe(200);

    // Everything but me/password/logout is closed until the password changes.
    const blocked = await c.json<ApiError>("/api/users");
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.message).toContain("パスワードを変更");

    // Without the CSRF token a state change is refused.
    const noCsrf = await c.request("/api/auth/password", {
      method: "POST",
      body: { currentPassword: adminPassword, newPassword: NEW_PASSWORD },
      headers: { "X-CSRF-Token": "forged" },
    });
    expect(noCsrf.status).toBe(403);

    const weak = await c.json<ApiError>("/api/auth/password", {
      method: "POST",
      body: { currentPassword: adminPassword, newPassword: "short" },
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details).toContain("パスワードは 12 文字以上にしてください。");

    // A password containing the login name: refused with the reason, in the
    // same words the session gives the password pages to show beside the field.
    const me = await c.json<SessionInfo>("/api/auth/me");
    const rule = me.body.passwordRules.find((r) => r.id === "login_name");
    expect(rule?.text).toMatch(/^パスワードにログイン名を含めないでください。.+ため/);
    const withName = await c.json<ApiError>("/api/auth/password", {
      method: "POST",
      body: { currentPassword: adminPassword, newPassword: "ADMIN-kawa-no-nagare" },
    });
    expect(withName.status).toBe(400);
    expect(withName.body.error.details).toEqual([rule?.text]);

    const changed = await c.json<SessionInfo>("/api/auth/password", {
      method: "POST",
      body: { currentPassword: adminPassword, newPassword: NEW_PASSWORD },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.user.mustChangePassword).toBe(false);
    expect((await c.json("/api/users")).status).toBe(200);
  });

  it("sets a HttpOnly SameSite=Strict session cookie and security headers", async () => {
    const c = createClient(app);
    const res = await c.request("/api/auth/login", {
      method: "POST",
      body: { loginName: "admin", password: NEW_PASSWORD },
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("lets an admin add a user who must then change the temporary password", async () => {
    const admin = createClient(app);
    await admin.json("/api/auth/login", {
      method: "POST",
      body: { loginName: "admin", password: NEW_PASSWORD },
    });
    const created = await admin.json<{ temporaryPassword: string; user: { loginName: string } }>(
      "/api/users",
      {
        method: "POST",
        body: { loginName: "hoken.taro", displayName: "保健 太郎", roles: ["staff"] },
      },
    );
    expect(created.status).toBe(201);
    const dup = await admin.json<ApiError>("/api/users", {
      method: "POST",
      body: { loginName: "hoken.taro", displayName: "別人", roles: ["staff"] },
    });
    expect(dup.status).toBe(409);
    const injected = await admin.json<ApiError>("/api/users", {
      method: "POST",
      body: {
        loginName: "x'; DROP TABLE app_user; --",
        displayName: "<script>alert(1)</script>",
        roles: ["staff"],
      },
    });
    expect(injected.status).toBe(400);

    const staff = createClient(app);
    const r = await staff.json<SessionInfo>("/api/auth/login", {
      method: "POST",
      body: { loginName: "hoken.taro", password: created.body.temporaryPassword },
    });
    expect(r.body.user.mustChangePassword).toBe(true);
    expect(r.body.user.roles).toEqual(["staff"]);
    // A staff member is not an administrator.
    await staff.json("/api/auth/password", {
      method: "POST",
      body: {
        currentPassword: created.body.temporaryPassword,
        newPassword: "hoken-no-pasuwaado-2026",
      },
    });
    expect((await staff.json<ApiError>("/api/users")).status).toBe(403);
    expect((await staff.json<ApiError>("/api/audit")).status).toBe(403);
  });

  it("shows the audit log to admins with a verified chain, and rejects SQL in filters", async () => {
    const admin = createClient(app);
    await admin.json("/api/auth/login", {
      method: "POST",
      body: { loginName: "admin", password: NEW_PASSWORD },
    });
    const page = await admin.json<{ items: { action: string }[]; chain: { ok: boolean } }>(
      "/api/audit?limit=50",
    );
    expect(page.status).toBe(200);
    expect(page.body.chain.ok).toBe(true);
    const actions = page.body.items.map((i) => i.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "auth.login",
        "auth.login_failed",
        "auth.password_changed",
        "user.create",
      ]),
    );
    const sqlFilter = await admin.json<ApiError>(
      `/api/audit?action=${encodeURIComponent("x' OR 1=1 --")}`,
    );
    expect(sqlFilter.status).toBe(400);
  });

  it("logs out: the session no longer works", async () => {
    const c = createClient(app);
    await c.json("/api/auth/login", {
      method: "POST",
      body: { loginName: "admin", password: NEW_PASSWORD },
    });
    expect((await c.json("/api/auth/logout", { method: "POST" })).status).toBe(200);
    expect((await c.json("/api/auth/me")).status).toBe(401);
  });

  it("throttles repeated failures for one login name", async () => {
    const c = createClient(app);
    for (let i = 0; i < 3; i++) {
      await c.json("/api/auth/login", {
        method: "POST",
        body: { loginName: "hoken.taro", password: `nope-${i}` },
      });
    }
    const r = await c.json<ApiError>("/api/auth/login", {
      method: "POST",
      body: { loginName: "hoken.taro", password: "hoken-no-pasuwaado-2026" },
    });
    expect(r.status).toBe(429);
    expect(r.body.error.message).toContain("一時的にログインを停止");
  });

  it("answers unknown API paths with a Japanese 404", async () => {
    const r = await createClient(app).json<ApiError>("/api/nothing-here");
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe("指定された API はありません。");
  });

  it("answers a wrong method on an existing path with 405, Allow and a Japanese message", async () => {
    const c = createClient(app);
    // login is POST only; a case is GET (read) and has no DELETE.
    const login = await c.request("/api/auth/login");
    expect(login.status).toBe(405);
    expect(login.headers.get("allow")).toBe("POST");
    const body = (await login.json()) as ApiError;
    expect(body.error.code).toBe("method_not_allowed");
    expect(body.error.message).toBe("この API は GET では呼び出せません。使える方法: POST。");
    const del = await c.request("/api/cases/12345", { method: "DELETE" });
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")?.split(", ")).toContain("GET");
    expect(del.headers.get("allow")?.split(", ")).not.toContain("DELETE");
    // Every documented route's path, asked with a method it lacks, answers 405
    // naming exactly the documented methods; an unknown path under a known one stays 404.
    const doc = (await (await c.request("/api/openapi.json")).json()) as {
      info: { description: string };
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.info.description).toContain("405");
    // (a concrete path can match several templates: /review-lists/capacity is also /review-lists/{id}).
    const templates = Object.entries(doc.paths).map(([path, ops]) => ({
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      methods: Object.keys(ops).map((m) => m.toUpperCase()),
    }));
    let checked = 0;
    for (const path of Object.keys(doc.paths)) {
      const concrete = path.replace(/\{[^}]+\}/g, "1");
      const documented = templates
        .filter((t) => t.pattern.test(concrete))
        .flatMap((t) => t.methods);
      const missing = ["GET", "POST", "PUT", "PATCH", "DELETE"].find(
        (m) => !documented.includes(m),
      );
      if (!missing) continue;
      checked++;
      const r = await c.request(concrete, { method: missing });
      expect(r.status, `${missing} ${concrete}`).toBe(405);
      const allow = r.headers.get("allow")?.split(", ") ?? [];
      for (const m of documented) expect(allow, `${missing} ${concrete}`).toContain(m);
    }
    expect(checked).toBeGreaterThan(50);
    expect((await c.request("/api/cases/1/nothing-here", { method: "DELETE" })).status).toBe(404);
    expect((await c.request("/api/nothing-here", { method: "POST" })).status).toBe(404);
  });

  it("answers another method than GET outside the API with a Japanese 404", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const r = await createClient(app).request("/results", { method });
      expect(r.status, method).toBe(404);
      expect(await r.text(), method).toBe("このアドレスには、この方法で開けるページはありません。");
    }
  });
});
