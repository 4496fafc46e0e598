/**
 * 訂正 (issue 12): which cells of a source row a correction may change.
 *
 * A 訂正請求 (個人情報保護法 §90–) asks to correct a fact that is not true.
 * The facts mimamori holds are the cells of the departments' rows, and every
 * item, score and list is derived from them, so a correction names a cell
 * and the next run derives from the corrected value (pipeline/score.ts).
 *
 * Not correctable here: the columns 名寄せ reads to identify the person
 * (宛名番号, 世帯番号, 氏名, カナ, 生年月日, 性別, 住所, 学校, 学年, and a
 * mother row's columns that find her child) and 抽出日. A wrong identity
 * is corrected where it decides something: the 名寄せ review (split / merge,
 * recorded) or the department's corrected file; an overlay here would not
 * reach the linkage and would only look like a correction.
 */
import { AS_OF_COLUMN, type Layout } from "../layouts.ts";

/** The identity columns of a source (its declared roles and mother → child columns). */
export function identityColumns(layout: Layout): Set<string> {
  const out = new Set<string>([AS_OF_COLUMN]);
  for (const c of Object.values(layout.roles)) if (c !== undefined) out.add(c);
  for (const c of Object.values(layout.motherChild ?? {})) if (c !== undefined) out.add(c);
  return out;
}

/** The columns of a source a 訂正 may change, in layout order. */
export function correctableFields(layout: Layout): string[] {
  const identity = identityColumns(layout);
  return layout.columns.map((c) => c.name).filter((n) => !identity.has(n));
}
