/**
 * Linkage settings are plain serialisable data (STYLE.md §2, after Splink's
 * settings dictionary): comparisons with ordered levels, blocking rules,
 * deterministic rules for the prior, thresholds, clustering constraints. A run
 * stores the settings it used with their version, so it can be replayed and two
 * versions diffed.
 */
import { z } from "zod";
import { MimamoriError } from "../errors.ts";
import { japaneseIssueMessage } from "../zod-messages.ts";

/**
 * A condition on a pair of records, evaluated three-valued: true, false, or
 * unknown (a value it needs is missing on a side). Columns name prepared
 * columns of the record table.
 */
export type LevelCondition =
  /** Values equal; with `wildcard`, UNKNOWN_CHAR (〓) matches any one character. */
  | { readonly kind: "exact"; readonly column: string; readonly wildcard?: boolean }
  /** Jaro–Winkler similarity ≥ threshold. */
  | { readonly kind: "jaro-winkler"; readonly column: string; readonly threshold: number }
  /** Optimal string alignment distance ≤ max. */
  | { readonly kind: "edit-distance"; readonly column: string; readonly max: number }
  /** One character differs, or two adjacent characters are swapped (dates as YYYYMMDD). */
  | { readonly kind: "one-typo"; readonly column: string }
  /** Two adjacent characters swapped, nothing else (19850317 / 19850371). */
  | { readonly kind: "transposition"; readonly column: string }
  /** Dates (YYYYMMDD) with month and day swapped (2015-01-12 / 2015-12-01). */
  | { readonly kind: "month-day-swap"; readonly column: string }
  /** Dates (YYYYMMDD) at most `max` days apart, not equal (2010-09-19 / 2010-09-20). */
  | { readonly kind: "days-apart"; readonly column: string; readonly max: number }
  /** Either side lacks the column (never unknown): routes a pair to a fallback level. */
  | { readonly kind: "either-missing"; readonly column: string }
  /** The column has a value on both sides, or on at least one (never unknown). */
  | { readonly kind: "present"; readonly column: string; readonly on: "both" | "either" }
  /** Negation (unknown stays unknown). */
  | { readonly kind: "not"; readonly of: LevelCondition }
  /**
   * A school year (`grade`, 小1 = 1 … 中3 = 9) on one side is within `tolerance`
   * of the year expected from the other side's birth date (YYYYMMDD) at the
   * grade side's as-of date (YYYYMMDD).
   */
  | {
      readonly kind: "grade-age";
      readonly grade: string;
      readonly birth: string;
      readonly asOf: string;
      readonly tolerance: number;
      /**
       * When the grade side has a birth date of its own that is further than this from its
       * grade, its grade or date is wrong and the check says nothing (unknown). Default 1.
       */
      readonly selfTolerance?: number;
    }
  | { readonly kind: "all"; readonly of: readonly LevelCondition[] }
  | { readonly kind: "any"; readonly of: readonly LevelCondition[] }
  /** Always true: the last level of a comparison ("else"). */
  | { readonly kind: "else" };

export interface ComparisonLevel {
  /** Short label shown in explanations, e.g. "完全一致". */
  readonly label: string;
  readonly when: LevelCondition;
  /**
   * Term-frequency adjustment (Splink tf_adjustment_column): at this level the
   * u probability is replaced by the frequency of the agreed value in this
   * column, so agreeing on 佐藤 counts less than agreeing on 勅使河原.
   */
  readonly tf?: string;
}

export interface ComparisonSpec {
  /** Stable id, e.g. "family_name". */
  readonly name: string;
  /** Label for people, e.g. "氏". */
  readonly label: string;
  /** In order, strongest agreement first; the first level whose condition holds is the pair's level. */
  readonly levels: readonly ComparisonLevel[];
}

export interface BlockingRule {
  readonly name: string;
  /** A pair is generated when both records have every column and the values are equal. */
  readonly columns: readonly string[];
  /**
   * Comparisons not estimated from this rule's pairs in EM (they agree by
   * construction). Default: every comparison that reads one of `columns`.
   */
  readonly masks?: readonly string[];
  /** Blocks larger than this are skipped and reported (a key shared by thousands says nothing). */
  readonly maxBlockSize?: number;
}

/** Pairs that agree on every column count as matches when estimating the prior λ. */
export interface DeterministicRule {
  readonly name: string;
  readonly columns: readonly string[];
}

/** Hard rules: records they separate are never put in one person, not even through others. */
export type CannotLinkRule =
  /** Records that agree on `same` and differ on any of `different` are two people. */
  | {
      readonly name: string;
      readonly kind: "differ";
      readonly same: readonly string[];
      /** Differ = both sides have the column and the values differ (wildcard-aware for wildcard columns). */
      readonly different: readonly string[];
      /**
       * true: the records are two people only when every column of `different` that both
       * hold differs (and at least one does), so a slip in one of them (a kanji typed for
       * another with the same reading) does not make a second person. Default: any column.
       */
      readonly all?: boolean;
      /** Records holding a value in any of these columns are outside the rule. */
      readonly without?: readonly string[];
    }
  /**
   * Records in scope (a value in `scope`) whose periods [start, end) overlap are two
   * people: one person holds one 住民票 at a time. Dates are YYYYMMDD; a missing end is
   * "still open". With a start missing, only two open periods, or two that ended on the
   * same day (a household that left together), count as overlapping.
   */
  | {
      readonly name: string;
      readonly kind: "overlapping-periods";
      readonly scope: string;
      readonly start: string;
      readonly end: string;
    };

export interface LinkageSettings {
  /** Bumped whenever a change would change results. */
  readonly version: string;
  /** Which pairs exist: across groups (files) only, within groups only, or both. */
  readonly linkType: "link_only" | "dedupe_only" | "link_and_dedupe";
  readonly comparisons: readonly ComparisonSpec[];
  readonly blockingRules: readonly BlockingRule[];
  readonly deterministicRules: readonly DeterministicRule[];
  /** Estimated share of true matches the deterministic rules find (Splink's `recall`). */
  readonly deterministicRecall: number;
  /** Columns whose values contain UNKNOWN_CHAR and compare wildcard-aware in cannot-link rules. */
  readonly wildcardColumns: readonly string[];
  /**
   * Columns that support a link but never identify a person on their own (世帯番号,
   * 住所, 学校): a record with values only here is not linked to anyone.
   */
  readonly weakColumns: readonly string[];
  /**
   * A record whose only identifying value is this column (e.g. 宛名番号 alone, as in
   * 乳幼児健診) joins the person holding that value: method "id".
   */
  readonly idColumn: string | null;
  readonly thresholds: {
    /** A pair at or above this match probability is linked. */
    readonly accept: number;
    /** Pairs from here up to `accept` go to the review queue. */
    readonly review: number;
    /**
     * A record whose best two candidate persons are within this many match-weight
     * bits of each other is also sent to review (it is still linked to the best).
     */
    readonly ambiguityBits: number;
    /**
     * Complementary records (optional): a pair at or above this probability (below
     * `accept`) is linked when one side's person holds no registry record, the other's
     * does, the two persons hold records of disjoint sources (the registry child has no
     * school rows, the school rows no registry record: one child whose rows were written
     * under two names) and neither has another candidate within `ambiguityBits`.
     */
    readonly complement?: number;
  };
  readonly cannotLink: readonly CannotLinkRule[];
  readonly training: {
    /** Random pairs sampled to estimate u. */
    readonly uSamplePairs: number;
    readonly seed: number;
    readonly emMaxIterations: number;
    /** EM stops when no m probability moves more than this. */
    readonly emTolerance: number;
    /** Lower bound for a term frequency, so one rare value cannot dominate a match weight. */
    readonly tfMinimumU: number;
  };
}

const condition: z.ZodType<LevelCondition> = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal("exact"), column: z.string(), wildcard: z.boolean().optional() }),
    z.object({
      kind: z.literal("jaro-winkler"),
      column: z.string(),
      threshold: z.number().min(0).max(1),
    }),
    z.object({
      kind: z.literal("edit-distance"),
      column: z.string(),
      max: z.number().int().min(0),
    }),
    z.object({ kind: z.literal("one-typo"), column: z.string() }),
    z.object({ kind: z.literal("transposition"), column: z.string() }),
    z.object({ kind: z.literal("month-day-swap"), column: z.string() }),
    z.object({
      kind: z.literal("days-apart"),
      column: z.string(),
      max: z.number().int().min(1),
    }),
    z.object({ kind: z.literal("either-missing"), column: z.string() }),
    z.object({ kind: z.literal("present"), column: z.string(), on: z.enum(["both", "either"]) }),
    z.object({ kind: z.literal("not"), of: condition }),
    z.object({
      kind: z.literal("grade-age"),
      grade: z.string(),
      birth: z.string(),
      asOf: z.string(),
      tolerance: z.number().int().min(0),
      selfTolerance: z.number().int().min(0).optional(),
    }),
    z.object({ kind: z.literal("all"), of: z.array(condition) }),
    z.object({ kind: z.literal("any"), of: z.array(condition) }),
    z.object({ kind: z.literal("else") }),
  ]),
);

const settingsSchema = z.object({
  version: z.string().min(1),
  linkType: z.enum(["link_only", "dedupe_only", "link_and_dedupe"]),
  comparisons: z
    .array(
      z.object({
        name: z.string().min(1),
        label: z.string(),
        levels: z
          .array(z.object({ label: z.string(), when: condition, tf: z.string().optional() }))
          .min(2)
          .max(30),
      }),
    )
    .min(1),
  blockingRules: z
    .array(
      z.object({
        name: z.string().min(1),
        columns: z.array(z.string()).min(1),
        masks: z.array(z.string()).optional(),
        maxBlockSize: z.number().int().positive().optional(),
      }),
    )
    .min(1)
    .max(250),
  deterministicRules: z
    .array(z.object({ name: z.string(), columns: z.array(z.string()).min(1) }))
    .min(1),
  deterministicRecall: z.number().gt(0).max(1),
  wildcardColumns: z.array(z.string()),
  weakColumns: z.array(z.string()),
  idColumn: z.string().nullable(),
  thresholds: z.object({
    accept: z.number().gt(0).lt(1),
    review: z.number().gt(0).lt(1),
    ambiguityBits: z.number().min(0),
    complement: z.number().gt(0).lt(1).optional(),
  }),
  cannotLink: z.array(
    z.union([
      z.object({
        name: z.string(),
        kind: z.literal("differ"),
        same: z.array(z.string()).min(1),
        different: z.array(z.string()).min(1),
        all: z.boolean().optional(),
        without: z.array(z.string()).optional(),
      }),
      z.object({
        name: z.string(),
        kind: z.literal("overlapping-periods"),
        scope: z.string(),
        start: z.string(),
        end: z.string(),
      }),
    ]),
  ),
  training: z.object({
    uSamplePairs: z.number().int().positive(),
    seed: z.number().int(),
    emMaxIterations: z.number().int().positive(),
    emTolerance: z.number().positive(),
    tfMinimumU: z.number().positive(),
  }),
});

/**
 * Validates settings read from JSON/YAML (a municipality's file or a stored run),
 * listing every problem at once.
 */
export function parseLinkageSettings(value: unknown): LinkageSettings {
  const r = settingsSchema.safeParse(value);
  if (!r.success)
    throw new MimamoriError(
      "config",
      "名寄せ設定が正しくありません。次の項目を直してください。",
      r.error.issues.map((i) => `${i.path.join(".")}: ${japaneseIssueMessage(i)}`),
    );
  const s = r.data as LinkageSettings;
  if (s.thresholds.review > s.thresholds.accept)
    throw new MimamoriError("config", "名寄せ設定の review は accept 以下にしてください。", [
      `thresholds.review=${s.thresholds.review} > thresholds.accept=${s.thresholds.accept}`,
    ]);
  return s;
}
