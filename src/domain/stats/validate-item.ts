/**
 * Item validation: does a data item go with a difficulty type? One 2×2 test per
 * item × type, judged as the 2024 pilots judged it, plus what they lacked
 * (Fisher for small expected counts, odds ratio with CI, Benjamini–Hochberg q).
 *
 * This is the pure core of issue 7's item-validation report: the report layer
 * counts a, b, c, d per item × type from the scoring results (抽出群 definitions
 * of the 2024 report §2.1, see docs/statistics.md), marks the items that define
 * the group as excluded, and calls validateItems; it renders, this decides.
 */
import { benjaminiHochberg } from "./multiple-testing.ts";
import { type ContingencyResult, type TwoByTwo, testTwoByTwo } from "./two-by-two.ts";

/** Counts of one item × difficulty type (layout of two-by-two.ts). */
export interface ItemCounts extends TwoByTwo {
  /** Data item id, e.g. `B03` (layouts.md) or a project-defined id. */
  readonly itemId: string;
  /** Difficulty id of cli.md, e.g. `abuse`. */
  readonly difficulty: string;
  /**
   * True when the item defines this type's 抽出群 (e.g. B01 要対協登録 for 虐待),
   * so testing it would be circular: shown as "–" like the report's table.
   */
  readonly excluded?: boolean;
}

/**
 * ● associated, and still so after Benjamini–Hochberg (q ≤ α);
 * ◆ associated by the pilots' own criterion (p ≤ α, a > expected) but q > α, so it
 *   may be one of the chance findings among many tests;
 * – excluded (defines the group) or not testable (an empty row or column);
 * "" no association found (which does not show there is none: report §2.1 *2).
 *
 * The report's table used ● / ◆ for "in several municipalities" / "in one"; that
 * reading is pilotMarker, for pooled results.
 */
export type Marker = "●" | "◆" | "–" | "";

export interface ItemValidation {
  readonly itemId: string;
  readonly difficulty: string;
  readonly counts: TwoByTwo;
  readonly test: ContingencyResult;
  readonly excluded: boolean;
  /**
   * The pilots' criterion (report §2.1 *3), with Fisher's p when an expected
   * count is < 5: p ≤ α and a > expected a.
   */
  readonly associated: boolean;
  /** Benjamini–Hochberg q of `test.pUsed` within the family; null when excluded or untestable. */
  readonly q: number | null;
  readonly marker: Marker;
}

export interface ValidationOptions {
  /** Significance level; the pilots used 0.05. */
  readonly alpha?: number;
  /**
   * The family over which q-values are computed: every test of the report
   * (`all`, default: the more cautious) or each difficulty type separately.
   */
  readonly family?: "all" | "difficulty";
}

/** The pilots' association criterion for one test result. */
export function isAssociated(test: ContingencyResult, alpha = 0.05): boolean {
  return test.pUsed !== null && test.pUsed <= alpha && test.direction === "positive";
}

/** The report's ● / ◆: associated in two or more municipalities / in exactly one. */
export function pilotMarker(associatedMunicipalities: number): "●" | "◆" | "" {
  return associatedMunicipalities >= 2 ? "●" : associatedMunicipalities === 1 ? "◆" : "";
}

/** Validates every item × type of one municipality, with q-values over the family. */
export function validateItems(
  items: readonly ItemCounts[],
  options: ValidationOptions = {},
): ItemValidation[] {
  const alpha = options.alpha ?? 0.05;
  const tests = items.map((item) => testTwoByTwo(item));
  const inFamily = (i: number) =>
    !(items[i] as ItemCounts).excluded && (tests[i] as ContingencyResult).testable;
  const q: (number | null)[] = items.map(() => null);
  const families = new Map<string, number[]>();
  items.forEach((item, i) => {
    if (!inFamily(i)) return;
    const key = options.family === "difficulty" ? item.difficulty : "";
    const members = families.get(key) ?? [];
    members.push(i);
    families.set(key, members);
  });
  for (const members of families.values()) {
    const qs = benjaminiHochberg(members.map((i) => (tests[i] as ContingencyResult).pUsed));
    members.forEach((i, j) => {
      q[i] = qs[j] ?? null;
    });
  }
  return items.map((item, i) => {
    const test = tests[i] as ContingencyResult;
    const excluded = item.excluded === true;
    const associated = !excluded && isAssociated(test, alpha);
    const qi = q[i] ?? null;
    let marker: Marker = "";
    if (excluded || !test.testable) marker = "–";
    else if (associated) marker = qi !== null && qi <= alpha ? "●" : "◆";
    return {
      itemId: item.itemId,
      difficulty: item.difficulty,
      counts: test.counts,
      test,
      excluded,
      associated,
      q: excluded ? null : qi,
      marker,
    };
  });
}

/** One item × type on its own: a family of one, so q = p. */
export function validateItem(item: ItemCounts, options: ValidationOptions = {}): ItemValidation {
  return validateItems([item], options)[0] as ItemValidation;
}
