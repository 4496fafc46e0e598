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
import type { Database } from "../db/database.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
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
