import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { ensureWebBuilt } from "../../src/server/web-build.ts";
import { hasBrowser, launchBrowser, screenshotDir } from "../browser.ts";
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
    await page.goto(server.url);
    await page.getByLabel("ログイン名").fill("owner");
    await page.getByLabel("パスワード").fill(PASSWORD);
    await page.getByRole("button", { name: "ログイン" }).click();
    await page.getByRole("link", { name: "データの取込" }).click();
    await page.getByRole("heading", { name: "データの取込" }).waitFor();
    expect(await page.getByText("まだ取り込まれたデータはありません。").count()).toBe(1);

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
    await page.getByTestId("import-history").waitFor();
    expect(await page.getByTestId("import-history").textContent()).toContain("住民基本台帳");
    await page.screenshot({ path: join(screenshotDir, "10-import-report.png"), fullPage: true });
  });
});
