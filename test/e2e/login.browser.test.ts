import { describe, expect, it } from "vitest";
import { bootstrap } from "../../src/server/bootstrap.ts";
import { hasBrowser, submitTotp, UI_TIMEOUT, useBrowserFixture } from "../browser.ts";

describe.skipIf(!hasBrowser)("login in a real browser (Chromium)", () => {
  let tempPassword: string;
  let totpSecret = "";
  // The first administrator as `serve` creates it (one-time password, must
  // change it, must enrol a second factor): no fixture user, no login.
  const f = useBrowserFixture({
    password: "unused-fixture-password",
    enforceSecondFactor: true,
    async prepare(s) {
      const first = await bootstrap(s.t.db);
      tempPassword = first.admin?.password ?? "";
    },
  });

  const shot = (name: string) => f.shot(`${name}.png`);

  it("shows the Japanese error on a failed login", async () => {
    const { page, server } = f;
    await page.goto(server.url);
    await expect(page.getByRole("heading", { name: /mimamori/ }).textContent()).resolves.toContain(
      "見守り",
    );
    await page.getByLabel("ログイン名").fill("admin");
    await page.getByLabel("パスワード").fill("まちがったパスワード");
    await page.getByRole("button", { name: "ログイン" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("ログイン名またはパスワードが正しくありません。");
    await shot("01-login-failed");
  }, 240_000);

  it("makes the administrator enrol a second factor at first login, then shows the recovery codes once", async () => {
    const { page } = f;
    await page.getByLabel("ログイン名").fill("admin");
    await page.getByLabel("パスワード").fill(tempPassword);
    await page.getByRole("button", { name: "ログイン" }).click();
    await page.getByRole("heading", { name: "二要素認証の登録" }).waitFor();
    const secret = page.getByTestId("totp-secret");
    await secret.waitFor();
    totpSecret = (await secret.getAttribute("data-secret")) ?? "";
    expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    await shot("02a-second-factor-enrolment");
    await page.getByLabel("認証アプリに表示された 6 桁のコード").fill("000000");
    await page.getByRole("button", { name: "登録してログイン" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("確認コードが正しくありません");
    // A fresh code, retried if refused; generous waits (slow under a full run).
    await submitTotp(
      page,
      totpSecret,
      { label: "認証アプリに表示された 6 桁のコード", button: "登録してログイン" },
      /^回復コード$/,
    );
    expect(await page.getByRole("list", { name: "回復コード" }).locator("li").count()).toBe(10);
    await shot("02b-recovery-codes");
    await page.getByRole("button", { name: "保管しました。続ける" }).click();
  }, 240_000);

  it("forces a password change at first login", async () => {
    const { page } = f;
    await page.getByRole("heading", { name: "パスワードの変更" }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByText("初回ログインです").count()).toBe(1);
    await shot("02-forced-password-change");

    // The rules are listed beside the new password, the login-name rule with its reason.
    const field = page.getByLabel("新しいパスワード（12 文字以上）");
    expect(await page.locator("#pw-rules").textContent()).toContain(
      "パスワードにログイン名を含めないでください。ログイン名は職員の間で知られていて",
    );
    // A password containing the login name (any case): the reason appears beside the field
    // at once, and 変更する sends nothing until it is fixed.
    await page.getByLabel("現在のパスワード").fill(tempPassword);
    await field.fill("Admin-kawa-no-nagare");
    await page.getByLabel("新しいパスワード（確認）").fill("Admin-kawa-no-nagare");
    const problems = page.getByTestId("password-problems");
    await problems.waitFor();
    expect(await problems.textContent()).toMatch(
      /^パスワードにログイン名を含めないでください。.+推測する人が最初に試すため/,
    );
    expect(await field.getAttribute("aria-describedby")).toContain("pw-problems");
    let sent = 0;
    const count = (r: { url(): string }) => {
      if (r.url().endsWith("/api/auth/password")) sent++;
    };
    page.on("request", count);
    await page.getByRole("button", { name: "変更する" }).click();
    await page.waitForTimeout(300);
    page.off("request", count);
    expect(sent).toBe(0);
    expect(await page.getByRole("heading", { name: "パスワードの変更" }).count()).toBe(1);
    await shot("02c-password-with-login-name");

    await page.getByLabel("現在のパスワード").fill(tempPassword);
    await field.fill("mimamori-test-2026");
    await page.getByLabel("新しいパスワード（確認）").fill("mimamori-test-2026");
    await page.getByRole("button", { name: "変更する" }).click();

    await page.getByRole("heading", { name: "ホーム" }).waitFor();
    expect(await page.getByTestId("current-user").textContent()).toBe("システム管理者");
    const nav = await page.getByRole("navigation", { name: "メインメニュー" }).textContent();
    expect(nav).toContain("監査ログ");
    expect(nav).toContain("利用者管理");
    await shot("03-home");
  }, 240_000);

  it("shows the audit log with a verified chain", async () => {
    const { page } = f;
    await page.getByRole("link", { name: "監査ログ" }).click();
    await page.getByRole("heading", { name: "監査ログ" }).waitFor();
    const status = await page.getByRole("status").textContent();
    expect(status).toMatch(/改ざん検証: 全 \d+ 件/);
    expect(await page.getByRole("table").textContent()).toContain("パスワード変更");
    await shot("04-audit");
  }, 240_000);

  it("logs out back to the login page, and the new password works", async () => {
    const { page } = f;
    await page.getByRole("button", { name: "ログアウト" }).click();
    await page.getByRole("button", { name: "ログイン" }).waitFor();
    await page.reload();
    await page.getByLabel("ログイン名").waitFor();
    await shot("05-logged-out");
    await page.getByLabel("ログイン名").fill("admin");
    await page.getByLabel("パスワード").fill("mimamori-test-2026");
    await page.getByRole("button", { name: "ログイン" }).click();
    await page.getByRole("heading", { name: "確認コードの入力" }).waitFor();
    await shot("06-second-factor");
    // A step after the one used at enrolment (a step is never accepted twice).
    await submitTotp(
      page,
      totpSecret,
      { label: "確認コード", exact: true, button: "ログイン" },
      /^ホーム$/,
    );
  }, 240_000);
});
