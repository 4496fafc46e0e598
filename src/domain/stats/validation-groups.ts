/**
 * What the item-validation report compares, as data (STYLE.md §2): the
 * reference groups (抽出群) of the 2024 pilots, which children each type is
 * judged among, which items a survey can only record for the children it
 * covers, and the groups of the fairness comparison.
 *
 * Everything that has to be read from the source rows is an item of the
 * ordinary catalog kind (`VALIDATION_ITEMS`), evaluated by the same evaluator
 * a scoring run uses (domain/items/evaluate.ts) — no item logic is repeated
 * here. Ids start with `V:` so they can never collide with B/K items.
 */
import type { Condition, Criterion, ItemDef } from "../items/catalog.ts";
import type { SourceId } from "../types.ts";

const R2024 = "reference/000 §2.1";

const rec = (
  source: string,
  scope: "self" | "mother" | "household",
  where: Condition[],
  extra: Partial<Extract<Criterion, { kind: "record" }>> = {},
): Criterion => ({ kind: "record", source: source as SourceId, scope, where, ...extra });

const item = (id: string, name: string, source: string, criterion: Criterion, basis: string) =>
  ({
    id,
    name,
    level: "child",
    sources: [source as SourceId],
    criterion,
    basis,
  }) satisfies ItemDef;

/** Attribute ids (evaluated with VALIDATION_ITEMS, or set by the pipeline for `V:foreign`). */
export const ATTR = {
  epds: "V:epds",
  seishin: "V:seishin",
  pupil: "V:pupil",
  nyuyoji: "V:nyuyoji",
  nyuyojiSeen: "V:nyuyoji_seen",
  askedB04: "V:asked_B04",
  askedB05: "V:asked_B05",
  askedB06: "V:asked_B06",
  askedB07: "V:asked_B07",
  gakko: "V:gakko",
  singleParent: "V:single_parent",
  /** Set by the pipeline from jumin 国籍 (jumin rows are residence periods, not item rows). */
  foreign: "V:foreign",
} as const;

/**
 * The attributes a validation needs beyond the run's items, as catalog items
 * evaluated as of the run's date.
 */
export const VALIDATION_ITEMS: readonly ItemDef[] = [
  item(
    ATTR.epds,
    "この子の出産の産婦健診に EPDS 合計点がある",
    "sanpu_kenshin",
    rec("sanpu_kenshin", "mother", [{ op: "present", column: "EPDS合計点" }]),
    `${R2024} 抽出群 産後うつ: children without an EPDS score for their birth leave the denominator`,
  ),
  item(
    ATTR.seishin,
    "本人が精神障害者保健福祉手帳を所持",
    "shogai_techo",
    rec(
      "shogai_techo",
      "self",
      [
        { op: "in", column: "手帳種別", values: ["精神"] },
        { op: "in", column: "資格状態", values: ["有効"] },
      ],
      { current: { key: ["手帳種別"] } },
    ),
    `${R2024} 抽出群 発達障がい: the child holds a 精神障害者保健福祉手帳 (any code; B09 adds F80–F98)`,
  ),
  item(
    ATTR.pupil,
    "出欠の記録がある（小中学生）",
    "shukketsu",
    rec("shukketsu", "self", []),
    `${R2024} 抽出群 不登校: judged among the pupils whose attendance the schools report`,
  ),
  item(
    ATTR.nyuyoji,
    "乳幼児健診の対象になった",
    "nyuyoji_kenshin",
    rec("nyuyoji_kenshin", "self", []),
    "B03 (missed checkups) can only hold for children targeted by a checkup (a row, attended or not)",
  ),
  item(
    ATTR.nyuyojiSeen,
    "乳幼児健診を受診した",
    "nyuyoji_kenshin",
    rec("nyuyoji_kenshin", "self", [{ op: "present", column: "受診日" }]),
    "questionnaire and measurement items are recorded only at a checkup attended (layouts.md: blank 受診日 = targeted, not seen)",
  ),
  ...(
    [
      [ATTR.askedB04, "家に残して外出"],
      [ATTR.askedB05, "長時間食事を与えなかった"],
      [ATTR.askedB06, "口をふさいだ"],
      [ATTR.askedB07, "激しく揺さぶった"],
    ] as const
  ).map(([id, column]) =>
    item(
      id,
      `乳幼児健診アンケートで「${column}」に回答した`,
      "nyuyoji_kenshin",
      rec("nyuyoji_kenshin", "self", [
        { op: "present", column: "受診日" },
        { op: "present", column },
      ]),
      "a questionnaire item can only hold for a child whose checkup asked it: municipalities ask each question at some checkups only (blank = not asked), so 'attended any checkup' would let age alone look like an association",
    ),
  ),
  item(
    ATTR.gakko,
    "学校健診の記録がある",
    "gakko_kenshin",
    rec("gakko_kenshin", "self", []),
    "school-checkup items can only hold for pupils examined",
  ),
  {
    id: ATTR.singleParent,
    name: "ひとり親世帯（児童扶養手当の受給資格、またはひとり親医療費助成）",
    level: "household",
    sources: ["jido_fuyo" as SourceId, "iryohi_josei" as SourceId],
    criterion: {
      kind: "any_of",
      criteria: [
        // 全部停止 included: the household is still a single-parent one, only above the income limit.
        { kind: "child_allowance", receiving: ["全部支給", "一部支給", "全部停止"] },
        rec("iryohi_josei", "household", [{ op: "in", column: "助成種別", values: ["ひとり親"] }], {
          active: { start: "資格開始日", end: "資格終了日", endInclusive: true },
        }),
      ],
    },
    basis:
      "児童扶養手当 (児童扶養手当法 第4条) and ひとり親医療費助成 are granted to single parents; misses single parents who applied for neither",
  },
];

export type ReportDifficulty = "abuse" | "postpartum" | "developmental" | "poverty" | "truancy";

/** The five types the 2024 report validated items against, in its order. */
export const REPORT_DIFFICULTIES: readonly ReportDifficulty[] = [
  "abuse",
  "postpartum",
  "developmental",
  "poverty",
  "truancy",
];

export interface GroupDefinition {
  readonly difficulty: ReportDifficulty;
  /** Japanese description of the 抽出群, shown in the report. */
  readonly label: string;
  /** A child is in the group when it holds any of these (items or attributes). */
  readonly members: readonly string[];
  /** The attribute a child must hold to be judged at all (null: every child scored). */
  readonly population: string | null;
  /** Japanese description of the population. */
  readonly populationLabel: string;
  /** Items that define the group: not tested ("–") and left out of the rule's score. */
  readonly defining: readonly string[];
  readonly basis: string;
}

/**
 * The 抽出群 of the 2024 report (§2.1). `registerMissing`: the municipality
 * has no 要対協 register, so 虐待 uses 一時保護 history (as one pilot town did).
 */
export function groupDefinitions(
  options: { readonly registerMissing?: boolean } = {},
): GroupDefinition[] {
  const abuse = options.registerMissing
    ? { members: ["B02"], label: "一時保護歴がある（要対協台帳がないため）" }
    : { members: ["B01"], label: "要対協に登録されている" };
  return [
    {
      difficulty: "abuse",
      label: abuse.label,
      members: abuse.members,
      population: null,
      populationLabel: "0〜18歳のこども全員",
      defining: abuse.members,
      basis: `${R2024} 抽出群 虐待: 要対協登録 (one town: 一時保護)`,
    },
    {
      difficulty: "postpartum",
      label: "この子の出産の産婦健診で EPDS 9点以上",
      members: ["B15"],
      population: ATTR.epds,
      populationLabel: "この子の出産の産婦健診に EPDS がある子",
      defining: ["B15"],
      basis: `${R2024} 抽出群 産後うつ: EPDS ≥ 9 (children without EPDS leave the denominator)`,
    },
    {
      difficulty: "developmental",
      label: "本人が精神障害者保健福祉手帳を所持",
      members: [ATTR.seishin],
      population: null,
      populationLabel: "0〜18歳のこども全員",
      // B09 is the group with a code condition, K18 (any own 手帳) contains it.
      defining: ["B09", "K18"],
      basis: `${R2024} 抽出群 発達障がい: 精神障害者保健福祉手帳`,
    },
    {
      difficulty: "poverty",
      label: "生活保護または児童扶養手当の受給世帯",
      members: ["B17", "B18"],
      population: null,
      populationLabel: "0〜18歳のこども全員",
      defining: ["B17", "B18"],
      basis: `${R2024} 抽出群 貧困: 生活保護 or 児童扶養手当`,
    },
    {
      difficulty: "truancy",
      label: "欠席が年30日以上（按分）",
      members: ["B11"],
      population: ATTR.pupil,
      populationLabel: "出欠の記録がある小中学生",
      defining: ["B11"],
      basis: `${R2024} 抽出群 不登校 *5: ≥ 30 days a year, prorated`,
    },
  ];
}

/**
 * Items only a survey records: compared among the children the survey covered
 * (a child never examined cannot hold 要精密検査), so that age alone — checkups
 * are for infants, school data for pupils — does not make an unrelated item look
 * associated. The 2024 pilots compared among all children; this is stricter.
 * Questionnaire items need the question asked (answered, yes or no) at a
 * checkup attended; measurement items need a checkup attended; B03 (missed)
 * needs only an invitation.
 * Any of the listed attributes admits the child.
 */
export const ITEM_COVERAGE: Readonly<Record<string, readonly string[]>> = {
  B03: [ATTR.nyuyoji],
  B04: [ATTR.askedB04],
  B05: [ATTR.askedB05],
  B06: [ATTR.askedB06],
  B07: [ATTR.askedB07],
  B08: [ATTR.nyuyojiSeen, ATTR.gakko],
  B11: [ATTR.pupil],
  B12: [ATTR.pupil],
  B13: [ATTR.pupil],
  K14: [ATTR.nyuyojiSeen],
  K15: [ATTR.nyuyojiSeen],
  K16: [ATTR.nyuyojiSeen],
  K17: [ATTR.gakko],
};

export interface FairnessGroup {
  readonly id: string;
  readonly label: string;
  /** The item or attribute that puts a child in the group. */
  readonly holds: string;
  readonly basis: string;
}

/** The groups of the fairness comparison (issue 7; the criticism AFST and Xantura met). */
export const FAIRNESS_GROUPS: readonly FairnessGroup[] = [
  {
    id: "foreign",
    label: "外国籍の世帯員がいる",
    holds: ATTR.foreign,
    basis: "jumin 国籍 (blank = 日本) of any current member of the child's 世帯",
  },
  {
    id: "single_parent",
    label: "ひとり親世帯",
    holds: ATTR.singleParent,
    basis: "児童扶養手当 (any 支給区分) or ひとり親医療費助成",
  },
  {
    id: "disability",
    label: "障害のある世帯員がいる",
    holds: "B16",
    basis: "B16: another current member holds a valid 障害者手帳",
  },
  {
    id: "welfare",
    label: "生活保護受給世帯",
    holds: "B17",
    basis: "B17: 生活保護 in effect",
  },
];
