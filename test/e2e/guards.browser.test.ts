/**
 * Newcomer findings in Chromium (web/src/app/guards.ts, Shell, styles):
 * - a page opened by URL without its permission shows 「権限がありません」 at
 *   once: the page's form never appears and its API is not even asked (the
 *   API refuses anyway: authorization-matrix.test.ts);
 * - one menu entry is the current page (ルール詳細, not 判定一覧 as well);
 * - the cards of 判定の規則 do not touch;
 * - a coordinator who is not a 要対協 member reads on モデルの学習 what they can
 *   train on and why B01/B02 are not offered.
 * axe-core finds no serious or critical violation on the refusal.
 */
import { describe, expect, it } from "vitest";
import { axeViolations, hasBrowser, useBrowserFixture } from "../browser.ts";

describe.skipIf(!hasBrowser)("route guards, menu and newcomer pages (Chromium)", () => {
  const f = useBrowserFixture({
    password: "guards-password-2026",
    users: [
      { loginName: "staff", displayName: "支援 担当", roles: ["staff"] },
      { loginName: "coord-nm", displayName: "総括 管理", roles: ["coordinator"], council: false },
    ],
  });

  it("a page opened by URL without its permission is refused at once, without its form or its API", async () => {
    const { page } = f;
    await f.login("staff");
    const asked: string[] = [];
    page.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith("/api/rules") || path.startsWith("/api/sources")) asked.push(path);
    });
    for (const path of ["/rules", "/sources", "/results/matrix"]) {
      await page.goto(`${f.url}${path}`);
      await page.getByRole("heading", { name: "権限がありません", level: 1 }).waitFor();
      expect(await page.getByRole("alert").textContent()).toContain("役割の追加を依頼");
      expect(await page.locator("main form").count()).toBe(0);
    }
    expect(await axeViolations(page)).toEqual([]);
    await f.shot("95-no-permission.png");
    expect(asked).toEqual([]);
    // A page the staff member may use opens as before.
    await page.goto(`${f.url}/search`);
    await page.getByRole("heading", { name: "こどもの検索", level: 1 }).waitFor();
    await f.logout();
  });

  it("marks one menu entry current; 判定の規則's cards keep apart; a non-member is told what モデル can use", async () => {
    const { page } = f;
    await f.login("coord-nm");
    await page.goto(`${f.url}/results/matrix`);
    const current = page.locator("nav.side-nav [aria-current=page]");
    await expect.poll(() => current.allTextContents()).toEqual(["ルール詳細"]);

    await page.goto(`${f.url}/rules`);
    const cards = page.locator("main fieldset.card");
    await cards.nth(1).waitFor();
    const gap = await cards.evaluateAll((els) => {
      const [a, b] = els.map((e) => e.getBoundingClientRect());
      return (b?.top ?? 0) - (a?.bottom ?? 0);
    });
    expect(gap).toBeGreaterThanOrEqual(16);

    await page.getByRole("link", { name: "モデルの学習" }).click();
    const note = page.getByTestId("non-member-models");
    await note.waitFor();
    const text = (await note.textContent()) ?? "";
    expect(text).toContain("要対協のケースを除いた会議の判断");
    expect(text).toMatch(/B01.*B02.*構成員だけ/);
    expect(await axeViolations(page)).toEqual([]);
    await f.shot("96-models-non-member.png");
  });
});
