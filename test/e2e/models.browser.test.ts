/**
 * モデルの学習 in a real browser (issue 14): a 要対協 member trains a logistic
 * model for 虐待 on 要対協 registration on a synthetic village, sees the model
 * card (CV AUC, precision at capacity, odds ratios), saves it as a version
 * whose abuse method is `model`; axe-core finds no serious violation.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import { findRuleVersion } from "../../src/pipeline/rules.ts";
import { scoreRun } from "../../src/pipeline/score.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";
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
} from "../browser.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const PASSWORD = "coordinator-password-2026";
const AS_OF = "2024-04-01" as IsoDate;
const actor = { userId: null, loginName: "test" };

describe.skipIf(!hasBrowser)("モデルの学習 (Chromium)", () => {
  let t: TestDatabase;
  let municipalityId: number;
  let server: RunningServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), "mimamori-models-b-"));

  beforeAll(async () => {
    await ensureWebBuilt();
    t = await createTestDatabase();
    ({ id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault(
      DEFAULT_MUNICIPALITY_NAME,
    ));
    const data = join(dir, "data");
    runSynth({ profile: "village", seed: 8, out: data, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
    for (const path of await listImportFiles([data]))
      await importFile(t, path, { municipalityId, actor, asOf: AS_OF });
    await runLinkage(t, { municipalityId, actor });
    await scoreRun(t, { municipalityId, actor });
    await createUserRepository(t.db).insert({
      municipalityId,
      loginName: "coord",
      displayName: "総括 担当",
      passwordHash: await hashPassword(PASSWORD),
      roles: ["coordinator"],
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
    await page.addInitScript({ content: AXE_SCRIPT });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("trains, shows the model card, and saves the type as a model", async () => {
    await logIn(page, server.url, { loginName: "coord", password: PASSWORD });
    await page.getByRole("link", { name: "モデルの学習" }).click();
    await page.getByRole("heading", { name: "モデルの学習", level: 1 }).waitFor();
    await page.getByLabel("困難の種類").selectOption("abuse");
    await page.getByLabel("正解ラベル").selectOption("yotaikyo");
    await page.getByRole("button", { name: "学習して評価" }).click();
    const card = page.getByRole("region", { name: "モデルカード" });
    await card.waitFor({ timeout: 120_000 });
    expect(await page.getByTestId("cv-auc").textContent()).toMatch(/^0\.\d{3}/);
    expect(
      await card.getByRole("table", { name: "オッズ比" }).locator("tbody tr").count(),
    ).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, "44-model-card.png"), fullPage: true });

    await page.getByLabel("基準値（確率、0〜1）").fill("0.2");
    await page.getByLabel("新しい版の名前").fill("model-abuse-1");
    await page.getByLabel("適用開始日").fill("2024-01-01");
    await page.getByRole("button", { name: "保存して方式をモデルにする" }).click();
    await page.getByText(/保存しました（版 model-abuse-1）/).waitFor({ timeout: 120_000 });
    const v = await findRuleVersion(t.db, municipalityId, { asOf: AS_OF }, actor);
    expect(v.rules.types.find((x) => x.difficulty === "abuse")?.method).toBe("model");
  });
});
