/**
 * The data model of a synthetic municipality: true persons, households, residence history and
 * the facts that department files are written from. Built by population.ts, read by the
 * source writers in sources/*.ts and by truth.ts.
 */
import type { Day } from "./calendar.ts";
import type { Profile } from "./profiles.ts";

export type Sex = 1 | 2;
export type Role = "child" | "mother" | "father" | "grandfather" | "grandmother";
export type HouseholdKind = "two_parent" | "single_mother" | "single_father" | "expecting";
export type Relation = "世帯主" | "妻" | "夫" | "子" | "父" | "母" | "祖父" | "祖母" | "その他";

/** One period of residence under one 宛名番号 (a returnee has two). */
export interface Stint {
  residentNo: string;
  householdNo: string;
  /** 住定日: registration (birth, move-in). */
  readonly from: Day;
  /** 消除日: removal (move-out), or null while resident. */
  readonly to: Day | null;
  relation: Relation;
  readonly stay: number;
}

/** One period the household lived in the municipality. */
export interface Stay {
  readonly from: Day;
  readonly to: Day | null;
  householdNo: string;
  /** 世帯番号 of the grandparents when registered as a separate 世帯 (世帯分離). */
  grandHouseholdNo: string;
  readonly district: number;
  readonly address: string;
}

export interface Disability {
  readonly kind: "身体" | "療育" | "精神";
  readonly grade: string;
  /** ICD-10 code of the main mental disorder (精神 only). */
  readonly icd: string;
  readonly issued: Day;
  readonly status: "有効" | "失効" | "返還";
}

export interface Person {
  readonly id: number;
  readonly hh: number;
  readonly role: Role;
  readonly sex: Sex;
  readonly birth: Day;
  /** Registry form of the name (may hold 異体字 / 外字). */
  family: string;
  familyKana: string;
  given: string;
  givenKana: string;
  /** Another customary reading of a kanji-country family name (e.g. 王 ワン / オウ). */
  familyKanaAlt: string;
  /** "" for Japanese nationals. */
  readonly nationality: string;
  /** The name is in the Latin alphabet (non-kanji nationality). */
  readonly alphabetName: boolean;
  motherId: number;
  fatherId: number;
  twinId: number;
  stints: Stint[];
  /** Bit set of latent difficulties (model.ts BIT); children only. */
  difficulties: number;
  /** Bit set of difficulties that apply to this child (age, data window). */
  applicable: number;
  disabilities: Disability[];
  /** 0 none, 1–2 要支援1–2, 3–7 要介護1–5. */
  careLevel: number;
  careStart: Day;
  /** Child: index of the pregnancy it was born from, or -1. */
  pregnancy: number;
  /** Child in 特別支援学級. */
  specialClass: boolean;
  /** Child: 障害児支援受給者証 decision days (empty if none). */
  jukyushaDecisions: Day[];
  jukyushaNo: string;
  /** 要対協 registration (child or, for 特定妊婦, mother). */
  yotaikyo: { start: Day; end: Day | null; type: string } | null;
  /** 一時保護 episodes. */
  ichijiHogo: { start: Day; end: Day | null }[];
  /** Child: not at a municipal school (private / national / special-needs school elsewhere). */
  outsideSchool: boolean;
  /**
   * Child: the family name used before a change (parents' divorce or remarriage). Records a
   * department made before `until` keep it; the registry and everything after carry the new one.
   */
  formerFamily: { family: string; familyKana: string; until: Day } | null;
  /**
   * A foreign resident's registered 通称 (住民基本台帳法施行令 第30条の26): a name in kanji
   * with its reading, recorded on the 住民票 beside the registered name. Schools and other
   * departments often write it instead of the registered name. Null when none.
   */
  alias: { family: string; familyKana: string; given: string; givenKana: string } | null;
}

export interface Pregnancy {
  readonly id: number;
  readonly mother: number;
  readonly notified: Day;
  readonly due: Day;
  /** Children born (twins: two); empty when the pregnancy has not ended in a birth (yet). */
  readonly children: number[];
  postpartum: boolean;
}

export interface Household {
  readonly id: number;
  readonly kind: HouseholdKind;
  readonly threeGeneration: boolean;
  readonly splitRegistry: boolean;
  /** "all": every member foreign; "mixed": a foreign spouse. */
  readonly foreign: "none" | "all" | "mixed";
  readonly nationality: string;
  readonly members: number[];
  readonly stays: Stay[];
  /** A move within the municipality during the data period (new address and school district). */
  relocation: { day: Day; district: number; address: string } | null;
  poverty: boolean;
  nearPoor: boolean;
  welfare: { start: Day; end: Day | null } | null;
  jidoFuyo: "全部支給" | "一部支給" | "全部停止" | null;
  singleSince: Day;
  dv: boolean;
  familialDevelopmental: boolean;
  parentMental: boolean;
  parentDisability: boolean;
  careNeed: boolean;
  movedIn: boolean;
  youngMother: boolean;
  /** Shared log-odds of abuse of the household's children (random effect + factors). */
  abuseLogit: number;
  /** Counselling (相談記録) topics with their days. */
  consultations: { day: Day; field: string; person: number; byHousehold: boolean }[];
}

export interface District {
  readonly index: number;
  readonly town: string;
  readonly ward: string;
  readonly elementary: string;
  readonly juniorHigh: string;
  /** Nursery names in or near the district. */
  readonly nurseries: readonly string[];
}

export interface World {
  readonly profile: Profile;
  readonly seed: number;
  /** 抽出日: the as-of date of every file. */
  readonly asOf: Day;
  /** First day of the data period (one year before as-of). */
  readonly periodStart: Day;
  /** Removed residents from this day on are still in the registry extract. */
  readonly extractStart: Day;
  /** First day of 産婦健診 records (the national 産婦健康診査事業 started in April 2017). */
  readonly sanpuStart: Day;
  readonly persons: Person[];
  readonly households: Household[];
  readonly pregnancies: Pregnancy[];
  readonly districts: District[];
}
