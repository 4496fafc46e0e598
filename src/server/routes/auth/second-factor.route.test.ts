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
    ["hoka", ["staff"]],
    ["sokatsu", ["coordinator"]],
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

let kanriSecret = "";
const tick = () => {
  // A TOTP step is accepted once: move on to the next one before each code.
  clock = new Date(clock.getTime() + 60_000);
};

/** Logs in with the password and, when asked, the code of `secret`. */
async function logIn(loginName: string, secret?: string) {
  const c = createClient(app);
  const r = await c.json<LoginAnswer>("/api/auth/login", {
    method: "POST",
    body: { loginName, password: `${loginName}-password-123` },
  });
  if (r.body.secondFactorRequired === "totp" && secret) {
    tick();
    const ok = await c.json("/api/auth/second-factor", {
      method: "POST",
      body: { code: currentTotp(secret, clock) },
    });
    expect(ok.status).toBe(200);
  }
  return { c, answer: r.body };
}

/** Enrols a second factor while logged in (password, then a code of the new secret). */
async function enrolWhileLoggedIn(
  c: ReturnType<typeof createClient>,
  password: string,
  code?: string,
) {
  const setup = await c.json<{ secret: string }>("/api/auth/second-factor/setup", {
    method: "POST",
    body: { password, ...(code ? { code } : {}) },
  });
  expect(setup.status).toBe(200);
  tick();
  const done = await c.json<{ recoveryCodes: string[] }>("/api/auth/second-factor/setup/confirm", {
    method: "POST",
    body: { code: currentTotp(setup.body.secret, clock) },
  });
  expect(done.status).toBe(200);
  expect(done.body.recoveryCodes).toHaveLength(10);
  return { secret: setup.body.secret, recoveryCodes: done.body.recoveryCodes };
}

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
    kanriSecret = enrol.body.secret;
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

  it("changing one's own second factor needs the password and the current code", async () => {
    const { c } = await logIn("hoka");
    // No password: refused; a wrong one: refused (and audited).
    const none = await c.json("/api/auth/second-factor/setup", { method: "POST", body: {} });
    expect(none.status).toBe(400);
    const wrong = await c.json("/api/auth/second-factor/setup", {
      method: "POST",
      body: { password: "wrong-password" },
    });
    expect(wrong.status).toBe(400);
    const first = await enrolWhileLoggedIn(c, "hoka-password-123");
    // Enrolled: replacing it needs the current code too, not the password alone.
    const noCode = await c.json("/api/auth/second-factor/setup", {
      method: "POST",
      body: { password: "hoka-password-123" },
    });
    expect(noCode.status).toBe(400);
    tick();
    const second = await enrolWhileLoggedIn(
      c,
      "hoka-password-123",
      currentTotp(first.secret, clock),
    );
    expect(second.secret).not.toBe(first.secret);
    // New recovery codes: the previous ones stop working.
    const noCodes = await c.json("/api/auth/second-factor/recovery-codes", {
      method: "POST",
      body: { password: "hoka-password-123" },
    });
    expect(noCodes.status).toBe(400);
    tick();
    const fresh = await c.json<{ recoveryCodes: string[] }>(
      "/api/auth/second-factor/recovery-codes",
      {
        method: "POST",
        body: { password: "hoka-password-123", code: currentTotp(second.secret, clock) },
      },
    );
    expect(fresh.status).toBe(200);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    const old = createClient(app);
    await old.json("/api/auth/login", {
      method: "POST",
      body: { loginName: "hoka", password: "hoka-password-123" },
    });
    const oldCode = await old.json("/api/auth/second-factor", {
      method: "POST",
      body: { code: second.recoveryCodes[0] },
    });
    expect(oldCode.status).toBe(400);
    // A staff account may turn it off (with the code); the status says so.
    tick();
    const off = await c.json("/api/auth/second-factor/disable", {
      method: "POST",
      body: { password: "hoka-password-123", code: currentTotp(second.secret, clock) },
    });
    expect(off.status).toBe(200);
    const status = await c.json<{ enrolled: boolean }>("/api/auth/second-factor");
    expect(status.body.enrolled).toBe(false);
    const actions = await t.db
      .selectFrom("audit_log")
      .select("action")
      .where("actor", "=", "hoka")
      .execute();
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "auth.reauth_failed",
        "auth.second_factor_enrolled",
        "auth.recovery_codes_regenerated",
        "auth.second_factor_disabled",
      ]),
    );
  });

  it("an administrator cannot turn off the second factor their role requires", async () => {
    const { c } = await logIn("kanri", kanriSecret);
    tick();
    const off = await c.json<{ error: { message: string } }>("/api/auth/second-factor/disable", {
      method: "POST",
      body: { password: "kanri-password-123", code: currentTotp(kanriSecret, clock) },
    });
    expect(off.status).toBe(403);
    expect((await c.json<{ enrolled: boolean }>("/api/auth/second-factor")).body.enrolled).toBe(
      true,
    );
  });

  it("an administrator resets a user's second factor: reason required, audited, sessions end, enrol at next login", async () => {
    const { c: admin } = await logIn("kanri", kanriSecret);
    const { c: user } = await logIn("tanto");
    const enrolled = await enrolWhileLoggedIn(user, "tanto-password-123");
    expect(enrolled.secret).not.toBe("");
    const id = (
      await t.db
        .selectFrom("app_user")
        .select("id")
        .where("login_name", "=", "tanto")
        .executeTakeFirstOrThrow()
    ).id;
    const noReason = await admin.json(`/api/users/${id}/second-factor/reset`, {
      method: "POST",
      body: { reason: " " },
    });
    expect(noReason.status).toBe(400);
    const r = await admin.json<{ sessionsEnded: number }>(`/api/users/${id}/second-factor/reset`, {
      method: "POST",
      body: { reason: "端末の紛失" },
    });
    expect(r.status).toBe(200);
    expect(r.body.sessionsEnded).toBeGreaterThan(0);
    expect((await user.request("/api/auth/me")).status).toBe(401);
    // A staff account need not have a second factor, but after a reset it must enrol.
    const again = await logIn("tanto");
    expect(again.answer.secondFactorRequired).toBe("enrol");
    const row = await t.db
      .selectFrom("audit_log")
      .select(["target", "detail"])
      .where("action", "=", "auth.second_factor_reset")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(row.target).toBe(`user:${id}`);
    expect(row.detail).toEqual({ reason: "端末の紛失" });
    // Enrolling clears the flag: the next login asks for the code, not for enrolment.
    const enrol = await again.c.json<{ secret: string }>("/api/auth/second-factor/enrolment", {
      method: "POST",
    });
    tick();
    const done = await again.c.json("/api/auth/second-factor/enrolment/confirm", {
      method: "POST",
      body: { code: currentTotp(enrol.body.secret, clock) },
    });
    expect(done.status).toBe(200);
    expect((await logIn("tanto")).answer.secondFactorRequired).toBe("totp");
    // Nobody resets their own here (their settings page does that, with re-authentication).
    const kanriId = (
      await t.db
        .selectFrom("app_user")
        .select("id")
        .where("login_name", "=", "kanri")
        .executeTakeFirstOrThrow()
    ).id;
    const self = await admin.json(`/api/users/${kanriId}/second-factor/reset`, {
      method: "POST",
      body: { reason: "test" },
    });
    expect(self.status).toBe(400);
  });

  it("a reset 総括管理 must enrol at the next login and cannot skip it", async () => {
    const { c: admin } = await logIn("kanri", kanriSecret);
    const first = await logIn("sokatsu");
    expect(first.answer.secondFactorRequired).toBe("enrol");
    const enrol = await first.c.json<{ secret: string }>("/api/auth/second-factor/enrolment", {
      method: "POST",
    });
    tick();
    await first.c.json("/api/auth/second-factor/enrolment/confirm", {
      method: "POST",
      body: { code: currentTotp(enrol.body.secret, clock) },
    });
    const id = (
      await t.db
        .selectFrom("app_user")
        .select("id")
        .where("login_name", "=", "sokatsu")
        .executeTakeFirstOrThrow()
    ).id;
    const r = await admin.json(`/api/users/${id}/second-factor/reset`, {
      method: "POST",
      body: { reason: "機種変更" },
    });
    expect(r.status).toBe(200);
    const next = await logIn("sokatsu");
    expect(next.answer.secondFactorRequired).toBe("enrol");
    // The old code is no use and no session exists until a new factor is confirmed.
    tick();
    const oldCode = await next.c.json("/api/auth/second-factor", {
      method: "POST",
      body: { code: currentTotp(enrol.body.secret, clock) },
    });
    expect(oldCode.status).not.toBe(200);
    expect((await next.c.request("/api/auth/me")).status).toBe(401);
  });
});
