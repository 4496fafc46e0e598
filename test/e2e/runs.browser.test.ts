/**
 * 月次実行 from the web app (issue 16), in a real browser: while a run
 * started elsewhere is in progress the page shows who started it and when,
 * its stages so far, and does not offer a second run; when it ends the page
 * shows the result; a coordinator then starts a run, follows its stages to
 * the end and sees the new results in use. The run is the same engine and
 * lock as `mimamori run` (pipeline/run.ts).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { listRunJobs, monthlyRun } from "../../src/pipeline/run.ts";
import { hasBrowser, screenshotDir, useBrowserFixture } from "../browser.ts";

const PASSWORD = "coordinator-password-2026";

describe.skipIf(!hasBrowser)("月次実行 (Chromium)", () => {
  const f = useBrowserFixture(
    {
      password: PASSWORD,
      municipality: "テスト村",
      users: [{ loginName: "coord", displayName: "調整 担当", roles: ["coordinator"] }],
      prepare: async (s) => void (await s.importVillage({ seed: 21, asOf: "2025-04-01" })),
    },
    180_000,
  );

  it("shows a run in progress, then starts one and follows it to the result", async () => {
    const { page, t, municipalityId } = f;
    await f.login("coord");

    // A run from the command line, held at the start of 名寄せ.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered: () => void = () => {};
    const inLink = new Promise<void>((r) => {
      entered = r;
    });
    const other = monthlyRun(t, {
      municipalityId,
      actor: { userId: null, loginName: "yamada" },
      origin: "cli",
      beforeStage: async (stage) => {
        if (stage !== "link") return;
        entered();
        await held;
      },
    });
    await inLink;

    await page.getByRole("link", { name: "月次実行" }).click();
    await page.getByRole("heading", { name: "月次実行", level: 1 }).waitFor();
    await page.getByText(/yamada さんが .* に開始した実行が進行中です/).waitFor();
    expect(await page.getByRole("button", { name: "月次実行を開始" }).isDisabled()).toBe(true);
    const progress = page.getByTestId("run-progress");
    await expect
      .poll(() => progress.textContent(), { timeout: 30_000 })
      .toMatch(/取り込みデータの読込 — ファイル \d+、行 [\d,]+[\s\S]*名寄せ — 実行中…/);
    await page.screenshot({ path: join(screenshotDir, "40-run-in-progress.png") });

    release();
    await other;
    // Polling picks up the end.
    await progress.getByText(/完了しました/).waitFor({ timeout: 30_000 });

    await page.getByRole("button", { name: "月次実行を開始" }).click();
    // The page switches to the new run (the first was number 1).
    await page.getByRole("heading", { name: /実行 2: (実行中|完了)/ }).waitFor();
    const jobs = await listRunJobs(t, municipalityId);
    const mine = jobs[0];
    expect(mine?.origin).toBe("web");
    expect(mine?.actor).toBe("coord");
    await page.getByRole("heading", { name: new RegExp(`実行 ${mine?.id}: 完了`) }).waitFor({
      timeout: 120_000,
    });
    const text = (await progress.textContent()) ?? "";
    expect(text).toMatch(/名寄せ — 人 [\d,]+/);
    expect(text).toMatch(/データ項目の判定 — .*対象のこども [\d,]+/);
    expect(text).toMatch(/結果の公開 — 名寄せ実行番号 \d+、判定実行番号 \d+/);
    expect(text).toMatch(/新しい結果（名寄せ実行番号 \d+、判定実行番号 \d+）が使われています/);
    await page.screenshot({ path: join(screenshotDir, "41-run-done.png"), fullPage: true });

    const done = (await listRunJobs(t, municipalityId))[0];
    expect(done?.state).toBe("succeeded");
    const audit = await createAuditRepository(t.db).list({
      municipalityId,
      limit: 10,
      action: "run.start",
    });
    expect(audit.map((a) => a.actor).sort()).toEqual(["coord", "yamada"]);
  }, 240_000);
});
