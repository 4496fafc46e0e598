/**
 * Overdue reminders from the server's background loop (issue 13), on real
 * PostgreSQL and a real SMTP server on 127.0.0.1: with nobody opening the
 * notification list, one loop tick reminds an overdue 情報収集シート (and,
 * with the relay on, mails it on the same tick); a second tick, a viewer's
 * read and concurrent passes add no duplicate; a second municipality's sheet
 * (same school name) gets its own reminder and nothing crosses over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../test/db.ts";
import { type Client, loginAs } from "../../test/http.ts";
import { type ReminderHarness, startReminderHarness } from "../../test/reminders.ts";
import type { TestSmtpServer } from "../../test/smtp.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { createUserRepository } from "../db/user.repository.ts";
import type { App } from "./app.ts";
import { remindOverdueEverywhere } from "./overdue-reminders.ts";

const SCHOOL = "みなみ小学校";

let h: ReminderHarness;
let t: TestDatabase;
let smtp: TestSmtpServer;
let app: App;
let schoolA: Client;
let sender: ReminderHarness["sender"];
const ids: Record<string, number> = {};

async function userId(login: string): Promise<number> {
  return (await createUserRepository(t.db).findByLogin(login))?.id as number;
}

async function overdueRequest(municipalityId: number, sentBy: number): Promise<number> {
  const r = await t.db
    .insertInto("sheet_request")
    .values({
      municipality_id: municipalityId,
      person_id: `p-${municipalityId}-${Date.now()}`,
      child_name: "見守　花子",
      recipient: SCHOOL,
      recipient_kind: "school",
      difficulties: [],
      mode: "c",
      shared: JSON.stringify({}),
      questions: JSON.stringify([]),
      due_date: "2024-05-31",
      sent_by: sentBy,
      sent_by_name: "staff",
    } as never)
    .returning("id")
    .executeTakeFirstOrThrow();
  return r.id;
}

const reminders = () =>
  t.db
    .selectFrom("notification")
    .select(["municipality_id", "recipient_user_id", "request_id", "link"])
    .where("kind", "=", "sheet.overdue")
    .orderBy("id")
    .execute();
const outbox = () => t.db.selectFrom("mail_outbox").selectAll().orderBy("id").execute();

beforeAll(async () => {
  h = await startReminderHarness();
  ({ t, smtp, app, sender } = h);
  ids.a = (await createMunicipalityRepository(t.db).ensureDefault("テスト町")).id;
  ids.b = (await createMunicipalityRepository(t.db).add({ code: "999999", name: "となり町" }))
    ?.id as number;
  schoolA = await loginAs(app, t.db, "remind.school.a", ["affiliation"], { affiliation: SCHOOL });
  await loginAs(app, t.db, "remind.staff.a", ["staff"]);
  // The other municipality has a school of the same name: a reminder must not cross.
  await loginAs(app, t.db, "remind.school.b", ["affiliation"], {
    affiliation: SCHOOL,
    municipalityId: ids.b,
  });
  await loginAs(app, t.db, "remind.staff.b", ["staff"], { municipalityId: ids.b });
  for (const u of ["remind.school.a", "remind.staff.a", "remind.school.b", "remind.staff.b"]) {
    ids[u] = await userId(u);
  }
  await t.db
    .updateTable("app_user")
    .set({ email: "school-a@town.example.lg.jp" })
    .where("id", "=", ids["remind.school.a"] as number)
    .execute();
  await sender.runOnce();
});

afterAll(async () => {
  await h?.close();
});

describe("overdue reminders from the background loop", () => {
  it("with the relay off, a tick reminds an overdue sheet nobody looked at; no mail", async () => {
    const req = await overdueRequest(ids.a as number, ids["remind.staff.a"] as number);
    expect(await reminders()).toEqual([]);
    await sender.runOnce();
    expect(await reminders()).toEqual([
      {
        municipality_id: ids.a,
        recipient_user_id: ids["remind.school.a"],
        request_id: req,
        link: `/sheets/inbox/${req}`,
      },
      {
        municipality_id: ids.a,
        recipient_user_id: ids["remind.staff.a"],
        request_id: req,
        link: `/sheets/requests/${req}`,
      },
    ]);
    expect(await outbox()).toEqual([]);
    expect(smtp.connections()).toBe(0);
  });

  it("with the relay on, a tick reminds and mails; again, a viewer and concurrency add nothing; municipalities stay apart", async () => {
    await h.relayOn();
    const before = (await reminders()).length;
    const reqA = await overdueRequest(ids.a as number, ids["remind.staff.a"] as number);
    const reqB = await overdueRequest(ids.b as number, ids["remind.staff.b"] as number);
    await sender.runOnce();
    const made = (await reminders()).slice(before);
    expect(made).toHaveLength(4);
    // Each municipality's request reminds its own school and sender only.
    expect(
      made
        .filter((n) => n.request_id === reqA)
        .map((n) => [n.municipality_id, n.recipient_user_id]),
    ).toEqual([
      [ids.a, ids["remind.school.a"]],
      [ids.a, ids["remind.staff.a"]],
    ]);
    expect(
      made
        .filter((n) => n.request_id === reqB)
        .map((n) => [n.municipality_id, n.recipient_user_id]),
    ).toEqual([
      [ids.b, ids["remind.school.b"]],
      [ids.b, ids["remind.staff.b"]],
    ]);
    // Mailed on the same tick: the one recipient with an address.
    const mails = await outbox();
    expect(mails.map((m) => [m.municipality_id, m.recipient_user_id, m.link, m.status])).toEqual([
      [ids.a, ids["remind.school.a"], `/sheets/inbox/${reqA}`, "sent"],
    ]);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.to).toEqual(["school-a@town.example.lg.jp"]);

    // A second tick, the viewer's read and two concurrent passes: no duplicate.
    const total = (await reminders()).length;
    await sender.runOnce();
    const seen = await schoolA.json<{ items: { kind: string; requestId: number | null }[] }>(
      "/api/notifications",
    );
    expect(seen.status).toBe(200);
    expect(seen.body.items.filter((n) => n.requestId === reqA)).toHaveLength(1);
    expect(seen.body.items.some((n) => n.requestId === reqB)).toBe(false);
    const [x, y] = await Promise.all([
      remindOverdueEverywhere(t.db),
      remindOverdueEverywhere(t.db),
    ]);
    expect(x + y).toBe(0);
    expect((await reminders()).length).toBe(total);
    expect((await outbox()).length).toBe(1);

    // The next day (as Japan's calendar has it): reminded once more, concurrently still once.
    const [p, q] = await Promise.all([
      remindOverdueEverywhere(t.db, { today: "2099-01-01" }),
      remindOverdueEverywhere(t.db, { today: "2099-01-01" }),
    ]);
    expect(p + q).toBe(3);
    expect((await reminders()).length).toBe(total + 6);
  });
});
