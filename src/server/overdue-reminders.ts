/**
 * Overdue reminders for 情報収集シート from the server's background loop
 * (issue 13). Reminders used to be made only when someone opened the
 * notification or sheet list, so an installation nobody looked at never
 * reminded anyone — and never mailed them, which is what mail is for. The
 * loop (mail-sender.ts, startMailSender) now runs the same pass for every
 * municipality, each in its own data scope, whether or not SMTP is on.
 *
 * Idempotent: the pass is SheetService.remindOverdue, whose
 * sheet_request.reminded_on UPDATE … RETURNING marks a request reminded for
 * today in the statement that picks it, so the loop and a viewer (or two
 * loops) never remind one request twice on one day (a concurrent UPDATE waits
 * for the row lock and then no longer matches `reminded_on < today`).
 */
import { createCaseRepository } from "../db/case.repository.ts";
import type { Database } from "../db/database.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { createNotificationRepository } from "../db/notification.repository.ts";
import { withDataScope } from "../db/scope.ts";
import { systemScope } from "../domain/policy/index.ts";
import { createSheetService, todayInJapan } from "./services/sheet.service.ts";

/**
 * Reminds every municipality's overdue requests not yet reminded `today`
 * (Japan's calendar date); returns how many requests were reminded.
 */
export async function remindOverdueEverywhere(
  db: Database,
  options: { today?: string } = {},
): Promise<number> {
  const today = options.today ?? todayInJapan();
  let reminded = 0;
  for (const m of await createMunicipalityRepository(db).list()) {
    // One municipality per scope: row-level security keeps each pass inside it.
    reminded += await withDataScope({ municipalityId: m.id, council: false }, () =>
      createSheetService(db).remindOverdue(systemScope(m.id), today),
    );
  }
  return reminded;
}

/**
 * Follow-up reminders (issue 13, 支援のフォローアップ): every municipality's
 * open follow-ups that fell due by `today` (Japan's date) and were never
 * reminded get one in-app notification to their assignee — and, through the
 * same statement (notification.repository.ts), a mail when the relay is on
 * and the assignee has an address; the mail says only that a follow-up fell
 * due (domain/notifications/mail.ts, kind `follow_up.due`). Once per
 * follow-up (follow_up.reminded_on, 0062). Runs in a council member's scope
 * so that a 要対協 case's follow-up is reminded too; the notification goes to
 * its assignee only, and for a council case it names neither the task nor
 * the child (the assignee may have left the council since it was set).
 * Returns how many follow-ups were reminded.
 */
export async function remindDueFollowUpsEverywhere(
  db: Database,
  options: { today?: string } = {},
): Promise<number> {
  const today = options.today ?? todayInJapan();
  let reminded = 0;
  for (const m of await createMunicipalityRepository(db).list()) {
    reminded += await withDataScope({ municipalityId: m.id, council: true }, async () => {
      const scope = systemScope(m.id);
      const due = await createCaseRepository(db).takeDueFollowUpsToRemind(scope, today);
      await createNotificationRepository(db).add(
        scope,
        due.map((f) => ({
          userIds: [f.assigneeUserId],
          kind: "follow_up.due",
          text: f.council
            ? `担当している支援のフォローアップの期日（${f.dueOn}）になりました。ケースの画面で確認してください。`
            : `支援のフォローアップ「${f.what}」の期日（${f.dueOn}）になりました。済んだらケースの画面で記録してください。`,
          link: `/cases/${f.caseId}`,
          requestId: null,
        })),
      );
      return due.length;
    });
  }
  return reminded;
}
