import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/db.ts";
import { createAccountRepository } from "../../db/account.repository.ts";
import { createAuditRepository } from "../../db/audit.repository.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { createSessionRepository } from "../../db/session.repository.ts";
import { createUserRepository, type UserRow } from "../../db/user.repository.ts";
import { LOCKOUT_FAILURES, LOCKOUT_MS, SESSION_ABSOLUTE_MS } from "../../domain/account-policy.ts";
import type { Role } from "../../domain/roles.ts";
import { hashPassword } from "../auth/password.ts";
import { createPgRateLimiter } from "../auth/rate-limit.ts";
import { currentTotp } from "../auth/totp.ts";
import {
  completeLoginChallenge,
  confirmEnrolment,
  endSessions,
  reauthenticate,
  requireRecentAuth,
  resetSecondFactor,
  startEnrolment,
} from "./account.service.ts";
import { type AuthDeps, beginLogin, hashToken } from "./auth.service.ts";

let t: TestDatabase;
let municipalityId: number;
let clock = new Date("2026-04-01T09:00:00Z");
const now = () => clock;
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

/** A server's dependencies; a new call is a restarted server (nothing kept in memory). */
const deps = (): AuthDeps => ({
  db: t.db,
  now,
  limiter: createPgRateLimiter(t.db, {
    maxFailures: 5,
    windowMs: 15 * 60_000,
    now: () => clock.getTime(),
  }),
  enforceSecondFactor: true,
});

beforeAll(async () => {
  t = await createTestDatabase();
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト町")).id;
});
afterAll(() => t.drop());

async function user(loginName: string, roles: Role[]): Promise<UserRow> {
  return createUserRepository(t.db).insert({
    municipalityId,
    loginName,
    displayName: loginName,
    passwordHash: await hashPassword(`${loginName}-password-123`),
    roles,
    mustChangePassword: false,
  });
}
const password = (u: { loginName: string }) => `${u.loginName}-password-123`;

describe("throttling and lockout survive a restart", () => {
  it("refuses a sixth try from the same address, also after a restart", async () => {
    const u = await user("throttled", ["staff"]);
    for (let i = 0; i < 5; i++) {
      await expect(
        beginLogin(deps(), {
          loginName: u.loginName,
          password: "wrong",
          clientAddress: "192.0.2.1",
        }),
      ).rejects.toMatchObject({ code: "unauthenticated" });
    }
    // A new process: the failures are in PostgreSQL.
    await expect(
      beginLogin(deps(), {
        loginName: u.loginName,
        password: password(u),
        clientAddress: "192.0.2.1",
      }),
    ).rejects.toMatchObject({ code: "rate_limited" });
    // Another address is not throttled by this one.
    const ok = await beginLogin(deps(), {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "192.0.2.2",
    });
    expect(ok.kind).toBe("session");
  });

  it("locks the account after repeated wrong passwords from many addresses, until the lock ends", async () => {
    const u = await user("locked", ["staff"]);
    for (let i = 0; i < LOCKOUT_FAILURES; i++) {
      await expect(
        beginLogin(deps(), {
          loginName: u.loginName,
          password: "wrong",
          clientAddress: `198.51.100.${i}`,
        }),
      ).rejects.toMatchObject({ code: "unauthenticated" });
    }
    // The right password is refused with the same answer while locked.
    await expect(
      beginLogin(deps(), {
        loginName: u.loginName,
        password: password(u),
        clientAddress: "203.0.113.9",
      }),
    ).rejects.toMatchObject({ code: "unauthenticated" });
    const rows = await createAuditRepository(t.db).list({
      municipalityId,
      limit: 2,
      action: "auth.login_failed",
    });
    expect(rows[0]?.detail).toEqual({ reason: "locked" });
    expect(rows[0]?.clientAddress).toBe("203.0.113.9");
    expect(
      (await createAccountRepository(t.db).inventory(municipalityId, clock)).find(
        (a) => a.id === u.id,
      )?.lockedUntil,
    ).not.toBeNull();
    advance(LOCKOUT_MS + 1000);
    const ok = await beginLogin(deps(), {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "203.0.113.9",
    });
    expect(ok.kind).toBe("session");
  });
});

describe("TOTP second factor", () => {
  it("an enrolled user needs a code after the password; a code works once; recovery codes work once", async () => {
    const u = await user("enrolled", ["staff"]);
    const d = deps();
    const enrolment = await startEnrolment(d, { user: u });
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/mimamori:enrolled\?/);
    await expect(
      confirmEnrolment(d, { user: u, token: "t" }, { code: "000000", clientAddress: "x" }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    const { recoveryCodes } = await confirmEnrolment(
      d,
      { user: u, token: "t" },
      { code: currentTotp(enrolment.secret, clock), clientAddress: "x" },
    );
    expect(recoveryCodes).toHaveLength(10);

    advance(30_000);
    const first = await beginLogin(d, {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "x",
    });
    if (first.kind !== "challenge") throw new Error("expected a challenge");
    expect(first.secondFactor).toBe("totp");
    await expect(
      completeLoginChallenge(d, { ...first, code: "123456", clientAddress: "x" }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    // The CSRF token of the challenge is required.
    const code = currentTotp(enrolment.secret, clock);
    await expect(
      completeLoginChallenge(d, { ...first, csrfToken: "other", code, clientAddress: "x" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const session = await completeLoginChallenge(d, { ...first, code, clientAddress: "x" });
    expect(session.user.loginName).toBe("enrolled");
    expect(session.recoveryCodesLeft).toBe(10);

    // The same code again (replay) is refused.
    const second = await beginLogin(d, {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "x",
    });
    if (second.kind !== "challenge") throw new Error("expected a challenge");
    await expect(
      completeLoginChallenge(d, { ...second, code, clientAddress: "x" }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    const viaRecovery = await completeLoginChallenge(d, {
      ...second,
      code: recoveryCodes[0] as string,
      clientAddress: "x",
    });
    expect(viaRecovery.recoveryCodesLeft).toBe(9);
    const third = await beginLogin(d, {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "x",
    });
    if (third.kind !== "challenge") throw new Error("expected a challenge");
    await expect(
      completeLoginChallenge(d, { ...third, code: recoveryCodes[0] as string, clientAddress: "x" }),
    ).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("an administrator without a second factor must enrol before any session opens", async () => {
    const admin = await user("admin2", ["admin"]);
    const d = deps();
    const outcome = await beginLogin(d, {
      loginName: "admin2",
      password: password(admin),
      clientAddress: "x",
    });
    if (outcome.kind !== "challenge") throw new Error("expected a challenge");
    expect(outcome.secondFactor).toBe("enrol");
    const enrolment = await startEnrolment(d, outcome);
    const done = await confirmEnrolment(d, outcome, {
      code: currentTotp(enrolment.secret, clock),
      clientAddress: "x",
    });
    expect(done.session?.user.loginName).toBe("admin2");
    expect(done.recoveryCodes).toHaveLength(10);
    // The challenge is spent.
    await expect(startEnrolment(d, outcome)).rejects.toMatchObject({ code: "unauthenticated" });
    // An administrator resets the second factor: sessions end, enrolment is asked again.
    await resetSecondFactor(d, {
      actor: { id: null, loginName: "cli", municipalityId },
      user: admin,
    });
    expect(await createSessionRepository(t.db).listForUser(admin.id, clock)).toHaveLength(0);
    const again = await beginLogin(d, {
      loginName: "admin2",
      password: password(admin),
      clientAddress: "x",
    });
    expect(again).toMatchObject({ kind: "challenge", secondFactor: "enrol" });
  });

  it("gives up a challenge after five wrong codes", async () => {
    const u = await user("guesser", ["staff"]);
    const d = deps();
    const e = await startEnrolment(d, { user: u });
    await confirmEnrolment(
      d,
      { user: u, token: "t" },
      { code: currentTotp(e.secret, clock), clientAddress: "x" },
    );
    advance(60_000);
    const c = await beginLogin(d, {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "x",
    });
    if (c.kind !== "challenge") throw new Error("expected a challenge");
    for (let i = 0; i < 4; i++) {
      await expect(
        completeLoginChallenge(d, { ...c, code: "111111", clientAddress: "x" }),
      ).rejects.toMatchObject({
        code: "invalid_input",
      });
    }
    await expect(
      completeLoginChallenge(d, { ...c, code: "111111", clientAddress: "x" }),
    ).rejects.toMatchObject({
      code: "unauthenticated",
    });
    await expect(
      completeLoginChallenge(d, { ...c, code: currentTotp(e.secret, clock), clientAddress: "x" }),
    ).rejects.toMatchObject({ code: "unauthenticated" });
  });
});

describe("sessions", () => {
  it("end at the absolute limit however active; a login ends the session it was sent with", async () => {
    const u = await user("sessions", ["staff"]);
    const d = deps();
    const a = await beginLogin(d, {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "x",
    });
    if (a.kind !== "session") throw new Error("expected a session");
    const sessions = createSessionRepository(t.db);
    // Keep it active: extend the idle expiry far beyond the absolute one.
    await sessions.extend(
      hashToken(a.token),
      clock,
      new Date(clock.getTime() + 2 * SESSION_ABSOLUTE_MS),
    );
    expect(
      await sessions.find(
        hashToken(a.token),
        new Date(clock.getTime() + SESSION_ABSOLUTE_MS - 1000),
      ),
    ).toBeDefined();
    expect(
      await sessions.find(
        hashToken(a.token),
        new Date(clock.getTime() + SESSION_ABSOLUTE_MS + 1000),
      ),
    ).toBeUndefined();

    const b = await beginLogin(d, {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "x",
      previousToken: a.token,
    });
    expect(b.kind).toBe("session");
    expect(await sessions.find(hashToken(a.token), clock)).toBeUndefined();
  });

  it("re-authentication rotates the token and renews the authentication time", async () => {
    const u = await user("reauth", ["staff"]);
    const d = deps();
    const s = await beginLogin(d, {
      loginName: u.loginName,
      password: password(u),
      clientAddress: "x",
    });
    if (s.kind !== "session") throw new Error("expected a session");
    const sessions = createSessionRepository(t.db);
    const before = await sessions.find(hashToken(s.token), clock);
    expect(() => requireRecentAuth(before?.authenticatedAt, clock)).not.toThrow();
    advance(11 * 60_000);
    expect(() => requireRecentAuth(before?.authenticatedAt, clock)).toThrow(/パスワードを再入力/);
    await expect(
      reauthenticate(d, { user: u, token: s.token, password: "wrong", clientAddress: "x" }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    const r = await reauthenticate(d, {
      user: u,
      token: s.token,
      password: password(u),
      clientAddress: "x",
    });
    expect(await sessions.find(hashToken(s.token), clock)).toBeUndefined();
    const after = await sessions.find(hashToken(r.token), clock);
    expect(after?.authenticatedAt.getTime()).toBe(clock.getTime());
    expect(() => requireRecentAuth(after?.authenticatedAt, clock)).not.toThrow();
  });

  it("an administrator ends every session of a user, audited with the reason", async () => {
    const u = await user("ended", ["staff"]);
    const d = deps();
    await beginLogin(d, { loginName: u.loginName, password: password(u), clientAddress: "x" });
    await beginLogin(d, { loginName: u.loginName, password: password(u), clientAddress: "y" });
    const sessions = createSessionRepository(t.db);
    expect(await sessions.listForUser(u.id, clock)).toHaveLength(2);
    const n = await endSessions(d, {
      actor: { id: 1, loginName: "admin", municipalityId },
      user: u,
      reason: "disabled",
      clientAddress: "192.0.2.200",
    });
    expect(n).toBe(2);
    expect(await sessions.listForUser(u.id, clock)).toHaveLength(0);
    const [row] = await createAuditRepository(t.db).list({ municipalityId, limit: 1 });
    expect(row).toMatchObject({
      action: "auth.sessions_ended",
      target: `user:${u.id}`,
      detail: { reason: "disabled", sessions: 2 },
    });
  });
});
