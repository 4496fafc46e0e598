/**
 * Evidence: why an item holds for a child, as data and as a short Japanese
 * sentence. Every number the system shows must be traceable (STYLE.md "What
 * users see"): the item, the source file(s) and row(s) with their 抽出日, the
 * value found and the criterion it met. Evidence names persons only by
 * person id and 続柄 — never by name or 宛名番号.
 */
import type { PersonId } from "../linkage/types.ts";
import type { IsoDate } from "../types.ts";
import type { RowRef } from "./facts.ts";

/** At most this many rows are cited; `matchedRows` says how many there were. */
export const MAX_CITED_ROWS = 5;

export interface Evidence {
  readonly itemId: string;
  /** The evaluation date. */
  readonly asOf: IsoDate;
  /** Whose data it is, relative to the child. */
  readonly subject: "self" | "member" | "mother" | "household";
  /** For a household member's data: who (person id and 続柄). */
  readonly member?: { readonly personId: PersonId; readonly relationship: string | null };
  /** The value(s) found, in Japanese (e.g. `EPDS合計点 12`). */
  readonly observed: string;
  /** The criterion they met, in Japanese (e.g. `EPDS合計点 ≥ 9`). */
  readonly criterion: string;
  readonly rows: readonly RowRef[];
  /** Rows that met the criterion (may exceed `rows.length`). */
  readonly matchedRows: number;
  /** Related values shown beside the item (B15: EPDS 項目10). */
  readonly notes?: readonly string[];
}

const SUBJECT: Record<Evidence["subject"], string> = {
  self: "本人",
  member: "同一世帯",
  mother: "母",
  household: "世帯",
};

/** `jumin.csv 12行目（抽出日 2024-09-30）`, rows grouped by file. */
export function citeRows(rows: readonly RowRef[], matched = rows.length): string {
  const byFile = new Map<string, { rows: number[]; asOf: string }>();
  for (const r of rows) {
    const e = byFile.get(r.file);
    if (e) e.rows.push(r.row);
    else byFile.set(r.file, { rows: [r.row], asOf: r.asOf });
  }
  const parts = [...byFile].map(
    ([file, e]) => `${file} ${e.rows.join("・")}行目（抽出日 ${e.asOf}）`,
  );
  const more = matched > rows.length ? ` ほか${matched - rows.length}行` : "";
  return parts.join("、") + more;
}

/**
 * The one-line Japanese explanation of an item, e.g.
 * `B15 本人の母: EPDS合計点 12（基準 EPDS合計点 ≥ 9）— sanpu_kenshin.csv 3行目（抽出日 2024-09-30）`.
 */
export function evidenceText(e: Evidence, options: { forRecipient?: boolean } = {}): string {
  // A 情報収集シート's recipient (a school, a nursery) gets the value and the
  // criterion, not the internal person id of a household member nor the
  // department's file name and row number.
  const who =
    e.subject === "member" && e.member
      ? `同一世帯の${e.member.relationship ?? "者"}${options.forRecipient ? "" : `（${e.member.personId}）`}`
      : SUBJECT[e.subject];
  const notes = e.notes && e.notes.length > 0 ? `、${e.notes.join("、")}` : "";
  const cite =
    e.rows.length > 0 && !options.forRecipient ? ` — ${citeRows(e.rows, e.matchedRows)}` : "";
  return `${e.itemId} ${who}: ${e.observed}${notes}（基準 ${e.criterion}、${e.asOf}時点）${cite}`;
}
