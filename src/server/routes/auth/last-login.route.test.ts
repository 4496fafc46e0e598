/**
 * 「最終ログイン」 (issue 16 defect): the home page shows the user's previous
 * login, not the one just made. The first login has no previous one; the
 * second shows the first's time, both in the login answer and in /auth/me.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { createClient, createTestApp, loginAs } from "../../../../test/http.ts";
import { createUserRepository } from "../../../db/user.repository.ts";
import type { App } from "../../app.ts";

let t: TestDatabase;
let app: App;

beforeAll(async () => {
  t = await createTestDatabase();
  app = await createTestApp(t.db, t.url);
});

afterAll(() => t?.drop());

type Me = { user: { lastLoginAt: string | null } };

describe("最終ログイン", () => {
  it("is empty at the first login and the first login's time at the second", async () => {
    const first = await loginAs(app, t.db, "sato", ["staff"]);
    expect((await first.json<Me>("/api/auth/me")).body.user.lastLoginAt).toBeNull();
    const firstAt = (await createUserRepository(t.db).findByLogin("sato"))?.lastLoginAt;
    expect(firstAt).toBeInstanceOf(Date);

    await new Promise((r) => setTimeout(r, 20));
    const second = createClient(app);
    const login = await second.json<Me>("/api/auth/login", {
      method: "POST",
      body: { loginName: "sato", password: "sato-password-123" },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.lastLoginAt).toBe(firstAt?.toISOString());
    const me = await second.json<Me>("/api/auth/me");
    expect(me.body.user.lastLoginAt).toBe(firstAt?.toISOString());
    // The administrator's list still shows each account's latest login.
    const now = (await createUserRepository(t.db).findByLogin("sato"))?.lastLoginAt;
    expect(now?.getTime()).toBeGreaterThan(firstAt?.getTime() ?? 0);
  });
});
