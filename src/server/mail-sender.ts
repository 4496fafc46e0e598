/**
 * Sending mail about notifications through the installation's SMTP relay
 * (issue 13; off by default). The in-app notification is the source of
 * truth; a mail only says there is something to look at (domain/notifications/
 * mail.ts). While the server runs, the sender works through the durable
 * outbox (db/mail.repository.ts) every `intervalMs`: with the relay off it
 * reads one settings row and opens no connection at all; with it on, it
 * connects to the configured host:port only (test/security/no-outbound.test.ts).
 */
import { readFileSync } from "node:fs";
import tls from "node:tls";
import nodemailer from "nodemailer";
import type { Database } from "../db/database.ts";
import { createMailRepository, MAIL_PASSWORD_PURPOSE, safeError } from "../db/mail.repository.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { withDataScope } from "../db/scope.ts";
import { openSecret } from "../db/secret-box.ts";
import { MimamoriError } from "../domain/errors.ts";
import {
  MAIL_MAX_AGE_MS,
  type MailContent,
  type MailSettings,
  notificationMail,
  retryDelayMs,
  usableMailSettings,
} from "../domain/notifications/mail.ts";
import type { Logger } from "./logger.ts";
import { remindDueFollowUpsEverywhere, remindOverdueEverywhere } from "./overdue-reminders.ts";

/** How often the running server looks at the outbox. */
export const MAIL_SEND_INTERVAL_MS = 30_000;
/** Mails per municipality per pass (a relay may throttle; the rest wait for the next pass). */
const BATCH = 50;

type Usable = NonNullable<ReturnType<typeof usableMailSettings>>;

/**
 * A nodemailer transport for the relay; timeouts short, so a dead relay
 * cannot stall a pass. The stored password is opened here, for the send only
 * (a wrong key throws secret-box's Japanese error).
 */
function transportFor(s: Usable) {
  return nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.security === "tls",
    requireTLS: s.security === "starttls",
    ignoreTLS: s.security === "none",
    // The relay's certificate is always verified (Node's default); an internal CA is trusted
    // through MIMAMORI_MAIL_CA_FILE (or NODE_EXTRA_CA_CERTS for the whole process).
    tls: { minVersion: "TLSv1.2", ...relayCa() },
    auth: s.authUser
      ? {
          user: s.authUser,
          pass: s.authPassword ? openSecret(s.authPassword, MAIL_PASSWORD_PURPOSE) : "",
        }
      : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/**
 * The CA certificates (PEM) of MIMAMORI_MAIL_CA_FILE, added to Node's own
 * for the relay's connection only: a relay with a certificate of the
 * municipality's internal CA, without trusting that CA for anything else.
 */
function relayCa(): { ca?: (string | Buffer)[] } {
  const file = process.env.MIMAMORI_MAIL_CA_FILE;
  if (!file) return {};
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch {
    throw new MimamoriError(
      "config",
      `MIMAMORI_MAIL_CA_FILE の ${file} を読めません。認証局の証明書（PEM）のパスと、mimamori を動かす利用者の読み取り権限を確かめてください。`,
    );
  }
  return { ca: [...tls.rootCertificates, pem] };
}

/** The Japanese advice for a relay certificate that is not trusted, or undefined for other failures. */
function certificateRefusal(s: Usable, e: unknown): string | undefined {
  const text = safeError(e instanceof Error ? e.message : String(e));
  const code = String((e as { code?: unknown })?.code ?? "");
  if (
    !/certificate|self[- ]signed|unable to (get|verify)|altnames/i.test(text) &&
    !/CERT|SELF_SIGNED/.test(code)
  )
    return undefined;
  return `SMTP サーバー ${s.host}:${s.port} の証明書を信頼できないため、送りませんでした。中継サーバーが庁内の認証局の証明書を使っているなら、その認証局の証明書（PEM）を MIMAMORI_MAIL_CA_FILE に指定して mimamori を起動し直してください。ホスト名が証明書の名前と合っているかも確かめてください（${text}）。`;
}

/** Why a send failed, in Japanese. */
function sendFailure(s: Usable, e: unknown): string {
  return (
    certificateRefusal(s, e) ??
    `SMTP サーバー ${s.host}:${s.port} へ送れませんでした（${safeError(e instanceof Error ? e.message : String(e))}）。ホスト名・ポート・暗号化の方式・認証を確かめてください。`
  );
}

function message(s: Usable, to: string, content: MailContent) {
  return {
    from: { name: "mimamori", address: s.fromAddress },
    to,
    subject: content.subject,
    text: content.text,
    // No tracking, no HTML: plain text says it all and leaks nothing.
    headers: { "Auto-Submitted": "auto-generated" },
  };
}

/**
 * Sends one mail now (the administrator's test): resolves when the relay
 * accepted it, or throws a MimamoriError whose Japanese message says what the
 * relay answered (addresses masked).
 */
export async function sendMailNow(
  settings: MailSettings,
  to: string,
  content: MailContent,
): Promise<void> {
  const s = usableMailSettings(settings);
  if (!s) {
    throw new MimamoriError(
      "invalid_input",
      "メール通知が設定されていません。SMTP サーバー・ポート・差出人・mimamori の URL を保存して「使う」にしてから試してください。",
    );
  }
  const transport = transportFor(s);
  try {
    await transport.sendMail(message(s, to, content));
  } catch (e) {
    throw new MimamoriError("invalid_input", sendFailure(s, e));
  } finally {
    transport.close();
  }
}

export interface MailPassResult {
  readonly sent: number;
  readonly failed: number;
  readonly cancelled: number;
}

/**
 * One pass over every municipality's due mails. With the relay off or
 * incomplete nothing is read from the outbox and no connection is opened;
 * queued mails wait (and are dropped once older than MAIL_MAX_AGE_MS).
 */
export async function sendDueMail(
  db: Database,
  options: { now?: () => Date } = {},
): Promise<MailPassResult> {
  const now = options.now ?? (() => new Date());
  const result = { sent: 0, failed: 0, cancelled: 0 };
  const s = usableMailSettings(await createMailRepository(db).settings());
  if (!s) return result;
  const municipalities = await createMunicipalityRepository(db).list();
  let transport: ReturnType<typeof transportFor> | undefined;
  try {
    for (const m of municipalities) {
      await withDataScope({ municipalityId: m.id, council: false }, async () => {
        const outbox = createMailRepository(db);
        for (const mail of await outbox.claimDue(BATCH)) {
          if (!mail.email) {
            await outbox.cancel(
              mail.id,
              "宛先のメールアドレスがない（削除された・無効の利用者）ため送りませんでした。",
            );
            result.cancelled++;
            continue;
          }
          if (now().getTime() - mail.createdAt.getTime() > MAIL_MAX_AGE_MS) {
            await outbox.cancel(mail.id, "3 日以内に送れなかったため、送るのをやめました。");
            result.cancelled++;
            continue;
          }
          try {
            // Inside the try: a password that does not open (wrong key) fails
            // the mail with secret-box's message, shown on the settings page.
            transport ??= transportFor(s);
            await transport.sendMail(
              message(s, mail.email, notificationMail(mail.kind, mail.link, s.appUrl)),
            );
            await outbox.markSent(mail.id);
            result.sent++;
          } catch (e) {
            await outbox.markFailed(
              mail.id,
              e instanceof MimamoriError
                ? e.message
                : (certificateRefusal(s, e) ?? (e instanceof Error ? e.message : String(e))),
              retryDelayMs(mail.attempts),
            );
            result.failed++;
          }
        }
      });
    }
  } finally {
    transport?.close();
  }
  return result;
}

/**
 * The server's background loop: at start and every `intervalMs`, first the
 * overdue sheet reminders and the due follow-up reminders of every
 * municipality (overdue-reminders.ts; relay on or off, so reminders exist
 * even when nobody opens mimamori), then
 * {@link sendDueMail}, which mails them on the same tick when the relay is on.
 */
export function startMailSender(options: {
  db: Database;
  logger: Logger;
  intervalMs?: number;
  now?: () => Date;
}): { stop(): void; runOnce(): Promise<MailPassResult | undefined> } {
  let running: Promise<MailPassResult | undefined> | undefined;
  const runOnce = () => {
    running ??= (async () => {
      try {
        const reminded = await remindOverdueEverywhere(options.db);
        if (reminded > 0) options.logger.info({ reminded }, "overdue reminders");
      } catch (e) {
        // A failed reminder pass must not stop the mail: log it and go on.
        options.logger.error(
          { err: safeError(e instanceof Error ? e.message : String(e)) },
          "overdue reminder pass failed",
        );
      }
      try {
        const due = await remindDueFollowUpsEverywhere(options.db);
        if (due > 0) options.logger.info({ followUps: due }, "follow-up reminders");
      } catch (e) {
        options.logger.error(
          { err: safeError(e instanceof Error ? e.message : String(e)) },
          "follow-up reminder pass failed",
        );
      }
      try {
        const r = await sendDueMail(options.db, { now: options.now });
        if (r.sent + r.failed + r.cancelled > 0) options.logger.info(r, "mail pass");
        return r;
      } catch (e) {
        options.logger.error(
          { err: safeError(e instanceof Error ? e.message : String(e)) },
          "mail pass failed",
        );
        return undefined;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  void runOnce();
  const timer = setInterval(() => void runOnce(), options.intervalMs ?? MAIL_SEND_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
