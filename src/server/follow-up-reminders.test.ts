/**
 * Follow-up reminders from the server's background loop (issue 13), on real
 * PostgreSQL and a real SMTP server on 127.0.0.1: when a follow-up
 * (支援のフォローアップ) falls due, its assignee gets one in-app notification
 * and, with the relay on and an address, one mail that names no child, task
 * or date; never twice (a second tick, the next day, concurrent passes); not
 * for a follow-up done, not yet due, or of a closed case; a 要対協 case's
 * follow-up is reminded without its task in the text.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../test/db.ts";
import { loginAs } from "../../test/http.ts";
import { type ReminderHarness, startReminderHarness } from "../../test/reminders.ts";
import { mailBody, mailSubject, type TestSmtpServer } from "../../test/smtp.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { createUserRepository } from "../db/user.repository.ts";
import { remindDueFollowUpsEverywhere } from "./overdue-reminders.ts";
import { todayInJapan } from "./services/sheet.service.ts";

let h: ReminderHarness;
let t: TestDatabase;
let smtp: TestSmtpServer;
let sender: ReminderHarness["sender"];
let municipalityId: number;
const ids: Record<string, number> = {};
const TASK = "学校に出席状況を確認する（見守　花子）";

const dayOffset = (days: number) => {
  const d = new Date(`${todayInJapan()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

let personSeq = 0;
/** A case in `state` with one follow-up for `assignee` due on `dueOn`; returns [caseId, followUpId]. */
async function followUp(
  assignee: number,
  dueOn: string,
  o: { state?: string; council?: boolean; done?: boolean } = {},
): Promise<[number, number]> {
  const c = await t.db
    .insertInto("child_case" as never)
    .values({
      municipality_id: municipalityId,
      person_id: `p-fu-${++personSeq}`,
      state: o.state ?? "supporting",
      council: o.council ?? false,
      responsible_user_id: assignee,
    } as never)
    .returning("id" as never)
    .executeTakeFirstOrThrow();
  const caseId = (c as { id: number }).id;
  const f = await t.db
    .insertInto("follow_up" as never)
    .values({
      municipality_id: municipalityId,
      case_id: caseId,
      due_on: dueOn,
      what: TASK,
      assignee_user_id: assignee,
      created_by: "coord",
      done_at: o.done ? new Date() : null,
    } as never)
    .returning("id" as never)
    .executeTakeFirstOrThrow();
  return [caseId, (f as { id: number }).id];
}

const reminders = () =>
  t.db
    .selectFrom("notification")
    .select(["recipient_user_id", "link", "text"])
    .where("kind", "=", "follow_up.due")
    .orderBy("id")
    .execute();
const outbox = () =>
  t.db
    .selectFrom("mail_outbox")
    .select(["recipient_user_id", "kind", "link", "status"])
    .where("kind", "=", "follow_up.due")
    .orderBy("id")
    .execute();

beforeAll(async () => {
  h = await startReminderHarness();
  ({ t, smtp, sender } = h);
  const app = h.app;
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト町")).id;
  for (const u of ["fu.staff", "fu.nomail", "fu.gone"]) {
    await loginAs(app, t.db, u, ["staff"]);
    ids[u] = (await createUserRepository(t.db).findByLogin(u))?.id as number;
  }
  await t.db
    .updateTable("app_user")
    .set({ email: "staff@town.example.lg.jp" })
    .where("id", "=", ids["fu.staff"] as number)
    .execute();
  await t.db
    .updateTable("app_user")
    .set({ email: "gone@town.example.lg.jp", disabled: true })
    .where("id", "=", ids["fu.gone"] as number)
    .execute();
  await sender.runOnce();
});

afterAll(async () => {
  await h?.close();
});

describe("follow-up reminders from the background loop", () => {
  it("with the relay off: one in-app reminder when due, none early, done, closed or disabled; no mail", async () => {
    const [dueCase] = await followUp(ids["fu.staff"] as number, todayInJapan());
    await followUp(ids["fu.staff"] as number, dayOffset(1));
    await followUp(ids["fu.staff"] as number, dayOffset(-2), { done: true });
    await followUp(ids["fu.staff"] as number, dayOffset(-2), { state: "closed" });
    await followUp(ids["fu.gone"] as number, dayOffset(-1));
    expect(await reminders()).toEqual([]);
    await sender.runOnce();
    expect(await reminders()).toEqual([
      {
        recipient_user_id: ids["fu.staff"],
        link: `/cases/${dueCase}`,
        text: `支援のフォローアップ「${TASK}」の期日（${todayInJapan()}）になりました。済んだらケースの画面で記録してください。`,
      },
    ]);
    await sender.runOnce();
    expect(await reminders()).toHaveLength(1);
    expect(await outbox()).toEqual([]);
    expect(smtp.connections()).toBe(0);
  });

  it("with the relay on: reminded and mailed once, the mail without child data; council task kept out", async () => {
    await h.relayOn();
    const before = (await reminders()).length;
    const [mailed] = await followUp(ids["fu.staff"] as number, dayOffset(-1));
    const [noMail] = await followUp(ids["fu.nomail"] as number, todayInJapan());
    const [council] = await followUp(ids["fu.staff"] as number, todayInJapan(), { council: true });
    await sender.runOnce();
    const made = (await reminders()).slice(before);
    expect(made.map((n) => [n.recipient_user_id, n.link])).toEqual([
      [ids["fu.staff"], `/cases/${mailed}`],
      [ids["fu.nomail"], `/cases/${noMail}`],
      [ids["fu.staff"], `/cases/${council}`],
    ]);
    // The council case's reminder names neither the task nor the child.
    expect(made[2]?.text).not.toContain(TASK);
    expect(made[2]?.text).not.toContain("花子");
    // Mailed on the same tick, to the assignees with an address only.
    expect(await outbox()).toEqual([
      {
        recipient_user_id: ids["fu.staff"],
        kind: "follow_up.due",
        link: `/cases/${mailed}`,
        status: "sent",
      },
      {
        recipient_user_id: ids["fu.staff"],
        kind: "follow_up.due",
        link: `/cases/${council}`,
        status: "sent",
      },
    ]);
    expect(smtp.received.map((m) => m.to)).toEqual([
      ["staff@town.example.lg.jp"],
      ["staff@town.example.lg.jp"],
    ]);
    for (const m of smtp.received) {
      const body = mailBody(m.raw);
      expect(mailSubject(m.raw)).toBe("【mimamori】お知らせがあります");
      expect(body).toContain("担当している支援のフォローアップの期日になりました。");
      expect(body).toMatch(/https:\/\/mimamori\.town\.example\.lg\.jp\/cases\/\d+/);
      for (const secret of [TASK, "花子", "見守", "学校", todayInJapan(), dayOffset(-1)])
        expect(body).not.toContain(secret);
    }

    // Again, the next day and two concurrent passes: never a second reminder.
    const total = (await reminders()).length;
    await sender.runOnce();
    const [a, b] = await Promise.all([
      remindDueFollowUpsEverywhere(t.db, { today: "2099-01-01" }),
      remindDueFollowUpsEverywhere(t.db, { today: "2099-01-01" }),
    ]);
    // Only the follow-up due tomorrow (not yet reminded) falls due by then, once.
    expect(a + b).toBe(1);
    expect((await reminders()).length).toBe(total + 1);
    // Its mail waits in the outbox for the next send (not run here).
    expect(smtp.received).toHaveLength(2);
  });
});
