import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { createClient } from "../../../../test/http.ts";
import { createMunicipalityRepository } from "../../../db/municipality.repository.ts";
import { createUserRepository } from "../../../db/user.repository.ts";
import type { Role } from "../../../domain/roles.ts";
import { type App, createApp } from "../../app.ts";
import { hashPassword } from "../../auth/password.ts";
import { createPgRateLimiter } from "../../auth/rate-limit.ts";
import { currentTotp } from "../../auth/totp.ts";
import { createLogger } from "../../logger.ts";

let t: TestDatabase;
let app: App;
let clock = new Date("2026-05-01T01:00:00Z");

beforeAll(async () => {
  t = await createTestDatabase();
  app = createApp({
    db: t.db,
    databaseUrl: t.url,
    logger: createLogger("silent"),
    limiter: createPgRateLimiter(t.db, {
      maxFailures: 5,
      windowMs: 60_000,
      now: () => clock.getTime(),
    }),
    now: () => clock,
    secureCookies: false,
    enforceSecondFactor: true,
  });
  const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
  for (const [loginName, roles] of [
    ["kanri", ["admin"]],
    ["tanto", ["staff"]],
  ] as [string, Role[]][]) {
    await createUserRepository(t.db).insert({
      municipalityId: m.id,
      loginName,
      displayName: loginName,
      passwordHash: await hashPassword(`${loginName}-password-123`),
      roles,
      mustChangePassword: false,
    });
  }
});
afterAll(() => t.drop());

type LoginAnswer = {
  secondFactorRequired?: string;
  csrfToken: string;
  user?: { loginName: string };
};

describe("second factor over HTTP", () => {
  it("an administrator enrols at first login, then logs in with a code; the document describes the calls", async () => {
    const c = createClient(app);
    const first = await c.json<LoginAnswer>("/api/auth/login", {
      method: "POST",
      body: { loginName: "kanri", password: "kanri-password-123" },
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ secondFactorRequired: "enrol", csrfToken: expect.any(String) });
    // No session yet.
    expect((await c.request("/api/auth/me")).status).toBe(401);
    const enrol = await c.json<{ secret: string; uri: string }>(
      "/api/auth/second-factor/enrolment",
      {
        method: "POST",
      },
    );
    expect(enrol.status).toBe(200);
    const done = await c.json<{ recoveryCodes: string[]; session: LoginAnswer }>(
      "/api/auth/second-factor/enrolment/confirm",
      { method: "POST", body: { code: currentTotp(enrol.body.secret, clock) } },
    );
    expect(done.status).toBe(200);
    expect(done.body.recoveryCodes).toHaveLength(10);
    c.csrf = done.body.session.csrfToken;
    expect((await c.request("/api/auth/me")).status).toBe(200);
    expect((await c.request("/api/auth/logout", { method: "POST" })).status).toBe(200);

    clock = new Date(clock.getTime() + 60_000);
    const again = createClient(app);
    const second = await again.json<LoginAnswer>("/api/auth/login", {
      method: "POST",
      body: { loginName: "kanri", password: "kanri-password-123" },
    });
    expect(second.body.secondFactorRequired).toBe("totp");
    const withoutCsrf = await again.request("/api/auth/second-factor", {
      method: "POST",
      body: { code: currentTotp(enrol.body.secret, clock) },
      headers: { "X-CSRF-Token": "" },
    });
    expect(withoutCsrf.status).toBe(403);
    const ok = await again.json<LoginAnswer>("/api/auth/second-factor", {
      method: "POST",
      body: { code: currentTotp(enrol.body.secret, clock) },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user?.loginName).toBe("kanri");
    expect((await again.request("/api/auth/me")).status).toBe(200);

    const doc = (await (await app.request("/api/openapi.json")).json()) as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      "/api/auth/second-factor",
      "/api/auth/second-factor/enrolment",
      "/api/auth/second-factor/enrolment/confirm",
      "/api/auth/reauth",
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
  });

  it("a user without a required second factor logs in with the password; re-authentication rotates the session", async () => {
    const c = createClient(app);
    const login = await c.json<LoginAnswer>("/api/auth/login", {
      method: "POST",
      body: { loginName: "tanto", password: "tanto-password-123" },
    });
    expect(login.body.user?.loginName).toBe("tanto");
    const status = await c.json<{ enrolled: boolean; required: boolean }>(
      "/api/auth/second-factor",
    );
    expect(status.body).toMatchObject({ enrolled: false, required: false });
    const oldCsrf = c.csrf;
    const bad = await c.json("/api/auth/reauth", { method: "POST", body: { password: "nope" } });
    expect(bad.status).toBe(400);
    const good = await c.json<{ csrfToken: string }>("/api/auth/reauth", {
      method: "POST",
      body: { password: "tanto-password-123" },
    });
    expect(good.status).toBe(200);
    expect(good.body.csrfToken).not.toBe(oldCsrf);
    expect((await c.request("/api/auth/me")).status).toBe(200);
  });
});
