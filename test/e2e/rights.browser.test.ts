/**
 * 開示・訂正・利用停止 and the analyst's 仮名化データ pages in a real browser
 * (issue 12), on a synthetic village imported and run:
 * - the coordinating office (要対協 member) picks a child by id (a malformed
 *   id is refused by the form in Japanese), records a 訂正 of one cell
 *   (the trail row appears; the database holds it, the row is unchanged),
 *   stops and resumes the use of the child's data, and downloads the 開示
 *   file after the password is asked again (the file carries the trail);
 * - an analyst downloads the pseudonymised CSV with a purpose;
 * - axe-core finds no serious or critical violation on these pages.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { monthlyRun } from "../../src/pipeline/run.ts";
import { axeViolations, hasBrowser, UI_TIMEOUT, useBrowserFixture } from "../browser.ts";

const PASSWORD = "coordinator-password-2026";
const ANALYST_PASSWORD = "analyst-password-2026";
const FIELD = "家に残して外出";

describe.skipIf(!hasBrowser)("開示・訂正・利用停止と仮名化データ (Chromium)", () => {
  let personId = "";
  let target = { snapshotId: 0, rowNo: 0 };
  const f = useBrowserFixture({
    password: PASSWORD,
    municipality: "テスト村",
    users: [
      { loginName: "coordinator", roles: ["coordinator"], council: true },
      { loginName: "analyst", roles: ["analyst"], password: ANALYST_PASSWORD },
    ],
    async prepare(s) {
      await s.importVillage({ seed: 12, asOf: "2024-04-01" });
      await monthlyRun(s.t, {
        municipalityId: s.municipalityId,
        actor: { userId: null, loginName: "test" },
        origin: "cli",
      });
      // A child whose one 乳幼児健診 row answers 家に残して外出 = true.
      const row = await sql<{ person_id: string; snapshot_id: number; row_no: number }>`
        SELECT l.person_id, l.snapshot_id, l.row_no FROM link_record l
          JOIN import_row r ON r.snapshot_id = l.snapshot_id AND r.row_no = l.row_no
         WHERE l.source_id = 'nyuyoji_kenshin' AND r.data->>${FIELD} = 'true'
           AND l.run_id = (SELECT max(id) FROM link_run)
         ORDER BY l.person_id LIMIT 1`.execute(s.t.db);
      const r = row.rows[0];
      if (!r) throw new Error("the village has no 家に残して外出 row");
      personId = r.person_id;
      target = { snapshotId: r.snapshot_id, rowNo: r.row_no };
    },
    pageTimeout: Number(process.env.UI_DEBUG_TIMEOUT ?? UI_TIMEOUT),
    loginAs: "coordinator",
  });

  const shot = (name: string) => f.shot(`${name}.png`);

  it("reaches the page from the menu; a malformed id is refused in Japanese", async () => {
    const { page } = f;
    await page.getByRole("link", { name: "開示・訂正・利用停止" }).click();
    await page.getByRole("heading", { name: "開示・訂正・利用停止", level: 1 }).waitFor();
    await page.getByText("利用停止はまだありません").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel("こどもID").fill("P000 20;");
    await page.getByRole("button", { name: "本人を選ぶ" }).click();
    await page.getByRole("alert").filter({ hasText: "こどもIDを半角英数字で" }).waitFor();
    await page.getByLabel("こどもID").fill(personId);
    await page.getByRole("button", { name: "本人を選ぶ" }).click();
    await page.getByRole("heading", { name: `本人: ${personId}` }).waitFor();
    expect(new URL(page.url()).searchParams.get("person")).toBe(personId);
    await page.getByRole("form", { name: "訂正" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot("90-rights");
  });

  it("records a 訂正 of one cell with its reason; the trail shows old → new; the row is kept", async () => {
    const { page, t } = f;
    const form = page.getByRole("form", { name: "訂正" });
    // Submitting without a reason is refused by the form.
    await form
      .getByLabel("訂正する行と項目")
      .selectOption(`${target.snapshotId}:${target.rowNo}:${FIELD}`);
    await form.getByLabel(/訂正後の値/).fill("いいえ");
    await form.getByRole("button", { name: "訂正を記録する" }).click();
    await form.getByRole("alert").filter({ hasText: "具体的に入力してください" }).waitFor();
    await form.getByLabel(/理由/).fill("訂正請求 受付第7号（健診票の転記誤り）");
    await form.getByRole("button", { name: "訂正を記録する" }).click();
    await form.getByRole("status").filter({ hasText: "訂正を記録しました" }).waitFor();
    const trail = page.getByRole("table").filter({ hasText: "訂正前" });
    await trail.getByRole("row").filter({ hasText: FIELD }).filter({ hasText: "有効" }).waitFor();
    const stored = await t.db.selectFrom("fact_correction").selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      person_id: personId,
      field: FIELD,
      old_value: true,
      new_value: false,
      actor: "coordinator",
    });
    const imported = await t.db
      .selectFrom("import_row")
      .select("data")
      .where("snapshot_id", "=", target.snapshotId)
      .where("row_no", "=", target.rowNo)
      .executeTakeFirstOrThrow();
    expect((imported.data as Record<string, unknown>)[FIELD]).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await shot("91-rights-correction");
  });

  it("stops and resumes the use of the child's data with reasons", async () => {
    const { page, t } = f;
    const form = page.getByRole("form", { name: "利用停止" });
    await form.getByLabel(/理由/).fill("利用停止請求 受付第12号");
    await form.getByRole("button", { name: "利用停止する" }).click();
    await form.getByText("利用停止中").waitFor();
    const list = page.getByRole("table").filter({ hasText: "停止中" });
    await list.getByRole("row").filter({ hasText: personId }).waitFor();
    await form.getByLabel(/理由/).fill("本人からの取下げ 受付第15号");
    await form.getByRole("button", { name: "利用停止を解除する" }).click();
    await form.getByRole("status").filter({ hasText: "利用停止を解除しました" }).waitFor();
    const rows = await t.db.selectFrom("usage_stop").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.lifted_by).toBe("coordinator");
    expect(rows[0]?.resident_nos.length).toBeGreaterThan(0);
  });

  it("開示: asks the purpose and the password again, then saves one file with the trail", async () => {
    const { page, t, server } = f;
    // The password was entered at login; make it old so the server asks again.
    await sql`UPDATE session SET authenticated_at = now() - interval '1 hour'`.execute(t.db);
    const form = page.getByRole("form", { name: "開示" });
    await form.getByLabel(/目的/).fill("開示請求 受付第3号");
    await form.getByRole("button", { name: "開示用のファイルを出力" }).click();
    const prompt = page.getByRole("form", { name: "本人確認" });
    await prompt.getByLabel("パスワード").fill(PASSWORD);
    expect(await axeViolations(page)).toEqual([]);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      prompt.getByRole("button", { name: "本人確認して続ける" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`disclosure-${personId}.json`);
    const file = JSON.parse(readFileSync((await download.path()) as string, "utf8")) as {
      kind: string;
      identity: { personId: string };
      corrections: { field: string; oldValue: unknown; newValue: unknown }[];
      usageStops: unknown[];
    };
    expect(file.kind).toBe("mimamori-disclosure");
    expect(file.identity.personId).toBe(personId);
    expect(file.corrections).toEqual([
      expect.objectContaining({ field: FIELD, oldValue: true, newValue: false }),
    ]);
    expect(file.usageStops).toHaveLength(1);
    await form.getByRole("status").filter({ hasText: "監査ログに記録" }).waitFor();
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["purpose"])
      .where("action", "=", "rights.disclosure")
      .execute();
    expect(audit.map((a) => a.purpose)).toEqual(["開示請求 受付第3号"]);
  });

  it("an analyst saves the pseudonymised CSV with a purpose; the coordinator has no such menu", async () => {
    const { page, browser } = f;
    expect(await page.getByRole("link", { name: "仮名化データの出力" }).count()).toBe(0);
    await browser.context.clearCookies();
    await f.login("analyst");
    expect(await page.getByRole("link", { name: "開示・訂正・利用停止" }).count()).toBe(0);
    await page.getByRole("link", { name: "仮名化データの出力" }).click();
    await page.getByRole("heading", { name: "仮名化データの出力", level: 1 }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    const form = page.getByRole("form", { name: "仮名化データの出力" });
    await form.getByRole("button", { name: "CSV を出力" }).click();
    // The analyst's purpose speaks of analysis, not of a 請求's 受付番号.
    await form
      .getByRole("alert")
      .filter({ hasText: "分析の目的を具体的に入力してください" })
      .waitFor();
    await form.getByLabel(/分析の目的/).fill("困難の類型ごとの該当率の分析");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      form.getByRole("button", { name: "CSV を出力" }).click(),
    ]);
    const text = readFileSync((await download.path()) as string, "utf8").replace(/^\uFEFF/, "");
    expect(text.split("\r\n")[0]).toBe("pseudo_id,household_pseudo_id,birth_month,sex,items");
    expect(text).not.toContain(personId);
    await shot("92-pseudonymised-export");
  });
});
