/**
 * `mimamori stats pool`: several municipalities' aggregate exports combined per
 * item × difficulty type with Mantel–Haenszel (mantel-haenszel.ts).
 *
 * Suppressed tables: a municipality's table with any suppressed cell ("x") is
 * left out of that item × type's pooled figures and named in `excluded`. Its
 * exact counts are unknown, and no imputation can be trusted (the suppressed
 * cells are, by construction, those an attacker must not pin down). This biases
 * toward the larger municipalities; municipalities that pool under an agreement
 * can export with k = 0 (no suppression). See docs/statistics.md.
 */
import { MimamoriError } from "../errors.ts";
import type { AggregateRow } from "./aggregate.ts";
import { type MantelHaenszelResult, mantelHaenszel } from "./mantel-haenszel.ts";
import { benjaminiHochberg } from "./multiple-testing.ts";
import { isSuppressed } from "./suppression.ts";
import { type TwoByTwo, testTwoByTwo } from "./two-by-two.ts";
import { isAssociated, pilotMarker } from "./validate-item.ts";

export interface PooledItem {
  readonly itemId: string;
  readonly difficulty: string;
  /** Municipalities whose table entered the pooled figures, in input order. */
  readonly used: readonly string[];
  /** Municipalities left out because a cell of their table was suppressed. */
  readonly excluded: readonly string[];
  readonly mh: MantelHaenszelResult;
  /**
   * Municipalities where the item is associated on its own (the pilots'
   * criterion, Fisher when an expected count is < 5), and the report's marker
   * for that count (● ≥ 2, ◆ 1).
   */
  readonly associatedIn: readonly string[];
  readonly pilotMarker: "●" | "◆" | "";
  /** The pooled decision: CMH p (continuity-corrected) ≤ α and Σa > ΣE(a). */
  readonly associated: boolean;
  /** Benjamini–Hochberg q of the corrected CMH p over all item × type rows. */
  readonly q: number | null;
}

function compareIds(x: string, y: string): number {
  return x.localeCompare(y, "ja", { numeric: true });
}

/**
 * Pools aggregate rows per item × difficulty type. Throws MimamoriError when a
 * municipality appears twice for the same item × type (its counts would be
 * double-counted: usually the same file given twice).
 */
export function poolAggregates(rows: readonly AggregateRow[], alpha = 0.05): PooledItem[] {
  const groups = new Map<string, AggregateRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.itemId, row.difficulty]);
    const members = groups.get(key) ?? [];
    members.push(row);
    groups.set(key, members);
  }
  const duplicates: string[] = [];
  const pooled = [...groups.values()].map((members) => {
    const first = members[0] as AggregateRow;
    const seen = new Set<string>();
    for (const m of members) {
      if (seen.has(m.municipality)) {
        duplicates.push(`${m.municipality}（${m.itemId} × ${m.difficulty}）`);
      }
      seen.add(m.municipality);
    }
    const complete = members.filter((m) => !isSuppressed(m));
    const strata = complete.map((m) => ({ a: m.a, b: m.b, c: m.c, d: m.d }) as TwoByTwo);
    const mh = mantelHaenszel(strata);
    const associatedIn = complete
      .filter((_row, i) => isAssociated(testTwoByTwo(strata[i] as TwoByTwo), alpha))
      .map((m) => m.municipality);
    return {
      itemId: first.itemId,
      difficulty: first.difficulty,
      used: complete.map((m) => m.municipality),
      excluded: members.filter((m) => isSuppressed(m)).map((m) => m.municipality),
      mh,
      associatedIn,
      pilotMarker: pilotMarker(associatedIn.length),
      associated: mh.pCorrected !== null && mh.pCorrected <= alpha && mh.direction === "positive",
    };
  });
  if (duplicates.length > 0) {
    throw new MimamoriError(
      "invalid_input",
      "同じ自治体・データ項目・困難類型の行が複数あります。同じファイルを二度指定していないか確認してください。",
      duplicates.slice(0, 20),
    );
  }
  pooled.sort((x, y) => compareIds(x.itemId, y.itemId) || compareIds(x.difficulty, y.difficulty));
  const q = benjaminiHochberg(pooled.map((p) => p.mh.pCorrected));
  return pooled.map((p, i) => ({ ...p, q: q[i] ?? null }));
}
