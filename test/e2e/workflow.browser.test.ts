/**
 * The screening workflow in a real browser (issue 13 acceptance, without the
 * 情報収集シート step — see docs/operations.md): a coordinator picks a flagged
 * child from 判定一覧 onto the month's 候補リスト, makes the conference,
 * decides 要支援 with the staff member responsible, opens the case and
 * records a support plan and a follow-up due this week; the staff member
 * logs in and finds the follow-up on the home page; the dashboard funnel
 * counts the child at each stage. Screenshots go to test-output/screenshots
 * (and docs/screenshots for docs/operations.md).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { ensureWebBuilt } from "../../src/server/web-build.ts";
import { hasBrowser, launchBrowser, logIn, screenshotDir, UI_TIMEOUT } from "../browser.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type ScoredVillage, scoredVillage } from "../workflow.ts";

const PASSWORD = "workflow-password-2026";
const docsShots = join(import.meta.dirname, "..", "..", "docs", "screenshots");

async function shot(page: Page, name: string) {
  const path = join(screenshotDir, name);
  await page.screenshot({ path, fullPage: true });
  mkdirSync(docsShots, { recursive: true });
  copyFileSync(path, join(docsShots, name));
}

describe.skipIf(!hasBrowser)(
  "flag → 候補リスト → 会議 → 要支援 → 支援計画 → ホームの予定 (Chromium)",
  () => {
    let t: TestDatabase;
    let v: ScoredVillage;
    let server: RunningServer;
    let coordBrowser: { context: BrowserContext; close(): Promise<void> };
    let staffBrowser: { context: BrowserContext; close(): Promise<void> };
    let page: Page;
    let difficulty = "";
    const due = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);

    beforeAll(async () => {
      await ensureWebBuilt();
      t = await createTestDatabase();
      v = await scoredVillage(t, "テスト町");
      const users = createUserRepository(t.db);
      const passwordHash = await hashPassword(PASSWORD);
      for (const [loginName, displayName, role, council] of [
        ["coordinator", "総括 管理", "coordinator", true],
        ["staff", "支援 担当", "staff", false],
      ] as const)
        await users.insert({
          municipalityId: v.municipalityId,
          loginName,
          displayName,
          passwordHash,
          roles: [role],
          mustChangePassword: false,
          council,
          affiliation: null,
        });
      server = await startHttpServer({
        db: t.db,
        databaseUrl: t.url,
        logger: createLogger("silent"),
        port: 0,
        host: "127.0.0.1",
        enforceSecondFactor: false,
      });
      coordBrowser = await launchBrowser();
      page = await coordBrowser.context.newPage();
      await logIn(page, server.url, { loginName: "coordinator", password: PASSWORD });
    }, 600_000);

    afterAll(async () => {
      await coordBrowser?.close();
      await staffBrowser?.close();
      await server?.close();
      await t?.drop();
      v?.cleanup();
    });

    it("walks one child from the flag to a follow-up on the responsible person's home page", async () => {
      // 判定一覧 of the type of the highest flagged child without an exclusion.
      const target = v.flagged.find((f) => f.excludedBy.length === 0);
      if (!target) throw new Error("no flagged child");
      difficulty = target.difficulty;
      await page.goto(`${server.url}/results?type=${difficulty}&flagged=yes`);
      const pick = page.getByRole("form", { name: "候補リストに載せる" });
      await pick.waitFor({ timeout: UI_TIMEOUT });
      const box = pick.locator(`input[data-testid="pick-child"][value="${target.personId}"]`);
      await box.check();
      await pick.getByRole("button", { name: "除外理由を確認する" }).click();
      await pick.getByTestId("pick-checks").waitFor();
      await shot(page, "60-workflow-pick.png");
      await pick.getByRole("button", { name: /候補リストに載せる$/ }).click();
      await pick.getByRole("link", { name: /候補リストを開く/ }).click();
      const list = page.getByTestId("review-list");
      await list.waitFor({ timeout: UI_TIMEOUT });
      expect(await list.textContent()).toContain("候補リスト");
      await shot(page, "61-workflow-review-list.png");

      // The conference on this list; the child is on its agenda.
      const make = page.getByRole("form", { name: "会議を作る" });
      await make.getByLabel("出席者（読点区切り）").fill("子育て支援課、教育委員会");
      await make.getByRole("button", { name: "会議を作る" }).click();
      await make.getByRole("link", { name: "会議の画面を開く" }).click();
      const item = page.getByTestId("agenda-item").first();
      await item.waitFor({ timeout: UI_TIMEOUT });
      // The evidence: each item with its name (sent once per agenda) and this
      // child's text (sent once per child), as before the payload was shared.
      const evidence = await item.getByTestId("evidence-item").allTextContents();
      expect(evidence.length).toBeGreaterThan(0);
      for (const line of evidence) expect(line).toMatch(/^[A-Z]\d{2,} \S.*：\S/);
      await item.getByLabel("理由").fill("欠席が続き、家庭の困りごとがある");
      await item.getByLabel("担当者").selectOption({ label: "支援 担当" });
      await item.getByRole("button", { name: "決定を記録する" }).click();
      await item.getByTestId("decided").waitFor({ timeout: UI_TIMEOUT });
      expect(await item.getByTestId("decided").textContent()).toContain("要支援");
      await shot(page, "62-workflow-conference.png");

      // The case: a support plan and a follow-up due this week for the staff member.
      await item.getByRole("link", { name: "ケースを開く" }).click();
      const plan = page.getByRole("form", { name: "支援計画を作る" });
      await plan.waitFor({ timeout: UI_TIMEOUT });
      await plan.getByLabel("支援の目標").fill("登校の再開");
      await plan.getByLabel("担当機関（読点区切り）").fill("学校、子育て支援課");
      await plan.getByRole("button", { name: "計画を記録" }).click();
      await page.getByTestId("plans").waitFor({ timeout: UI_TIMEOUT });
      const fu = page.getByRole("form", { name: "予定を入れる" });
      await fu.getByLabel("期日").fill(due);
      await fu.getByLabel("内容").fill("学校に出席状況を確認する");
      await fu.getByLabel("担当者").selectOption({ label: "支援 担当" });
      await fu.getByRole("button", { name: "予定を入れる" }).click();
      await page.getByTestId("follow-ups").waitFor({ timeout: UI_TIMEOUT });
      expect(await page.getByTestId("case-history").textContent()).toContain("支援の開始");
      await shot(page, "63-workflow-case.png");

      // The staff member's home page lists the follow-up.
      staffBrowser = await launchBrowser();
      const staffPage = await staffBrowser.context.newPage();
      await logIn(staffPage, server.url, { loginName: "staff", password: PASSWORD });
      const mine = staffPage.getByTestId("my-follow-ups");
      await mine.waitFor({ timeout: UI_TIMEOUT });
      expect(await mine.textContent()).toContain("学校に出席状況を確認する");
      expect(await mine.textContent()).toContain(due);
      await shot(staffPage, "64-workflow-home-follow-up.png");
    });

    it("counts the child at each stage of the dashboard funnel", async () => {
      await page.goto(`${server.url}/dashboard`);
      const funnel = page.getByTestId("funnel");
      await funnel.waitFor({ timeout: UI_TIMEOUT });
      // The built-in rules by name, not their stored label default-2025.1.
      const lead = (await page.locator("main").textContent()) ?? "";
      expect(lead).toMatch(/判定実行 \d+（基準日 [\d-]+、規則 既定（2025\.1））/);
      expect(lead).not.toContain("default-2025");
      const cells = await page.evaluate((type) => {
        const table = document.querySelector('[data-testid="funnel"]') as HTMLTableElement;
        const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
        const rows = [...table.querySelectorAll("tbody tr")].map((tr) =>
          [...tr.querySelectorAll("th,td")].map((c) => c.textContent),
        );
        return { headers, rows, type };
      }, difficulty);
      const stages = cells.headers.slice(1);
      const counted = cells.rows.filter((r) => r.slice(2).every((c) => c !== "未記録"));
      expect(stages).toEqual(["基準以上", "候補リスト", "会議", "判断", "支援"]);
      // Exactly one type's row holds the child at every stage.
      const withChild = counted.filter((r) => r.slice(2).every((c) => c === "1"));
      expect(withChild.length).toBe(1);
      await shot(page, "65-workflow-dashboard-funnel.png");
    });
  },
);
