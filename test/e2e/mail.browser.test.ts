/**
 * Mail about notifications in a real browser (issue 13): the administrator
 * opens メール通知の設定 (off by default), is told in Japanese what turning it
 * on needs, saves a relay (a real SMTP server on 127.0.0.1), is told the test
 * mail needs their own address, registers it on メール通知（自分） (a bad
 * address refused in Japanese), sends the test mail, sets a staff member's
 * address in 利用者管理; a notification then reaches the relay as a mail with
 * no child data, and the outbox status shows it sent. axe-core on both pages.
 */
import { describe, expect, it } from "vitest";
import { createNotificationRepository } from "../../src/db/notification.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { systemScope } from "../../src/domain/policy/index.ts";
import { sendDueMail } from "../../src/server/mail-sender.ts";
import { axeViolations, hasBrowser, UI_TIMEOUT, useBrowserFixture } from "../browser.ts";
import { mailBody, startTestSmtpServer, type TestSmtpServer } from "../smtp.ts";

describe.skipIf(!hasBrowser)("メール通知の設定 (Chromium)", () => {
  let smtp: TestSmtpServer;
  const f = useBrowserFixture(
    {
      password: "kanri-mail-password-2026",
      municipality: "テスト町",
      users: [
        { loginName: "kanri", displayName: "管理 花子", roles: ["admin"] },
        { loginName: "sato", displayName: "佐藤 一郎", roles: ["staff"] },
      ],
      async prepare(s) {
        smtp = await startTestSmtpServer();
        s.onClose(() => smtp.close());
      },
      pageTimeout: Number(process.env.UI_DEBUG_TIMEOUT ?? UI_TIMEOUT),
    },
    180_000,
  );

  const shot = (name: string) => f.shot(`${name}.png`);

  it("sets the relay, sends a test mail, and a notification's mail says nothing about the child", async () => {
    const { page, t, municipalityId } = f;
    const staffId = (await createUserRepository(t.db).findByLogin("sato"))?.id as number;
    await f.login("kanri");
    await page.getByRole("link", { name: "メール通知の設定" }).click();
    await page.getByRole("heading", { name: "メール通知の設定", level: 1 }).waitFor();
    await page.getByText("メール通知を使わない").first().waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot("mail-10-settings-off");

    // Turning it on without a host: refused in Japanese, nothing saved.
    await page.getByLabel("お知らせをメールでも知らせる").check();
    await page.getByRole("button", { name: "保存する" }).click();
    await page
      .getByRole("alert")
      .getByText(/ホスト名を入力してください/)
      .waitFor();

    await page.getByLabel("SMTP サーバー（ホスト名または IP アドレス）").fill("127.0.0.1");
    await page.getByLabel("ポート番号").fill(String(smtp.port));
    await page.getByLabel("暗号化").selectOption("none");
    await page.getByLabel("差出人のアドレス").fill("mimamori@town.example.lg.jp");
    await page
      .getByLabel("メールに載せる mimamori の URL（職員が開くアドレス）")
      .fill("https://mimamori.town.example.lg.jp/");
    await page.getByRole("button", { name: "保存する" }).click();
    await page
      .getByRole("status")
      .getByText(/保存しました。お知らせのメールを送り始めます/)
      .waitFor();

    // The test mail needs the administrator's own address.
    await page.getByRole("button", { name: "試験メールを送る" }).click();
    await page
      .getByRole("alert")
      .getByText(/自分のメールアドレスを登録/)
      .waitFor();

    await page.getByRole("link", { name: "メール通知（自分）" }).click();
    await page.getByRole("heading", { name: "メール通知（自分）", level: 1 }).waitFor();
    await page.getByText("このサーバーではメール通知を使っています。").waitFor();
    await page.getByLabel(/メールアドレス/).fill("kanri at town");
    await page.getByRole("button", { name: "保存する" }).click();
    await page
      .getByRole("alert")
      .getByText(/メールアドレスの形が正しくありません/)
      .waitFor();
    await page.getByLabel(/メールアドレス/).fill("kanri@town.example.lg.jp");
    await page.getByRole("button", { name: "保存する" }).click();
    await page.getByRole("status").getByText("メールアドレスを保存しました。").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot("mail-20-my-address");

    await page.getByRole("link", { name: "メール通知の設定" }).click();
    await page.getByText(/kanri@town\.example\.lg\.jp/).waitFor();
    await page.getByRole("button", { name: "試験メールを送る" }).click();
    await page
      .getByRole("status")
      .getByText(/試験メールを送りました（宛先 k\*\*\*@town/)
      .waitFor();
    expect(smtp.received.map((m) => m.to)).toEqual([["kanri@town.example.lg.jp"]]);

    // The administrator sets the staff member's address in 利用者管理.
    await page.getByRole("link", { name: "利用者管理" }).click();
    await page.getByRole("button", { name: "sato を管理" }).click();
    await page
      .getByLabel(/^メールアドレス（空にして保存すると削除/)
      .fill("sato@town.example.lg.jp");
    await page.getByRole("button", { name: "アドレスを保存する" }).click();
    await page
      .getByRole("status")
      .getByText(/メールアドレスを保存しました/)
      .waitFor();

    // A notification (its in-app text names the child and school) → one mail without them.
    await createNotificationRepository(t.db).add(systemScope(municipalityId), [
      {
        userIds: [staffId],
        kind: "sheet.overdue",
        text: "みなみ小学校への情報収集シート（見守 花子、期限 2024-05-31）の回答がまだありません。",
        link: "/sheets/requests/3",
        requestId: null,
      },
    ]);
    expect(await sendDueMail(t.db)).toEqual({ sent: 1, failed: 0, cancelled: 0 });
    const mail = smtp.received.at(-1);
    expect(mail?.to).toEqual(["sato@town.example.lg.jp"]);
    const body = mailBody(mail?.raw ?? "");
    expect(body).toContain("情報収集シートの回答期限が過ぎています。");
    for (const fact of ["見守", "花子", "みなみ小学校", "2024-05-31"])
      expect(body).not.toContain(fact);

    await page.getByRole("link", { name: "メール通知の設定" }).click();
    const row = page.getByRole("row").filter({ hasText: "佐藤 一郎" });
    await row.getByText("送信済み").waitFor();
    expect(await row.textContent()).toContain("回答期限切れ");
    expect(await page.getByText("Invalid Date").count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await shot("mail-30-outbox-sent");
  }, 300_000);
});
