/**
 * The latent-difficulty model and every rate of the synthetic municipality, in one place so
 * docs/synthetic-data.md and truth/README.md can state them and a reviewer can change them.
 *
 * Prevalences are national figures (approximate; the reference reports give no prevalences),
 * and which data item depends on which difficulty follows the 2024 pilot report's validation
 * table (reference/000 §2.1, summarised in spec/associations.md). Effects are log-odds added
 * to a logistic base, so every item is a noisy signal: strong enough that a Pearson
 * chi-square on a `city` finds it, never a deterministic rule.
 */

/** Difficulty ids (spec/cli.md). bullying and withdrawal are not modelled. */
export const DIFFICULTIES = [
  "abuse",
  "poverty",
  "truancy",
  "young_carer",
  "postpartum",
  "developmental",
] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export const BIT: Readonly<Record<Difficulty, number>> = {
  abuse: 1,
  poverty: 2,
  truancy: 4,
  young_carer: 8,
  postpartum: 16,
  developmental: 32,
};

/** Household structure (national: 国民生活基礎調査 2022; ひとり親 ≈ 10 % of households with children, issue 3). */
export const HOUSEHOLD = {
  singleMother: 0.088,
  singleFather: 0.012,
  /** Planned number of children: 1, 2, 3, 4 (completed fertility of couples ≈ 1.9, 出生動向基本調査 2021). */
  plannedChildren: [0.22, 0.48, 0.25, 0.05],
  /** Twin deliveries per delivery (≈ 1 %, 人口動態統計; issue 3). */
  twinDelivery: 0.01,
  /** Mother's age at first birth: mean / sd in years (人口動態統計 2022: 30.9). */
  firstBirthAgeMean: 30.5,
  firstBirthAgeSd: 4.6,
  /** A single mother back in her maiden name / her children also renamed. */
  singleMotherMaidenName: 0.65,
  childrenTakeMotherName: 0.6,
  /** Three-generation households registered as two 世帯 at one address (世帯分離). */
  splitRegistry: 0.25,
  /** Households that moved out and back in, so members hold two 宛名番号 (2024 report §2.4). */
  returned: 0.012,
  /** Households with a homonym child: same family and given name and birth year as an unrelated child. */
  homonym: 0.01,
  /** Pregnancies without a live birth (miscarriage, moved away before birth). */
  pregnancyWithoutBirth: 0.03,
} as const;

/**
 * Children whose family name changed in the last four years, among Japanese-named children
 * aged two and over: in single-mother households (the mother's name after a divorce) and in
 * two-parent households (a step-parent's name after a remarriage; 人口動態統計: about a quarter
 * of marriages are remarriages of one partner).
 */
export const NAME_CHANGE = { singleMother: 0.3, remarried: 0.015 } as const;

/**
 * Households of foreign nationals with a registered 通称 (住民基本台帳法施行令 第30条の26), by
 * nationality: common among Korean residents (most 特別永住者 use one), less so among Chinese,
 * rare elsewhere. Approximate shares for households with children; the registry then holds the
 * 通称 beside the registered name and schools write it often (sources/common.ts).
 */
export const ALIAS_SHARE: Readonly<Record<string, number>> = {
  韓国: 0.45,
  中国: 0.15,
  other: 0.03,
};

/**
 * How often a department that knows a child's 通称 writes it instead of the registered name:
 * a school lives with the name the child uses (most), a hand-kept 要対協 / 児童相談所 register
 * copies the name from whatever it was given. Decided per person (not per row), so all files
 * of one department agree.
 */
export const ALIAS_USE = { school: 0.85, handTyped: 0.5 } as const;

/**
 * Registered 異体字: the probability that a kanji with a registered-name variant (髙 for 高 …)
 * is registered in that form, per character of a family (shared by the family) or given name.
 */
export const VARIANT_RATE = { family: 0.2, given: 0.05 } as const;

/**
 * Household-level latent factors, as log-odds contributions. Poverty: relative child poverty
 * 11.5 %, single-parent households 44.5 % (国民生活基礎調査 2022).
 */
export const POVERTY = {
  base: -2.75,
  singleMother: 2.75,
  singleFather: 1.35,
  foreign: 0.8,
  parentMental: 1.0,
  parentDisability: 0.9,
  threeGeneration: -0.2,
  threeOrMoreChildren: 0.4,
  youngMother: 0.7,
  /** Share of poor households on 生活保護 (children on welfare ≈ 1.2 %), and of others formerly on it. */
  welfare: 0.11,
  welfareIfMental: 0.2,
  formerWelfare: 0.04,
  /** Non-poor households just above the line (準要保護 eligible). */
  nearPoor: 0.06,
} as const;

/** Disability certificate holders among adults (障害者白書 2023, approximate, by age). */
export const ADULT_DISABILITY = {
  parentPhysical: 0.015,
  parentIntellectual: 0.004,
  parentMental: 0.02,
  singleParentMentalFactor: 1.6,
  grandparentPhysical: 0.12,
  grandparentMental: 0.01,
} as const;

/** 要介護認定 by age (介護保険事業状況報告: 65–74 ≈ 4 %, 75–84 ≈ 20 %, 85+ ≈ 55 %). */
export const CARE_BY_AGE: readonly (readonly [number, number])[] = [
  [65, 0.04],
  [75, 0.2],
  [85, 0.55],
];

/** Developmental disability: ≈ 6 % of children, boys about twice girls (文科省 2022: 8.8 % in ordinary classes). */
export const DEVELOPMENTAL = {
  base: -3.45,
  male: 0.75,
  familial: 1.4,
  familialShare: 0.08,
  /** A parent with a 療育 or 精神 certificate (heritability; B16 ● 発達障がい in the 2024 report). */
  parentDisability: 1.4,
  twin: 0.4,
  /** Poverty households: more low birth weight, less early support (B09/B10 ● 貧困 in the 2024 report). */
  poverty: 0.6,
} as const;

/** Postpartum depression: EPDS ≥ 9 in ≈ 10–14 % of mothers (Japanese cohort studies). */
export const POSTPARTUM = {
  base: -2.45,
  poverty: 0.6,
  single: 0.7,
  mental: 1.4,
  foreign: 0.5,
  twins: 0.5,
  youngMother: 0.4,
} as const;

/**
 * Abuse: ≈ 2 % of children (要対協 registration ≈ 1–2 %, 虐待相談 ≈ 1.2 %/year). Risk factors
 * as the pilots found them (spec/associations.md "other items": poverty, single parent,
 * parental mental illness, moved in, foreign family member, many pre-school children).
 * Siblings share a household random effect, so abuse clusters in families.
 */
export const ABUSE = {
  base: -5.5,
  householdSd: 1.4,
  poverty: 1.1,
  single: 0.5,
  parentMental: 1.1,
  dv: 1.0,
  youngMother: 0.6,
  foreign: 0.3,
  movedIn: 0.3,
  preschoolers: 0.3,
  developmental: 1.0,
  postpartum: 0.9,
} as const;

/** Young carers: ≈ 5 % of children aged 10–18 (厚労省 ヤングケアラー実態調査 2020–21: 小6 6.5 %, 中2 5.7 %, 高2 4.1 %). */
export const YOUNG_CARER = {
  minAge: 9,
  base: -3.85,
  careNeed: 1.8,
  parentDisability: 1.3,
  parentMental: 0.6,
  single: 0.8,
  singleWithPreschooler: 0.6,
  foreign: 0.8,
  eldest: 0.3,
  female: 0.2,
} as const;

/** Truancy (不登校, ≥ 30 days): 小 2.1 %, 中 6.7 % (文科省 問題行動・不登校調査 2023). */
export const TRUANCY = {
  baseElementary: -4.45,
  baseJuniorHigh: -3.2,
  developmental: 1.0,
  poverty: 0.9,
  abuse: 1.0,
  youngCarer: 0.7,
  single: 0.3,
  /** A household member with a disability certificate (B16 ● 不登校 in the 2024 report). */
  familyDisability: 0.5,
} as const;
