/**
 * What the 2024 pilots found (こども家庭庁 令和5年度 実証事業 final report §2.1,
 * summarised in the project's associations table): for each data item and
 * difficulty type, ● related in two or more municipalities, ◆ in one, – the
 * item defines that type's reference group (or could not be tested), "" no
 * association found. The yearly review (issue 14) sets a municipality's own
 * results beside these. Facts of a public government report, kept as data.
 */
import type { DifficultyId } from "../scoring/difficulties.ts";
import type { ItemValidation } from "./validate-item.ts";

export type PilotMark = "●" | "◆" | "–" | "";

/** The types the pilots tested, with the number of municipalities that tested each. */
export const PILOT_TYPES: readonly {
  readonly id: DifficultyId;
  readonly municipalities: number;
}[] = [
  { id: "abuse", municipalities: 7 },
  { id: "postpartum", municipalities: 2 },
  { id: "developmental", municipalities: 3 },
  { id: "poverty", municipalities: 4 },
  { id: "truancy", municipalities: 5 },
];

/** Item id → marks in PILOT_TYPES order (虐待, 産後うつ, 発達障がい, 貧困, 不登校). */
const TABLE: Readonly<
  Record<string, readonly [PilotMark, PilotMark, PilotMark, PilotMark, PilotMark]>
> = {
  B01: ["–", "◆", "◆", "●", "●"],
  B02: ["◆", "–", "–", "", ""],
  B03: ["●", "", "◆", "◆", "◆"],
  B04: ["◆", "", "", "", ""],
  B05: ["◆", "", "", "", ""],
  B06: ["●", "◆", "", "", ""],
  B07: ["", "", "", "", ""],
  B08: ["", "", "", "◆", ""],
  B09: ["●", "", "–", "●", "◆"],
  B10: ["●", "", "◆", "●", "◆"],
  B11: ["●", "", "◆", "●", "–"],
  B12: ["", "–", "◆", "◆", "●"],
  B13: ["◆", "–", "–", "", "◆"],
  B14: ["", "◆", "", "", ""],
  B15: ["●", "–", "", "◆", ""],
  B16: ["●", "", "●", "●", "●"],
  B17: ["●", "", "", "–", "●"],
  B18: ["●", "", "", "–", "●"],
  // 虫歯の数, 母親の喫煙 (catalog items K14, K15).
  K14: ["", "", "", "◆", ""],
  K15: ["●", "", "", "", ""],
};

/** The pilots' mark for an item and type; undefined when the pilots did not test it. */
export function pilotMark(itemId: string, difficulty: string): PilotMark | undefined {
  const k = PILOT_TYPES.findIndex((t) => t.id === difficulty);
  const row = TABLE[itemId];
  if (k < 0 || !row) return undefined;
  return row[k];
}

/**
 * How this municipality's result stands against the pilots':
 * - `holds`: the pilots found it (● / ◆) and so does this municipality;
 * - `not_here`: the pilots found it, this municipality tested it and did not (review the item's weight);
 * - `untested`: the pilots found it but it could not be tested here (reference group, too few
 *   children, or the item has no data here);
 * - `new`: not found by the pilots (or not tested by them), found here;
 * - `none`: found by neither.
 */
export type ReviewStatus = "holds" | "not_here" | "untested" | "new" | "none";

export const REVIEW_STATUS_NAMES: Readonly<Record<ReviewStatus, string>> = {
  holds: "今回も関連あり",
  not_here: "今回は関連なし（見直し候補）",
  untested: "この自治体では未検定",
  new: "新たな関連（実証事業では未確認）",
  none: "関連なし",
};

export interface YearlyReviewRow {
  readonly itemId: string;
  readonly difficulty: string;
  /** undefined: the pilots did not test this item for this type. */
  readonly pilot: PilotMark | undefined;
  /** This municipality's marker ("" none, "–" untested), or null when the item was not evaluated. */
  readonly here: ItemValidation["marker"] | null;
  readonly status: ReviewStatus;
}

/**
 * Every item × type the pilots tested or this municipality found, with its
 * status. `items` is the run's catalog in order; `validation` the report's tests.
 */
export function yearlyReview(
  items: readonly { readonly id: string }[],
  difficulties: readonly string[],
  validation: readonly ItemValidation[],
): YearlyReviewRow[] {
  const byKey = new Map(validation.map((v) => [`${v.itemId}|${v.difficulty}`, v]));
  const rows: YearlyReviewRow[] = [];
  for (const item of items)
    for (const difficulty of difficulties) {
      const pilot = pilotMark(item.id, difficulty);
      const v = byKey.get(`${item.id}|${difficulty}`);
      const here = v ? v.marker : null;
      const pilotFound = pilot === "●" || pilot === "◆";
      const hereFound = here === "●" || here === "◆";
      const hereTested = here === "" || hereFound;
      let status: ReviewStatus;
      if (pilotFound) status = hereFound ? "holds" : hereTested ? "not_here" : "untested";
      else status = hereFound ? "new" : "none";
      if (status === "none") continue;
      rows.push({ itemId: item.id, difficulty, pilot, here, status });
    }
  return rows;
}
