/**
 * Mail about notifications (issue 13) against real PostgreSQL and a real
 * SMTP server on 127.0.0.1: off by default (nothing queued, no connection),
 * on → one mail per notification for users with an address, saying only
 * that there is something in mimamori (no child name, school or date);
 * retries with a visible status; a removed address cancels; the API never
 * returns the relay password; addresses are validated and audited masked;
 * on a server of several municipalities the relay is not editable in the app.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { type Client, createTestApp, loginAs } from "../../test/http.ts";
import {
  mailBody,
  mailSubject,
  startTestSmtpServer,
  type TestSmtpServer,
} from "../../test/smtp.ts";
import { createMailRepository, MAIL_PASSWORD_PURPOSE } from "../db/mail.repository.ts";
import { up as sealPlaintextPassword } from "../db/migrations/0063-sealed-mail-password.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { createNotificationRepository } from "../db/notification.repository.ts";
import { openSecret } from "../db/secret-box.ts";
import { createUserRepository } from "../db/user.repository.ts";
import { MAIL_MAX_ATTEMPTS, mailSettingsInput } from "../domain/notifications/mail.ts";
import { systemScope } from "../domain/policy/index.ts";
import type { App } from "./app.ts";
import { sendDueMail, sendMailNow } from "./mail-sender.ts";
import { saveMailSettings } from "./services/mail.service.ts";

let t: TestDatabase;
let smtp: TestSmtpServer;
let app: App;
let admin: Client;
let staff: Client;
let municipalityId: number;
let staffId: number;
let otherId: number;

const CHILD = "見守　花子";
const SCHOOL = "みなみ小学校";
const RELAY_PASSWORD = "relay-secret-XYZ-123";

async function relay(overrides: Record<string, unknown> = {}) {
  return saveMailSettings(
    t.db,
    mailSettingsInput.parse({
      enabled: true,
      host: "127.0.0.1",
      port: smtp.port,
      security: "none",
      authUser: "relay",
      authPassword: RELAY_PASSWORD,
      fromAddress: "mimamori@town.example.lg.jp",
      appUrl: "https://mimamori.town.example.lg.jp/",
      ...overrides,
    }),
    { userId: null, loginName: "cli" },
  );
}

async function notify(kind: string, userIds: number[]) {
  await createNotificationRepository(t.db).add(systemScope(municipalityId), [
    {
      userIds,
      kind,
      // The in-app text may name the school and the date: the mail must not.
      text: `${SCHOOL}への情報収集シート（${CHILD}、期限 2024-05-31）の回答がまだありません。`,
      link: "/sheets/requests/42",
      requestId: null,
    },
  ]);
}

const outbox = () => t.db.selectFrom("mail_outbox").selectAll().orderBy("id").execute();

beforeAll(async () => {
  t = await createTestDatabase();
  smtp = await startTestSmtpServer({ user: "relay", password: RELAY_PASSWORD });
  app = await createTestApp(t.db, t.url);
  admin = await loginAs(app, t.db, "mail.admin", ["admin"]);
  staff = await loginAs(app, t.db, "mail.staff", ["staff"]);
  await loginAs(app, t.db, "mail.other", ["staff"]);
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト町")).id;
  const users = createUserRepository(t.db);
  staffId = (await users.findByLogin("mail.staff"))?.id as number;
  otherId = (await users.findByLogin("mail.other"))?.id as number;
});

afterAll(async () => {
  await smtp?.close();
  await t?.drop();
});

describe("mail about notifications", () => {
  it("is off by default: a notification queues nothing and the sender connects nowhere", async () => {
    const me = await staff.json<{ email: string | null; mailEnabled: boolean }>("/api/mail/me");
    expect(me.body).toEqual({ email: null, mailEnabled: false });
    const put = await staff.json("/api/mail/me", {
      method: "PUT",
      body: { email: "hanako.staff@town.example.lg.jp" },
    });
    expect(put.status).toBe(200);
    await notify("sheet.overdue", [staffId, otherId]);
    expect(await outbox()).toEqual([]);
    expect(await sendDueMail(t.db)).toEqual({ sent: 0, failed: 0, cancelled: 0 });
    expect(smtp.connections()).toBe(0);
  });

  it("refuses a malformed address with a Japanese message", async () => {
    const r = await staff.json<{ error: { details: string[] } }>("/api/mail/me", {
      method: "PUT",
      body: { email: "hanako at town" },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details.join("\n")).toContain("メールアドレスの形が正しくありません");
  });

  it("when on, mails users with an address and says nothing about the child", async () => {
    await relay();
    await notify("sheet.overdue", [staffId, otherId]);
    const queued = await outbox();
    // Only the user with an address; the row carries kind and link, not the text.
    expect(queued.map((o) => [o.recipient_user_id, o.kind, o.link, o.status])).toEqual([
      [staffId, "sheet.overdue", "/sheets/requests/42", "queued"],
    ]);
    expect(await sendDueMail(t.db)).toEqual({ sent: 1, failed: 0, cancelled: 0 });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0];
    expect(mail?.to).toEqual(["hanako.staff@town.example.lg.jp"]);
    expect(mail?.from).toBe("mimamori@town.example.lg.jp");
    const body = mailBody(mail?.raw ?? "");
    expect(body).toContain(
      "情報収集シートの回答期限が過ぎています。\nmimamori にログインして確認してください。",
    );
    expect(body).toContain("https://mimamori.town.example.lg.jp/sheets/requests/42");
    expect(mailSubject(mail?.raw ?? "")).toBe("【mimamori】お知らせがあります");
    for (const fact of ["見守", "花子", SCHOOL, "2024-05-31", "要対協"]) {
      expect(mail?.raw).not.toContain(fact);
      expect(body).not.toContain(fact);
    }
    expect((await outbox())[0]?.status).toBe("sent");
    // Sent once: the next pass has nothing to do.
    expect(await sendDueMail(t.db)).toEqual({ sent: 0, failed: 0, cancelled: 0 });
  });

  it("retries a failing relay with a visible status, then marks the mail failed", async () => {
    // STARTTLS required, but the relay does not offer it: every attempt fails.
    await relay({ security: "starttls" });
    await notify("sheet.new", [staffId]);
    const id = (await outbox()).at(-1)?.id as number;
    for (let attempt = 1; attempt <= MAIL_MAX_ATTEMPTS; attempt++) {
      expect((await sendDueMail(t.db)).failed).toBe(1);
      const row = (await outbox()).find((o) => o.id === id);
      expect(row?.attempts).toBe(attempt);
      expect(row?.last_error).toBeTruthy();
      expect(row?.status).toBe(attempt < MAIL_MAX_ATTEMPTS ? "queued" : "failed");
      if (attempt < MAIL_MAX_ATTEMPTS) {
        expect(row?.next_attempt_at.getTime()).toBeGreaterThan(Date.now());
        // Not due yet: a pass leaves it alone.
        expect((await sendDueMail(t.db)).failed).toBe(0);
        await t.db
          .updateTable("mail_outbox")
          .set({ next_attempt_at: new Date(0) })
          .where("id", "=", id)
          .execute();
      }
    }
    const status = await admin.json<{
      outbox: { counts: Record<string, number>; recent: { status: string; lastError: string }[] };
    }>("/api/mail/settings");
    expect(status.body.outbox.counts).toMatchObject({ sent: 1, failed: 1 });
    expect(status.body.outbox.recent[0]?.status).toBe("failed");
    expect(status.body.outbox.recent[0]?.lastError).not.toContain("hanako.staff@");
  });

  it("cancels a queued mail whose recipient removed their address", async () => {
    await relay();
    await notify("sheet.answered", [staffId]);
    await staff.json("/api/mail/me", { method: "PUT", body: { email: "" } });
    const before = smtp.received.length;
    expect(await sendDueMail(t.db)).toEqual({ sent: 0, failed: 0, cancelled: 1 });
    expect(smtp.received.length).toBe(before);
    expect((await outbox()).at(-1)?.status).toBe("cancelled");
  });

  it("never returns the relay password, audits changes without it, and sends a test mail", async () => {
    const r = await admin.request("/api/mail/settings");
    const text = await r.text();
    expect(text).not.toContain(RELAY_PASSWORD);
    expect(JSON.parse(text).settings.passwordSet).toBe(true);

    // Keep the password when the form leaves it out.
    const saved = await admin.json<{ passwordSet: boolean; host: string }>("/api/mail/settings", {
      method: "PUT",
      body: {
        enabled: true,
        host: "127.0.0.1",
        port: smtp.port,
        security: "none",
        authUser: "relay",
        fromAddress: "mimamori@town.example.lg.jp",
        appUrl: "https://mimamori.town.example.lg.jp",
      },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.passwordSet).toBe(true);
    const kept = (await createMailRepository(t.db).settings()).authPassword as string;
    expect(kept).not.toContain(RELAY_PASSWORD);
    expect(openSecret(kept, MAIL_PASSWORD_PURPOSE)).toBe(RELAY_PASSWORD);

    // The test mail needs the administrator's own address.
    const none = await admin.json<{ error: { message: string } }>("/api/mail/test", {
      method: "POST",
    });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toContain("自分のメールアドレスを登録");
    await admin.json("/api/mail/me", {
      method: "PUT",
      body: { email: "admin@town.example.lg.jp" },
    });
    const before = smtp.received.length;
    const sent = await admin.json<{ sentTo: string }>("/api/mail/test", { method: "POST" });
    expect(sent.status).toBe(200);
    expect(sent.body.sentTo).toBe("a***@town.example.lg.jp");
    expect(smtp.received.length).toBe(before + 1);
    expect(mailSubject(smtp.received.at(-1)?.raw ?? "")).toBe("【mimamori】メール送信の試験");

    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "detail"])
      .where("action", "in", ["mail.settings", "mail.test", "user.email"])
      .execute();
    expect(new Set(audit.map((a) => a.action))).toEqual(
      new Set(["mail.settings", "mail.test", "user.email"]),
    );
    const details = JSON.stringify(audit.map((a) => a.detail));
    expect(details).not.toContain(RELAY_PASSWORD);
    expect(details).not.toContain("hanako.staff@");
    expect(details).toContain("h***@town.example.lg.jp");
  });

  it("lets an administrator set a user's address, and refuses others", async () => {
    const r = await admin.json<{ email: string }>(`/api/mail/users/${otherId}/email`, {
      method: "PUT",
      body: { email: "other@town.example.lg.jp" },
    });
    expect(r.status).toBe(200);
    expect(await createMailRepository(t.db).email(otherId)).toBe("other@town.example.lg.jp");
    const users = await admin.json<{ id: number; email: string | null }[]>("/api/users");
    expect(users.body.find((u) => u.id === otherId)?.email).toBe("other@town.example.lg.jp");
    const refused = await staff.json(`/api/mail/users/${otherId}/email`, {
      method: "PUT",
      body: { email: "x@town.example.lg.jp" },
    });
    expect(refused.status).toBe(403);
    expect((await staff.json("/api/mail/settings")).status).toBe(403);
  });

  it("on a server of several municipalities, the relay is changed at the CLI only", async () => {
    await createMunicipalityRepository(t.db).add({ code: "000002", name: "となり村" });
    const view = await admin.json<{ editable: boolean }>("/api/mail/settings");
    expect(view.body.editable).toBe(false);
    const put = await admin.json<{ error: { message: string } }>("/api/mail/settings", {
      method: "PUT",
      body: { enabled: false },
    });
    expect(put.status).toBe(403);
    expect(put.body.error.message).toContain("mimamori mail set");
  });
});

describe("the relay password at rest (secret-box.ts, 0063)", () => {
  const stored = async () =>
    (await t.db.selectFrom("mail_setting").select("auth_password").executeTakeFirst())
      ?.auth_password as string;

  it("is stored sealed, not as the plaintext, and the relay still accepts the mail", async () => {
    await relay();
    const value = await stored();
    expect(value).toMatch(/^v1:/);
    expect(value).not.toContain(RELAY_PASSWORD);
    const before = smtp.received.length;
    // The relay requires AUTH with the right password: the sealed one was opened.
    await sendMailNow(await createMailRepository(t.db).settings(), "x@town.example.lg.jp", {
      subject: "s",
      text: "t",
    });
    expect(smtp.received.length).toBe(before + 1);
  });

  it("migration 0063 seals a plaintext password left by 0061, and leaves a sealed one", async () => {
    await t.db.updateTable("mail_setting").set({ auth_password: RELAY_PASSWORD }).execute();
    await sealPlaintextPassword(t.db as never);
    const value = await stored();
    expect(value).toMatch(/^v1:/);
    expect(openSecret(value, MAIL_PASSWORD_PURPOSE)).toBe(RELAY_PASSWORD);
    await sealPlaintextPassword(t.db as never);
    expect(await stored()).toBe(value);
  });

  it("with another key: the test mail and the outbox say in Japanese what to do; the settings page still answers", async () => {
    await relay();
    const key = process.env.MIMAMORI_SECRET_KEY;
    process.env.MIMAMORI_SECRET_KEY = Buffer.alloc(32, 9).toString("base64");
    try {
      const r = await admin.json<{ error: { message: string } }>("/api/mail/test", {
        method: "POST",
      });
      expect(r.status).toBe(500);
      expect(r.body.error.message).toMatch(
        /SMTP のパスワードを復号できません。.*入力し直してください/,
      );
      const withAddress = await t.db
        .selectFrom("app_user")
        .select("id")
        .where("email", "is not", null)
        .executeTakeFirstOrThrow();
      await notify("sheet.new", [withAddress.id]);
      await sendDueMail(t.db);
      const last = await t.db
        .selectFrom("mail_outbox")
        .select(["status", "last_error"])
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      expect(last.status).toBe("queued");
      expect(last.last_error).toMatch(/復号できません/);
      const page = await admin.json<{ settings: { passwordSet: boolean } }>("/api/mail/settings");
      expect(page.status).toBe(200);
      expect(page.body.settings.passwordSet).toBe(true);
    } finally {
      process.env.MIMAMORI_SECRET_KEY = key;
    }
  });
});
