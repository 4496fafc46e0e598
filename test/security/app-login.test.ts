/**
 * The app's LOGIN role (issue 12, src/db/login-role.ts): a misconfigured
 * DATABASE_APP_URL or an owner that cannot create roles fails with a clear
 * Japanese error; a generated password lives in HOME/app-login.secret (0600).
 * Row-level security under the login role: test/row-security.test.ts.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOGIN_SECRET_FILE, prepareAppLogin, scramVerifier } from "../../src/db/login-role.ts";
import type { MimamoriError } from "../../src/domain/errors.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

let t: TestDatabase;
const home = mkdtempSync(join(tmpdir(), "mimamori-login-"));
const suffix = Math.random().toString(36).slice(2, 8);
const bypass = `t_bypass_${suffix}`;
const weakOwner = `t_weak_${suffix}`;

function as(user: string, password: string): string {
  const u = new URL(t.url);
  u.username = user;
  u.password = password;
  return u.toString();
}

beforeAll(async () => {
  t = await createTestDatabase();
  await sql
    .raw(
      `CREATE ROLE ${bypass} LOGIN BYPASSRLS PASSWORD '${scramVerifier("pw-bypass")}';
       GRANT mimamori_app TO ${bypass};
       CREATE ROLE ${weakOwner} LOGIN NOCREATEROLE PASSWORD '${scramVerifier("pw-weak")}'`,
    )
    .execute(t.db);
}, 120_000);

afterAll(async () => {
  await sql.raw(`DROP ROLE IF EXISTS ${bypass}; DROP ROLE IF EXISTS ${weakOwner}`).execute(t.db);
  await t?.drop();
  rmSync(home, { recursive: true, force: true });
});

describe("the app login role", () => {
  it("refuses the owner as DATABASE_APP_URL", async () => {
    await expect(prepareAppLogin({ ownerUrl: t.url, appUrl: t.url })).rejects.toThrow(
      /DATABASE_APP_URL の利用者が DATABASE_URL（データベースの所有者）と同じです/,
    );
  });

  it("refuses a BYPASSRLS role, naming the problem", async () => {
    const e = (await prepareAppLogin({ ownerUrl: t.url, appUrl: as(bypass, "pw-bypass") }).then(
      () => undefined,
      (x: unknown) => x,
    )) as MimamoriError;
    expect(e.message).toMatch(/アプリ用のログインロールが安全ではない/);
    expect(e.details.join("\n")).toMatch(/BYPASSRLS/);
  });

  it("tells an owner without CREATEROLE to give DATABASE_APP_URL", async () => {
    await expect(prepareAppLogin({ ownerUrl: as(weakOwner, "pw-weak") })).rejects.toThrow(
      /CREATEROLE）がないため.*DATABASE_APP_URL/,
    );
  });

  it("keeps a generated password in HOME (mode 0600) and can log in with it", async () => {
    const url = await prepareAppLogin({ ownerUrl: t.url, home, preferFile: true });
    const mode = statSync(join(home, LOGIN_SECRET_FILE)).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(new URL(url).password).not.toBe(new URL(t.url).password);
    // The same home gives the same password (the server and the CLI share it).
    expect(await prepareAppLogin({ ownerUrl: t.url, home, preferFile: true })).toBe(url);
    // Back to the derived password the test database's pool uses.
    await prepareAppLogin({ ownerUrl: t.url });
  });
});
