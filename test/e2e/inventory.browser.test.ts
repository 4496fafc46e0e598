/**
 * 利用者の棚卸 in a real browser (issue 12): an auditor opens the page and
 * sees each account with its role, affiliation, 要対協 membership and the
 * flags to review first (an administrator without a second factor); axe-core
 * finds no serious or critical violation.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { axeViolations, hasBrowser, screenshotDir, useBrowserFixture } from "../browser.ts";

describe.skipIf(!hasBrowser)("利用者の棚卸 (Chromium)", () => {
  const f = useBrowserFixture({
    password: "inventory-password-2026",
    municipality: "テスト村",
    users: [
      { loginName: "kansa", displayName: "監査 担当", roles: ["auditor"], council: true },
      { loginName: "kanri", displayName: "管理 担当", roles: ["admin"] },
    ],
    loginAs: "kansa",
  });

  it("lists the accounts with their flags", async () => {
    const { page } = f;
    await page.goto(new URL("/users/inventory", f.url).href);
    const table = page.getByTestId("inventory");
    await table.waitFor();
    const admin = table.locator("tr[data-login=kanri]");
    expect(await admin.textContent()).toContain("管理者・総括管理で二要素認証なし");
    expect(await table.locator("tr[data-login=kansa]").textContent()).toContain("構成員");
    // Roles by their Japanese names, as 利用者管理 shows them (not the API's ids).
    expect(await admin.textContent()).toContain("システム管理者");
    expect(await table.locator("tr[data-login=kansa]").textContent()).toContain("監査（閲覧のみ）");
    expect(await table.textContent()).not.toMatch(/\b(admin|auditor)\b/);
    expect(await page.getByTestId("inventory-summary").textContent()).toContain("人中");
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, "90-users-inventory.png") });
  });
});

describe.skipIf(!hasBrowser)("人ごとの監査レポート (Chromium)", () => {
  const f = useBrowserFixture({
    password: "report-password-2026",
    municipality: "テスト村",
    users: [{ loginName: "kansa", displayName: "監査 担当", roles: ["auditor"] }],
    async prepare(s) {
      const audit = createAuditRepository(s.t.db);
      const row = (action: string, personId: string | null, detail: Record<string, unknown>) =>
        audit.append({
          municipalityId: s.municipalityId,
          actorUserId: null,
          actor: "tanto",
          action,
          personId,
          detail,
        });
      await row("child.view", "P00000091", {});
      // Shown in a non-member's scope (the mark the request's scope writes).
      await row("children.search", null, { persons: ["P00000091"], council: false });
      await row("children.list", null, { persons: ["P00000091"], filter: { items: "B01" } });
    },
    loginAs: "kansa",
  });

  it("shows who looked at a child, without 要対協 rows for a non-member", async () => {
    const { page } = f;
    await page.goto(new URL("/audit/persons", f.url).href);
    await page.getByLabel("こどもの番号").fill("P00000091");
    await page.getByRole("button", { name: "表示" }).click();
    const table = page.getByTestId("person-report");
    await table.waitFor();
    expect(await table.locator("tbody tr").count()).toBe(2);
    expect(await table.locator("tr[data-how=direct]").textContent()).toContain("こども詳細の閲覧");
    expect(await table.locator("tr[data-how=listed]").textContent()).toContain("こどもの検索");
    expect(await axeViolations(page)).toEqual([]);
  });
});

describe.skipIf(!hasBrowser)("保存期間の設定 (Chromium)", () => {
  const f = useBrowserFixture({
    password: "retention-password-2026",
    municipality: "テスト村",
    users: [{ loginName: "sokatsu", displayName: "総括 管理", roles: ["coordinator"] }],
    loginAs: "sokatsu",
  });

  it("shows the defaults and saves a change with a reason (audited)", async () => {
    const { page, t } = f;
    await page.goto(new URL("/retention", f.url).href);
    await page.getByTestId("retention-form").waitFor();
    expect(await page.getByLabel("18歳（または転出）から残す年数").inputValue()).toBe("5");
    await page.getByLabel("18歳（または転出）から残す年数").fill("7");
    await page.getByRole("button", { name: "保存" }).click();
    expect(await page.getByTestId("retention-message").textContent()).toContain(
      "変更の理由を入力してください",
    );
    await page.getByLabel("変更の理由").fill("条例改正のため");
    await page.getByRole("button", { name: "保存" }).click();
    await page.getByText("保存しました。").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    const row = await t.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "retention.settings")
      .executeTakeFirstOrThrow();
    expect(row.detail).toMatchObject({ note: "条例改正のため", after: { persons: { years: 7 } } });
  });
});

describe.skipIf(!hasBrowser)("利用者ごとの監査レポート (Chromium)", () => {
  const f = useBrowserFixture({
    password: "userreport-password-2026",
    municipality: "テスト村",
    users: [{ loginName: "kansa", displayName: "監査 担当", roles: ["auditor"] }],
    loginAs: "kansa",
  });

  it("lists what one user did", async () => {
    const { page } = f;
    await page.goto(new URL("/audit/users", f.url).href);
    await page.getByRole("option", { name: "監査 担当（kansa）" }).waitFor({ state: "attached" });
    await page.getByLabel("利用者").selectOption({ label: "監査 担当（kansa）" });
    await page.getByRole("button", { name: "表示" }).click();
    const table = page.getByTestId("user-report");
    await table.waitFor();
    expect(await table.textContent()).toContain("ログイン");
    expect(await axeViolations(page)).toEqual([]);
  });
});
