/**
 * Browser tests drive Debian's Chromium through playwright-core (no browser
 * download). Locally, without /usr/bin/chromium, they are skipped with a
 * visible message; in CI (CI=true) a missing browser fails the run.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasBrowser = existsSync(CHROMIUM);

if (!hasBrowser) {
  if (process.env.CI === "true") {
    throw new Error(
      `CI=true ですがブラウザ ${CHROMIUM} がありません（apt-get install chromium）。ブラウザテストを実行できません。`,
    );
  }
  process.stderr.write(
    `\n[mimamori] ブラウザテストをスキップします: ${CHROMIUM} がありません（apt-get install chromium fonts-noto-cjk）。\n\n`,
  );
}

export const screenshotDir = join(import.meta.dirname, "..", "test-output", "screenshots");

export async function launchBrowser(): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), "mimamori-chromium-"));
  mkdirSync(screenshotDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: "ja-JP",
    viewport: { width: 1280, height: 800 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
