/**
 * マスキングルール in a real browser (issue 12). On a scored synthetic
 * village, 総括管理 opens the page (axe clean), sees the default rules and an
 * empty history, is told in Japanese when the reason is missing, then sets
 * 総括管理's 氏名 to 一部 and カナ to 表示しない with a reason. The history
 * lists the new version with who and why, the change is audited, and the
 * child view (the API, not the page) now shows the family name and ＊＊.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { partialName } from "../../src/domain/policy/masking.ts";
import { axeViolations, hasBrowser, UI_TIMEOUT, useBrowserFixture } from "../browser.ts";
import { scoredVillage } from "../workflow.ts";

describe.skipIf(!hasBrowser)("マスキングルール (Chromium)", () => {
  let personId: string;
  let fullName: string;
  const f = useBrowserFixture({
    password: "soukatsu-password-2026",
    municipality: "マスキング村",
    users: [{ loginName: "soukatsu", displayName: "総括 一子", roles: ["coordinator"] }],
    async prepare(s) {
      const { t } = s;
      const village = await scoredVillage(t, "マスキング村", 4);
      s.onClose(() => village.cleanup());
      const p = await sql<{ person_id: string; name: string }>`
        SELECT person_id, name FROM link_person
         WHERE municipality_id = ${village.municipalityId} AND name LIKE '% %'
           AND person_id = ${village.flagged[0]?.personId ?? ""}`.execute(t.db);
      personId = p.rows[0]?.person_id as string;
      fullName = p.rows[0]?.name as string;
      expect(fullName).toBeTruthy();
    },
    pageTimeout: Number(process.env.UI_DEBUG_TIMEOUT ?? UI_TIMEOUT),
  });

  const shot = (name: string) => f.shot(`${name}.png`);

  it("changes 総括管理's name rule and the child view shows the name masked", async () => {
    const { page, server, t } = f;
    await f.login("soukatsu");
    await page.goto(`${server.url.replace(/\/$/, "")}/children/${personId}`);
    const heading = page.getByRole("heading", { level: 1, name: /^こども詳細: / });
    await heading.waitFor();
    expect(await heading.textContent()).toContain(fullName);

    await page.getByRole("link", { name: "マスキングルール" }).click();
    await page.getByRole("heading", { name: "マスキングルール", level: 1 }).waitFor();
    await page.getByText("まだ保存された版はありません").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    const nameSelect = page.getByLabel("総括管理（こども家庭センター）の氏名");
    expect(await nameSelect.inputValue()).toBe("full");

    // No reason: refused on the page, in Japanese, nothing saved.
    await nameSelect.selectOption("partial");
    await page.getByRole("button", { name: "新しい版として保存" }).click();
    await page.getByRole("alert").filter({ hasText: "変更の理由" }).waitFor();

    await page.getByLabel("総括管理（こども家庭センター）のカナ").selectOption("hidden");
    await page
      .getByLabel(/変更の理由/)
      .fill("個人情報保護審査会の答申に合わせて氏名を一部表示にする");
    await page.getByRole("button", { name: "新しい版として保存" }).click();
    await page.getByRole("status").filter({ hasText: "第1版として保存しました" }).waitFor();
    const history = page.getByRole("table").filter({ hasText: "保存した人" });
    await history.getByRole("row").filter({ hasText: "soukatsu" }).waitFor();
    expect(await history.textContent()).toContain("個人情報保護審査会の答申");
    expect(await axeViolations(page)).toEqual([]);
    await shot("masking-rules-saved");

    const audited = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log
       WHERE action = 'masking.update' AND actor = 'soukatsu'`.execute(t.db);
    expect(audited.rows[0]?.n).toBe(1);

    await page.goto(`${server.url.replace(/\/$/, "")}/children/${personId}`);
    await page
      .getByRole("heading", { level: 1, name: `こども詳細: ${partialName(fullName)}` })
      .waitFor();
    // カナ is hidden: the heading shows no reading any more.
    expect(await heading.textContent()).toBe(`こども詳細: ${partialName(fullName)}`);
    expect(await page.locator("main").textContent()).not.toContain(fullName);
    await shot("masking-child-view-partial-name");
  }, 600_000);
});
