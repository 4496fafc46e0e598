/**
 * Issue 16's acceptance walk in one browser session: a broken file over a good
 * one replaces nothing and says so; a good replacement is shown before it is
 * stored and needs confirmation; the monthly run is started from the app and
 * followed to its end; the dashboard's counts then change with the data.
 *
 * The replacement is the village's 相談記録 (sodan_kiroku) with every 相談分野
 * set to その他 — the case the issue measured on the demo (相談記録 evidence
 * 446 → 0) — so the children flagged for 発達障がい through a 障がい
 * consultation drop out of the next run.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/index.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { monthlyRun } from "../../src/pipeline/run.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { type RunningServer, startHttpServer } from "../../src/server/http.ts";
import { createLogger } from "../../src/server/logger.ts";
import { ensureWebBuilt } from "../../src/server/web-build.ts";
import { hasBrowser, launchBrowser, logIn, screenshotDir } from "../browser.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const PASSWORD = "office-password-2026-x";
const AS_OF = "2025-04-01";

describe.skipIf(!hasBrowser)(
  "replace a source, run from the app, see the dashboard change (Chromium)",
  () => {
    let t: TestDatabase;
    let server: RunningServer;
    let browser: { context: BrowserContext; close(): Promise<void> };
    let page: Page;
    const out = mkdtempSync(join(tmpdir(), "mimamori-replace-run-"));

    beforeAll(async () => {
      await ensureWebBuilt();
      t = await createTestDatabase();
      runSynth({ profile: "village", seed: 31, out, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
      const { id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault(
        "テスト村",
      );
      const actor = { userId: null, loginName: "test" };
      for (const path of await listImportFiles([out]))
        await importFile(t, path, { municipalityId, actor, asOf: AS_OF as IsoDate });
      await monthlyRun(t, { municipalityId, actor, origin: "cli" });
      // One account that both supplies data and runs the month (a small town's office).
      await createUserRepository(t.db).insert({
        municipalityId,
        loginName: "office",
        displayName: "子育て支援 担当",
        passwordHash: await hashPassword(PASSWORD),
        roles: ["data_owner", "coordinator"],
        mustChangePassword: false,
      });
      server = await startHttpServer({
        db: t.db,
        databaseUrl: t.url,
        logger: createLogger("silent"),
        port: 0,
        host: "127.0.0.1",
        // Enrolment of the second factor is tested in login.browser.test.ts.
        enforceSecondFactor: false,
      });
      browser = await launchBrowser();
      page = await browser.context.newPage();
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await t?.drop();
      rmSync(out, { recursive: true, force: true });
    });

    /** The synthetic 相談記録 file (UTF-8 with BOM) as text lines. */
    function consultations(): string[] {
      return readFileSync(join(out, "sodan_kiroku.csv"), "utf8")
        .replace(/^\ufeff/, "")
        .split(/\r?\n/)
        .filter((l) => l !== "");
    }

    async function upload(name: string, text: string) {
      await page.getByRole("link", { name: "データの取込" }).click();
      await page.getByRole("heading", { name: "データの取込" }).waitFor();
      await page
        .getByLabel("ファイル（複数可）")
        .setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
      await page.getByLabel("抽出日（ファイルに「抽出日」列がない場合は必須）").fill(AS_OF);
      await page.getByRole("button", { name: "取り込む" }).click();
    }

    async function developmentalFlagged(): Promise<number> {
      await page.getByRole("link", { name: "ダッシュボード" }).click();
      const cell = page.getByTestId("flagged-developmental");
      await cell.waitFor();
      return Number(((await cell.textContent()) ?? "").replaceAll(",", ""));
    }

    it("a broken file replaces nothing; a confirmed replacement and a run from the app change the dashboard", async () => {
      await logIn(page, server.url, { loginName: "office", password: PASSWORD });
      const before = await developmentalFlagged();
      expect(before).toBeGreaterThan(0);

      const [header, ...rows] = consultations();
      const cols = (header ?? "").split(",");
      const field = cols.indexOf("相談分野");
      const day = cols.indexOf("相談日");
      expect(Math.min(field, day)).toBeGreaterThanOrEqual(0);
      expect(rows.some((r) => r.split(",")[field] === "障がい")).toBe(true);

      // 1. Every row broken (impossible dates): refused, nothing replaced.
      const broken = rows.map((r) => {
        const c = r.split(",");
        c[day] = "2024/02/30";
        return c.join(",");
      });
      await upload("sodan_kiroku.csv", [header, ...broken].join("\n"));
      const failed = page.getByRole("alert").filter({ hasText: "取り込めませんでした" });
      await failed.waitFor();
      expect(await failed.textContent()).toContain("以前に取り込んだデータはそのままです");
      await page.screenshot({ path: join(screenshotDir, "13-broken-over-good.png") });

      // 2. A good replacement: every consultation filed as その他. Shown first, stored once confirmed.
      const other = rows.map((r) => {
        const c = r.split(",");
        c[field] = "その他";
        return c.join(",");
      });
      await upload("sodan_kiroku.csv", [header, ...other].join("\n"));
      const replaces = page.getByTestId("would-replace");
      await replaces.waitFor();
      expect(await replaces.textContent()).toContain("sodan_kiroku.csv");
      await page.getByRole("button", { name: "確認しました。置き換えて取り込む" }).click();
      await page.getByTestId("replaced").waitFor();

      // Nothing changes on the dashboard until the month is run.
      expect(await developmentalFlagged()).toBe(before);

      // 3. The monthly run from the app, followed to its end.
      await page.getByRole("link", { name: "月次実行" }).click();
      await page.getByRole("heading", { name: "月次実行", level: 1 }).waitFor();
      await page.getByRole("button", { name: "月次実行を開始" }).click();
      await page.getByRole("heading", { name: /実行 2: (実行中|完了)/ }).waitFor();
      await page.getByRole("heading", { name: /実行 2: 完了/ }).waitFor({ timeout: 180_000 });
      const progress = (await page.getByTestId("run-progress").textContent()) ?? "";
      expect(progress).toMatch(/名寄せ — 人 [\d,]+/);
      expect(progress).toMatch(/結果の公開 — 名寄せ実行番号 \d+、判定実行番号 \d+/);

      // 4. The dashboard shows the new run: fewer children flagged for 発達障がい.
      const after = await developmentalFlagged();
      expect(after).toBeLessThan(before);
      await page.screenshot({
        path: join(screenshotDir, "14-dashboard-after-run.png"),
        fullPage: true,
      });
    }, 300_000);
  },
);
