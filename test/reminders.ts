/**
 * The set-up the background-loop reminder tests share (src/server/
 * follow-up-reminders.test.ts, overdue-reminders.test.ts): a test database,
 * a real SMTP server on 127.0.0.1, an app to create users through, and the
 * mail sender started as `serve` starts it but with an hour's interval, so
 * the test decides each tick (`sender.runOnce()`). `relayOn` turns the
 * installation's mail relay on, pointed at the test SMTP server.
 */

import { mailSettingsInput } from "../src/domain/notifications/mail.ts";
import type { App } from "../src/server/app.ts";
import { createLogger } from "../src/server/logger.ts";
import { startMailSender } from "../src/server/mail-sender.ts";
import { saveMailSettings } from "../src/server/services/mail.service.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";
import { createTestApp } from "./http.ts";
import { startTestSmtpServer, type TestSmtpServer } from "./smtp.ts";

export interface ReminderHarness {
  t: TestDatabase;
  smtp: TestSmtpServer;
  app: App;
  sender: ReturnType<typeof startMailSender>;
  /** The relay on (authenticated, no TLS) towards `smtp`, saved as the CLI would. */
  relayOn(): Promise<void>;
  close(): Promise<void>;
}

export async function startReminderHarness(): Promise<ReminderHarness> {
  const t = await createTestDatabase();
  const smtp = await startTestSmtpServer({ user: "relay", password: "relay-secret-123" });
  const app = await createTestApp(t.db, t.url);
  const sender = startMailSender({
    db: t.db,
    logger: createLogger("silent"),
    intervalMs: 3_600_000,
  });
  return {
    t,
    smtp,
    app,
    sender,
    async relayOn() {
      await saveMailSettings(
        t.db,
        mailSettingsInput.parse({
          enabled: true,
          host: "127.0.0.1",
          port: smtp.port,
          security: "none",
          authUser: "relay",
          authPassword: "relay-secret-123",
          fromAddress: "mimamori@town.example.lg.jp",
          appUrl: "https://mimamori.town.example.lg.jp/",
        }),
        { userId: null, loginName: "cli" },
      );
    },
    async close() {
      sender.stop();
      await smtp.close();
      await t.drop();
    },
  };
}
