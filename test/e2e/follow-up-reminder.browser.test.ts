/**
 * The follow-up reminder in a real browser (issue 13, 支援のフォローアップ;
 * migration 0062, server/overdue-reminders.ts): a follow-up coming due is on
 * the responsible person's home page (自分の予定) before any reminder; on its
 * day the server's background pass — started as `mimamori serve` starts it
 * (server/mail-sender.ts) — puts one reminder in that person's お知らせ,
 * which links to the case; another staff member gets only their own; the
 * next follow-up is reminded on its own day, once; a follow-up done leaves
 * the home page. The server runs with its change feed, so the home page's
 * answers come from the per-reader cache (services/reader-answers.ts) and
 * must still show each change on the next visit.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createCaseRepository } from "../../src/db/case.repository.ts";
import { withDataScope } from "../../src/db/scope.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { type DataScope, systemScope } from "../../src/domain/policy/index.ts";
import { DEFAULT_MUNICIPALITY_NAME } from "../../src/server/bootstrap.ts";
import { createLogger } from "../../src/server/logger.ts";
import { startMailSender } from "../../src/server/mail-sender.ts";
import { remindDueFollowUpsEverywhere } from "../../src/server/overdue-reminders.ts";
import { todayInJapan } from "../../src/server/services/sheet.service.ts";
import { hasBrowser, UI_TIMEOUT, useBrowserFixture } from "../browser.ts";
import { type ScoredVillage, scoredVillage } from "../workflow.ts";

const dayOffset = (days: number) => {
  const d = new Date(`${todayInJapan()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
const TODAY = dayOffset(0);
const IN_THREE_DAYS = dayOffset(3);
const TASK_TODAY = "学校に出席状況を確認する";
const TASK_LATER = "家庭訪問の日程を決める";
const TASK_OTHER = "保育所に様子を聞く";

describe.skipIf(!hasBrowser)("follow-up reminder: home page and お知らせ (Chromium)", () => {
  let v: ScoredVillage;
  const caseIds: number[] = [];
  const f = useBrowserFixture({
    password: "reminder-password-2026",
    pageTimeout: UI_TIMEOUT,
    prepare: async (s) => {
      v = await scoredVillage(s.t, DEFAULT_MUNICIPALITY_NAME, 3);
      s.onClose(() => v.cleanup());
      await s.addUser({
        loginName: "coord",
        displayName: "総括 管理",
        roles: ["coordinator"],
        council: true,
      });
      await s.addUser({ loginName: "staff", displayName: "支援 担当", roles: ["staff"] });
      await s.addUser({ loginName: "staff2", displayName: "別の 担当", roles: ["staff"] });
      const users = createUserRepository(s.t.db);
      const id = async (login: string) => (await users.findByLogin(login))?.id as number;
      const [coord, staff, staff2] = [await id("coord"), await id("staff"), await id("staff2")];
      // Two children decided 要支援 in last month's conference, the staff
      // member responsible; follow-ups due today and in three days for them,
      // and one due today for the other staff member.
      const scope: DataScope = { ...systemScope(s.municipalityId), userId: coord };
      const actor = { userId: coord, loginName: "coord" };
      const repo = createCaseRepository(s.t.db);
      await withDataScope({ municipalityId: s.municipalityId, council: true }, async () => {
        const picks = await repo.flaggedCandidates(scope, v.runId, 2);
        const list = await repo.ensureList(scope, actor, TODAY.slice(0, 7), v.runId);
        await repo.addEntries(
          scope,
          actor,
          list.id,
          picks.map((p) => ({ ...p, overrideReason: "今月の確認対象" })),
        );
        const conf = await repo.createConference(scope, actor, {
          listId: list.id,
          heldOn: TODAY,
          title: "ケース会議",
          attendees: ["子育て支援課"],
        });
        for (const caseId of await repo.agendaCaseIds(scope, conf.id)) {
          await repo.decide(scope, actor, conf.id, caseId, {
            decision: "support",
            reason: "所属と連携して見守る",
            responsibleUserId: staff,
            reviewOn: null,
          });
          caseIds.push(caseId);
        }
        const [first, second] = caseIds as [number, number];
        await repo.addFollowUp(scope, actor, first, {
          dueOn: TODAY,
          what: TASK_TODAY,
          assigneeUserId: staff,
        });
        await repo.addFollowUp(scope, actor, second, {
          dueOn: IN_THREE_DAYS,
          what: TASK_LATER,
          assigneeUserId: staff,
        });
        await repo.addFollowUp(scope, actor, second, {
          dueOn: TODAY,
          what: TASK_OTHER,
          assigneeUserId: staff2,
        });
      });
    },
    loginAs: "staff",
  });

  const bell = (page: Page) => page.getByTestId("notification-bell");
  const openNotifications = async (page: Page) => {
    await bell(page).click();
    const list = page.getByRole("region", { name: "お知らせ" });
    await list.waitFor();
    return list;
  };
  const home = async (page: Page) => {
    await page.goto(f.url);
    await page.getByRole("heading", { name: "ホーム", level: 1 }).waitFor();
    await page.getByTestId("my-follow-ups").waitFor();
  };

  it("shows the follow-ups coming due on the responsible person's home page, before any reminder", async () => {
    const { page } = f;
    await home(page);
    const rows = page.getByTestId("my-follow-ups").locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    // By due date: today's first, each marked as this week's.
    await expect.poll(() => rows.nth(0).textContent()).toContain(TASK_TODAY);
    expect(await rows.nth(0).textContent()).toContain(TODAY);
    expect(await rows.nth(0).textContent()).toContain("今週");
    expect(await rows.nth(1).textContent()).toContain(TASK_LATER);
    // The other staff member's follow-up is not here.
    expect(await page.getByTestId("my-follow-ups").textContent()).not.toContain(TASK_OTHER);
    // Nothing reminded yet: no unread count, an empty お知らせ.
    expect(await bell(page).textContent()).toBe("お知らせ");
    const list = await openNotifications(page);
    await list.getByText("お知らせはありません。").waitFor();
  });

  it("puts one reminder in the assignee's お知らせ on the due day, linking to the case", async () => {
    const { page } = f;
    // The background pass as `mimamori serve` runs it at start and every 30 s.
    const sender = startMailSender({
      db: f.t.db,
      logger: createLogger("silent"),
      intervalMs: 3_600_000,
    });
    try {
      await sender.runOnce();
      await sender.runOnce();
    } finally {
      sender.stop();
    }
    await home(page);
    await expect.poll(() => bell(page).textContent()).toBe("お知らせ1");
    const list = await openNotifications(page);
    const reminder = list.getByRole("link", { name: new RegExp(TASK_TODAY) });
    await reminder.waitFor();
    expect(await reminder.textContent()).toBe(
      `支援のフォローアップ「${TASK_TODAY}」の期日（${TODAY}）になりました。済んだらケースの画面で記録してください。`,
    );
    expect(await list.textContent()).not.toContain(TASK_LATER);
    expect(await list.textContent()).not.toContain(TASK_OTHER);
    await f.shot("76-follow-up-reminder.png", { docs: true });
    // The link opens the case with the follow-up; the reminder is then read.
    await reminder.click();
    await page.waitForURL(new RegExp(`/cases/${caseIds[0]}$`));
    await page.getByTestId("follow-ups").getByText(TASK_TODAY).waitFor();
    await home(page);
    await expect.poll(() => bell(page).textContent()).toBe("お知らせ");

    // The other staff member: their own reminder only.
    const other = await f.pageAs("staff2");
    await expect.poll(() => bell(other).textContent()).toBe("お知らせ1");
    const theirs = await openNotifications(other);
    await theirs.getByRole("link", { name: new RegExp(TASK_OTHER) }).waitFor();
    expect(await theirs.textContent()).not.toContain(TASK_TODAY);
  });

  it("reminds the next follow-up on its own day, once", async () => {
    const { page } = f;
    expect(await remindDueFollowUpsEverywhere(f.t.db, { today: dayOffset(2) })).toBe(0);
    expect(await remindDueFollowUpsEverywhere(f.t.db, { today: IN_THREE_DAYS })).toBe(1);
    expect(await remindDueFollowUpsEverywhere(f.t.db, { today: IN_THREE_DAYS })).toBe(0);
    await home(page);
    await expect.poll(() => bell(page).textContent()).toBe("お知らせ1");
    const list = await openNotifications(page);
    await list.getByRole("link", { name: new RegExp(TASK_LATER) }).waitFor();
    // Today's reminder is still listed, read.
    expect(await list.textContent()).toContain(TASK_TODAY);
  });

  it("takes a follow-up done off the home page on the next visit", async () => {
    const { page } = f;
    await home(page);
    const rows = page.getByTestId("my-follow-ups").locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    const row = rows.filter({ hasText: TASK_TODAY });
    await row.getByLabel("結果のメモ").fill("担任に電話で確認した");
    await row.getByRole("button").click();
    await expect.poll(() => rows.count()).toBe(1);
    await home(page);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(TASK_LATER);
  });
});
