/**
 * Issue 13's acceptance, one household walked end to end in Chromium:
 * flag (判定一覧) → 候補リスト → 情報収集シート sent in mode (b) with the list's
 * 'whole 候補リスト' button → answered by the school's 所属 account, which sees
 * nothing beyond mode (b) on its pages AND through the API (its own session)
 * → conference decision 要支援 with the returned sheet on screen → support
 * plan with a follow-up due → the follow-up on the responsible person's home
 * page → the dashboard funnel counts the child at each stage. The case passes
 * through 情報収集中 on the way (the sheet moves it). axe-core finds no
 * serious or critical violation on the review list, the conference, the case
 * and the home page with its follow-ups. Screenshots: test-output/screenshots
 * and docs/screenshots (docs/operations.md).
 */
import { sql } from "kysely";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations, hasBrowser, UI_TIMEOUT, useBrowserFixture } from "../browser.ts";
import { type ScoredVillage, scoredVillage } from "../workflow.ts";

const PASSWORD = "acceptance-password-2026";
const ANSWER = "朝の登校が遅れがちで、給食をよくおかわりしている";

/**
 * Paths in an API answer that carry more than mode (b) shares: a score, a
 * threshold, points, items or evidence with a value (the child view keeps
 * the keys, empty, for its shape).
 */
function beyondModeB(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => beyondModeB(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const here = `${path}.${k}`;
    if (["score", "threshold", "points", "cumulative", "evidence"].includes(k) && v != null)
      return [here];
    if (k === "items" && Array.isArray(v) && v.length > 0) return [here];
    return beyondModeB(v, here);
  });
}

describe.skipIf(!hasBrowser)(
  "issue 13 acceptance: one household from the flag to the funnel",
  () => {
    let v: ScoredVillage;
    let child: {
      personId: string;
      name: string;
      school: string;
      difficulty: string;
      items: string[];
    };
    let other: string;
    let requestId = 0;
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);

    const caseState = async () =>
      (
        await sql<{ state: string }>`
        SELECT state FROM child_case WHERE person_id = ${child.personId}`.execute(f.t.db)
      ).rows[0]?.state;

    const f = useBrowserFixture({
      password: PASSWORD,
      municipality: "受入町",
      async prepare(s) {
        const { t } = s;
        v = await scoredVillage(t, "受入町");
        s.onClose(() => v.cleanup());
        // A flagged child without an exclusion or a 要対協 item, at a school, and
        // another flagged child of another school (the school must not reach it).
        // Highest score first: the child is on the first page of 判定一覧.
        const r = await sql<{
          person_id: string;
          name: string;
          school: string;
          difficulty: string;
        }>`
      SELECT * FROM (
      SELECT DISTINCT ON (lr.person_id) lr.person_id, p.name, ir.data->>'学校名' AS school, sr.difficulty, sr.score
        FROM link_record lr
        JOIN score_run s ON s.id = ${v.runId} AND s.link_run_id = lr.run_id
        JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
        JOIN link_person p ON p.run_id = lr.run_id AND p.person_id = lr.person_id
        JOIN score_result sr ON sr.run_id = s.id AND sr.person_id = lr.person_id
                            AND sr.flagged AND cardinality(sr.excluded_by) = 0
       WHERE lr.source_id = 'gakureibo'
         AND NOT EXISTS (SELECT 1 FROM score_item si WHERE si.run_id = s.id
                          AND si.person_id = lr.person_id AND si.item_id IN ('B01','B02'))
       ORDER BY lr.person_id, sr.score DESC, ir.as_of DESC, lr.snapshot_id DESC, lr.row_no DESC
      ) x ORDER BY score DESC, person_id`.execute(t.db);
        const first = r.rows.find((x) => x.school);
        if (!first) throw new Error("the village has no flagged school child without an exclusion");
        const second = r.rows.find((x) => x.school && x.school !== first.school);
        if (!second) throw new Error("the village needs flagged children at two schools");
        other = second.person_id;
        const items = await sql<{ item_id: string }>`
      SELECT DISTINCT item_id FROM score_item WHERE run_id = ${v.runId} AND person_id = ${first.person_id}`.execute(
          t.db,
        );
        child = {
          personId: first.person_id,
          name: first.name,
          school: first.school,
          difficulty: first.difficulty,
          items: items.rows.map((x) => x.item_id),
        };
        expect(child.items.length).toBeGreaterThan(0);
        for (const [loginName, displayName, role, council, affiliation] of [
          ["coordinator", "総括 管理", "coordinator", true, null],
          ["staff", "支援 担当", "staff", false, null],
          ["school", "学級 担任", "affiliation", false, child.school],
        ] as const)
          await s.addUser({ loginName, displayName, roles: [role], council, affiliation });
      },
      loginAs: "coordinator",
    });
    const pageAs = (loginName: string) => f.pageAs(loginName);
    const shot = (page: Page, name: string) => f.shot(name, { page, docs: true });
    // The coordinator's page: the fixture's own.
    let coord: Page;
    beforeAll(() => {
      coord = f.page;
    });

    it("flag → 候補リスト: the child is picked from 判定一覧 onto the month's list", async () => {
      await coord.goto(`${f.url}/results?type=${child.difficulty}&flagged=yes`);
      const pick = coord.getByRole("form", { name: "候補リストに載せる" });
      await pick.waitFor({ timeout: UI_TIMEOUT });
      await pick.locator(`input[data-testid="pick-child"][value="${child.personId}"]`).check();
      await pick.getByRole("button", { name: "除外理由を確認する" }).click();
      await pick.getByTestId("pick-checks").waitFor({ timeout: UI_TIMEOUT });
      await pick.getByRole("button", { name: /候補リストに載せる$/ }).click();
      await pick.getByRole("link", { name: /候補リストを開く/ }).click();
      const list = coord.getByTestId("review-list");
      await list.waitFor({ timeout: UI_TIMEOUT });
      expect(await list.textContent()).toContain(child.name);
      expect(await caseState()).toBe("listed");
      expect(await axeViolations(coord)).toEqual([]);
    }, 240_000);

    it("情報収集シート in mode (b) to the child's school with the 'whole 候補リスト' button: the case is 情報収集中", async () => {
      const round = coord.getByRole("form", { name: "候補リスト全体に情報収集シートを送る" });
      await round.locator("#round-recipient").selectOption(child.school);
      await round.locator("#round-kind").selectOption("school");
      await round.locator("input[name=round-mode][value=b]").check();
      expect(await axeViolations(coord)).toEqual([]);
      await shot(coord, "70-acceptance-list-round.png");
      await round.getByRole("button", { name: "候補リスト全体に送る" }).click();
      await round.getByText("1件の依頼を送りました").waitFor({ timeout: UI_TIMEOUT });
      const row = coord
        .getByTestId("review-list")
        .getByRole("row", { name: new RegExp(child.name) });
      await row.getByText("情報収集中").waitFor({ timeout: UI_TIMEOUT });
      expect(await caseState()).toBe("gathering");
      const req = await sql<{ id: number; mode: string; recipient: string }>`
      SELECT id, mode, recipient FROM sheet_request WHERE person_id = ${child.personId}`.execute(
        f.t.db,
      );
      expect(req.rows).toEqual([{ id: expect.any(Number), mode: "b", recipient: child.school }]);
      requestId = req.rows[0]?.id as number;
    }, 240_000);

    it("the school answers and sees nothing beyond mode (b), on its pages and through the API", async () => {
      const school = await pageAs("school");
      await school.goto(`${f.url}/sheets/inbox`);
      await school.getByTestId("inbox").getByRole("link", { name: child.name }).click();
      await school.getByTestId("shared-types").waitFor({ timeout: UI_TIMEOUT });
      const shared = (await school.getByTestId("shared-types").textContent()) ?? "";
      expect(shared).toContain("基準以上");
      expect(shared).not.toMatch(/点数|基準 \d/);
      const main = (await school.locator("main").textContent()) ?? "";
      for (const item of child.items) expect(main).not.toContain(item);
      expect(await axeViolations(school)).toEqual([]);

      // The same account through the API: the request, the child view and the
      // sheet list hold the result and the type, never a score, threshold or item.
      const api = async (path: string) => {
        const r = await school.request.get(`${f.url}/api${path}`);
        return { status: r.status(), text: await r.text() };
      };
      for (const path of [
        `/sheets/inbox/${requestId}`,
        "/sheets/inbox",
        `/children/${child.personId}`,
      ]) {
        const r = await api(path);
        expect(r.status, path).toBe(200);
        expect(beyondModeB(JSON.parse(r.text)), path).toEqual([]);
        for (const item of child.items) expect(r.text, path).not.toContain(`"${item}"`);
      }
      const inbox = JSON.parse((await api(`/sheets/inbox/${requestId}`)).text) as {
        mode: string;
        shared: { types: { difficulty: string; flagged: boolean }[] };
      };
      expect(inbox.mode).toBe("b");
      // Mode (b): the result and the difficulty type of each type asked about, nothing more.
      expect(inbox.shared.types.map((x) => x.difficulty)).toContain(child.difficulty);
      for (const x of inbox.shared.types)
        expect(Object.keys(x).sort()).toEqual(["difficulty", "flagged", "label"]);
      // Beyond its requests: another school's child, the staff list of sheets, the case.
      expect((await api(`/children/${other}`)).status).toBe(404);
      expect((await api(`/sheets/requests/${requestId}`)).status).toBe(403);
      const caseId = (
        await sql<{
          id: number;
        }>`SELECT id FROM child_case WHERE person_id = ${child.personId}`.execute(f.t.db)
      ).rows[0]?.id;
      expect((await api(`/cases/${caseId}`)).status).toBe(403);

      await school.goto(`${f.url}/sheets/inbox/${requestId}`);
      await school.locator("form textarea").first().waitFor({ timeout: UI_TIMEOUT });
      for (const area of await school.locator("form textarea").all()) await area.fill(ANSWER);
      for (const group of await school.locator("form fieldset").all())
        await group.locator("input[type=radio]").first().check();
      await shot(school, "71-acceptance-school-answer.png");
      await school.getByRole("button", { name: "回答を送る" }).click();
      await school.getByText("回答済みです").waitFor({ timeout: UI_TIMEOUT });
      expect(await caseState()).toBe("gathering");
    }, 240_000);

    it("conference: the returned sheet is on screen; the decision is 要支援 with the staff member responsible", async () => {
      await coord.reload();
      const make = coord.getByRole("form", { name: "会議を作る" });
      await make.waitFor({ timeout: UI_TIMEOUT });
      await make.getByLabel("出席者（読点区切り）").fill("子育て支援課、教育委員会、学校");
      await make.getByRole("button", { name: "会議を作る" }).click();
      await make.getByRole("link", { name: "会議の画面を開く" }).click();
      const item = coord.getByTestId("agenda-item").first();
      await item.waitFor({ timeout: UI_TIMEOUT });
      expect(await item.getByTestId("returned-sheets").textContent()).toContain(ANSWER);
      expect(await axeViolations(coord)).toEqual([]);
      await item.getByLabel("理由").fill("学校の回答でも朝の遅れと食事の不足が見られる");
      await item.getByLabel("担当者").selectOption({ label: "支援 担当" });
      await item.getByRole("button", { name: "決定を記録する" }).click();
      await item.getByTestId("decided").waitFor({ timeout: UI_TIMEOUT });
      expect(await item.getByTestId("decided").textContent()).toContain("要支援");
      await shot(coord, "72-acceptance-conference.png");
      expect(await caseState()).toBe("support_planned");
      await item.getByRole("link", { name: "ケースを開く" }).click();
    }, 240_000);

    it("support plan with a follow-up due; the trail shows every step", async () => {
      const plan = coord.getByRole("form", { name: "支援計画を作る" });
      await plan.waitFor({ timeout: UI_TIMEOUT });
      await plan.getByLabel("支援の目標").fill("朝の登校と食事の安定");
      await plan.getByLabel("担当機関（読点区切り）").fill("学校、子育て支援課");
      await plan.getByRole("button", { name: "計画を記録" }).click();
      await coord.getByTestId("plans").waitFor({ timeout: UI_TIMEOUT });
      const fu = coord.getByRole("form", { name: "予定を入れる" });
      await fu.getByLabel("期日").fill(due);
      await fu.getByLabel("内容").fill("学校と朝の様子を確認する");
      await fu.getByLabel("担当者").selectOption({ label: "支援 担当" });
      await fu.getByRole("button", { name: "予定を入れる" }).click();
      await coord.getByTestId("follow-ups").waitFor({ timeout: UI_TIMEOUT });
      const history = (await coord.getByTestId("case-history").textContent()) ?? "";
      for (const step of ["候補リストに追加", "情報収集シートの依頼", "会議での決定", "支援の開始"])
        expect(history).toContain(step);
      expect(await axeViolations(coord)).toEqual([]);
      await shot(coord, "73-acceptance-case.png");
      expect(await caseState()).toBe("supporting");
    }, 240_000);

    it("the follow-up is on the responsible person's home page", async () => {
      const staff = await pageAs("staff");
      const mine = staff.getByTestId("my-follow-ups");
      await mine.waitFor({ timeout: UI_TIMEOUT });
      expect(await mine.textContent()).toContain("学校と朝の様子を確認する");
      expect(await mine.textContent()).toContain(due);
      expect(await axeViolations(staff)).toEqual([]);
      await shot(staff, "74-acceptance-home-follow-up.png");
    }, 240_000);

    it("the dashboard funnel counts the child at each stage", async () => {
      await coord.goto(`${f.url}/dashboard`);
      await coord.getByTestId("funnel").waitFor({ timeout: UI_TIMEOUT });
      const table = await coord.evaluate(() => {
        const el = document.querySelector('[data-testid="funnel"]') as HTMLTableElement;
        return {
          headers: [...el.querySelectorAll("thead th")].map((th) => th.textContent ?? ""),
          rows: [...el.querySelectorAll("tbody tr")].map((tr) =>
            [...tr.querySelectorAll("th,td")].map((c) => c.textContent ?? ""),
          ),
        };
      });
      expect(table.headers.slice(1)).toEqual(["基準以上", "候補リスト", "会議", "判断", "支援"]);
      const recorded = table.rows.filter((r) => r.slice(2).every((c) => c !== "未記録"));
      const withChild = recorded.filter((r) => r.slice(2).every((c) => c === "1"));
      expect(withChild.length).toBe(1);
      await shot(coord, "75-acceptance-funnel.png");
    }, 240_000);
  },
);
