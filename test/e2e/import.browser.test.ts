import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { ensureWebBuilt } from "../../src/server/web-build.ts";
import { hasBrowser, launchBrowser, logIn, screenshotDir } from "../browser.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const PASSWORD = "data-owner-password-2026";

describe.skipIf(!hasBrowser)("importing a file from the browser (Chromium)", () => {
  let t: TestDatabase;
  let server: RunningServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuilt();
    t = await createTestDatabase();
    const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
    await createUserRepository(t.db).insert({
      municipalityId: m.id,
      loginName: "owner",
      displayName: "取込 担当",
      passwordHash: await hashPassword(PASSWORD),
      roles: ["data_owner"],
      mustChangePassword: false,
    });
    server = await startHttpServer({
      db: t.db,
      databaseUrl: t.url,
      logger: createLogger("silent"),
      port: 0,
      host: "127.0.0.1",
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.drop();
  });

  it("uploads a UTF-8 CSV and shows the report with the bad row", async () => {
    await logIn(page, server.url, { loginName: "owner", password: PASSWORD });
    // A data owner's home says where to start (it has no list of its own).
    expect(await page.getByTestId("home-can").textContent()).toContain("データの取込");
    await page.getByRole("link", { name: "データの取込" }).click();
    await page.getByRole("heading", { name: "データの取込" }).waitFor();
    // The history loads after the heading: wait for its empty state.
    await page.getByText("まだ取り込まれたデータはありません。").waitFor();

    const csv = [
      "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別",
      "2001,801,髙橋 一郎,ﾀｶﾊｼ ｲﾁﾛｳ,平成2年4月1日,男",
      "2002,801,<script>alert('x')</script>,タカハシ,R1.4.30,女",
    ].join("\n");
    await page
      .getByLabel("ファイル（複数可）")
      .setInputFiles({ name: "jumin.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByLabel("抽出日（ファイルに「抽出日」列がない場合は必須）").fill("2025-04-01");
    await page.getByRole("button", { name: "取り込む" }).click();

    const report = page.getByTestId("import-report");
    await report.waitFor();
    const text = (await report.textContent()) ?? "";
    expect(text).toContain(
      "jumin.csv を 住民基本台帳（第 1 版、抽出日 2025-04-01）として取り込みました。",
    );
    expect(text).toContain("保存 1 行 / エラー 1 行");
    expect(text).toContain("生年月日");
    // The name is shown as text, never run as markup.
    expect(await page.evaluate(() => document.querySelectorAll("script:not([src])").length)).toBe(
      0,
    );
    await page.getByTestId("history-jumin").waitFor();
    expect(await page.getByTestId("history-jumin").textContent()).toContain("住民基本台帳");
    // Sources by name only (the newcomer's walk found 住民基本台帳（jumin） here and in the choices).
    expect(await page.getByTestId("history-jumin").textContent()).not.toContain("（jumin）");
    const kinds = await page
      .getByLabel("データの種類（通常は自動判別）")
      .locator("option")
      .allInnerTexts();
    expect(kinds).toContain("住民基本台帳");
    expect(kinds.join("")).not.toMatch(/[a-z_]{4,}/);
    await page.screenshot({ path: join(screenshotDir, "10-import-report.png"), fullPage: true });
  });

  /** Uploads one file on the import page with the 抽出日 given. */
  async function uploadJumin(csv: string) {
    await page
      .getByLabel("ファイル（複数可）")
      .setInputFiles({ name: "jumin.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByLabel("抽出日（ファイルに「抽出日」列がない場合は必須）").fill("2025-04-01");
    await page.getByRole("button", { name: "取り込む" }).click();
  }
  const historyText = async () => (await page.getByTestId("history-jumin").textContent()) ?? "";

  it("issue 16: a broken file over a good one replaces nothing; a replacement is confirmed first, then can be undone", async () => {
    const header = "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別";
    // Every row rejected: before issue 16 this became 第 2 版 with 0 rows and replaced 第 1 版.
    await uploadJumin(`${header}\n2001,801,髙橋 一郎,,だめ,男\n2003,801,髙橋 三郎,,？,男\n`);
    const failed = page.getByRole("alert").filter({ hasText: "取り込めませんでした" });
    await failed.waitFor();
    expect(await failed.textContent()).toContain("すべてがエラーのため、取り込んでいません");
    expect(await failed.textContent()).toContain("以前に取り込んだデータはそのままです");
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="history-jumin"]')?.textContent?.includes("使用中"),
    );
    expect(await historyText()).not.toContain("第 2 版");

    // A good replacement: shown first, stored only once confirmed.
    await uploadJumin(
      `${header}\n2001,801,髙橋 一郎,ﾀｶﾊｼ ｲﾁﾛｳ,平成2年4月1日,男\n2004,801,髙橋 四郎,タカハシ,R2.4.1,男\n`,
    );
    const replaces = page.getByTestId("would-replace");
    await replaces.waitFor();
    expect(await replaces.textContent()).toContain("第 1 版「jumin.csv」");
    expect(await historyText()).not.toContain("第 2 版");
    await page.screenshot({ path: join(screenshotDir, "11-import-confirm.png"), fullPage: true });
    await page.getByRole("button", { name: "確認しました。置き換えて取り込む" }).click();
    await page.getByTestId("replaced").waitFor();
    expect(await page.getByTestId("replaced").textContent()).toContain("第 1 版「jumin.csv」");
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="history-jumin"]')?.textContent?.includes("第 2 版"),
    );
    expect(await historyText()).toContain("第 1 版「jumin.csv」を置き換え");

    // Undo: 第 1 版 is used again, and the history says who undid it.
    await page.getByRole("button", { name: "置き換えを元に戻す" }).click();
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="history-jumin"]')
        ?.textContent?.includes("が元に戻しました"),
    );
    expect(await historyText()).toContain("owner が元に戻しました");
    await page.screenshot({ path: join(screenshotDir, "12-import-history.png"), fullPage: true });
  });
});
