/**
 * こども詳細, 世帯 and 検索 in a real browser (issue 11): a synthetic village is
 * imported and run; a coordinator (要対協 member) logs in and, from the home
 * page's flagged list, opens a child within three clicks; the waterfall lists
 * the items the run stored with their source rows; the household panel lists
 * the registry's members; search finds a child by a 異体字 and by half-width
 * kana. axe-core finds no serious or critical violation on these pages.
 */
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createCaseRepository } from "../../src/db/case.repository.ts";
import { withDataScope } from "../../src/db/scope.ts";
import { variantsOf } from "../../src/domain/ja/variants.ts";
import { systemScope } from "../../src/domain/policy/index.ts";
import { monthlyRun } from "../../src/pipeline/run.ts";
import { axeViolations, hasBrowser, screenshotDir, useBrowserFixture } from "../browser.ts";

describe.skipIf(!hasBrowser)("こども詳細・世帯・検索 (Chromium)", () => {
  let linkRunId: number;
  let scoreRunId: number;
  const f = useBrowserFixture({
    password: "coordinator-password-2026",
    municipality: "テスト村",
    users: [
      { loginName: "coordinator", displayName: "総括 管理", roles: ["coordinator"], council: true },
      // No affiliation, no case: every child is outside their scope.
      { loginName: "staff", displayName: "支援 担当", roles: ["staff"] },
    ],
    async prepare(s) {
      await s.importVillage({ seed: 3, asOf: "2024-04-01" });
      const run = await monthlyRun(s.t, {
        municipalityId: s.municipalityId,
        actor: { userId: null, loginName: "test" },
        origin: "cli",
      });
      linkRunId = run.linked.runId;
      scoreRunId = run.scored.runId;
    },
    loginAs: "coordinator",
  });

  it("opens a flagged child from the home page and shows its items with their source rows", async () => {
    const { page, t } = f;
    const top = page.getByTestId("top-flagged");
    await top.waitFor();
    // The same word as 判定一覧's column for the same number (not 合計点 here, 総ポイント there).
    const heads = await top.locator("thead th").allTextContents();
    expect(heads).toContain("総ポイント");
    expect(heads).not.toContain("合計点");
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, "40-home-flagged.png") });
    const link = top.getByRole("link").first();
    await link.click(); // the first click after login: home → child
    await page.getByTestId("waterfall").first().waitFor();
    const personId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() as string);
    const stored = await sql<{
      item_id: string;
      evidence: { rows: { file: string; row: number }[] };
    }>`
      SELECT item_id, evidence FROM score_item WHERE run_id = ${scoreRunId} AND person_id = ${personId}`.execute(
      t.db,
    );
    expect(stored.rows.length).toBeGreaterThan(0);
    const shown = await page
      .locator("[data-testid=waterfall] tr[data-item]")
      .evaluateAll((rows) =>
        rows.map((r) => ({ item: r.getAttribute("data-item"), text: r.textContent ?? "" })),
      );
    expect(shown.length).toBeGreaterThan(0);
    for (const s of shown) {
      const ev = stored.rows.find((x) => x.item_id === s.item);
      expect(ev, `item ${s.item} is stored for the child`).toBeDefined();
      for (const r of ev?.evidence.rows ?? []) expect(s.text).toContain(`${r.file} ${r.row}行目`);
    }
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, "41-child.png"), fullPage: true });
  });

  it("marks a child of the home list who is already on a 候補リスト, as 判定一覧 does (issue 13)", async () => {
    const { page, t } = f;
    await page.goto(f.url);
    const top = page.getByTestId("top-flagged");
    await top.waitFor();
    expect(await top.locator("thead th").allTextContents()).toContain("支援中・判断済み");
    const href =
      (await top.locator("tbody tr").first().getByRole("link").first().getAttribute("href")) ?? "";
    const personId = decodeURIComponent(href.split("/").pop() as string);
    expect(await top.locator("tbody tr").first().locator('a[href^="/cases/"]').count()).toBe(0);
    // This month's 候補リスト takes the child, through the case repository as the app does.
    await withDataScope({ municipalityId: f.municipalityId, council: true }, async () => {
      const scope = { ...systemScope(f.municipalityId), userId: 0 };
      const actor = { userId: null, loginName: "test" };
      const repo = createCaseRepository(t.db);
      const flagged = await sql<{ difficulty: string }>`
        SELECT difficulty FROM score_result
         WHERE run_id = ${scoreRunId} AND person_id = ${personId} AND flagged
         ORDER BY score DESC, difficulty LIMIT 1`.execute(t.db);
      const pick = flagged.rows[0];
      expect(pick, "the first child of the home list is flagged in the run").toBeDefined();
      const month = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 7);
      const list = await repo.ensureList(scope, actor, month, scoreRunId);
      await repo.addEntries(scope, actor, list.id, [
        { personId, difficulty: pick?.difficulty as string, overrideReason: "テスト" },
      ]);
    });
    await page.reload();
    await top.waitFor();
    const row = top.locator("tbody tr").filter({ has: page.locator(`a[href="${href}"]`) });
    await row.locator('a[href^="/cases/"]').waitFor();
  });

  it("shows the household's members from the registry", async () => {
    const { page, t, server } = f;
    const hh = (
      await sql<{ household_no: string }>`
        SELECT p.household_no FROM link_person p
         WHERE p.run_id = ${linkRunId} AND p.household_no IS NOT NULL
           AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${scoreRunId} AND sr.person_id = p.person_id AND sr.flagged)
         GROUP BY p.household_no HAVING count(*) >= 3 ORDER BY p.household_no LIMIT 1`.execute(t.db)
    ).rows[0]?.household_no as string;
    const members = await sql<{ person_id: string }>`
      SELECT person_id FROM link_person WHERE run_id = ${linkRunId} AND household_no = ${hh} ORDER BY person_id`.execute(
      t.db,
    );
    await page.goto(new URL(`/households/${hh}`, server.url).toString());
    await page.getByTestId("household-members").waitFor();
    const shown = await page
      .locator("[data-testid=household-members] tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-person")));
    expect(shown.sort()).toEqual(members.rows.map((m) => m.person_id));
    expect(await page.getByRole("figure").getAttribute("aria-label")).toMatch(/^家族図: .*世帯主/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, "42-household.png"), fullPage: true });
  });

  it("offers emergency access only for a child that exists: an unknown id is said to be not found", async () => {
    const { t } = f;
    const page = await f.pageAs("staff");
    const form = page.getByRole("form", { name: "緊急時の閲覧" });
    await page.goto(`${f.url}/children/P99999999`);
    const notFound = page.getByTestId("child-not-found");
    await notFound.waitFor();
    expect(await notFound.textContent()).toMatch(/^指定されたこどもは見つかりません。/);
    expect(await form.count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    // A real child outside the staff user's scope: the form is offered.
    const real = await sql<{ person_id: string }>`
      SELECT person_id FROM link_person WHERE run_id = ${linkRunId} ORDER BY person_id LIMIT 1`.execute(
      t.db,
    );
    await page.goto(`${f.url}/children/${real.rows[0]?.person_id}`);
    await form.waitFor();
    expect(await page.getByTestId("child-not-found").count()).toBe(0);
    expect(await form.textContent()).toContain("4 時間閲覧できます");
    expect(await axeViolations(page)).toEqual([]);
  });

  it("finds a child by a 異体字 spelling and by half-width kana", async () => {
    const { page, t, server } = f;
    const persons = await sql<{ person_id: string; name: string; name_kana: string }>`
      SELECT p.person_id, p.name, p.name_kana FROM link_person p
       WHERE p.run_id = ${linkRunId} AND p.name IS NOT NULL AND p.name_kana IS NOT NULL
         AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${scoreRunId} AND sr.person_id = p.person_id)
       ORDER BY p.person_id`.execute(t.db);
    const variant = persons.rows
      .map((p) => {
        const chars = [...p.name];
        const i = chars.findIndex((ch) => variantsOf(ch).length > 1);
        if (i < 0) return undefined;
        chars[i] = variantsOf(chars[i] as string).find((v) => v !== chars[i]) as string;
        return { personId: p.person_id, query: chars.join("") };
      })
      .find((x) => x !== undefined);
    expect(variant).toBeDefined();
    if (!variant) return;
    await page.goto(new URL("/", server.url).toString());
    await page.getByRole("link", { name: "こどもの検索" }).click();
    await page.getByLabel("氏名・生年月日・宛名番号").fill(variant.query);
    await page.getByRole("button", { name: "検索" }).click();
    await page
      .locator(`[data-testid=search-results] tr[data-person="${variant.personId}"]`)
      .waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, "43-search.png") });

    const p = persons.rows[0] as { person_id: string; name_kana: string };
    const half = p.name_kana.normalize("NFKC").replace(/[ァ-ヶ]/g, (ch) => ch);
    // NFKC turns half-width into full-width; the other way round is the width table below.
    const halfWidth = [...half].map((ch) => HALF[ch] ?? ch).join("");
    await page.getByLabel("氏名・生年月日・宛名番号").fill(halfWidth);
    await page.getByRole("button", { name: "検索" }).click();
    await page.locator(`[data-testid=search-results] tr[data-person="${p.person_id}"]`).waitFor();
  });
});

/** Full-width katakana → half-width, as typed on an old terminal. */
const HALF: Record<string, string> = (() => {
  const full =
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー";
  const half = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ";
  const map: Record<string, string> = {};
  [...full].forEach((ch, i) => {
    map[ch] = half[i] as string;
  });
  const voiced = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
  const base = "カキクケコサシスセソタチツテトハヒフヘホ";
  [...voiced].forEach((ch, i) => {
    map[ch] = `${map[base[i] as string]}ﾞ`;
  });
  const semi = "パピプペポ";
  [...semi].forEach((ch, i) => {
    map[ch] = `${map["ハヒフヘホ"[i] as string]}ﾟ`;
  });
  return map;
})();
