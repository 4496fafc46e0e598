/**
 * The pseudonymised analyst export (issue 12; `mimamori export pseudonymised`
 * and POST /api/analysis/pseudonymised): one CSV line per child of the newest
 * scoring run — keyed-HMAC person and household ids, birth year-month, sex
 * (1 男 2 女) and the data items that hold (`|`-separated; B01/B02 only for
 * 要対協 members). No name, kana, address or 宛名番号 is read.
 */
import type { Database } from "../db/database.ts";
import { createPseudonymRepository } from "../db/pseudonym.repository.ts";
import { spreadsheetSafe } from "../domain/csv-safety.ts";
import type { DataScope } from "../domain/policy/index.ts";
import { birthMonth, PSEUDONYMISED_COLUMNS, pseudonym } from "../domain/privacy/pseudonym.ts";
import { quoteCsvField } from "../ingest/csv.ts";

const line = (cells: readonly string[]): string =>
  `${cells.map((c) => quoteCsvField(spreadsheetSafe(c))).join(",")}\r\n`;

/**
 * The CSV lines, header first (UTF-8, CRLF). `disclosed` receives the person
 * id of each line written (the export's audit records them, issue 12; the
 * file itself holds only pseudonyms).
 */
export async function* pseudonymisedCsv(
  db: Database,
  scope: Pick<DataScope, "municipalityId" | "council">,
  run: { id: number; linkRunId: number },
  disclosed?: Set<string>,
): AsyncGenerator<string> {
  const repo = createPseudonymRepository(db);
  const key = await repo.key(scope.municipalityId);
  yield line(PSEUDONYMISED_COLUMNS);
  for await (const page of repo.children(scope, run)) {
    let text = "";
    for (const c of page) {
      disclosed?.add(c.personId);
      text += line([
        pseudonym(key, "p", c.personId),
        c.householdNo ? pseudonym(key, "h", c.householdNo) : "",
        birthMonth(c.birthDate),
        c.sex === "male" ? "1" : c.sex === "female" ? "2" : "",
        c.items.join("|"),
      ]);
    }
    yield text;
  }
}
