/**
 * A newcomer's first look (issue 11): a fresh home with no data and no run.
 * Every page of the menu, a child and a household that do not exist, a search
 * and an unknown address are visited with an account holding every role. No
 * page may be blank, show an English error, a raw HTTP status or
 * "undefined"/"NaN"; every alert is Japanese; pages without data say what to do
 * next; axe-core finds no serious or critical violation.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { ensureWebBuilt } from "../../src/server/web-build.ts";
import { hasBrowser, launchBrowser, screenshotDir } from "../browser.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const PASSWORD = "newcomer-password-2026";
const AXE = join(import.meta.dirname, "..", "..", "node_modules", "axe-core", "axe.min.js");
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;
/** What a newcomer must never read: English errors, raw statuses, leaked JS values. */
const FORBIDDEN =
  /\b(Error|error|Failed|failed|Not Found|Internal Server|Unauthorized|Forbidden|undefined|NaN|null|\[object Object\])\b|\b(400|401|403|404|409|500|502|503)\b/;

async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(AXE, "utf8"));
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{
            violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe;
    const r = await axe.run();
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      target: v.nodes[0]?.target.join(" "),
    }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}) ${v.target}`);
}

describe.skipIf(!hasBrowser)("every page on a fresh home without data (Chromium)", () => {
  let t: TestDatabase;
  let server: RunningServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuilt();
    t = await createTestDatabase();
    const { id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault(
      DEFAULT_MUNICIPALITY_NAME,
    );
    await createUserRepository(t.db).insert({
      municipalityId,
      loginName: "newcomer",
      displayName: "新任 職員",
      passwordHash: await hashPassword(PASSWORD),
      roles: ["admin", "auditor", "data_owner", "coordinator", "analyst"],
      council: true,
      mustChangePassword: false,
    });
    server = await startHttpServer({
      db: t.db,
      databaseUrl: t.url,
      logger: createLogger("silent"),
      port: 0,
      host: "127.0.0.1",
      enforceSecondFactor: false,
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(server.url);
    await page.getByLabel("ログイン名").fill("newcomer");
    await page.getByLabel("パスワード").fill(PASSWORD);
    await page.getByRole("button", { name: "ログイン" }).click();
    await page.locator("nav").getByRole("link").first().waitFor();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.drop();
  });

  it("no page is blank, English, a raw status or inaccessible", async () => {
    const menu = await page
      .locator("nav")
      .getByRole("link")
      .evaluateAll((els) => els.map((e) => e.getAttribute("href") ?? ""));
    const paths = [
      ...new Set([
        ...menu.filter((h) => h.startsWith("/")),
        "/children/P99999999",
        "/households/99999999",
        "/search?q=%E5%B1%B1%E7%94%B0",
        "/no-such-page",
      ]),
    ];
    expect(paths.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const path of paths) {
      await page.goto(`${server.url}${path}`);
      await page.locator("h1").first().waitFor({ timeout: 30_000 });
      // Wait for the page's data: no loading indicator left.
      await page
        .locator(".page-loading")
        .first()
        .waitFor({ state: "detached", timeout: 30_000 })
        .catch(() => problems.push(`${path}: still loading after 30 s`));
      await page.waitForTimeout(300);
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a newcomer reads
      const main = (await page.locator("main").first().innerText()).trim();
      const name = path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home";
      await page.screenshot({ path: join(screenshotDir, `50-empty-${name}.png`) });
      if (main.length < 30) problems.push(`${path}: almost blank (${JSON.stringify(main)})`);
      const bad = main.match(FORBIDDEN);
      if (bad) problems.push(`${path}: shows "${bad[0]}" in ${JSON.stringify(main.slice(0, 300))}`);
      for (const alert of await page.getByRole("alert").allInnerTexts()) {
        if (alert.trim() && !JAPANESE.test(alert))
          problems.push(`${path}: alert not Japanese: ${alert}`);
      }
      for (const p of await axeProblems(page)) problems.push(`${path}: axe ${p}`);
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
