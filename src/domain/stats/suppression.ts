/**
 * Small-cell suppression for the aggregate export (issue 7): a 2×2 count below
 * k (default 10) could point at a handful of identifiable children, so it is not
 * published ("x", the 秘匿 mark of Japanese official statistics). Suppressing the
 * small cell alone is not enough: the rest of the table and its totals would
 * give it back (a = (a + c) − c). Complementary suppression hides further cells
 * until no suppressed cell is determined by what is published.
 *
 * Attacker model (docs/statistics.md): the row totals (how many children hold
 * the item), the column totals (抽出群 / 対照群 sizes — the same for every item of
 * a difficulty type, so any unsuppressed row of the export reveals them) and the
 * grand total are assumed *known*, whether or not the export prints them. Under
 * that model a 2×2 table has one degree of freedom, so any suppression hides the
 * whole table; weaker models (e.g. only the column totals known) can be chosen
 * and hide less.
 */
import { MimamoriError } from "../errors.ts";
import type { TwoByTwo } from "./two-by-two.ts";

export type Cell = "a" | "b" | "c" | "d";

export const CELLS: readonly Cell[] = ["a", "b", "c", "d"];

/** Which sums of the table an attacker is assumed to know. */
export interface KnownMargins {
  /** a + b and c + d. */
  readonly rows: boolean;
  /** a + c and b + d. */
  readonly columns: boolean;
  /** a + b + c + d. */
  readonly total: boolean;
}

export const ALL_MARGINS_KNOWN: KnownMargins = { rows: true, columns: true, total: true };

/** Default suppression threshold: cells < 10 are suppressed. */
export const DEFAULT_SUPPRESSION_K = 10;

/** A published table: a suppressed cell is null. */
export interface SuppressedTable {
  readonly a: number | null;
  readonly b: number | null;
  readonly c: number | null;
  readonly d: number | null;
  /** Cells below k (primary suppression). */
  readonly primary: readonly Cell[];
  /** Cells hidden so that the primary ones cannot be recovered. */
  readonly complementary: readonly Cell[];
}

export interface SuppressionOptions {
  /** Cells with a count < k are suppressed; 0 disables suppression. Default 10. */
  readonly k?: number;
  readonly knownMargins?: KnownMargins;
}

/** The sums an attacker knows, as groups of cells (each group's sum is known). */
export function knownConstraints(m: KnownMargins): Cell[][] {
  const groups: Cell[][] = [];
  if (m.rows) groups.push(["a", "b"], ["c", "d"]);
  if (m.columns) groups.push(["a", "c"], ["b", "d"]);
  if (m.total) groups.push(["a", "b", "c", "d"]);
  return groups;
}

/**
 * Suppresses cells < k, then, while some known sum has exactly one suppressed
 * cell (which that sum would give back), also suppresses the smallest published
 * cell of that sum (smallest: the least information lost). Stops when every known
 * sum has zero or ≥ 2 suppressed cells, so each suppressed cell lies on a line
 * of the table along which values can move while every known sum stays the same.
 *
 * Zero counts are suppressed like any count < k: a 0 in c (no 抽出群 child
 * without the item) says every child of the group holds it.
 */
export function suppressSmallCells(t: TwoByTwo, options: SuppressionOptions = {}): SuppressedTable {
  const k = options.k ?? DEFAULT_SUPPRESSION_K;
  if (!Number.isInteger(k) || k < 0) {
    throw new MimamoriError(
      "invalid_input",
      `秘匿の閾値 k は 0 以上の整数で指定してください（「${k}」）。`,
    );
  }
  const constraints = knownConstraints(options.knownMargins ?? ALL_MARGINS_KNOWN);
  const hidden = new Set<Cell>(CELLS.filter((cell) => t[cell] < k));
  const primary = CELLS.filter((cell) => hidden.has(cell));
  let changed = true;
  while (changed) {
    changed = false;
    for (const group of constraints) {
      if (group.filter((cell) => hidden.has(cell)).length !== 1) continue;
      const candidates = group.filter((cell) => !hidden.has(cell));
      // Smallest count first; ties broken by the fixed cell order for determinism.
      candidates.sort((x, y) => t[x] - t[y] || CELLS.indexOf(x) - CELLS.indexOf(y));
      const pick = candidates[0];
      if (pick !== undefined) {
        hidden.add(pick);
        changed = true;
      }
    }
  }
  const value = (cell: Cell) => (hidden.has(cell) ? null : t[cell]);
  return {
    a: value("a"),
    b: value("b"),
    c: value("c"),
    d: value("d"),
    primary,
    complementary: CELLS.filter((cell) => hidden.has(cell) && !primary.includes(cell)),
  };
}

/** True when the table has a suppressed cell (it then cannot enter exact pooling). */
export function isSuppressed(t: {
  readonly a: number | null;
  readonly b: number | null;
  readonly c: number | null;
  readonly d: number | null;
}): boolean {
  return t.a === null || t.b === null || t.c === null || t.d === null;
}
