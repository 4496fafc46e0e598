/**
 * 判定の規則 in a real browser (issue 14 acceptance): a coordinator changes a
 * weight and a threshold of 産後うつ, sees the preview count change on the
 * latest run's data, saves a new version, and the next run uses it; the page
 * then shows the diff between the two versions. The 試算 also lists who the
 * change moves (both children drop out when B15 weighs 1), with no axe violation.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { importCommand } from "../../src/cli/commands/import.ts";
import { runCommand } from "../../src/cli/commands/run.ts";
import { createScoringRepository } from "../../src/db/scoring.repository.ts";
import {
  axeViolations,
  type FixtureSetup,
  hasBrowser,
  screenshotDir,
  useBrowserFixture,
} from "../browser.ts";

const PASSWORD = "coordinator-password-2026";
const FIXTURES = join(import.meta.dirname, "..", "fixtures", "declared-source");

/** Two mothers with EPDS ≥ 9 after their children's births: 産後うつ flags both children. */
const SANPU = `母宛名番号,子宛名番号,健診日,EPDS合計点,EPDS項目10
000000102,000000103,2024-11-01,12,0
000000201,000000202,2025-01-10,10,0
`;

describe.skipIf(!hasBrowser)("判定の規則 (Chromium)", () => {
  // In prepare, `s` is the set-up (the fixture is filled in after it).
  const cli = async (c: typeof runCommand, args: string[], s: FixtureSetup = f) => {
    const o = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const e = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      return await c.run(args, { databaseUrl: s.t.url, home: s.dir });
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };
  const f = useBrowserFixture(
    {
      password: PASSWORD,
      users: [{ loginName: "coord", displayName: "総括 担当", roles: ["coordinator"] }],
      async prepare(s) {
        writeFileSync(join(s.dir, "sanpu_kenshin.csv"), SANPU);
        expect(
          await cli(
            importCommand,
            [
              join(FIXTURES, "jumin.csv"),
              join(s.dir, "sanpu_kenshin.csv"),
              "--as-of",
              "2025-04-01",
            ],
            s,
          ),
        ).toBe(0);
        expect(await cli(runCommand, [], s)).toBe(0);
      },
    },
    240_000,
  );

  it("previews a changed weight and threshold, saves a version the next run uses, and diffs", async () => {
    const { page, t } = f;
    await f.login("coord");
    await page.getByRole("link", { name: "判定の規則" }).click();
    await page.getByRole("heading", { name: "判定の規則" }).waitFor();
    const status = page.getByRole("status").first();
    await status.getByText(/いま有効な版/).waitFor();
    // The built-in set is shown as a clerk reads it (既定（2025.1）, in force from the start),
    // not as its stored label default-2025.1 and date 1900-01-01.
    const base = (await status.locator("strong").textContent()) ?? "";
    expect(base).toMatch(/^既定（.+）$/);
    expect(await status.textContent()).toContain("（当初から）");
    expect(await status.textContent()).not.toContain("default");

    const after = () =>
      page
        .getByRole("table", { name: "試算の結果" })
        .locator('tr[data-difficulty="postpartum"] .after');
    // The unchanged rules flag both children.
    await page.getByRole("button", { name: "試算" }).click();
    await expect.poll(async () => (await after().textContent()) ?? "").toBe("2人・2世帯");
    // B15 (EPDS ≥ 9) down to 1 point: below the threshold 2, nobody is flagged.
    await page.getByLabel("産後うつ B15 の重み").fill("1");
    await page.getByRole("button", { name: "試算" }).click();
    await expect.poll(async () => (await after().textContent()) ?? "").toBe("0人・0世帯");
    // Who the change moves: both children drop out of 産後うつ, listed by name (SQL, audited).
    const moves = page.getByRole("table", { name: "入る・外れるこどもの人数" });
    const leaving = moves.locator('tr[data-difficulty="postpartum"] .leaving');
    await expect.poll(async () => (await leaving.textContent()) ?? "").toBe("2人");
    expect(await moves.locator('tr[data-difficulty="postpartum"] .entering').textContent()).toBe(
      "0人",
    );
    await leaving.getByRole("button").click();
    const list = page.getByRole("region", { name: "入る・外れるこどもの一覧" });
    await list.getByText("産後うつで対象から外れるこども: 2人").waitFor();
    expect(await list.locator("tbody tr").count()).toBe(2);
    // The children's rows carry their current score (B15 2 points) and the changed one (1).
    expect(await list.locator("tbody tr td:nth-child(4)").allTextContents()).toEqual(["2", "2"]);
    expect(await list.locator("tbody tr td:nth-child(5)").allTextContents()).toEqual(["1", "1"]);
    expect(await axeViolations(page)).toEqual([]);
    const audited = await t.db
      .selectFrom("audit_log")
      .select(["target", "detail"])
      .where("action", "=", "rules.preview_moves")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(audited.target).toMatch(/^score_run:\d+$/);
    expect((audited.detail as { persons: string[] }).persons).toHaveLength(2);
    await page.screenshot({ path: join(screenshotDir, "42-rules-moves.png"), fullPage: true });
    // And the threshold down to 1: both again.
    await page.getByLabel("産後うつの基準値").fill("1");
    await page.getByRole("button", { name: "試算" }).click();
    await expect.poll(async () => (await after().textContent()) ?? "").toBe("2人・2世帯");
    await page.screenshot({ path: join(screenshotDir, "40-rules-preview.png"), fullPage: true });

    // 同点のときの順 (tie-break) of the type: age first, older first.
    await page.getByLabel("産後うつの同点のときの順").selectOption("older,total_points");
    await page.getByLabel("版の名前").fill("town-2025.2");
    await page.getByLabel("適用開始日").fill("2025-01-01");
    await page.getByLabel("変更の理由（メモ）").fill("EPDS の重みを 1 に、基準値を 1 に");
    await page.getByRole("button", { name: "保存" }).click();
    await page.getByText(/保存しました/).waitFor();

    // The next run uses the new version.
    expect(await cli(runCommand, [])).toBe(0);
    const run = await createScoringRepository(t.db).findScoreRun(f.municipalityId, undefined);
    expect(run?.ruleVersion).toBe("town-2025.2");
    await page.reload();
    await page
      .getByText(/最新の判定: 実行番号 \d+（基準日 2025-04-01、規則 town-2025\.2）/)
      .waitFor();

    await page.getByLabel("比べる元の版").selectOption({ label: base });
    await page.getByLabel("比べる先の版").selectOption("town-2025.2");
    await page.getByRole("button", { name: "違いを表示" }).click();
    const diff = page.getByRole("region", { name: "版の違い" });
    await diff.getByText("types[postpartum].threshold").waitFor();
    expect(await diff.textContent()).toContain("types[postpartum].items[B15].weight");
    expect(await diff.textContent()).toContain("types[postpartum].tieBreak");
    await page.screenshot({ path: join(screenshotDir, "41-rules-diff.png"), fullPage: true });
  });
});
