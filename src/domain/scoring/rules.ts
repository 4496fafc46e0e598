/**
 * Rule sets: how each difficulty type is scored, as versioned data (STYLE.md
 * §2). A rule set carries its own item catalog, so a version is complete on
 * its own: replaying a run needs nothing but the stored rule set and
 * snapshots, and two versions can be diffed (versions.ts).
 *
 * The default rules are derived from the 2024 pilots' association table
 * (reference/000 §2.1 "基本連携データ項目と各困難類型の関連性", transcribed in
 * spec/associations.md) — see ASSOCIATIONS below and docs/scoring.md.
 */
import type { Criterion, ItemCatalog } from "../items/catalog.ts";
import { DEFAULT_CATALOG } from "../items/catalog.ts";
import type { SourceId } from "../types.ts";
import type { DifficultyId } from "./difficulties.ts";
import type { ModelCard } from "./model.ts";

export type Method = "count" | "weighted" | "model";

export interface RuleItem {
  readonly itemId: string;
  /** Points when the item holds (`weighted`); `count` gives every item 1. */
  readonly weight: number;
  /** Why the item is in this type's rule, with its source. */
  readonly basis: string;
}

export interface TypeRule {
  readonly difficulty: DifficultyId;
  readonly enabled: boolean;
  readonly method: Method;
  readonly items: readonly RuleItem[];
  /**
   * Flagged when score ≥ threshold: points for `count` and `weighted`, a
   * probability (0–1) for `model`.
   */
  readonly threshold: number;
  /** Ages the type applies to (completed years on the as-of date); others score 0. */
  readonly ages: { readonly min: number; readonly max: number };
  /** The model card, when trained; required for `model`. */
  readonly model: ModelCard | null;
  readonly basis: string;
  /**
   * How children with the same score are ordered on the review list (判定一覧
   * and the monthly capacity cut), after the score: keys in order, then the
   * person id. Absent: DEFAULT_TIE_BREAK (開成町: total points, then age,
   * younger first — reference/004).
   */
  readonly tieBreak?: readonly TieBreakKey[];
}

/** Orders of children with equal scores (TypeRule.tieBreak). */
export const TIE_BREAK_KEYS = ["total_points", "younger", "older"] as const;
export type TieBreakKey = (typeof TIE_BREAK_KEYS)[number];
export const TIE_BREAK_NAMES: Readonly<Record<TieBreakKey, string>> = {
  total_points: "総ポイント数の多い順",
  younger: "年齢の低い順",
  older: "年齢の高い順",
};
/** 開成町's order: score, then total points, then the younger child. */
export const DEFAULT_TIE_BREAK: readonly TieBreakKey[] = ["total_points", "younger"];

/** A type's tie-break order (the default when the rule set does not say). */
export function tieBreakOf(rule: Pick<TypeRule, "tieBreak"> | undefined): readonly TieBreakKey[] {
  return rule?.tieBreak ?? DEFAULT_TIE_BREAK;
}

/** A filter that removes a child from review lists (they are already supported). */
export interface ExclusionRule {
  readonly id: string;
  /** Japanese, shown as the reason a flagged child is not listed. */
  readonly name: string;
  readonly criterion: Criterion;
  readonly basis: string;
}

/** 人による絞り込み outcomes (reference/004: 要支援・調査継続・経過観察・支援不要). */
export const OUTCOMES = ["要支援", "調査継続", "経過観察", "支援不要"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface DecisionRule {
  /**
   * Months after a conference decision before the child is due for review
   * again; null = not while the decision stands; 0 = listed again at once.
   */
  readonly reviewMonths: Readonly<Record<Outcome, number | null>>;
}

export interface Capacity {
  /** How many staff can review per month. */
  readonly perMonth: number;
  readonly unit: "children" | "households";
}

export interface RuleSet {
  /** Stored with every run. */
  readonly version: string;
  readonly catalog: ItemCatalog;
  readonly types: readonly TypeRule[];
  readonly exclusions: readonly ExclusionRule[];
  readonly decisions: DecisionRule;
  readonly capacity: Capacity;
}

/**
 * The 2024 association table (reference/000 §2.1, p. "基本連携データ項目と各
 * 困難類型の関連性"; spec/associations.md): ● related in two or more
 * municipalities, ◆ in one, "def" the item defines that type's reference group
 * (抽出群), "na" could not be tested. Items not listed for a type: no
 * association found.
 */
export type Marker = "●" | "◆" | "def" | "na";

export const ASSOCIATIONS: Readonly<
  Record<
    "abuse" | "postpartum" | "developmental" | "poverty" | "truancy",
    Readonly<Record<string, Marker>>
  >
> = {
  abuse: {
    B01: "def",
    B02: "◆",
    B03: "●",
    B04: "◆",
    B05: "◆",
    B06: "●",
    B09: "●",
    B10: "●",
    B11: "●",
    B13: "◆",
    B15: "●",
    B16: "●",
    B17: "●",
    B18: "●",
    K15: "●",
  },
  postpartum: {
    B01: "◆",
    B02: "na",
    B06: "◆",
    B12: "na",
    B13: "na",
    B14: "◆",
    B15: "def",
  },
  developmental: {
    B01: "◆",
    B02: "na",
    B03: "◆",
    B09: "def",
    B10: "◆",
    B11: "◆",
    B12: "◆",
    B13: "na",
    B16: "●",
  },
  poverty: {
    B01: "●",
    B03: "◆",
    B08: "◆",
    B09: "●",
    B10: "●",
    B11: "●",
    B12: "◆",
    B15: "◆",
    B16: "●",
    B17: "def",
    B18: "def",
    K14: "◆",
  },
  truancy: {
    B01: "●",
    B03: "◆",
    B09: "◆",
    B10: "◆",
    B11: "def",
    B12: "●",
    B13: "◆",
    B16: "●",
    B17: "●",
    B18: "●",
  },
};

/** Weight by strength of evidence: ● (≥ 2 municipalities) 2, ◆ (1) 1, the defining item 2. */
export const MARKER_WEIGHT: Readonly<Record<Exclude<Marker, "na">, number>> = {
  "●": 2,
  "◆": 1,
  def: 2,
};

const R2024 = "reference/000 §2.1";
const OTHER = `${R2024}「困難の類型と関連性が確認された基本連携データ項目以外のデータ項目」`;
const KAISEI = "reference/004「関連性のあるデータ項目」";

/** Items beyond the table that the pilots found related to a type, weight 1 (◆-strength). */
const OTHER_RELATED: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  abuse: [
    ["K05", `${OTHER} 虐待「転入歴」`],
    ["K02", `${OTHER} 虐待「ひとり親向け医療費助成受給」`],
    ["K04", `${OTHER} 虐待「就学援助受給」`],
    ["K16", `${OTHER} 虐待「保健師支援の必要性」`],
    ["K18", `${OTHER} 虐待「療育手帳所持」`],
    ["K21", `${OTHER} 虐待「EPDS Q10（自傷思考）」`],
    ["K06", `${KAISEI}「福祉相談履歴（子ども相談・児童相談）」`],
    ["K07", `${KAISEI}「福祉相談履歴（子ども相談・児童相談）」`],
    ["K13", `${KAISEI}「所属有無（未就学児）」`],
  ],
  poverty: [
    ["K02", `${OTHER} 貧困「ひとり親向け医療費助成受給」; ${KAISEI}`],
    ["K04", `${OTHER} 貧困「就学援助受給」`],
    ["K10", `${OTHER} 貧困「DVフラグ」`],
    ["K12", `${OTHER} 貧困「父母の要介護認定」`],
    ["K08", `${KAISEI}「福祉相談履歴」（生活困窮）`],
    ["K13", `${KAISEI}「所属有無（未就学児）」`],
  ],
  truancy: [["K04", `${OTHER} 不登校「就学援助受給」`]],
  developmental: [
    ["K01", `${OTHER} 発達障がい「特別支援学級在籍」`],
    ["K09", `${KAISEI}「福祉相談履歴」（障がい）`],
  ],
  postpartum: [["K21", "spec/layouts.md B15「項目10 ≥ 1 shown separately」"]],
};

/**
 * Types without a validated item list: items chosen from what the pilots
 * name as the information staff check for them (reference/000 §2.7) and the
 * 開成町 rules (reference/004 No.7 要介護, No.19 多子世帯). Weight 1 each.
 */
const EXPERT: Readonly<
  Record<"young_carer" | "bullying" | "withdrawal", readonly (readonly [string, string])[]>
> = {
  young_carer: [
    ["K12", "reference/004 No.7 同一世帯人に要介護; reference/000 貧困「父母の要介護認定」"],
    ["B16", "a family member with a disability certificate (someone to care for)"],
    ["K19", "a sibling with disability services (sibling care)"],
    ["K11", "reference/004 No.19 多子世帯 (care of younger siblings)"],
    ["B18", "single-parent household (児童扶養手当)"],
    ["K02", "single-parent household (ひとり親医療費助成)"],
    ["B12", "lateness: a school-visible sign of caring at home"],
    ["B11", "absence: a school-visible sign of caring at home"],
  ],
  bullying: [
    ["B13", "心の健康チェック 要支援 / 希死念慮"],
    ["B11", "absence"],
    ["B12", "lateness"],
    ["K01", "特別支援学級"],
    ["B09", "developmental disability"],
  ],
  withdrawal: [
    ["B11", "absence"],
    ["B13", "心の健康チェック 要支援 / 希死念慮"],
    ["B12", "lateness"],
    ["B09", "developmental disability"],
    ["K18", "own disability certificate"],
  ],
};

const MARKER_TEXT: Record<Exclude<Marker, "na">, string> = {
  "●": "● related in ≥ 2 municipalities",
  "◆": "◆ related in 1 municipality",
  def: "defines the type's 抽出群 (a direct indicator)",
};

function fromTable(d: keyof typeof ASSOCIATIONS): RuleItem[] {
  const items: RuleItem[] = [];
  for (const [itemId, m] of Object.entries(ASSOCIATIONS[d])) {
    if (m === "na") continue;
    items.push({
      itemId,
      weight: MARKER_WEIGHT[m],
      basis: `${R2024} ${itemId}: ${MARKER_TEXT[m]}`,
    });
  }
  for (const [itemId, basis] of OTHER_RELATED[d] ?? []) {
    if (!items.some((i) => i.itemId === itemId)) items.push({ itemId, weight: 1, basis });
  }
  return items.sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}

const ALL_AGES = { min: 0, max: 18 };

/**
 * Default thresholds are on the `weighted` scale, chosen so that the share of
 * children flagged is of the order of each difficulty's national prevalence
 * (虐待: 児童虐待相談 ≈ 1.2 % of children a year, こども家庭庁 2022; 貧困: relative
 * child poverty 11.5 %, 国民生活基礎調査 2022; 不登校: 小 2.1 %, 中 6.7 %,
 * 文部科学省 2023; ヤングケアラー: 4–6.5 %, 厚生労働省 2020–21; 産後うつ: EPDS ≥ 9
 * in 10–14 % of mothers; 発達障がい: 8.8 % in ordinary classes, 文部科学省 2022),
 * checked on `synth --profile city` (docs/scoring.md). They are a starting
 * point only — a municipality sets them with capacity planning on its own data
 * (昭島市 feared too many flags; 開成町 reviewed ~5 households a month).
 */
export const DEFAULT_TYPES: readonly TypeRule[] = [
  {
    difficulty: "abuse",
    enabled: true,
    method: "weighted",
    items: fromTable("abuse"),
    threshold: 6,
    ages: ALL_AGES,
    model: null,
    basis: `${R2024} 虐待 (7 municipalities; 抽出群 = 要対協登録)`,
  },
  {
    difficulty: "poverty",
    enabled: true,
    method: "weighted",
    items: fromTable("poverty"),
    threshold: 4,
    ages: ALL_AGES,
    model: null,
    basis: `${R2024} 貧困 (4 municipalities; 抽出群 = 生活保護 or 児童扶養手当)`,
  },
  {
    difficulty: "truancy",
    enabled: true,
    method: "weighted",
    items: fromTable("truancy"),
    threshold: 4,
    // 不登校 is counted for 小・中学校 (文部科学省 問題行動・不登校調査); shukketsu is 小中 data.
    ages: { min: 6, max: 15 },
    model: null,
    basis: `${R2024} 不登校 (5 municipalities; 抽出群 = 欠席 ≥ 30 days, prorated)`,
  },
  {
    difficulty: "young_carer",
    enabled: true,
    method: "weighted",
    items: EXPERT.young_carer.map(([itemId, basis]) => ({ itemId, weight: 1, basis })),
    threshold: 3,
    // 厚生労働省 ヤングケアラー実態調査 (2020–21) surveyed from 小学6年.
    ages: { min: 10, max: 18 },
    model: null,
    basis:
      "not validated by the 2024 table (reference/000 §2.1 *1); scored by 開成町 (reference/004)",
  },
  {
    difficulty: "postpartum",
    enabled: true,
    method: "weighted",
    items: fromTable("postpartum"),
    threshold: 2,
    // The mother's postnatal year (産後ケア事業 covers up to 1 year) and the year after.
    ages: { min: 0, max: 1 },
    model: null,
    basis: `${R2024} 産後うつ (2 municipalities; 抽出群 = EPDS ≥ 9 at this child's birth)`,
  },
  {
    difficulty: "developmental",
    enabled: true,
    method: "weighted",
    items: fromTable("developmental"),
    threshold: 3,
    ages: ALL_AGES,
    model: null,
    basis: `${R2024} 発達障がい (3 municipalities; 抽出群 = 精神障害者保健福祉手帳)`,
  },
  {
    difficulty: "bullying",
    enabled: true,
    method: "weighted",
    items: EXPERT.bullying.map(([itemId, basis]) => ({ itemId, weight: 1, basis })),
    threshold: 2,
    ages: { min: 6, max: 18 },
    model: null,
    basis: "not validated by the 2024 table; theme of 喬木村 (reference/000 §1)",
  },
  {
    difficulty: "withdrawal",
    enabled: true,
    method: "weighted",
    items: EXPERT.withdrawal.map(([itemId, basis]) => ({ itemId, weight: 1, basis })),
    threshold: 2,
    ages: { min: 12, max: 18 },
    model: null,
    basis: "not validated by the 2024 table; scored by 開成町 (reference/004)",
  },
];

/**
 * Already supported children (reference/004 絞り込みの考え方: ①要保護・要支援児童,
 * ②健診後フォローアップ対象者, ③障害児サービス利用者) are removed from review lists.
 */
export const DEFAULT_EXCLUSIONS: readonly ExclusionRule[] = [
  {
    id: "yotaikyo_open",
    name: "要対協で進行管理中",
    criterion: {
      kind: "record",
      source: "yotaikyo" as SourceId,
      scope: "self",
      where: [],
      active: { start: "登録日", end: "終結日", endInclusive: false },
    },
    basis: "reference/004 ①要保護・要支援児童 (an open case: 終結日 blank or later)",
  },
  {
    id: "checkup_follow_up",
    name: "健診後フォロー中",
    criterion: {
      kind: "record",
      source: "nyuyoji_kenshin" as SourceId,
      scope: "self",
      where: [{ op: "true", column: "要フォロー" }],
      current: { key: [] },
      withinMonths: 36,
    },
    basis:
      "reference/004 ②健診後フォローアップ対象者 (the newest checkup, within 36 months: 3歳児健診 to school entry)",
  },
  {
    id: "disability_service",
    name: "障害児サービス利用中",
    criterion: {
      kind: "record",
      source: "shogaiji_jukyusha" as SourceId,
      scope: "self",
      where: [],
      active: { start: "決定日", end: "有効期間終了日", endInclusive: true },
    },
    basis: "reference/004 ③障害児サービス利用者 (a 受給者証 in effect)",
  },
];

export const DEFAULT_RULE_SET: RuleSet = {
  version: "default-2025.1",
  catalog: DEFAULT_CATALOG,
  types: DEFAULT_TYPES,
  exclusions: DEFAULT_EXCLUSIONS,
  decisions: {
    // 要支援: now supported; 支援不要: looked at again after a year (reference/000 §2.11
    // 毎年度見直し); 経過観察: watch the score for a quarter; 調査継続: stays on the list.
    reviewMonths: { 要支援: null, 調査継続: 0, 経過観察: 3, 支援不要: 12 },
  },
  // 開成町: 【1か月の正否確認件数】5世帯程度 (reference/004).
  capacity: { perMonth: 5, unit: "households" },
};
