/**
 * The account inventory over the API (issue 12, 棚卸): every account of the
 * municipality with role, affiliation, council membership, second factor,
 * last login, creation, disabled and sessions, with flags; the CSV export asks
 * a purpose, guards formula cells and is audited; only admin and 監査 read it.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { type Client, createTestApp, loginAs } from "../../../../test/http.ts";
import { createMunicipalityRepository } from "../../../db/municipality.repository.ts";
import type { App } from "../../app.ts";

let t: TestDatabase;
let app: App;
let admin: Client;
let auditor: Client;

interface Inventory {
  items: {
    loginName: string;
    roles: string[];
    affiliation: string | null;
    council: boolean;
    secondFactor: boolean;
    activeSessions: number;
    flags: { id: string; label: string }[];
  }[];
  flagged: number;
}

beforeAll(async () => {
  t = await createTestDatabase();
  app = await createTestApp(t.db, t.url);
  admin = await loginAs(app, t.db, "inv-admin", ["admin"]);
  auditor = await loginAs(app, t.db, "inv-kansa", ["auditor"], { council: true });
  await loginAs(app, t.db, "inv-school", ["affiliation"], { affiliation: "第一小学校" });
  await loginAs(app, t.db, "=cmd|' /C calc'!A0", ["staff"]);
  // An account last used 100 days ago.
  await sql`UPDATE app_user SET last_login_at = now() - interval '100 days'
            WHERE login_name = 'inv-school'`.execute(t.db);
  const other = await createMunicipalityRepository(t.db).add({ code: "999995", name: "別の村" });
  await loginAs(app, t.db, "inv-elsewhere", ["admin"], { municipalityId: other?.id as number });
});
afterAll(() => t?.drop());

describe("account inventory", () => {
  it("lists this municipality's accounts with their state and flags", async () => {
    const r = await auditor.json<Inventory>("/api/users/inventory");
    expect(r.status).toBe(200);
    const by = new Map(r.body.items.map((i) => [i.loginName, i]));
    expect(by.has("inv-elsewhere")).toBe(false);
    expect(by.get("inv-admin")).toMatchObject({ roles: ["admin"], secondFactor: false });
    expect(by.get("inv-admin")?.flags.map((f) => f.id)).toContain("privileged_without_totp");
    expect(by.get("inv-school")).toMatchObject({ affiliation: "第一小学校", council: false });
    expect(by.get("inv-school")?.flags.map((f) => f.label)).toEqual(["90日以上ログインなし"]);
    expect(by.get("inv-kansa")).toMatchObject({ council: true, flags: [] });
    expect(by.get("inv-kansa")?.activeSessions).toBeGreaterThanOrEqual(1);
    expect(r.body.flagged).toBe(r.body.items.filter((i) => i.flags.length > 0).length);
    expect((await admin.json("/api/users/inventory")).status).toBe(200);
    const staff = await loginAs(app, t.db, "inv-staff", ["staff"]);
    expect((await staff.json("/api/users/inventory")).status).toBe(403);
    const audited = await t.db
      .selectFrom("audit_log")
      .select("actor")
      .where("action", "=", "user.inventory")
      .execute();
    expect(audited.map((a) => a.actor)).toContain("inv-kansa");
  });

  it("exports CSV with a purpose, formula cells guarded, and audits it", async () => {
    const bad = await auditor.request("/api/users/inventory/export", { method: "POST", body: {} });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("出力の目的を入力してください");
    const r = await auditor.request("/api/users/inventory/export", {
      method: "POST",
      body: { purpose: "年度末の棚卸のため" },
    });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain(",'=cmd|' /C calc'!A0,");
    expect(text).not.toMatch(/(^|,)=cmd/m);
    expect(text).toContain("第一小学校");
    const row = await t.db
      .selectFrom("audit_log")
      .select(["actor", "purpose"])
      .where("action", "=", "user.inventory_export")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ actor: "inv-kansa", purpose: "年度末の棚卸のため" });
  });
});
