/**
 * In-app notifications (issue 13): a new 情報収集シート for its recipients, an
 * answer for the sender, overdue reminders. One row per recipient user; a
 * reader sees only their own. When the installation's SMTP relay is on
 * (mail.repository.ts, off by default), the same statement queues a mail in
 * mail_outbox for each recipient with an address: kind and link only, never
 * the text (docs/operations.md, 「メール通知」).
 */
import { sql } from "kysely";
import type { DataScope } from "../domain/policy/index.ts";
import type { Database } from "./database.ts";

export interface NotificationRow {
  readonly id: number;
  readonly kind: string;
  readonly text: string;
  readonly link: string | null;
  readonly requestId: number | null;
  readonly createdAt: string;
  readonly read: boolean;
}

export interface NewNotification {
  readonly userIds: readonly number[];
  readonly kind: string;
  readonly text: string;
  readonly link: string | null;
  readonly requestId: number | null;
}

export function createNotificationRepository(db: Database) {
  return {
    async add(scope: DataScope, notes: readonly NewNotification[]): Promise<number> {
      const values = notes.flatMap((n) =>
        [...new Set(n.userIds)].map((u) => ({
          municipality_id: scope.municipalityId,
          recipient_user_id: u,
          kind: n.kind,
          text: n.text,
          link: n.link,
          request_id: n.requestId,
        })),
      );
      if (values.length === 0) return 0;
      // One statement: the notifications and their mails are written together.
      await db
        .with("n", (qb) =>
          qb
            .insertInto("notification")
            .values(values)
            .returning(["id", "municipality_id", "recipient_user_id", "kind", "link"]),
        )
        .insertInto("mail_outbox")
        .columns(["municipality_id", "recipient_user_id", "notification_id", "kind", "link"])
        .expression((eb) =>
          eb
            .selectFrom("n")
            .innerJoin("app_user as u", "u.id", "n.recipient_user_id")
            .select(["n.municipality_id", "n.recipient_user_id", "n.id", "n.kind", "n.link"])
            .where("u.email", "is not", null)
            .where("u.disabled", "=", false)
            .where((w) =>
              w.exists(
                w.selectFrom("mail_setting").select("mail_setting.id").where("enabled", "=", true),
              ),
            ),
        )
        .execute();
      return values.length;
    },

    async list(
      scope: DataScope,
      limit: number,
    ): Promise<{ unread: number; items: NotificationRow[] }> {
      // One statement for the count and the page (the home page reads it on every visit).
      const r = await sql<{ unread: number; items: NotificationRow[] }>`
        SELECT (SELECT count(*)::int FROM notification
                 WHERE municipality_id = ${scope.municipalityId}
                   AND recipient_user_id = ${scope.userId} AND read_at IS NULL) AS unread,
               coalesce((SELECT json_agg(x ORDER BY x.id DESC) FROM (
                 SELECT id, kind, text, link, request_id AS "requestId",
                        to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SSOF') AS "createdAt",
                        read_at IS NOT NULL AS read
                   FROM notification
                  WHERE municipality_id = ${scope.municipalityId}
                    AND recipient_user_id = ${scope.userId}
                  ORDER BY id DESC LIMIT ${limit}) x), '[]'::json) AS items`.execute(db);
      return { unread: r.rows[0]?.unread ?? 0, items: r.rows[0]?.items ?? [] };
    },

    /** Marks one (or, without id, every) notification of the reader read. */
    async markRead(scope: DataScope, id?: number): Promise<number> {
      const r = await db
        .updateTable("notification")
        .set({ read_at: sql`now()` })
        .where("municipality_id", "=", scope.municipalityId)
        .where("recipient_user_id", "=", scope.userId)
        .where("read_at", "is", null)
        .$if(id !== undefined, (q) => q.where("id", "=", id as number))
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
