/**
 * The data-item catalog as data (STYLE.md §2): B01–B18 exactly as
 * spec/layouts.md states them, plus the items the pilots found related
 * (開成町's rule list, reference/004 "判定基準に用いたデータ項目" No. 1–21,
 * and the 2024 final report, reference/000 §2.1). Every threshold is a
 * parameter a municipality may change; a changed catalog is a new rule
 * version (scoring/versions.ts), so a run can always say which criteria it
 * used.
 *
 * A criterion is one of a few kinds. Most items are a `record` criterion — "a
 * row of this source, in this scope, meeting these conditions" — so that a
 * municipality can add an item for a column of its own without code. The
 * other kinds encode semantics a generic row test cannot: checkups missed
 * only where targeted, prorated attendance, school-checkup thinness, the
 * 児童扶養手当 household rule, household composition, moving in, and
 * nursery enrolment.
 */
import { BUILT_IN_SOURCES } from "../layouts.ts";
import type { SourceId } from "../types.ts";

/** Whose rows an item looks at, relative to the child being judged. */
export type Scope =
  /** The child's own rows. */
  | "self"
  /** Rows of the OTHER current members of the child's 世帯 (the child's own certificate is B09/B10, not B16). */
  | "others"
  /** The child's and the other current members' rows, plus rows keyed by the 世帯番号 alone. */
  | "household"
  /** The mother's ninpu/sanpu rows for this child's birth (attached by the linkage). */
  | "mother";

/** A test on one cell of a row. A blank (null) cell fails every test except `blank`. */
export type Condition =
  | { readonly op: "true"; readonly column: string }
  | { readonly op: "in"; readonly column: string; readonly values: readonly string[] }
  | {
      readonly op: "lt" | "le" | "ge" | "gt";
      readonly column: string;
      readonly value: number;
    }
  | { readonly op: "blank"; readonly column: string }
  | { readonly op: "present"; readonly column: string }
  /** ICD-10 category between `from` and `to` inclusive (F80–F98: 心理的発達の障害 and 小児期の行動・情緒の障害). */
  | {
      readonly op: "icd_range";
      readonly column: string;
      readonly from: string;
      readonly to: string;
    }
  /** A 年度 column within the `years` 年度 before the evaluation date's 年度, or that 年度 itself. */
  | { readonly op: "fiscal_year_recent"; readonly column: string; readonly years: number };

/**
 * When a row is in effect. A blank start means "since an unknown date"; a
 * blank end means "still in effect".
 */
export interface Activity {
  readonly start: string | null;
  readonly end: string | null;
  /**
   * True when `end` is the last day in effect (有効期間終了日, 資格終了日, 退所日);
   * false when it is the first day no longer in effect (廃止年月日, 終結日, 保護解除日).
   */
  readonly endInclusive: boolean;
}

export type Criterion =
  | {
      readonly kind: "record";
      readonly source: SourceId;
      readonly scope: Scope;
      /** All must hold (an empty list: any row of the source). */
      readonly where: readonly Condition[];
      /** The row must be in effect on the evaluation date. */
      readonly active?: Activity;
      /**
       * Status sources: only the newest row per key (by 抽出日, then the
       * source's event date, then row) counts, so a 手帳 returned since, or a
       * 児童扶養手当 now 全部停止, no longer holds.
       */
      readonly current?: { readonly key: readonly string[] };
      /** Only rows whose event date is at most this many months before the evaluation date. */
      readonly withinMonths?: number | null;
      /** Only rows whose event date is at most this many days before the evaluation date. */
      readonly withinDays?: number | null;
      /** Holds when at least this many rows match (default 1): "3 相談 in 12 months". */
      readonly minRows?: number;
    }
  /** Holds when any of the criteria holds (evidence from each that does). */
  | { readonly kind: "any_of"; readonly criteria: readonly Criterion[] }
  /**
   * B03: a nyuyoji_kenshin row with blank 受診日 (targeted, not seen) and no
   * attended row of the same 健診区分. No row at all (moved in later) is not 未受診.
   */
  | { readonly kind: "checkup_missed"; readonly kinds: readonly string[] }
  /**
   * B11/B12: the count over a school year ≥ `perYear` prorated by the months
   * the shukketsu rows cover (2024 final report §2.1 *5: 30 days × 6/12 = 15).
   */
  | {
      readonly kind: "attendance";
      readonly column: "欠席日数" | "遅刻日数";
      readonly perYear: number;
      /**
       * Set when a department's 欠席日数 INCLUDES 出席停止・忌引 days; they are
       * then subtracted. In 指導要録 they are separate columns, so the default
       * is false and 出席停止忌引等日数 is never added.
       */
      readonly excusedIncluded: boolean;
      /** School years with less coverage than this are not judged (0: always judged). */
      readonly minMonths: number;
      /** Only the current school year and this many before it (null: any year). */
      readonly withinSchoolYears: number | null;
    }
  /** B08 (school part): 肥満度 ≤ `maxObesityPercent` at a 児童生徒健康診断 (日本学校保健会 standard weight). */
  | { readonly kind: "school_thinness"; readonly maxObesityPercent: number }
  /**
   * B18: a 児童扶養手当 row now receiving (`receiving` 支給区分) whose 対象児童 is
   * the child, or whose 受給者 is another current member of the child's 世帯.
   */
  | { readonly kind: "child_allowance"; readonly receiving: readonly string[] }
  /** 多子世帯: at least `minChildren` current members (the child included) aged 0–`maxAge`. */
  | { readonly kind: "many_children"; readonly minChildren: number; readonly maxAge: number }
  /** 転入: the current residence began (住定日 after the birth date) within `withinMonths`. */
  | { readonly kind: "moved_in"; readonly withinMonths: number }
  /** 未就学児で所属なし: not yet in school, aged ≥ `minAge`, no hoiku_zaiseki row in effect. */
  | { readonly kind: "no_enrolment"; readonly minAge: number };

export type ItemLevel = "child" | "household" | "mother";

/**
 * The legal basis on which an item's data is used, for the register of
 * personal-information uses (個人情報の保護に関する法律 第69条): 目的内 — within
 * the purpose the data was collected for; 第2項第2号 — internal use by the
 * holding organ for its own duties, with reasonable grounds; 第3号 — provision
 * to another administrative organ for its duties, with reasonable grounds;
 * 第4号 — statistics or academic research, or other special reasons.
 */
export const LEGAL_BASES = ["目的内", "法69条2項2号", "法69条2項3号", "法69条2項4号"] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export interface ItemDef {
  /** `B01`…`B18` (layouts.md) or `K01`… (this project's ids for the pilots' other items). */
  readonly id: string;
  /** Japanese name shown to staff. */
  readonly name: string;
  readonly level: ItemLevel;
  readonly sources: readonly SourceId[];
  readonly criterion: Criterion;
  /** Where the item and its default criterion come from. */
  readonly basis: string;
  /** Why the municipality uses it (the register's 利用目的); Japanese. */
  readonly purpose?: string;
  /** The legal basis of the use, for the register (LEGAL_BASES). */
  readonly legalBasis?: LegalBasis;
}

export interface ItemCatalog {
  /** Changes whenever an item or parameter changes; stored with every run. */
  readonly version: string;
  readonly items: readonly ItemDef[];
}

const s = (id: string) => id as SourceId;

const rec = (
  source: string,
  scope: Scope,
  where: Condition[] = [],
  extra: {
    active?: Activity;
    current?: { key: string[] };
    withinMonths?: number | null;
  } = {},
): Criterion => ({ kind: "record", source: s(source), scope, where, ...extra });

const isTrue = (column: string): Condition => ({ op: "true", column });
const inSet = (column: string, values: string[]): Condition => ({ op: "in", column, values });
const cmp = (op: "lt" | "le" | "ge" | "gt", column: string, value: number): Condition => ({
  op,
  column,
  value,
});

/** 手帳 status is per 手帳種別: a renewed or returned certificate replaces the older row. */
const TECHO_CURRENT = { key: ["手帳種別"] };
const F80_F98: Condition = {
  op: "icd_range",
  column: "主たる精神障害コード",
  from: "F80",
  to: "F98",
};

const B = "spec/layouts.md 基本連携データ項目";
const KAISEI = "reference/004 開成町「判定基準に用いたデータ項目」";
const R2024 = "reference/000 §2.1";

/**
 * The register's 利用目的 of a 基本連携データ項目: the guideline's own reason for
 * the item (reference/000 §1「困難を抱え支援を必要とする蓋然性が高いと考えられる情報」
 * No. n) — to notice early a child or family who may need support, so that a
 * person checks whether they do.
 */
const basic = (n: number, finds: string) =>
  `${finds}こどもを早く把握し、困難を抱えて支援を必要としていないかを職員が確認するため（こどもデータ連携ガイドライン（素案）の基本連携データ項目 ${n}）`;
/** 利用目的 of an item the pilots found related to difficulties (reference/004, reference/000 §2.1). */
const related = (finds: string, difficulties: string | null, where: string) =>
  `${finds}こどもを把握し、${difficulties === null ? "" : `${difficulties}などの`}困難を抱えていないかを職員が確認するため（${where}）`;

/** The default catalog: B01–B18 (layouts.md) and K01–K21. */
export const DEFAULT_CATALOG: ItemCatalog = {
  version: "items-2025.1",
  items: [
    {
      id: "B01",
      name: "要対協への登録履歴",
      level: "child",
      sources: [s("yotaikyo")],
      criterion: rec("yotaikyo", "self"),
      basis: `${B} B01: any yotaikyo row (履歴: closed cases count)`,
      purpose: basic(1, "要保護児童対策地域協議会（要対協）に登録された履歴がある"),
    },
    {
      id: "B02",
      name: "一時保護歴",
      level: "child",
      sources: [s("ichiji_hogo")],
      criterion: rec("ichiji_hogo", "self"),
      basis: `${B} B02: any ichiji_hogo row`,
      purpose: basic(2, "一時保護された履歴がある"),
    },
    {
      id: "B03",
      name: "乳幼児健診の未受診",
      level: "child",
      sources: [s("nyuyoji_kenshin")],
      criterion: { kind: "checkup_missed", kinds: ["3-4か月児", "1歳6か月児", "3歳児"] },
      basis: `${B} B03 and its linking note: a blank 受診日 is 対象者だが未受診; no row is no record`,
      purpose: basic(3, "3〜4か月児・1歳6か月児・3歳児健診の対象なのに受診していない"),
    },
    {
      id: "B04",
      name: "健診アンケート「家に残して外出」",
      level: "child",
      sources: [s("nyuyoji_kenshin")],
      criterion: rec("nyuyoji_kenshin", "self", [isTrue("家に残して外出")]),
      basis: `${B} B04: true at any checkup`,
      purpose: basic(4, "乳幼児健診のアンケートで「家に残して外出」に当てはまると答えた家庭の"),
    },
    {
      id: "B05",
      name: "健診アンケート「長時間食事を与えなかった」",
      level: "child",
      sources: [s("nyuyoji_kenshin")],
      criterion: rec("nyuyoji_kenshin", "self", [isTrue("長時間食事を与えなかった")]),
      basis: `${B} B05: true at any checkup`,
      purpose: basic(
        5,
        "乳幼児健診のアンケートで「長時間食事を与えなかった」に当てはまると答えた家庭の",
      ),
    },
    {
      id: "B06",
      name: "健診アンケート「子どもの口をふさいだ」",
      level: "child",
      sources: [s("nyuyoji_kenshin")],
      criterion: rec("nyuyoji_kenshin", "self", [isTrue("口をふさいだ")]),
      basis: `${B} B06: true at any checkup`,
      purpose: basic(
        6,
        "乳幼児健診のアンケートで「子どもの口をふさいだ」に当てはまると答えた家庭の",
      ),
    },
    {
      id: "B07",
      name: "健診アンケート「子どもを激しく揺さぶった」",
      level: "child",
      sources: [s("nyuyoji_kenshin")],
      criterion: rec("nyuyoji_kenshin", "self", [isTrue("激しく揺さぶった")]),
      basis: `${B} B07: true at any checkup`,
      purpose: basic(
        7,
        "乳幼児健診のアンケートで「子どもを激しく揺さぶった」に当てはまると答えた家庭の",
      ),
    },
    {
      id: "B08",
      name: "低体重",
      level: "child",
      sources: [s("nyuyoji_kenshin"), s("gakko_kenshin")],
      criterion: {
        kind: "any_of",
        criteria: [
          rec("nyuyoji_kenshin", "self", [cmp("lt", "体重パーセンタイル", 3)]),
          { kind: "school_thinness", maxObesityPercent: -20 },
        ],
      },
      basis: `${B} B08: 体重パーセンタイル < 3 at a checkup, or 肥満度 ≤ -20% (痩身, 日本学校保健会) at a school checkup`,
      purpose: basic(8, "乳幼児健診や学校の健康診断で低体重だった"),
    },
    {
      id: "B09",
      name: "発達障害があり精神障害者保健福祉手帳を所持",
      level: "child",
      sources: [s("shogai_techo")],
      criterion: rec(
        "shogai_techo",
        "self",
        [inSet("手帳種別", ["精神"]), inSet("資格状態", ["有効"]), F80_F98],
        { current: TECHO_CURRENT },
      ),
      basis: `${B} B09: a valid 精神 手帳 with code F80–F98 (ICD-10 F8 心理的発達の障害, F90–F98 小児期の行動・情緒の障害)`,
      purpose: basic(9, "発達障害があり精神障害者保健福祉手帳を持っている"),
    },
    {
      id: "B10",
      name: "障害児支援受給者証の発行歴",
      level: "child",
      sources: [s("shogaiji_jukyusha")],
      criterion: rec("shogaiji_jukyusha", "self"),
      basis: `${B} B10: any shogaiji_jukyusha row (発行歴: expired certificates count)`,
      purpose: basic(10, "障害児支援受給者証が発行されたことがある"),
    },
    {
      id: "B11",
      name: "欠席日数が多い",
      level: "child",
      sources: [s("shukketsu")],
      criterion: {
        kind: "attendance",
        column: "欠席日数",
        perYear: 30,
        excusedIncluded: false,
        minMonths: 0,
        withinSchoolYears: null,
      },
      basis: `${B} B11; ${R2024} 抽出群 不登校 *5 (30 days × months/12; 出席停止・忌引 not counted)`,
      purpose: basic(11, "小・中学校の欠席日数が多い"),
    },
    {
      id: "B12",
      name: "遅刻が多い",
      level: "child",
      sources: [s("shukketsu")],
      criterion: {
        kind: "attendance",
        column: "遅刻日数",
        perYear: 30,
        excusedIncluded: false,
        minMonths: 0,
        withinSchoolYears: null,
      },
      basis: `${B} B12: ≥ 30 a school year, prorated`,
      purpose: basic(12, "小・中学校の遅刻が多い"),
    },
    {
      id: "B13",
      name: "心身の不調・希死念慮",
      level: "child",
      sources: [s("kokoro_check")],
      criterion: {
        kind: "any_of",
        criteria: [
          rec("kokoro_check", "self", [inSet("判定結果", ["要支援"])]),
          rec("kokoro_check", "self", [isTrue("希死念慮")]),
        ],
      },
      basis: `${B} B13: 判定結果 要支援, or 希死念慮 true`,
      purpose: basic(13, "学校等のアンケート・心の健康チェックで心身の不調や希死念慮がうかがえる"),
    },
    {
      id: "B14",
      name: "妊婦健診の受診歴が全くない",
      level: "mother",
      sources: [s("ninpu_kenshin")],
      criterion: rec("ninpu_kenshin", "mother", [cmp("le", "受診回数", 0)], {
        current: { key: [] },
      }),
      basis: `${B} B14: 受診回数 0 for the pregnancy of this child (the newest row of that pregnancy counts)`,
      purpose: basic(14, "出産に際し母が妊婦健診を一度も受けていない"),
    },
    {
      id: "B15",
      name: "産婦健診 EPDS 高値",
      level: "mother",
      sources: [s("sanpu_kenshin")],
      criterion: rec("sanpu_kenshin", "mother", [cmp("ge", "EPDS合計点", 9)]),
      basis: `${B} B15; ${R2024} 抽出群 産後うつ (EPDS ≥ 9, the Japanese cut-off)`,
      purpose: basic(15, "母の産婦健診で EPDS（エジンバラ産後うつ病問診票）の点数が高い"),
    },
    {
      id: "B16",
      name: "同一世帯の者が障害者手帳を所持",
      level: "household",
      sources: [s("shogai_techo")],
      criterion: rec("shogai_techo", "others", [inSet("資格状態", ["有効"])], {
        current: TECHO_CURRENT,
      }),
      basis: `${B} B16: another current member of the 世帯 holds a valid 身体/療育/精神 手帳`,
      purpose: basic(
        16,
        "同じ世帯の人が身体障害者手帳・療育手帳・精神障害者保健福祉手帳を持っている",
      ),
    },
    {
      id: "B17",
      name: "生活保護受給世帯",
      level: "household",
      sources: [s("seikatsu_hogo")],
      criterion: rec("seikatsu_hogo", "household", [], {
        active: { start: "開始年月日", end: "廃止年月日", endInclusive: false },
      }),
      basis: `${B} B17: the child or a current member is in 生活保護 on the date (廃止年月日 is the first day without)`,
      purpose: basic(17, "生活保護を受けている世帯の"),
    },
    {
      id: "B18",
      name: "児童扶養手当の受給",
      level: "household",
      sources: [s("jido_fuyo")],
      criterion: { kind: "child_allowance", receiving: ["全部支給", "一部支給"] },
      basis: `${B} B18: 全部支給 or 一部支給 (全部停止 is not receiving); the newest 認定 per 受給者 and 対象児童 counts`,
      purpose: basic(18, "監護する人が児童扶養手当を受けている"),
    },
    {
      id: "K01",
      name: "特別支援学級に在籍",
      level: "child",
      sources: [s("gakureibo")],
      criterion: rec("gakureibo", "self", [isTrue("特別支援学級")], { current: { key: [] } }),
      basis: `${KAISEI} No.10; ${R2024} 発達障がい「特別支援学級在籍」`,
      purpose: related(
        "特別支援学級に在籍している",
        "発達障がい",
        "開成町の判定基準 No.10、2024年度最終報告 §2.1",
      ),
    },
    {
      id: "K02",
      name: "ひとり親医療費助成の資格",
      level: "household",
      sources: [s("iryohi_josei")],
      criterion: rec("iryohi_josei", "household", [inSet("助成種別", ["ひとり親"])], {
        active: { start: "資格開始日", end: "資格終了日", endInclusive: true },
      }),
      basis: `${KAISEI} No.11 (found related, reference/004 関連性のあるデータ項目); ${R2024} 虐待・貧困`,
      purpose: related(
        "ひとり親医療費助成を受けている世帯の",
        "虐待・貧困",
        "開成町の判定基準 No.11、2024年度最終報告 §2.1",
      ),
    },
    {
      id: "K03",
      name: "障がい者医療費助成の資格",
      level: "household",
      sources: [s("iryohi_josei")],
      criterion: rec("iryohi_josei", "household", [inSet("助成種別", ["障がい者"])], {
        active: { start: "資格開始日", end: "資格終了日", endInclusive: true },
      }),
      basis: `${KAISEI} No.12`,
      purpose: related(
        "障がい者医療費助成を受けている人がいる世帯の",
        null,
        "開成町の判定基準 No.12",
      ),
    },
    {
      id: "K04",
      name: "就学援助の受給",
      level: "household",
      sources: [s("shugaku_enjo")],
      criterion: rec("shugaku_enjo", "household", [
        { op: "fiscal_year_recent", column: "認定年度", years: 1 },
      ]),
      basis: `${KAISEI} No.13 (就学援助受給 R5年度 in a 2024 run: this or the previous 年度); ${R2024} 虐待・貧困・不登校`,
      purpose: related(
        "就学援助を受けている世帯の",
        "虐待・貧困・不登校",
        "開成町の判定基準 No.13、2024年度最終報告 §2.1",
      ),
    },
    {
      id: "K05",
      name: "転入1年以内",
      level: "child",
      sources: [s("jumin")],
      criterion: { kind: "moved_in", withinMonths: 12 },
      basis: `${KAISEI} No.14「直近１年以内に転入歴がある」; ${R2024} 虐待「転入歴」`,
      purpose: related(
        "1年以内に転入してきた",
        "虐待",
        "開成町の判定基準 No.14、2024年度最終報告 §2.1",
      ),
    },
    {
      id: "K06",
      name: "相談歴（児童虐待）",
      level: "household",
      sources: [s("sodan_kiroku")],
      criterion: rec("sodan_kiroku", "household", [inSet("相談分野", ["児童虐待"])]),
      basis: `${KAISEI} No.17 (世帯); reference/004 関連性: 福祉相談履歴`,
      purpose: related("児童虐待の相談歴がある世帯の", "虐待", "開成町の判定基準 No.17"),
    },
    {
      id: "K07",
      name: "相談歴（養護）",
      level: "household",
      sources: [s("sodan_kiroku")],
      criterion: rec("sodan_kiroku", "household", [inSet("相談分野", ["養護"])]),
      basis: `${KAISEI} No.18 (世帯)`,
      purpose: related("養護の相談歴がある世帯の", "虐待", "開成町の判定基準 No.18"),
    },
    {
      id: "K08",
      name: "相談歴（生活困窮）",
      level: "household",
      sources: [s("sodan_kiroku")],
      criterion: rec("sodan_kiroku", "household", [inSet("相談分野", ["生活困窮"])]),
      basis: `${KAISEI} No.15 (世帯)`,
      purpose: related("生活困窮の相談歴がある世帯の", "貧困", "開成町の判定基準 No.15"),
    },
    {
      id: "K09",
      name: "相談歴（障がい）",
      level: "household",
      sources: [s("sodan_kiroku")],
      criterion: rec("sodan_kiroku", "household", [inSet("相談分野", ["障がい"])]),
      basis: `${KAISEI} No.16 (世帯)`,
      purpose: related("障がいの相談歴がある世帯の", "発達障がい", "開成町の判定基準 No.16"),
    },
    {
      id: "K10",
      name: "相談歴（DV）",
      level: "household",
      sources: [s("sodan_kiroku")],
      criterion: rec("sodan_kiroku", "household", [inSet("相談分野", ["DV"])]),
      basis: `${R2024} 貧困「DVフラグ」; layouts.md 相談分野`,
      purpose: related(
        "DV の相談歴がある世帯の",
        "貧困",
        "2024年度最終報告 §2.1（貧困「DVフラグ」）",
      ),
    },
    {
      id: "K11",
      name: "多子世帯",
      level: "household",
      sources: [s("jumin")],
      criterion: { kind: "many_children", minChildren: 3, maxAge: 18 },
      basis: `${KAISEI} No.19「同一世帯に18歳以下のこどもが３人以上」`,
      purpose: related("18歳以下のこどもが3人以上いる世帯の", null, "開成町の判定基準 No.19"),
    },
    {
      id: "K12",
      name: "世帯に要介護者",
      level: "household",
      sources: [s("kaigo_nintei")],
      criterion: rec(
        "kaigo_nintei",
        "others",
        [inSet("要介護度", ["要介護1", "要介護2", "要介護3", "要介護4", "要介護5"])],
        { active: { start: "有効期間開始日", end: "有効期間終了日", endInclusive: true } },
      ),
      basis: `${KAISEI} No.7「同一世帯人に要介護 介護１～５」; ${R2024} 貧困「父母の要介護認定」`,
      purpose: related(
        "要介護認定を受けた人がいる世帯の",
        "貧困",
        "開成町の判定基準 No.7、2024年度最終報告 §2.1",
      ),
    },
    {
      id: "K13",
      name: "未就学児で所属なし",
      level: "child",
      sources: [s("hoiku_zaiseki")],
      criterion: { kind: "no_enrolment", minAge: 3 },
      basis:
        "reference/004 関連性「所属有無（未就学児）」; from age 3 because most children under 3 are cared for at home",
      purpose: related(
        "3歳以上で保育所・幼稚園に在籍していない未就学の",
        null,
        "開成町の関連性のあるデータ項目「所属有無（未就学児）」",
      ),
    },
    {
      id: "K14",
      name: "虫歯",
      level: "child",
      sources: [s("nyuyoji_kenshin")],
      criterion: rec("nyuyoji_kenshin", "self", [cmp("ge", "虫歯数", 1)]),
      basis: `${KAISEI} No.21; ${R2024} 虫歯の数 ◆ 貧困`,
      purpose: related(
        "乳幼児健診で虫歯が見つかった",
        "貧困",
        "開成町の判定基準 No.21、2024年度最終報告 §2.1",
      ),
    },
    {
      id: "K15",
      name: "母親の喫煙",
      level: "mother",
      sources: [s("nyuyoji_kenshin")],
      criterion: rec("nyuyoji_kenshin", "self", [isTrue("母親の喫煙")]),
      basis: `${KAISEI} No.21; ${R2024} 母親の喫煙 ● 虐待`,
      purpose: related(
        "乳幼児健診で母親の喫煙がわかった家庭の",
        "虐待",
        "開成町の判定基準 No.21、2024年度最終報告 §2.1",
      ),
    },
    {
      id: "K16",
      name: "健診で要フォロー",
      level: "child",
      sources: [s("nyuyoji_kenshin")],
      criterion: rec("nyuyoji_kenshin", "self", [isTrue("要フォロー")]),
      basis: `${R2024} 虐待「保健師支援の必要性」; reference/000 §2.7 健診後のフォローアップ対象`,
      purpose: related("乳幼児健診で要フォローとされた", "虐待", "2024年度最終報告 §2.1・§2.7"),
    },
    {
      id: "K17",
      name: "学校健診で要精密検査",
      level: "child",
      sources: [s("gakko_kenshin")],
      criterion: rec("gakko_kenshin", "self", [isTrue("要精密検査")]),
      basis: `${KAISEI} No.3「学校定期健診において…精密検査が必要」`,
      purpose: related("学校の定期健診で精密検査が必要とされた", null, "開成町の判定基準 No.3"),
    },
    {
      id: "K18",
      name: "本人が障害者手帳を所持",
      level: "child",
      sources: [s("shogai_techo")],
      criterion: rec("shogai_techo", "self", [inSet("資格状態", ["有効"])], {
        current: TECHO_CURRENT,
      }),
      basis: "reference/004 関連性「障害者手帳（本人）」; reference/000 療育手帳所持 (虐待)",
      purpose: related(
        "本人が障害者手帳を持っている",
        "虐待",
        "開成町の関連性のあるデータ項目、2024年度最終報告 §2.1",
      ),
    },
    {
      id: "K19",
      name: "同一世帯の者に障害児支援受給者証の発行歴",
      level: "household",
      sources: [s("shogaiji_jukyusha")],
      criterion: rec("shogaiji_jukyusha", "others"),
      basis: `${KAISEI} No.5(1)`,
      purpose: related(
        "同じ世帯の人に障害児支援受給者証が発行されたことがある",
        null,
        "開成町の判定基準 No.5(1)",
      ),
    },
    {
      id: "K20",
      name: "同一世帯の者に発達障害があり精神障害者保健福祉手帳を所持",
      level: "household",
      sources: [s("shogai_techo")],
      criterion: rec(
        "shogai_techo",
        "others",
        [inSet("手帳種別", ["精神"]), inSet("資格状態", ["有効"]), F80_F98],
        { current: TECHO_CURRENT },
      ),
      basis: `${KAISEI} No.4(1)`,
      purpose: related(
        "同じ世帯の人に発達障害があり精神障害者保健福祉手帳を持っている",
        null,
        "開成町の判定基準 No.4(1)",
      ),
    },
    {
      id: "K21",
      name: "産婦健診 EPDS 項目10（自傷）",
      level: "mother",
      sources: [s("sanpu_kenshin")],
      criterion: rec("sanpu_kenshin", "mother", [cmp("ge", "EPDS項目10", 1)]),
      basis: `${B} B15 (項目10 ≥ 1 shown separately); ${R2024} 虐待「EPDS Q10（自傷思考）」`,
      purpose: related(
        "母の産婦健診で EPDS 項目10（自分を傷つける考え）に当てはまると答えた",
        "虐待",
        "2024年度最終報告 §2.1（虐待「EPDS Q10」）",
      ),
    },
  ],
};

/**
 * The event date of each built-in source (their declarations, sources/built-in.ts):
 * rows dated after the evaluation date have not happened yet.
 */
export const EVENT_DATE: Readonly<Record<string, string>> = BUILT_IN_SOURCES.eventDates;

/** Every item id of a catalog, in catalog order. */
export function itemIds(catalog: ItemCatalog): string[] {
  return catalog.items.map((i) => i.id);
}
