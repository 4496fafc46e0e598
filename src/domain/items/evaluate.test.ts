import { describe, expect, it } from "vitest";
import type { IsoDate } from "../types.ts";
import { DEFAULT_CATALOG } from "./catalog.ts";
import { type ChildItems, type Evaluation, evaluateItems } from "./evaluate.ts";
import { evidenceText } from "./evidence.ts";
import { PopulationBuilder } from "./testing.ts";

const AS_OF = "2024-10-01";
const DAY_BEFORE = "2024-09-30";
const DAY_AFTER = "2024-10-02";

/** The evaluation of a population built by `setup`; returns it and the index of the child under test. */
function run(
  setup: (b: PopulationBuilder) => number,
  asOf = AS_OF,
): { ev: Evaluation; child: number } {
  const b = new PopulationBuilder(asOf);
  const child = setup(b);
  return { ev: evaluateItems(DEFAULT_CATALOG, b.build(), asOf as IsoDate), child };
}

function itemsOf(ev: Evaluation, person: number): string[] | undefined {
  const c = ev.children.find((x) => x.person === person);
  return c?.items.map((k) => ev.itemIds[k] as string);
}

function holds(setup: (b: PopulationBuilder) => number, item: string): boolean {
  const { ev, child } = run(setup);
  const items = itemsOf(ev, child);
  if (items === undefined) throw new Error("the child was not scored");
  return items.includes(item);
}

/** A resident child born 2020-06-15 (4 years old) in household H with parents; returns indexes. */
function family(b: PopulationBuilder, birth = "2020-06-15") {
  const mother = b.person({ birth: "1990-01-10", household: "H", relationship: "妻" });
  const father = b.person({
    birth: "1988-03-03",
    household: "H",
    relationship: "世帯主",
    sex: "male",
  });
  const child = b.person({ birth, household: "H", relationship: "子" });
  return { mother, father, child };
}

interface Case {
  readonly name: string;
  readonly expect: boolean;
  readonly setup: (b: PopulationBuilder) => number;
}

const CASES: Readonly<Record<string, readonly Case[]>> = {
  B01: [
    { name: "no yotaikyo row", expect: false, setup: (b) => family(b).child },
    {
      name: "closed case still counts (登録履歴)",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "yotaikyo", { 登録日: "2021-04-01", 終結日: "2022-03-31", 登録種別: "養護" });
        return child;
      },
    },
    {
      name: "registered after the as-of date",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "yotaikyo", { 登録日: DAY_AFTER, 終結日: null });
        return child;
      },
    },
    {
      name: "registered on the as-of date",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "yotaikyo", { 登録日: AS_OF, 終結日: null });
        return child;
      },
    },
    {
      name: "a sibling's registration is not the child's",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const sib = b.person({ birth: "2018-01-01", household: "H", relationship: "子" });
        b.row(sib, "yotaikyo", { 登録日: "2023-01-01", 終結日: null });
        return child;
      },
    },
  ],
  B02: [
    {
      name: "protected once",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "ichiji_hogo", { 保護開始日: "2023-05-01", 保護解除日: "2023-06-01" });
        return child;
      },
    },
    { name: "never protected", expect: false, setup: (b) => family(b).child },
  ],
  B03: [
    {
      name: "targeted, 受診日 blank",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", { 健診区分: "1歳6か月児", 受診日: null });
        return child;
      },
    },
    {
      name: "blank row, then attended the same 区分 later",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", { 健診区分: "3歳児", 受診日: null });
        b.row(child, "nyuyoji_kenshin", { 健診区分: "3歳児", 受診日: "2024-01-20" });
        return child;
      },
    },
    {
      name: "moved in after the 4-month checkup: no 3-4か月 row, 1歳6か月 attended",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", { 健診区分: "1歳6か月児", 受診日: "2022-01-10" });
        return child;
      },
    },
    {
      name: "no checkup rows at all (moved in at 4)",
      expect: false,
      setup: (b) => b.person({ birth: "2020-06-15", household: "H", from: "2024-08-01" }),
    },
    {
      name: "attended only after the as-of date: not seen as of the date",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", { 健診区分: "3歳児", 受診日: DAY_AFTER });
        return child;
      },
    },
    {
      name: "attended 3-4か月, missed 3歳児",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", { 健診区分: "3-4か月児", 受診日: "2020-10-01" });
        b.row(child, "nyuyoji_kenshin", { 健診区分: "3歳児", 受診日: null });
        return child;
      },
    },
  ],
  B04: [
    {
      name: "true at one checkup",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "3-4か月児",
          受診日: "2020-10-01",
          家に残して外出: false,
        });
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "1歳6か月児",
          受診日: "2022-01-01",
          家に残して外出: true,
        });
        return child;
      },
    },
    {
      name: "false or blank everywhere",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "3-4か月児",
          受診日: "2020-10-01",
          家に残して外出: false,
        });
        b.row(child, "nyuyoji_kenshin", { 健診区分: "3歳児", 受診日: null, 家に残して外出: null });
        return child;
      },
    },
  ],
  B05: [
    {
      name: "true",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "3歳児",
          受診日: "2023-12-01",
          長時間食事を与えなかった: true,
        });
        return child;
      },
    },
    {
      name: "answered at a checkup after the as-of date",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "3歳児",
          受診日: DAY_AFTER,
          長時間食事を与えなかった: true,
        });
        return child;
      },
    },
  ],
  B06: [
    {
      name: "true",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "3-4か月児",
          受診日: "2020-10-01",
          口をふさいだ: true,
        });
        return child;
      },
    },
    {
      name: "another item true, this one false",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "3-4か月児",
          受診日: "2020-10-01",
          口をふさいだ: false,
          激しく揺さぶった: true,
        });
        return child;
      },
    },
  ],
  B07: [
    {
      name: "true",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "1歳6か月児",
          受診日: "2022-01-01",
          激しく揺さぶった: true,
        });
        return child;
      },
    },
    { name: "no rows", expect: false, setup: (b) => family(b).child },
  ],
  B08: [
    {
      name: "percentile 2.9 at a checkup",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "1歳6か月児",
          受診日: "2022-01-01",
          体重パーセンタイル: 2.9,
        });
        return child;
      },
    },
    {
      name: "percentile 3 (not below 3)",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "1歳6か月児",
          受診日: "2022-01-01",
          体重パーセンタイル: 3,
        });
        return child;
      },
    },
    {
      name: "school checkup: boy aged 10, 140 cm, 28 kg → 肥満度 ≈ -21 %",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2014-01-10", household: "H", sex: "male" });
        // standard = 0.752 × 140 − 70.461 = 34.819; (28 − 34.819)/34.819 = −19.6 % … use 27.5 kg: −21.0 %
        b.row(c, "gakko_kenshin", { 検査日: "2024-05-10", 身長: 140, 体重: 27.5 });
        return c;
      },
    },
    {
      name: "school checkup: boy aged 10, 140 cm, 28 kg → 肥満度 -19.6 %",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2014-01-10", household: "H", sex: "male" });
        b.row(c, "gakko_kenshin", { 検査日: "2024-05-10", 身長: 140, 体重: 28 });
        return c;
      },
    },
  ],
  B09: [
    {
      name: "own valid 精神 手帳 F84.0",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "shogai_techo", {
          手帳種別: "精神",
          主たる精神障害コード: "F84.0",
          資格状態: "有効",
        });
        return child;
      },
    },
    {
      name: "own valid 精神 手帳 F32 (not developmental)",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "shogai_techo", {
          手帳種別: "精神",
          主たる精神障害コード: "F32",
          資格状態: "有効",
        });
        return child;
      },
    },
    {
      name: "F90 but 失効",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "shogai_techo", {
          手帳種別: "精神",
          主たる精神障害コード: "F90",
          資格状態: "失効",
        });
        return child;
      },
    },
    {
      name: "valid in an old snapshot, 返還 in the newer one",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(
          child,
          "shogai_techo",
          { 手帳種別: "精神", 主たる精神障害コード: "F84", 資格状態: "有効" },
          "2024-04-01",
        );
        b.row(
          child,
          "shogai_techo",
          { 手帳種別: "精神", 主たる精神障害コード: "F84", 資格状態: "返還" },
          "2024-09-01",
        );
        return child;
      },
    },
    {
      name: "a sibling's F84 手帳 is not B09",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const sib = b.person({ birth: "2016-01-01", household: "H", relationship: "子" });
        b.row(sib, "shogai_techo", {
          手帳種別: "精神",
          主たる精神障害コード: "F84.0",
          資格状態: "有効",
        });
        return child;
      },
    },
  ],
  B10: [
    {
      name: "expired certificate (発行歴)",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "shogaiji_jukyusha", {
          受給者証番号: "X1",
          決定日: "2022-04-01",
          有効期間終了日: "2023-03-31",
        });
        return child;
      },
    },
    {
      name: "decided after the as-of date",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "shogaiji_jukyusha", { 受給者証番号: "X1", 決定日: DAY_AFTER });
        return child;
      },
    },
  ],
  B11: [
    {
      name: "16 absences in 6 months (threshold 15)",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", { 集計開始日: "2024-04-01", 集計終了日: DAY_BEFORE, 欠席日数: 16 });
        return c;
      },
    },
    {
      name: "29 absences in 12 months (threshold 30)",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(
          c,
          "shukketsu",
          { 集計開始日: "2023-04-01", 集計終了日: "2024-03-31", 欠席日数: 29 },
          "2024-04-05",
        );
        return c;
      },
    },
    {
      name: "30 absences in 12 months",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", { 集計開始日: "2023-04-01", 集計終了日: "2024-03-31", 欠席日数: 30 });
        return c;
      },
    },
    {
      name: "14 absences in 6 months",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", { 集計開始日: "2024-04-01", 集計終了日: DAY_BEFORE, 欠席日数: 14 });
        return c;
      },
    },
    {
      name: "14 absences + 10 出席停止忌引 in 6 months (not added)",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", {
          集計開始日: "2024-04-01",
          集計終了日: DAY_BEFORE,
          欠席日数: 14,
          出席停止忌引等日数: 10,
        });
        return c;
      },
    },
    {
      name: "two terms summed: 8 (Apr–Jul) + 8 (Aug–Sep) over 6 months",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", { 集計開始日: "2024-04-01", 集計終了日: "2024-07-31", 欠席日数: 8 });
        b.row(c, "shukketsu", { 集計開始日: "2024-08-01", 集計終了日: DAY_BEFORE, 欠席日数: 8 });
        return c;
      },
    },
    {
      name: "cumulative exports not double counted: Apr–Jun 8, Apr–Sep 12",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", { 集計開始日: "2024-04-01", 集計終了日: "2024-06-30", 欠席日数: 8 });
        b.row(c, "shukketsu", { 集計開始日: "2024-04-01", 集計終了日: DAY_BEFORE, 欠席日数: 12 });
        return c;
      },
    },
  ],
  B12: [
    {
      name: "16 late in 6 months",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", {
          集計開始日: "2024-04-01",
          集計終了日: DAY_BEFORE,
          欠席日数: 0,
          遅刻日数: 16,
        });
        return c;
      },
    },
    {
      name: "29 late in 12 months",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", {
          集計開始日: "2023-04-01",
          集計終了日: "2024-03-31",
          欠席日数: 0,
          遅刻日数: 29,
        });
        return c;
      },
    },
    {
      name: "遅刻日数 blank",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shukketsu", {
          集計開始日: "2024-04-01",
          集計終了日: DAY_BEFORE,
          欠席日数: 40,
          遅刻日数: null,
        });
        return c;
      },
    },
  ],
  B13: [
    {
      name: "判定結果 要支援",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2011-05-05", household: "H" });
        b.row(c, "kokoro_check", { 実施日: "2024-06-01", 判定結果: "要支援", 希死念慮: false });
        return c;
      },
    },
    {
      name: "要観察 with 希死念慮",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2011-05-05", household: "H" });
        b.row(c, "kokoro_check", { 実施日: "2024-06-01", 判定結果: "要観察", 希死念慮: true });
        return c;
      },
    },
    {
      name: "要観察 only",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2011-05-05", household: "H" });
        b.row(c, "kokoro_check", { 実施日: "2024-06-01", 判定結果: "要観察", 希死念慮: false });
        return c;
      },
    },
  ],
  B14: [
    {
      name: "受診回数 0 for this child's pregnancy",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.motherRow(child, "ninpu_kenshin", {
          妊娠届出日: "2020-01-10",
          出産予定日: "2020-06-20",
          受診回数: 0,
        });
        return child;
      },
    },
    {
      name: "受診回数 3",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.motherRow(child, "ninpu_kenshin", {
          妊娠届出日: "2020-01-10",
          出産予定日: "2020-06-20",
          受診回数: 3,
        });
        return child;
      },
    },
    {
      name: "a sibling's pregnancy with 0 visits is not this child's",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const sib = b.person({ birth: "2022-02-01", household: "H", relationship: "子" });
        b.motherRow(sib, "ninpu_kenshin", {
          妊娠届出日: "2021-08-01",
          出産予定日: "2022-02-05",
          受診回数: 0,
        });
        return child;
      },
    },
  ],
  B15: [
    {
      name: "EPDS 9",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.motherRow(child, "sanpu_kenshin", { 健診日: "2020-07-10", EPDS合計点: 9, EPDS項目10: 0 });
        return child;
      },
    },
    {
      name: "EPDS 8",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.motherRow(child, "sanpu_kenshin", { 健診日: "2020-07-10", EPDS合計点: 8, EPDS項目10: 2 });
        return child;
      },
    },
  ],
  B16: [
    {
      name: "sibling holds a valid 療育 手帳",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        const sib = b.person({ birth: "2016-01-01", household: "H", relationship: "子" });
        b.row(sib, "shogai_techo", { 手帳種別: "療育", 資格状態: "有効" });
        return child;
      },
    },
    {
      name: "the child's own 手帳 is not B16",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "shogai_techo", { 手帳種別: "身体", 資格状態: "有効" });
        return child;
      },
    },
    {
      name: "father's 手帳 失効",
      expect: false,
      setup: (b) => {
        const { child, father } = family(b);
        b.row(father, "shogai_techo", { 手帳種別: "身体", 資格状態: "失効" });
        return child;
      },
    },
    {
      name: "grandmother in another 世帯 (世帯分離)",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const gm = b.person({ birth: "1955-01-01", household: "H2", relationship: "世帯主" });
        b.row(gm, "shogai_techo", { 手帳種別: "身体", 資格状態: "有効" });
        return child;
      },
    },
    {
      name: "a former member who moved out (消除日 before the date)",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const uncle = b.person({
          birth: "1985-01-01",
          household: "H",
          relationship: "その他",
          to: "2024-04-01",
        });
        b.row(uncle, "shogai_techo", { 手帳種別: "精神", 資格状態: "有効" });
        return child;
      },
    },
  ],
  B17: [
    {
      name: "mother on welfare, open",
      expect: true,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "seikatsu_hogo", { 開始年月日: "2023-01-01", 廃止年月日: null });
        return child;
      },
    },
    {
      name: "ended the day before the as-of date",
      expect: false,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "seikatsu_hogo", { 開始年月日: "2023-01-01", 廃止年月日: DAY_BEFORE });
        return child;
      },
    },
    {
      name: "廃止年月日 on the as-of date (the first day without)",
      expect: false,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "seikatsu_hogo", { 開始年月日: "2023-01-01", 廃止年月日: AS_OF });
        return child;
      },
    },
    {
      name: "ends the day after the as-of date",
      expect: true,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "seikatsu_hogo", { 開始年月日: "2023-01-01", 廃止年月日: DAY_AFTER });
        return child;
      },
    },
    {
      name: "starts the day after",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "seikatsu_hogo", { 開始年月日: DAY_AFTER });
        return child;
      },
    },
  ],
  B18: [
    {
      name: "mother receives 一部支給 (対象児童 blank)",
      expect: true,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "jido_fuyo", {
          支給区分: "一部支給",
          認定日: "2022-01-01",
          対象児童宛名番号: null,
        });
        return child;
      },
    },
    {
      name: "全部停止",
      expect: false,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "jido_fuyo", { 支給区分: "全部停止", 認定日: "2022-01-01" });
        return child;
      },
    },
    {
      name: "全部支給 earlier, now 全部停止",
      expect: false,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "jido_fuyo", { 支給区分: "全部支給", 認定日: "2020-01-01" });
        b.row(mother, "jido_fuyo", { 支給区分: "全部停止", 認定日: "2024-08-01" });
        return child;
      },
    },
    {
      name: "grandmother in another 世帯 names the child as 対象児童",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        const gm = b.person({ birth: "1960-01-01", household: "H9", relationship: "世帯主" });
        b.row(gm, "jido_fuyo", {
          支給区分: "全部支給",
          認定日: "2023-01-01",
          対象児童宛名番号: b.residentNo(child),
        });
        return child;
      },
    },
    {
      name: "recipient in another 世帯 naming another child",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const other = b.person({ birth: "2019-01-01", household: "H9", relationship: "子" });
        const gm = b.person({ birth: "1960-01-01", household: "H9", relationship: "世帯主" });
        b.row(gm, "jido_fuyo", {
          支給区分: "全部支給",
          認定日: "2023-01-01",
          対象児童宛名番号: b.residentNo(other),
        });
        return child;
      },
    },
  ],
  K01: [
    {
      name: "特別支援学級 in the newest 学齢簿",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2015-05-05", household: "H" });
        b.row(c, "gakureibo", { 学校名: "第一小学校", 学年: 4, 特別支援学級: true });
        return c;
      },
    },
    {
      name: "was 特別支援学級 last year, not in the newest 学齢簿",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2015-05-05", household: "H" });
        b.row(c, "gakureibo", { 学校名: "第一小学校", 学年: 3, 特別支援学級: true }, "2023-10-01");
        b.row(c, "gakureibo", { 学校名: "第一小学校", 学年: 4, 特別支援学級: false }, "2024-10-01");
        return c;
      },
    },
  ],
  K02: [
    {
      name: "mother's ひとり親 助成 ends on the as-of date (last valid day)",
      expect: true,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "iryohi_josei", {
          助成種別: "ひとり親",
          資格開始日: "2022-01-01",
          資格終了日: AS_OF,
        });
        return child;
      },
    },
    {
      name: "ended the day before",
      expect: false,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "iryohi_josei", {
          助成種別: "ひとり親",
          資格開始日: "2022-01-01",
          資格終了日: DAY_BEFORE,
        });
        return child;
      },
    },
    {
      name: "こども 助成 only",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "iryohi_josei", { 助成種別: "こども", 資格開始日: "2020-06-15" });
        return child;
      },
    },
  ],
  K03: [
    {
      name: "father's 障がい者 助成",
      expect: true,
      setup: (b) => {
        const { child, father } = family(b);
        b.row(father, "iryohi_josei", { 助成種別: "障がい者", 資格開始日: "2019-01-01" });
        return child;
      },
    },
    { name: "none", expect: false, setup: (b) => family(b).child },
  ],
  K04: [
    {
      name: "就学援助 in the previous 年度",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shugaku_enjo", { 認定年度: 2023, 区分: "準要保護" });
        return c;
      },
    },
    {
      name: "就学援助 two 年度 ago",
      expect: false,
      setup: (b) => {
        const c = b.person({ birth: "2013-05-05", household: "H" });
        b.row(c, "shugaku_enjo", { 認定年度: 2022, 区分: "準要保護" });
        return c;
      },
    },
  ],
  K05: [
    {
      name: "moved in 8 months ago",
      expect: true,
      setup: (b) => b.person({ birth: "2020-06-15", household: "H", from: "2024-02-01" }),
    },
    {
      name: "moved in 13 months ago",
      expect: false,
      setup: (b) => b.person({ birth: "2020-06-15", household: "H", from: "2023-09-01" }),
    },
    {
      name: "born 5 months ago (住定日 = birth date)",
      expect: false,
      setup: (b) => b.person({ birth: "2024-05-01", household: "H" }),
    },
  ],
  K06: [
    {
      name: "household-only 相談 (世帯番号, no 宛名番号)",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.householdRow("sodan_kiroku", {
          世帯番号: "H",
          相談日: "2023-03-01",
          相談分野: "児童虐待",
        });
        return child;
      },
    },
    {
      name: "another household's 相談",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.householdRow("sodan_kiroku", {
          世帯番号: "H7",
          相談日: "2023-03-01",
          相談分野: "児童虐待",
        });
        return child;
      },
    },
  ],
  K07: [
    {
      name: "mother's 養護 相談",
      expect: true,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "sodan_kiroku", { 相談日: "2024-01-01", 相談分野: "養護" });
        return child;
      },
    },
    {
      name: "相談 after the as-of date",
      expect: false,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "sodan_kiroku", { 相談日: DAY_AFTER, 相談分野: "養護" });
        return child;
      },
    },
  ],
  K08: [
    {
      name: "child's own 生活困窮 相談",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "sodan_kiroku", { 相談日: "2024-01-01", 相談分野: "生活困窮" });
        return child;
      },
    },
    {
      name: "その他 only",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "sodan_kiroku", { 相談日: "2024-01-01", 相談分野: "その他" });
        return child;
      },
    },
  ],
  K09: [
    {
      name: "障がい 相談",
      expect: true,
      setup: (b) => {
        const { child, father } = family(b);
        b.row(father, "sodan_kiroku", { 相談日: "2024-01-01", 相談分野: "障がい" });
        return child;
      },
    },
  ],
  K10: [
    {
      name: "DV 相談",
      expect: true,
      setup: (b) => {
        const { child, mother } = family(b);
        b.row(mother, "sodan_kiroku", { 相談日: "2024-01-01", 相談分野: "DV" });
        return child;
      },
    },
  ],
  K11: [
    {
      name: "three children aged ≤ 18",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.person({ birth: "2010-01-01", household: "H", relationship: "子" });
        b.person({ birth: "2006-10-01", household: "H", relationship: "子" }); // 18 on the date
        return child;
      },
    },
    {
      name: "third child is 19",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.person({ birth: "2010-01-01", household: "H", relationship: "子" });
        b.person({ birth: "2005-09-30", household: "H", relationship: "子" });
        return child;
      },
    },
  ],
  K12: [
    {
      name: "grandmother 要介護3, in effect",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        const gm = b.person({ birth: "1945-01-01", household: "H", relationship: "祖母" });
        b.row(gm, "kaigo_nintei", {
          要介護度: "要介護3",
          有効期間開始日: "2024-01-01",
          有効期間終了日: "2025-12-31",
        });
        return child;
      },
    },
    {
      name: "要支援2 only",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const gm = b.person({ birth: "1945-01-01", household: "H", relationship: "祖母" });
        b.row(gm, "kaigo_nintei", { 要介護度: "要支援2", 有効期間開始日: "2024-01-01" });
        return child;
      },
    },
    {
      name: "要介護1 expired the day before",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const gm = b.person({ birth: "1945-01-01", household: "H", relationship: "祖母" });
        b.row(gm, "kaigo_nintei", {
          要介護度: "要介護1",
          有効期間開始日: "2023-01-01",
          有効期間終了日: DAY_BEFORE,
        });
        return child;
      },
    },
  ],
  K13: [
    {
      name: "4-year-old, no nursery",
      expect: true,
      setup: (b) => family(b).child,
    },
    {
      name: "4-year-old enrolled",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "hoiku_zaiseki", {
          施設名: "ひかり保育園",
          入所日: "2022-04-01",
          退所日: null,
        });
        return child;
      },
    },
    {
      name: "left the nursery the day before",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "hoiku_zaiseki", {
          施設名: "ひかり保育園",
          入所日: "2022-04-01",
          退所日: DAY_BEFORE,
        });
        return child;
      },
    },
    {
      name: "2-year-old at home",
      expect: false,
      setup: (b) => family(b, "2022-05-01").child,
    },
    {
      name: "7-year-old (in school)",
      expect: false,
      setup: (b) => family(b, "2017-05-01").child,
    },
  ],
  K14: [
    {
      name: "2 caries",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", { 健診区分: "3歳児", 受診日: "2023-12-01", 虫歯数: 2 });
        return child;
      },
    },
    {
      name: "0 caries",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", { 健診区分: "3歳児", 受診日: "2023-12-01", 虫歯数: 0 });
        return child;
      },
    },
  ],
  K15: [
    {
      name: "mother smokes",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "3-4か月児",
          受診日: "2020-10-01",
          母親の喫煙: true,
        });
        return child;
      },
    },
  ],
  K16: [
    {
      name: "要フォロー",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "nyuyoji_kenshin", {
          健診区分: "3歳児",
          受診日: "2023-12-01",
          要フォロー: true,
        });
        return child;
      },
    },
  ],
  K17: [
    {
      name: "要精密検査",
      expect: true,
      setup: (b) => {
        const c = b.person({ birth: "2014-01-10", household: "H" });
        b.row(c, "gakko_kenshin", { 検査日: "2024-05-10", 要精密検査: true });
        return c;
      },
    },
  ],
  K18: [
    {
      name: "own valid 身体 手帳",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "shogai_techo", { 手帳種別: "身体", 資格状態: "有効" });
        return child;
      },
    },
    {
      name: "sibling's only",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        const sib = b.person({ birth: "2016-01-01", household: "H", relationship: "子" });
        b.row(sib, "shogai_techo", { 手帳種別: "身体", 資格状態: "有効" });
        return child;
      },
    },
  ],
  K19: [
    {
      name: "sibling had a 受給者証",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        const sib = b.person({ birth: "2016-01-01", household: "H", relationship: "子" });
        b.row(sib, "shogaiji_jukyusha", { 受給者証番号: "Y", 決定日: "2020-01-01" });
        return child;
      },
    },
    {
      name: "own 受給者証 only",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.row(child, "shogaiji_jukyusha", { 受給者証番号: "Y", 決定日: "2023-01-01" });
        return child;
      },
    },
  ],
  K20: [
    {
      name: "father's 精神 F90",
      expect: true,
      setup: (b) => {
        const { child, father } = family(b);
        b.row(father, "shogai_techo", {
          手帳種別: "精神",
          主たる精神障害コード: "F90.0",
          資格状態: "有効",
        });
        return child;
      },
    },
  ],
  K21: [
    {
      name: "EPDS 項目10 = 1",
      expect: true,
      setup: (b) => {
        const { child } = family(b);
        b.motherRow(child, "sanpu_kenshin", { 健診日: "2020-07-10", EPDS合計点: 5, EPDS項目10: 1 });
        return child;
      },
    },
    {
      name: "EPDS 項目10 blank",
      expect: false,
      setup: (b) => {
        const { child } = family(b);
        b.motherRow(child, "sanpu_kenshin", {
          健診日: "2020-07-10",
          EPDS合計点: 12,
          EPDS項目10: null,
        });
        return child;
      },
    },
  ],
};

describe("item catalog", () => {
  it("has a table of cases for every item", () => {
    expect(Object.keys(CASES).sort()).toEqual(DEFAULT_CATALOG.items.map((i) => i.id).sort());
  });

  for (const [item, cases] of Object.entries(CASES)) {
    describe(item, () => {
      it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
        expect(holds(c.setup, item)).toBe(c.expect);
      });
    });
  }
});

describe("who is scored", () => {
  const scored = (spec: Parameters<PopulationBuilder["person"]>[0]) => {
    const { ev, child } = run((b) => b.person(spec));
    return itemsOf(ev, child) !== undefined;
  };

  it("scores children aged 0–18 who are resident on the date", () => {
    expect(scored({ birth: "2006-10-01" })).toBe(true); // 18 today
    expect(scored({ birth: "2005-10-01" })).toBe(false); // 19 today
    expect(scored({ birth: "2005-10-02" })).toBe(true); // 19 tomorrow
    expect(scored({ birth: AS_OF })).toBe(true); // born today
    expect(scored({ birth: DAY_AFTER })).toBe(false);
    expect(scored({ birth: null })).toBe(false);
  });

  it("does not score a child who left (消除日 ≤ the date) or never was resident", () => {
    expect(scored({ birth: "2015-01-01", to: AS_OF })).toBe(false);
    expect(scored({ birth: "2015-01-01", to: DAY_AFTER })).toBe(true);
    expect(scored({ birth: "2015-01-01", from: DAY_AFTER })).toBe(false);
    expect(scored({ birth: "2015-01-01", resident: false })).toBe(false);
  });

  it("a child who moved out and back is scored in the household of the current stint", () => {
    const { ev, child } = run((b) => {
      const c = b.person({ birth: "2015-01-01", household: "OLD", to: "2020-01-01" });
      b.stint(c, { household: "NEW", from: "2022-01-01" });
      const sib = b.person({ birth: "2016-01-01", household: "NEW" });
      b.row(sib, "shogai_techo", { 手帳種別: "療育", 資格状態: "有効" });
      const old = b.person({ birth: "1950-01-01", household: "OLD" });
      b.row(old, "kaigo_nintei", { 要介護度: "要介護5" });
      return c;
    });
    const c = ev.children.find((x) => x.person === child);
    expect(c?.householdNo).toBe("NEW");
    expect(itemsOf(ev, child)).toContain("B16");
    expect(itemsOf(ev, child)).not.toContain("K12");
  });
});

describe("evidence", () => {
  it("names the item, files, rows, as-of and the value against the criterion", () => {
    const { ev, child } = run((b) => {
      const { child } = family(b);
      b.motherRow(child, "sanpu_kenshin", { 健診日: "2020-07-10", EPDS合計点: 12, EPDS項目10: 2 });
      return child;
    });
    const c = ev.children.find((x) => x.person === child) as ChildItems;
    const evidence = ev.evidence(c, ev.itemIds.indexOf("B15"));
    expect(evidence).toMatchObject({
      itemId: "B15",
      asOf: AS_OF,
      subject: "mother",
      observed: expect.stringContaining("EPDS合計点 12"),
      criterion: "EPDS合計点 ≥ 9",
      rows: [{ source: "sanpu_kenshin", file: "sanpu_kenshin.csv", row: 1, asOf: AS_OF }],
      notes: ["EPDS項目10 2"],
    });
    expect(evidenceText(evidence)).toBe(
      "B15 母: EPDS合計点 12、健診日 2020-07-10、EPDS項目10 2（基準 EPDS合計点 ≥ 9、2024-10-01時点） — sanpu_kenshin.csv 1行目（抽出日 2024-10-01）",
    );
  });

  it("prorates the attendance criterion in the text", () => {
    const { ev, child } = run((b) => {
      const c = b.person({ birth: "2013-05-05", household: "H" });
      b.row(c, "shukketsu", { 集計開始日: "2024-04-01", 集計終了日: DAY_BEFORE, 欠席日数: 16 });
      return c;
    });
    const c = ev.children.find((x) => x.person === child) as ChildItems;
    expect(c.items.map((k) => ev.itemIds[k])).toEqual(["B11"]);
    const evidence = ev.evidence(c, c.items[0] as number);
    expect(evidence.observed).toBe("2024年度 欠席16日（2024-04-01〜2024-09-30、6.0か月）");
    expect(evidence.criterion).toBe("欠席 ≥ 15日（年30日を6.0か月で按分）");
  });

  it("names a household member by person id and 続柄, never by name", () => {
    const { ev, child } = run((b) => {
      const { child, father } = family(b);
      b.row(father, "shogai_techo", { 手帳種別: "身体", 資格状態: "有効" });
      return child;
    });
    const c = ev.children.find((x) => x.person === child) as ChildItems;
    const evidence = ev.evidence(c, ev.itemIds.indexOf("B16"));
    expect(evidence.subject).toBe("member");
    expect(evidence.member).toEqual({ personId: "P00000002", relationship: "世帯主" });
    expect(evidenceText(evidence)).toContain("同一世帯の世帯主（P00000002）");
  });
});
