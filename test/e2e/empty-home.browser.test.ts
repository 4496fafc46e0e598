/**
 * A newcomer's first look (issue 11): a fresh home with no data and no run.
 * Every page of the menu, a child and a household that do not exist, a search
 * and an unknown address are visited with an account holding every role. No
 * page may be blank, show an English error, a raw HTTP status or
 * "undefined"/"NaN"; every alert is Japanese; pages without data say what to do
 * next; axe-core finds no serious or critical violation.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { axeViolations, hasBrowser, screenshotDir, useBrowserFixture } from "../browser.ts";

const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;
/** What a newcomer must never read: English errors, raw statuses, leaked JS values. */
const FORBIDDEN =
  /\b(Error|error|Failed|failed|Not Found|Internal Server|Unauthorized|Forbidden|undefined|NaN|null|\[object Object\])\b|\b(400|401|403|404|409|500|502|503)\b/;

describe.skipIf(!hasBrowser)("every page on a fresh home without data (Chromium)", () => {
  const f = useBrowserFixture(
    {
      password: "newcomer-password-2026",
      users: [
        {
          loginName: "newcomer",
          displayName: "新任 職員",
          roles: ["admin", "auditor", "data_owner", "coordinator", "analyst"],
          council: true,
        },
      ],
      loginAs: "newcomer",
    },
    300_000,
  );

  it("no page is blank, English, a raw status or inaccessible", async () => {
    const { page, server } = f;
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
      for (const p of await axeViolations(page)) problems.push(`${path}: axe ${p}`);
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
