/**
 * The second factor in a real browser (issue 12 Accounts): a staff member
 * enrols an authenticator app on 二要素認証の設定 after re-entering the
 * password, and sees the recovery codes once; changing it again asks the
 * current code too. An administrator resets that user's second factor on
 * 利用者管理 (a reason is required): the user's session ends and the next
 * login is an enrolment step, though the staff role itself does not require
 * a second factor. axe-core on the settings page and the reset dialog.
 */
import { describe, expect, it } from "vitest";
import {
  axeViolations,
  freshTotp,
  hasBrowser,
  logIn,
  UI_TIMEOUT,
  useBrowserFixture,
} from "../browser.ts";

const PASSWORD = "second-factor-password-2026";

describe.skipIf(!hasBrowser)("二要素認証の設定とリセット (Chromium)", () => {
  const f = useBrowserFixture({
    password: PASSWORD,
    users: [
      { loginName: "kanri", displayName: "管理 花子", roles: ["admin"] },
      { loginName: "sato", displayName: "佐藤 一郎", roles: ["staff"] },
    ],
  });

  it("a user enrols with re-authentication; an administrator resets it and the user must enrol at next login", async () => {
    const sato = await f.pageAs("sato");
    await sato.getByRole("link", { name: "二要素認証の設定" }).click();
    await sato.getByRole("heading", { name: "二要素認証の設定", level: 1 }).waitFor();
    const status = sato.getByTestId("second-factor-status");
    await status.getByText("まだ登録していません").waitFor();

    // Re-authentication: a wrong password is refused in Japanese.
    await sato.getByRole("button", { name: "認証アプリを登録" }).click();
    await sato.getByLabel("パスワード").fill("wrong-password-0000");
    await sato.getByRole("button", { name: "次へ" }).click();
    await sato.getByRole("alert").getByText("パスワードが正しくありません。").waitFor();
    await sato.getByLabel("パスワード").fill(PASSWORD);
    await sato.getByRole("button", { name: "次へ" }).click();
    const secretNode = sato.getByTestId("totp-secret");
    await secretNode.waitFor();
    const secret = (await secretNode.getAttribute("data-secret")) ?? "";
    expect(secret).not.toBe("");
    expect(await axeViolations(sato)).toEqual([]);
    await sato.getByLabel("新しい認証アプリに表示されたコード").fill(await freshTotp(secret));
    await sato.getByRole("button", { name: "登録する" }).click();
    await sato.getByRole("list", { name: "回復コード" }).waitFor();
    expect(await sato.getByRole("list", { name: "回復コード" }).locator("li").count()).toBe(10);
    await status.getByText(/登録済み（未使用の回復コード 10 個）/).waitFor();

    // Enrolled: changing it now asks the current code as well.
    await sato.getByRole("button", { name: "回復コードを再発行" }).click();
    await sato
      .getByLabel("今の確認コード（認証アプリの 6 桁、または回復コード）")
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await axeViolations(sato)).toEqual([]);
    await f.shot("43-second-factor-settings.png", { page: sato });

    // The administrator resets it from 利用者管理, with a reason.
    await f.login("kanri");
    const page = f.page;
    await page.getByRole("link", { name: "利用者管理" }).click();
    await page.getByRole("heading", { name: "利用者管理", level: 1 }).waitFor();
    await page.getByRole("button", { name: "sato を管理" }).click();
    const panel = page.getByRole("region", { name: /の管理$/ });
    await panel.getByRole("heading", { name: "佐藤 一郎（sato）の管理" }).waitFor();
    await panel.getByRole("button", { name: "二要素認証をリセット" }).click();
    const dialog = page.getByRole("alertdialog");
    await dialog.getByText("佐藤 一郎（sato）の二要素認証をリセットしますか？").waitFor();
    await dialog.getByRole("button", { name: "実行する" }).click();
    await panel
      .getByRole("alert")
      .getByText(/リセットの理由.*を入力してください/)
      .waitFor();
    await dialog.getByLabel("リセットの理由（例: 端末の紛失）").fill("スマートフォンの紛失");
    expect(await axeViolations(page)).toEqual([]);
    await f.shot("44-second-factor-reset.png");
    await dialog.getByRole("button", { name: "実行する" }).click();
    await panel
      .getByRole("status")
      .getByText("佐藤 一郎（sato）の二要素認証をリセットしました。", { exact: false })
      .waitFor();
    const audited = await f.t.db
      .selectFrom("audit_log")
      .select(["detail"])
      .where("action", "=", "auth.second_factor_reset")
      .executeTakeFirstOrThrow();
    expect(audited.detail).toEqual({ reason: "スマートフォンの紛失" });

    // The user's session has ended: the next request goes to the login page.
    await sato.reload();
    await sato.getByLabel("ログイン名").waitFor();
    // And the next login is an enrolment step (the staff role alone would not ask for one).
    await sato.getByLabel("ログイン名").fill("sato");
    await sato.getByLabel("パスワード").fill(PASSWORD);
    await sato.getByRole("button", { name: "ログイン", exact: true }).click();
    await sato.getByRole("heading", { name: "二要素認証の登録" }).waitFor();
    const fresh = await logIn(sato, f.url, { loginName: "sato", password: PASSWORD });
    expect(fresh.totpSecret).toBeDefined();
    expect(fresh.totpSecret).not.toBe(secret);
  });
});
