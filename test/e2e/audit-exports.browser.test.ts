/**
 * The export buttons of the auditor's pages in a real browser (issue 12): on
 * 人ごとの監査レポート, 利用者ごとの監査レポート and 利用者の棚卸 the auditor
 * gives a purpose, is asked for the password again when it is older than 10
 * minutes (the export policy), and saves the CSV; each export is audited with
 * its purpose. The person report shows a child that was only in an exported
 * 判定一覧 file (audit_disclosure) as 「出力したファイルに含まれる」.
 */
import { readFileSync } from "node:fs";
import { sql } from "kysely";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { axeViolations, hasBrowser, useBrowserFixture } from "../browser.ts";

const PASSWORD = "auditexport-password-2026";

describe.skipIf(!hasBrowser)("監査レポートと棚卸の CSV 出力 (Chromium)", () => {
  const f = useBrowserFixture({
    password: PASSWORD,
    municipality: "テスト村",
    users: [
      { loginName: "kansa", displayName: "監査 担当", roles: ["auditor"] },
      { loginName: "sokatsu", displayName: "総括 担当", roles: ["coordinator"] },
    ],
    async prepare(s) {
      const audit = createAuditRepository(s.t.db);
      await audit.append({
        municipalityId: s.municipalityId,
        actorUserId: null,
        actor: "sokatsu",
        action: "child.view",
        personId: "P00000091",
      });
      // A 判定一覧 CSV of three children: P00000092 was never on a screen.
      await audit.appendDisclosure(
        {
          municipalityId: s.municipalityId,
          actorUserId: null,
          actor: "sokatsu",
          action: "children.export",
          target: "score_run:1",
          purpose: "ケース会議の資料",
          detail: { rows: 3 },
        },
        { persons: ["P00000091", "P00000092", "P00000093"], council: false },
      );
    },
    loginAs: "kansa",
  });

  /** Makes the login's password old, so the next export asks for it again. */
  const ageSession = () =>
    sql`UPDATE session SET authenticated_at = now() - interval '1 hour'`.execute(f.t.db);

  /** Fills the purpose, exports, answers the password prompt; returns the saved file's text. */
  async function exportWithReauth(page: Page, formName: string, purpose: string) {
    const form = page.getByRole("form", { name: formName });
    await form.getByLabel(/出力の目的/).fill(purpose);
    await form.getByRole("button", { name: /CSV で出力/ }).click();
    const prompt = page.getByRole("form", { name: "本人確認" });
    await prompt.getByLabel("パスワード").fill(PASSWORD);
    expect(await axeViolations(page)).toEqual([]);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      prompt.getByRole("button", { name: "本人確認して続ける" }).click(),
    ]);
    await form.getByRole("status").filter({ hasText: "監査ログに記録" }).waitFor();
    return {
      name: download.suggestedFilename(),
      text: readFileSync((await download.path()) as string, "utf8").replace(/^\uFEFF/, ""),
    };
  }

  const purposes = (action: string) =>
    f.t.db
      .selectFrom("audit_log")
      .select("purpose")
      .where("action", "=", action)
      .execute()
      .then((rows) => rows.map((r) => r.purpose));

  it("人ごとの監査レポート: a child only in an exported file, and the report's CSV", async () => {
    const { page } = f;
    await page.goto(new URL("/audit/persons", f.url).href);
    await page.getByLabel("こどもの番号").fill("P00000092");
    await page.getByRole("button", { name: "表示" }).click();
    const table = page.getByTestId("person-report");
    await table.waitFor();
    expect(await table.locator("tr[data-how=exported]").textContent()).toContain(
      "出力したファイルに含まれる",
    );
    await ageSession();
    const file = await exportWithReauth(page, "このレポートの CSV 出力", "開示請求への回答の準備");
    expect(file.name).toBe("audit-person-P00000092.csv");
    expect(file.text.split("\r\n")[0]).toMatch(/^記録番号,日時,利用者/);
    expect(file.text).toContain("ケース会議の資料");
    expect(await purposes("audit.report")).toEqual(["開示請求への回答の準備"]);
  });

  it("利用者ごとの監査レポート: the user's actions as CSV", async () => {
    const { page } = f;
    await page.goto(new URL("/audit/users", f.url).href);
    await page.getByRole("option", { name: "監査 担当（kansa）" }).waitFor({ state: "attached" });
    await page.getByLabel("利用者").selectOption({ label: "監査 担当（kansa）" });
    await page.getByRole("button", { name: "表示" }).click();
    await page.getByTestId("user-report").waitFor();
    await ageSession();
    const file = await exportWithReauth(
      page,
      "このレポートの CSV 出力",
      "定期監査の記録として保存",
    );
    expect(file.name).toMatch(/^audit-user-\d+\.csv$/);
    expect(file.text).toContain("監査レポートの出力");
    expect(await purposes("audit.report")).toContain("定期監査の記録として保存");
  });

  it("利用者の棚卸: the inventory as CSV", async () => {
    const { page } = f;
    await page.goto(new URL("/users/inventory", f.url).href);
    await page.getByTestId("inventory").waitFor();
    await ageSession();
    const file = await exportWithReauth(page, "棚卸表の CSV 出力", "令和8年度上期の棚卸");
    expect(file.name).toMatch(/^tanaoroshi-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(file.text.split("\r\n")[0]).toMatch(/^利用者番号,ログイン名/);
    expect(file.text).toContain("sokatsu");
    expect(await purposes("user.inventory_export")).toEqual(["令和8年度上期の棚卸"]);
  });
});
