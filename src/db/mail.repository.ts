/**
 * The optional SMTP relay (issue 13): the installation's one settings row,
 * users' addresses, and the durable outbox the background sender
 * (server/mail-sender.ts) works through. The outbox rows are queued in the
 * same statement as their in-app notification (notification.repository.ts),
 * so a notification and its mail are one write.
 */
import { sql } from "kysely";
import {
  MAIL_OFF,
  type MailSettings,
  type MailSettingsInput,
  maskEmail,
} from "../domain/notifications/mail.ts";
import type { Database } from "./database.ts";
import { sealSecret } from "./secret-box.ts";

/** The additional data the relay password is sealed with (secret-box.ts). */
export const MAIL_PASSWORD_PURPOSE = "mail_setting.auth_password";

export interface OutboxClaim {
  readonly id: number;
  readonly kind: string;
  readonly link: string | null;
  /** Attempts including this one. */
  readonly attempts: number;
  readonly createdAt: Date;
  /** The recipient's address now (null: removed, or the account is disabled). */
  readonly email: string | null;
}

export interface OutboxRow {
  readonly id: number;
  readonly recipient: string;
  readonly kind: string;
  readonly status: "queued" | "sent" | "failed" | "cancelled";
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
  readonly nextAttemptAt: string | null;
}

export interface OutboxStatus {
  readonly counts: Record<"queued" | "sent" | "failed" | "cancelled", number>;
  readonly recent: OutboxRow[];
}

/** A timestamp as ISO 8601 UTC text (`…Z`), which every browser parses. */
const iso = (column: string) =>
  sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** Error text as stored and shown: addresses masked, one line, bounded. */
export function safeError(message: string): string {
  return message
    .replace(/[^\s<>()"';,:]+@[^\s<>()"';,:]+/g, (a) => maskEmail(a))
    .replace(/\s+/g, " ")
    .slice(0, 300);
}

export function createMailRepository(db: Database) {
  return {
    /**
     * The installation's relay settings (off when never set). `authPassword`
     * is the password as stored, sealed (secret-box.ts): only the sender
     * opens it, so the settings page and `mail show` work even with a wrong
     * key, and the password can be entered again there.
     */
    async settings(): Promise<MailSettings> {
      const r = await db
        .selectFrom("mail_setting")
        .select([
          "enabled",
          "host",
          "port",
          "security",
          "auth_user",
          "auth_password",
          "from_address",
          "app_url",
          "updated_by",
          iso("updated_at").as("updated_at"),
        ])
        .where("id", "=", 1)
        .executeTakeFirst();
      if (!r) return MAIL_OFF;
      return {
        enabled: r.enabled,
        host: r.host,
        port: r.port,
        security: r.security,
        authUser: r.auth_user,
        authPassword: r.auth_password,
        fromAddress: r.from_address,
        appUrl: r.app_url,
        updatedBy: r.updated_by,
        updatedAt: r.updated_at,
      };
    },

    /**
     * Stores the settings. The password: kept when `authPassword` is absent,
     * replaced when given, removed with `clearPassword` (or with no user).
     */
    async saveSettings(input: MailSettingsInput, updatedBy: string): Promise<MailSettings> {
      const password =
        input.clearPassword || input.authUser === null
          ? { auth_password: null }
          : input.authPassword !== undefined
            ? { auth_password: sealSecret(input.authPassword, MAIL_PASSWORD_PURPOSE) }
            : {};
      const values = {
        enabled: input.enabled,
        host: input.host,
        port: input.port,
        security: input.security,
        auth_user: input.authUser,
        from_address: input.fromAddress,
        app_url: input.appUrl,
        updated_by: updatedBy,
        updated_at: sql<Date>`now()`,
      };
      await db
        .insertInto("mail_setting")
        .values({ id: 1, ...values, auth_password: password.auth_password ?? null })
        .onConflict((oc) => oc.column("id").doUpdateSet({ ...values, ...password }))
        .execute();
      return this.settings();
    },

    /** A user's address (users of the scope's municipality only, by row-level security). */
    async email(userId: number): Promise<string | null | undefined> {
      const r = await db
        .selectFrom("app_user")
        .select("email")
        .where("id", "=", userId)
        .executeTakeFirst();
      return r ? r.email : undefined;
    },

    /** Sets or clears a user's address; false when the user is not visible. */
    async setEmail(userId: number, email: string | null): Promise<boolean> {
      const r = await db
        .updateTable("app_user")
        .set({ email })
        .where("id", "=", userId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /**
     * Takes up to `limit` due mails of the scope's municipality for one
     * attempt: each is leased (next attempt pushed 10 minutes on, attempts
     * counted) in one statement, so two senders never take the same mail and
     * a sender that dies mid-send leaves it to be retried after the lease.
     */
    async claimDue(limit: number): Promise<OutboxClaim[]> {
      const rows = await sql<{
        id: number;
        kind: string;
        link: string | null;
        attempts: number;
        created_at: Date;
        email: string | null;
      }>`
        WITH due AS (
          SELECT id FROM mail_outbox
          WHERE status = 'queued' AND next_attempt_at <= now()
          ORDER BY id LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        ), taken AS (
          UPDATE mail_outbox o
          SET attempts = o.attempts + 1, next_attempt_at = now() + interval '10 minutes'
          FROM due WHERE o.id = due.id
          RETURNING o.id, o.kind, o.link, o.attempts, o.created_at, o.recipient_user_id
        )
        SELECT t.id, t.kind, t.link, t.attempts, t.created_at,
               CASE WHEN u.disabled THEN NULL ELSE u.email END AS email
        FROM taken t LEFT JOIN app_user u ON u.id = t.recipient_user_id
        ORDER BY t.id`.execute(db);
      return rows.rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        link: r.link,
        attempts: r.attempts,
        createdAt: r.created_at,
        email: r.email,
      }));
    },

    async markSent(id: number): Promise<void> {
      await db
        .updateTable("mail_outbox")
        .set({ status: "sent", sent_at: sql<Date>`now()`, last_error: null })
        .where("id", "=", id)
        .execute();
    },

    /** A failed attempt: retried after `retryInMs`, or failed for good when null. */
    async markFailed(id: number, error: string, retryInMs: number | null): Promise<void> {
      await db
        .updateTable("mail_outbox")
        .set(
          retryInMs === null
            ? { status: "failed", last_error: safeError(error) }
            : {
                last_error: safeError(error),
                next_attempt_at: sql<Date>`now() + make_interval(secs => ${retryInMs / 1000})`,
              },
        )
        .where("id", "=", id)
        .execute();
    },

    /** Not to be sent (no address any more, or too old). */
    async cancel(id: number, reason: string): Promise<void> {
      await db
        .updateTable("mail_outbox")
        .set({ status: "cancelled", last_error: reason })
        .where("id", "=", id)
        .execute();
    },

    /** Counts per status and the latest mails of the scope's municipality (who, not what). */
    async status(limit: number): Promise<OutboxStatus> {
      const [counts, recent] = await Promise.all([
        db
          .selectFrom("mail_outbox")
          .select(["status", sql<number>`count(*)::int`.as("n")])
          .groupBy("status")
          .execute(),
        db
          .selectFrom("mail_outbox as o")
          .leftJoin("app_user as u", "u.id", "o.recipient_user_id")
          .select([
            "o.id",
            "o.kind",
            "o.status",
            "o.attempts",
            "o.last_error",
            sql<string>`coalesce(u.display_name, '（削除された利用者）')`.as("recipient"),
            iso("o.created_at").as("created_at"),
            sql<string | null>`${iso("o.sent_at")}`.as("sent_at"),
            sql<
              string | null
            >`CASE WHEN o.status = 'queued' THEN ${iso("o.next_attempt_at")} END`.as(
              "next_attempt_at",
            ),
          ])
          .orderBy("o.id", "desc")
          .limit(limit)
          .execute(),
      ]);
      const byStatus = { queued: 0, sent: 0, failed: 0, cancelled: 0 };
      for (const c of counts) byStatus[c.status] = c.n;
      return {
        counts: byStatus,
        recent: recent.map((r) => ({
          id: r.id,
          recipient: r.recipient,
          kind: r.kind,
          status: r.status,
          attempts: r.attempts,
          lastError: r.last_error,
          createdAt: r.created_at,
          sentAt: r.sent_at,
          nextAttemptAt: r.next_attempt_at,
        })),
      };
    },
  };
}
