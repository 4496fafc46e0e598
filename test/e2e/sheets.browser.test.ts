/**
 * 情報収集シート in a real browser (issue 13, wf-sheets): a support worker opens a
 * flagged child of their school and sends a mode-(b) sheet; the school's 所属
 * account logs in, is notified, sees only the child's name, the result and the
 * difficulty type (no score, threshold or item — on the sheet and on the child
 * page), and answers; the support worker sees the answer and is notified.
 * axe-core finds no serious or critical violation on the sheet pages.
 */
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { monthlyRun } from "../../src/pipeline/run.ts";
import { axeViolations, hasBrowser, screenshotDir, useBrowserFixture } from "../browser.ts";

describe.skipIf(!hasBrowser)("情報収集シート (Chromium)", () => {
  let child: { personId: string; name: string; difficulty: string; items: string[] };
  const f = useBrowserFixture({
    password: "sheets-password-2026",
    municipality: "テスト村",
    async prepare(s) {
      const { t } = s;
      await s.importVillage({ seed: 3, asOf: "2024-04-01" });
      const run = await monthlyRun(t, {
        municipalityId: s.municipalityId,
        actor: { userId: null, loginName: "test" },
        origin: "cli",
      });
      // A flagged child (no 要対協 item) at a school, with the items it holds for its type.
      const r = await sql<{ person_id: string; name: string; school: string; difficulty: string }>`
        SELECT DISTINCT ON (lr.person_id) lr.person_id, p.name, ir.data->>'学校名' AS school, sr.difficulty
          FROM link_record lr
          JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
          JOIN link_person p ON p.run_id = lr.run_id AND p.person_id = lr.person_id
          JOIN score_result sr ON sr.run_id = ${run.scored.runId} AND sr.person_id = lr.person_id AND sr.flagged
         WHERE lr.run_id = ${run.linked.runId} AND lr.source_id = 'gakureibo'
           AND NOT EXISTS (SELECT 1 FROM score_item si WHERE si.run_id = ${run.scored.runId}
                            AND si.person_id = lr.person_id AND si.item_id IN ('B01','B02'))
         ORDER BY lr.person_id, ir.as_of DESC, lr.snapshot_id DESC, lr.row_no DESC`.execute(t.db);
      const first = r.rows.find((x) => x.school);
      if (!first) throw new Error("the village has no flagged school child");
      const school = first.school;
      const items = await sql<{ item_id: string }>`
        SELECT item_id FROM score_item WHERE run_id = ${run.scored.runId} AND person_id = ${first.person_id}`.execute(
        t.db,
      );
      child = {
        personId: first.person_id,
        name: first.name,
        difficulty: first.difficulty,
        items: items.rows.map((x) => x.item_id),
      };
      await s.addUser({
        loginName: "staff1",
        displayName: "支援 担当",
        roles: ["staff"],
        affiliation: school,
      });
      await s.addUser({
        loginName: "school1",
        displayName: "学級 担任",
        roles: ["affiliation"],
        affiliation: school,
      });
    },
  });
  const login = (name: string) => f.login(name);
  const logout = () => f.logout();

  it("a support worker sends a mode-(b) sheet from the child's page", async () => {
    const { page, server } = f;
    await login("staff1");
    await page.goto(`${server.url}/children/${child.personId}`);
    await page.getByTestId("send-sheet").click();
    await page.locator("#send-person").waitFor();
    expect(await page.locator("#send-person").inputValue()).toBe(child.personId);
    await page.locator(`input[name=difficulty][value=${child.difficulty}]`).check();
    await page.locator("input[name=mode][value=b]").check();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, "60-sheet-send.png"), fullPage: true });
    await page.getByRole("button", { name: "送る", exact: true }).click();
    await page.getByTestId("sheet-mode").waitFor();
    expect(await page.getByTestId("sheet-mode").textContent()).toContain("(b)");
    expect(await page.getByTestId("sheet-status").textContent()).toBe("依頼中");
    await logout();
  });

  it("the school sees the name, the result and the difficulty type only, and answers", async () => {
    const { page, server } = f;
    await login("school1");
    // Home lists the requests waiting for the school's answer.
    await page.getByTestId("home-inbox").getByRole("link", { name: child.name }).waitFor();
    // A child out of reach: the page offers only what a 所属 account can do (no 検索).
    await page.goto(`${server.url}/children/nobody-${child.personId}`);
    await page.getByRole("alert").waitFor();
    const missing = (await page.locator("main").textContent()) ?? "";
    expect(missing).toContain("見つかりません");
    expect(missing).not.toContain("検索");
    await page.getByRole("link", { name: "届いた情報収集シートに戻る" }).click();
    await page.getByTestId("inbox").waitFor();
    await page.getByTestId("notification-bell").click();
    await page.locator("#notification-list [data-kind='sheet.new']").first().waitFor();
    await page.getByTestId("notification-bell").click();
    await page.goto(`${server.url}/sheets/inbox`);
    const row = page.getByTestId("inbox").getByRole("link", { name: child.name });
    await row.click();
    await page.getByTestId("shared-types").waitFor();
    const shared = (await page.getByTestId("shared-types").textContent()) ?? "";
    expect(shared).toContain("基準以上");
    expect(shared).not.toMatch(/点数|基準 \d/);
    const body = (await page.locator("main").textContent()) ?? "";
    for (const item of child.items) expect(body).not.toContain(item);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, "61-sheet-answer.png"), fullPage: true });
    // The child page shows the same and nothing more.
    await page.goto(`${server.url}/children/${child.personId}`);
    await page.getByText("情報収集シートの依頼で共有された範囲").waitFor();
    expect(await page.getByTestId("waterfall").count()).toBe(0);
    expect((await page.locator("main").textContent()) ?? "").not.toContain("点数");
    await page.getByRole("link", { name: /情報収集シート（依頼/ }).click();
    // Answer every text question; pick the first choice of every choice question.
    await page.locator("form textarea").first().waitFor();
    for (const area of await page.locator("form textarea").all())
      await area.fill("授業中は落ち着いて過ごしている");
    for (const group of await page.locator("form fieldset").all())
      await group.locator("input[type=radio]").first().check();
    await page.getByRole("button", { name: "回答を送る" }).click();
    await page.getByText("回答済みです").waitFor();
    expect(await page.getByTestId("sheet-status").textContent()).toBe("回答済み");
    await logout();
  });

  it("the support worker is notified and sees the answer", async () => {
    const { page } = f;
    await login("staff1");
    await page.getByTestId("notification-bell").click();
    const note = page.locator("#notification-list [data-kind='sheet.answered']").first();
    await note.waitFor();
    await note.getByRole("link").click();
    await page.getByTestId("sheet-answers").waitFor();
    expect(await page.getByTestId("sheet-status").textContent()).toBe("回答済み");
    expect(await page.getByTestId("sheet-answers").textContent()).toContain(
      "授業中は落ち着いて過ごしている",
    );
    await page.screenshot({ path: join(screenshotDir, "62-sheet-answered.png"), fullPage: true });
  });
});
