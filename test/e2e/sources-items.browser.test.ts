/**
 * 取り込み元 and データ項目 in a real browser (issue 14): a coordinator sees
 * the 19 built-in sources with their columns; a broken declaration file is
 * refused with every problem in Japanese and nothing is stored; the
 * documented 妊娠届アンケート file is registered by upload and another source
 * by the form; an item over the uploaded source is added with a weight for
 * 産後うつ and becomes a rule version the next run uses. Every write is in the
 * audit log; axe-core finds no serious or critical violation on either page.
 * Both forms check themselves first: submitted empty, each shows its own
 * Japanese error under every missing field (not the browser's bubble), moves
 * the focus to the first and sends nothing.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { findRuleVersion } from "../../src/pipeline/rules.ts";
import { loadSources } from "../../src/pipeline/sources.ts";
import { axeViolations, hasBrowser, screenshotDir, useBrowserFixture } from "../browser.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "declared-source");

/** The writes a page sends (POST/PUT/PATCH/DELETE under /api), collected from now on. */
function writesOf(page: Page): string[] {
  const sent: string[] = [];
  page.on("request", (r) => {
    if (r.method() !== "GET" && new URL(r.url()).pathname.startsWith("/api/"))
      sent.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  return sent;
}

/** The accessible name of the focused element's field (its <label> text). */
const focusedLabel = (page: Page) =>
  page.evaluate(() => document.activeElement?.closest("label")?.querySelector("span")?.textContent);

describe.skipIf(!hasBrowser)("取り込み元とデータ項目 (Chromium)", () => {
  const f = useBrowserFixture(
    {
      password: "coordinator-password-2026",
      users: [{ loginName: "coord", displayName: "総括 担当", roles: ["coordinator"] }],
    },
    240_000,
  );

  it("declares sources by file and by form, adds an item over one, all audited", async () => {
    const { page, t, municipalityId } = f;
    await f.login("coord");
    await page.getByRole("link", { name: "取り込み元" }).click();
    await page.getByRole("heading", { name: "取り込み元", level: 1 }).waitFor();
    const list = page.getByRole("table", { name: "取り込み元の一覧" });
    await list.locator('tr[data-source="jumin"]').waitFor();
    expect(await list.locator("tbody tr").count()).toBe(19);
    // The name first; the id (what a definition file uses) after it, said to be for that.
    expect(await list.locator("thead th").allInnerTexts()).toEqual([
      "名称",
      "ID（定義ファイル用）",
      "種類",
      "だれの行か",
      "出来事の日付",
      "列と型",
      "操作",
    ]);
    expect(await list.locator('tr[data-source="jumin"] td').first().innerText()).toBe(
      "住民基本台帳",
    );
    expect(await list.locator('tr[data-source="sanpu_kenshin"]').textContent()).toContain(
      "母の宛名番号: 母宛名番号",
    );

    // The empty form: its own Japanese errors, the focus on ID, nothing sent.
    const writes = writesOf(page);
    await page.getByRole("button", { name: "登録", exact: true }).click();
    const declareForm = page.getByRole("form", { name: "フォームで登録" });
    await declareForm.getByText("ID を入力してください").waitFor();
    expect(await declareForm.getByText("名称を入力してください").count()).toBe(1);
    expect(await focusedLabel(page)).toBe("ID（半角英小文字・数字・_）");
    const idInput = page.getByLabel("ID（半角英小文字・数字・_）");
    expect(await idInput.getAttribute("aria-invalid")).toBe("true");
    expect(await idInput.getAttribute("aria-describedby")).toBe("source-id-error");
    expect(await page.evaluate(() => document.querySelectorAll("form :invalid").length)).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    // A wrong ID says what to enter, still without asking the server.
    await idInput.fill("SDQ");
    await page.getByRole("button", { name: "登録", exact: true }).click();
    await declareForm.getByText("ID は半角英小文字で始まる").waitFor();
    expect(writes).toEqual([]);
    await idInput.fill("");

    // A broken file: every problem listed, in Japanese; nothing stored.
    const fileInput = page.getByLabel("定義ファイル（YAML・JSON）");
    await fileInput.setInputFiles({
      name: "broken.yaml",
      mimeType: "text/yaml",
      buffer: Buffer.from(
        "id: survey\nname: 調査\nidentify: { residentNo: 宛名番号 }\neventDate: 回答日\ncolumns:\n  - { name: 宛名番号, type: float }\n",
      ),
    });
    await page.getByRole("button", { name: "ファイルを登録" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "broken.yaml" });
    await alert.waitFor();
    const text = (await alert.textContent()) ?? "";
    expect(text).toContain("型「float」はありません");
    expect(text).not.toMatch(/Invalid|expected/);
    expect((await loadSources(t.db, municipalityId)).find("survey")).toBeUndefined();

    // The documented example file.
    await fileInput.setInputFiles(join(FIXTURES, "ninshin_anketo.yaml"));
    await page.getByRole("button", { name: "ファイルを登録" }).click();
    await page
      .getByText("取り込み元「妊娠届アンケート」（ID ninshin_anketo）を登録しました")
      .waitFor();
    await list.locator('tr[data-source="ninshin_anketo"]').waitFor();

    // A source by the form: an SDQ survey keyed by 宛名番号, dated by 回答日.
    await page.getByLabel("ID（半角英小文字・数字・_）").fill("sdq_survey");
    await page.getByLabel("名称", { exact: true }).fill("SDQ調査");
    await page.getByLabel("宛名番号の列").fill("宛名番号");
    await page.getByLabel("出来事の日付の列").fill("回答日");
    await page.getByLabel("1列目の列名").fill("宛名番号");
    await page.getByLabel("1列目の型").selectOption("resident_no");
    await page.getByLabel("1列目を必須にする").check();
    await page.getByLabel("2列目の列名").fill("回答日");
    await page.getByLabel("2列目の型").selectOption("date");
    await page.getByRole("button", { name: "列を追加" }).click();
    await page.getByLabel("3列目の列名").fill("SDQ合計");
    await page.getByLabel("3列目の型").selectOption("number");
    await page.getByRole("button", { name: "登録", exact: true }).click();
    await page.getByText("取り込み元「SDQ調査」（ID sdq_survey）を登録しました").waitFor();
    const sdq = (await loadSources(t.db, municipalityId)).find("sdq_survey");
    expect(sdq?.eventDate).toBe("回答日");
    expect(sdq?.roles.residentNo).toBe("宛名番号");
    await page.screenshot({ path: join(screenshotDir, "42-sources.png"), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    // An item over the uploaded source, weighted 2 for 産後うつ.
    await page.getByRole("link", { name: "データ項目" }).click();
    await page.getByRole("heading", { name: "データ項目", level: 1 }).waitFor();
    await page
      .getByRole("table", { name: "データ項目の一覧" })
      .locator('tr[data-item="B15"]')
      .waitFor();
    // 取り込み元 by name, not id (a fresh-clone walk found nyuyoji_kenshin there).
    await page
      .getByRole("table", { name: "データ項目の一覧" })
      .locator('tr[data-item="B03"] td:nth-child(4)', { hasText: "乳幼児健診" })
      .waitFor();
    expect(
      await page
        .getByRole("table", { name: "データ項目の一覧" })
        .locator('tr[data-item="B03"] td:nth-child(4)')
        .textContent(),
    ).not.toContain("nyuyoji_kenshin");
    // What a clerk reads (the newcomer's walk): the criterion as a sentence, not its
    // internal kind over JSON; the versions as 既定（2025.1）/ 当初から, not items-2025.1 /
    // 1900-01-01; every built-in item with its 利用目的 from the reference documents.
    const itemTable = page.getByRole("table", { name: "データ項目の一覧" });
    const caption = (await itemTable.locator("caption").innerText()).replace(/\s+/g, " ");
    expect(caption).toContain("規則の版 既定（2025.1）（当初から）");
    expect(caption).toContain("項目の定義 既定（2025.1）");
    expect(caption).not.toMatch(/items-|1900-01-01/);
    const condition = (id: string) =>
      itemTable.locator(`tr[data-item="${id}"] td:nth-child(5)`).innerText();
    expect(await condition("B03")).toContain(
      "乳幼児健診（3-4か月児・1歳6か月児・3歳児）の対象なのに受診していない",
    );
    expect(await condition("B15")).toContain("「EPDS合計点」が 9 以上");
    const conditions = await itemTable.locator("tbody tr td:nth-child(5)").allInnerTexts();
    expect(conditions.length).toBeGreaterThanOrEqual(39);
    for (const text of conditions) {
      expect(text).not.toMatch(/record|checkup_missed|any_of|attendance|"kind"/);
      expect(text).toContain("定義ファイルの形で見る");
    }
    // The JSON is still there for whoever writes a definition file, one click away.
    await itemTable.locator('tr[data-item="B03"] summary').click();
    expect(await condition("B03")).toContain('"kind": "checkup_missed"');
    const purposes = await itemTable.locator("tbody tr td:nth-child(7)").allInnerTexts();
    for (const text of purposes) expect(text).not.toContain("（未記入）");
    expect(purposes[0]).toContain("基本連携データ項目 1");
    // The form names sources by name (the ids are on 取り込み元 for definition files).
    const sourceChoices = await page
      .getByRole("combobox", { name: "取り込み元", exact: true })
      .locator("option")
      .allInnerTexts();
    expect(sourceChoices).toContain("妊娠届アンケート");
    expect(sourceChoices.join("")).not.toMatch(/[a-z_]{4,}/);
    // The empty item form: every missing field named in Japanese, focus on ID, nothing sent.
    writes.length = 0; // the sources declared above were sent on purpose
    await page.getByRole("button", { name: "項目を追加して保存" }).click();
    const itemForm = page.getByRole("form", { name: "データ項目を追加" });
    await itemForm.getByText("ID を入力してください").waitFor();
    for (const text of [
      "名称を入力してください",
      "取り込み元を選んでください",
      "根拠（項目と基準値の出典）を入力してください",
      "利用目的を入力してください",
      "法的根拠を選んでください",
      "新しい版の名前を入力してください",
      "適用開始日を入力してください",
      "変更の理由（メモ）を入力してください",
    ])
      expect(await itemForm.getByText(text).count(), text).toBe(1);
    expect(await focusedLabel(page)).toBe("ID（英字で始まる16文字まで。例: N01）");
    expect(await page.getByLabel("法的根拠").getAttribute("aria-describedby")).toBe(
      "item-legalBasis-error",
    );
    expect(await axeViolations(page)).toEqual([]);
    // The JSON criterion: unreadable JSON is named before anything is sent.
    await page.getByLabel("条件の種類").selectOption("json");
    await page.getByLabel("条件（JSON）").fill("{ kind: record");
    await page.getByRole("button", { name: "項目を追加して保存" }).click();
    await itemForm.getByText("条件の JSON を読めません").waitFor();
    expect(writes).toEqual([]);
    await page.getByLabel("ID（英字で始まる16文字まで。例: N01）").fill("N01");
    await page
      .getByLabel("名称", { exact: true })
      .fill("妊娠届アンケート 問9「相談できる人がいない」");
    await page.getByLabel("単位").selectOption("mother");
    await page.getByLabel("条件の種類").selectOption("true");
    await page
      .getByRole("combobox", { name: "取り込み元", exact: true })
      .selectOption("ninshin_anketo");
    await page.getByLabel("だれの行").selectOption("mother");
    await page.getByRole("combobox", { name: "列", exact: true }).selectOption("Q9");
    await page.getByLabel("根拠（項目と基準値の出典）").fill("2024年度最終報告");
    await page.getByLabel("利用目的").fill("妊娠期から支援が必要な家庭を早く知るため");
    await page.getByLabel("法的根拠").selectOption("法69条2項2号");
    await page.getByLabel("産後うつの重み").fill("2");
    await page.getByLabel("新しい版の名前").fill("town-2025.1");
    await page.getByLabel("適用開始日").fill("2025-01-01");
    await page.getByLabel("変更の理由（メモ）").fill("妊娠届アンケートの問9を追加");
    await page.getByRole("button", { name: "項目を追加して保存" }).click();
    await page.getByText(/保存しました（元の版/).waitFor();
    await page
      .getByRole("table", { name: "データ項目の一覧" })
      .locator('tr[data-item="N01"]')
      .waitFor();
    expect(
      await page
        .getByRole("table", { name: "データ項目の一覧" })
        .locator('tr[data-item="N01"]')
        .textContent(),
    ).toContain("産後うつ 2");
    // The new version as the clerk named it, and the item definitions it added.
    await itemTable.locator("caption", { hasText: "town-2025.1" }).waitFor();
    expect((await itemTable.locator("caption").innerText()).replace(/\s+/g, " ")).toContain(
      "規則の版 town-2025.1（2025-01-01 から）、項目の定義 既定（2025.1）に town-2025.1 で追加・変更",
    );
    const v = await findRuleVersion(
      t.db,
      municipalityId,
      { asOf: "2025-04-01" as never },
      {
        userId: null,
        loginName: "test",
      },
    );
    expect(v.label).toBe("town-2025.1");
    const n01 = v.rules.catalog.items.find((i) => i.id === "N01");
    expect(n01?.legalBasis).toBe("法69条2項2号");
    expect(
      v.rules.types
        .find((x) => x.difficulty === "postpartum")
        ?.items.find((i) => i.itemId === "N01")?.weight,
    ).toBe(2);
    await page.screenshot({ path: join(screenshotDir, "43-items.png"), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    const audited = await t.db
      .selectFrom("audit_log")
      .select(["action", "actor"])
      .where("municipality_id", "=", municipalityId)
      .where("action", "in", ["source.declare", "rules.version"])
      .execute();
    expect(
      audited.filter((a) => a.action === "source.declare" && a.actor === "coord"),
    ).toHaveLength(2);
    expect(audited.some((a) => a.action === "rules.version" && a.actor === "coord")).toBe(true);
  });
});
