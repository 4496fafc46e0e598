/**
 * マスキングルール in a real browser (issue 12). On a scored synthetic
 * village, 総括管理 opens the page (axe clean), sees the default rules and an
 * empty history, is told in Japanese when the reason is missing, then sets
 * 総括管理's 氏名 to 一部 and カナ to 表示しない with a reason. The history
 * lists the new version with who and why, the change is audited, and the
 * child view (the API, not the page) now shows the family name and ＊＊.
 */
import { join } from "node:path";
import { sql } from "kysely";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { partialName } from "../../src/domain/policy/masking.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { ensureWebBuilt } from "../../src/server/web-build.ts";
import {
  AXE_SCRIPT,
  axeViolations,
  hasBrowser,
  launchBrowser,
  logIn,
  screenshotDir,
  UI_TIMEOUT,
} from "../browser.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type ScoredVillage, scoredVillage } from "../workflow.ts";

const PASSWORD = "soukatsu-password-2026";

describe.skipIf(!hasBrowser)("マスキングルール (Chromium)", () => {
  let t: TestDatabase;
  let village: ScoredVillage;
  let server: RunningServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let personId: string;
  let fullName: string;

  beforeAll(async () => {
    await ensureWebBuilt();
    t = await createTestDatabase();
    village = await scoredVillage(t, "マスキング村", 4);
    await createUserRepository(t.db).insert({
      municipalityId: village.municipalityId,
      loginName: "soukatsu",
      displayName: "総括 一子",
      passwordHash: await hashPassword(PASSWORD),
      roles: ["coordinator"],
      mustChangePassword: false,
    });
    const p = await sql<{ person_id: string; name: string }>`
      SELECT person_id, name FROM link_person
       WHERE municipality_id = ${village.municipalityId} AND name LIKE '% %'
         AND person_id = ${village.flagged[0]?.personId ?? ""}`.execute(t.db);
    personId = p.rows[0]?.person_id as string;
    fullName = p.rows[0]?.name as string;
    expect(fullName).toBeTruthy();
    server = await startHttpServer({
      db: t.db,
      databaseUrl: t.url,
      logger: createLogger("silent"),
      port: 0,
      host: "127.0.0.1",
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.addInitScript({ content: AXE_SCRIPT });
    page.setDefaultTimeout(Number(process.env.UI_DEBUG_TIMEOUT ?? UI_TIMEOUT));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    village?.cleanup();
    await t?.drop();
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });

  it("changes 総括管理's name rule and the child view shows the name masked", async () => {
    await logIn(page, server.url, { loginName: "soukatsu", password: PASSWORD });
    await page.goto(`${server.url.replace(/\/$/, "")}/children/${personId}`);
    const heading = page.getByRole("heading", { level: 1, name: /^こども詳細: / });
    await heading.waitFor();
    expect(await heading.textContent()).toContain(fullName);

    await page.getByRole("link", { name: "マスキングルール" }).click();
    await page.getByRole("heading", { name: "マスキングルール", level: 1 }).waitFor();
    await page.getByText("まだ保存された版はありません").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    const nameSelect = page.getByLabel("総括管理（こども家庭センター）の氏名");
    expect(await nameSelect.inputValue()).toBe("full");

    // No reason: refused on the page, in Japanese, nothing saved.
    await nameSelect.selectOption("partial");
    await page.getByRole("button", { name: "新しい版として保存" }).click();
    await page.getByRole("alert").filter({ hasText: "変更の理由" }).waitFor();

    await page.getByLabel("総括管理（こども家庭センター）のカナ").selectOption("hidden");
    await page
      .getByLabel(/変更の理由/)
      .fill("個人情報保護審査会の答申に合わせて氏名を一部表示にする");
    await page.getByRole("button", { name: "新しい版として保存" }).click();
    await page.getByRole("status").filter({ hasText: "第1版として保存しました" }).waitFor();
    const history = page.getByRole("table").filter({ hasText: "保存した人" });
    await history.getByRole("row").filter({ hasText: "soukatsu" }).waitFor();
    expect(await history.textContent()).toContain("個人情報保護審査会の答申");
    expect(await axeViolations(page)).toEqual([]);
    await shot("masking-rules-saved");

    const audited = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log
       WHERE action = 'masking.update' AND actor = 'soukatsu'`.execute(t.db);
    expect(audited.rows[0]?.n).toBe(1);

    await page.goto(`${server.url.replace(/\/$/, "")}/children/${personId}`);
    await page
      .getByRole("heading", { level: 1, name: `こども詳細: ${partialName(fullName)}` })
      .waitFor();
    // カナ is hidden: the heading shows no reading any more.
    expect(await heading.textContent()).toBe(`こども詳細: ${partialName(fullName)}`);
    expect(await page.locator("main").textContent()).not.toContain(fullName);
    await shot("masking-child-view-partial-name");
  }, 600_000);
});
