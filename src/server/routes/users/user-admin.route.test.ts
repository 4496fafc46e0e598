/**
 * User administration over the API (issue 16): disable (the user's session
 * ends at once), re-enable, one-time password reset, role change (sessions
 * end), ending sessions; each audited; an administrator cannot lock
 * themselves out or remove the last administrator; non-admins are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { type Client, createClient, createTestApp, loginAs } from "../../../../test/http.ts";
import { createAuditRepository } from "../../../db/audit.repository.ts";
import { createUserRepository } from "../../../db/user.repository.ts";
import type { App } from "../../app.ts";

let t: TestDatabase;
let app: App;
let admin: Client;
let staff: Client;
let staffId: number;
let adminId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  app = await createTestApp(t.db, t.url);
  admin = await loginAs(app, t.db, "admin1", ["admin"]);
  staff = await loginAs(app, t.db, "staff1", ["staff"]);
  const users = createUserRepository(t.db);
  staffId = (await users.findByLogin("staff1"))?.id as number;
  adminId = (await users.findByLogin("admin1"))?.id as number;
});

afterAll(() => t?.drop());

async function actions(): Promise<string[]> {
  const rows = await t.db
    .selectFrom("audit_log")
    .select(["action", "target"])
    .orderBy("id")
    .execute();
  return rows.filter((r) => r.target === `user:${staffId}`).map((r) => r.action);
}

describe("user administration", () => {
  it("disabling ends the user's session at once; they cannot log in until re-enabled", async () => {
    expect((await staff.json("/api/auth/me")).status).toBe(200);
    const r = await admin.json<{ disabled: boolean }>(`/api/users/${staffId}/disable`, {
      method: "POST",
    });
    expect(r.status).toBe(200);
    expect(r.body.disabled).toBe(true);
    expect((await staff.json("/api/auth/me")).status).toBe(401);
    const again = createClient(app);
    const login = await again.json("/api/auth/login", {
      method: "POST",
      body: { loginName: "staff1", password: "staff1-password-123" },
    });
    expect(login.status).not.toBe(200);

    expect((await admin.json(`/api/users/${staffId}/enable`, { method: "POST" })).status).toBe(200);
    staff = createClient(app);
    const back = await staff.json("/api/auth/login", {
      method: "POST",
      body: { loginName: "staff1", password: "staff1-password-123" },
    });
    expect(back.status).toBe(200);
    expect(await actions()).toEqual(
      expect.arrayContaining(["user.disable", "auth.sessions_ended", "user.enable"]),
    );
  });

  it("a password reset gives a one-time password that must be changed, and ends sessions", async () => {
    const r = await admin.json<{
      temporaryPassword: string;
      user: { mustChangePassword: boolean };
    }>(`/api/users/${staffId}/password-reset`, { method: "POST" });
    expect(r.status).toBe(200);
    expect(r.body.temporaryPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(r.body.user.mustChangePassword).toBe(true);
    expect((await staff.json("/api/auth/me")).status).toBe(401);
    const old = await createClient(app).json("/api/auth/login", {
      method: "POST",
      body: { loginName: "staff1", password: "staff1-password-123" },
    });
    expect(old.status).not.toBe(200);
    staff = createClient(app);
    const fresh = await staff.json<{ user: { mustChangePassword: boolean } }>("/api/auth/login", {
      method: "POST",
      body: { loginName: "staff1", password: r.body.temporaryPassword },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.user.mustChangePassword).toBe(true);
    // The temporary password itself is never audited.
    const detail = JSON.stringify(
      await createAuditRepository(t.db).list({ municipalityId: 1, limit: 50 }),
    );
    expect(detail).not.toContain(r.body.temporaryPassword);
  });

  it("a role change takes effect with a new login (sessions end) and is audited with before/after", async () => {
    const r = await admin.json<{ roles: string[]; council: boolean }>(
      `/api/users/${staffId}/roles`,
      {
        method: "PUT",
        body: { roles: ["staff", "analyst"], council: true, affiliation: null },
      },
    );
    expect(r.status).toBe(200);
    expect(r.body.roles).toEqual(["staff", "analyst"]);
    expect(r.body.council).toBe(true);
    expect((await staff.json("/api/auth/me")).status).toBe(401);
    const row = await t.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "user.roles")
      .executeTakeFirstOrThrow();
    expect(row.detail).toMatchObject({
      before: { roles: ["staff"], council: false },
      after: { roles: ["staff", "analyst"], council: true },
    });
  });

  it("ends a user's sessions on request", async () => {
    const s = await loginAs(app, t.db, "staff2", ["staff"]);
    const id = (await createUserRepository(t.db).findByLogin("staff2"))?.id as number;
    const r = await admin.json<{ sessionsEnded: number }>(`/api/users/${id}/sessions/end`, {
      method: "POST",
    });
    expect(r.body.sessionsEnded).toBe(1);
    expect((await s.json("/api/auth/me")).status).toBe(401);
  });

  it("refuses to disable oneself or demote the last administrator, in Japanese", async () => {
    const self = await admin.json<{ error: { message: string } }>(`/api/users/${adminId}/disable`, {
      method: "POST",
    });
    expect(self.status).toBe(400);
    expect(self.body.error.message).toMatch(/自分自身のアカウントは無効にできません/);
    const demote = await admin.json<{ error: { message: string } }>(`/api/users/${adminId}/roles`, {
      method: "PUT",
      body: { roles: ["staff"], council: false, affiliation: null },
    });
    expect(demote.status).toBe(400);
    expect(demote.body.error.message).toMatch(/管理者の役割は外せません/);
    expect((await admin.json("/api/auth/me")).status).toBe(200);
  });

  it("refuses non-administrators and unknown users", async () => {
    const other = await loginAs(app, t.db, "coord1", ["coordinator"]);
    expect((await other.json(`/api/users/${staffId}/disable`, { method: "POST" })).status).toBe(
      403,
    );
    expect((await admin.json("/api/users/999999/disable", { method: "POST" })).status).toBe(404);
  });
});
