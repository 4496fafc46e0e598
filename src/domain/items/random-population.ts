/**
 * Seeded random populations of PersonFacts for the reference test (scorer ==
 * a naive re-implementation) and the scoring benchmark. Not a model of a
 * municipality (that is synth/): values are drawn so that every edge of the
 * item semantics comes up often — dates on the day before, of and after the
 * as-of date, values on each side of every threshold, blanks, renewed and
 * returned certificates, several snapshots, overlapping attendance exports,
 * moves between households and out of the municipality.
 */
import { seededRandom } from "../linkage/random.ts";
import type { PersonId } from "../linkage/types.ts";
import type { HouseholdNo, IsoDate, ResidentNo, SourceId } from "../types.ts";
import type { Value } from "../validate.ts";
import type { Sex } from "../values.ts";
import { addMonths, dayOf, isoOfDay } from "./dates.ts";
import type { PersonFacts, Population, ResidencePeriod, SourceRow } from "./facts.ts";

export interface RandomPopulationOptions {
  readonly households: number;
  readonly seed: number;
  readonly asOf: IsoDate;
  /** Probability scale of rows (1: the default density). */
  readonly density?: number;
}

class Draw {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = seededRandom(seed);
  }
  u(): number {
    return this.r();
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)] as T;
  }
}

export function randomPopulation(o: RandomPopulationOptions): Population {
  const d = new Draw(o.seed);
  const density = o.density ?? 1;
  const asOf = dayOf(o.asOf);
  const persons: PersonFacts[] = [];
  const householdRows: SourceRow[] = [];
  const counters = new Map<string, number>();
  const snapshots = [o.asOf, isoOfDay(asOf - 92)] as const;

  const ref = (source: string, asOfIso: string = o.asOf) => {
    const n = (counters.get(source) ?? 0) + 1;
    counters.set(source, n);
    return { source: source as SourceId, file: `${source}.csv`, row: n, asOf: asOfIso as IsoDate };
  };
  const row = (source: string, values: Record<string, Value>, asOfIso?: string): SourceRow => ({
    ...ref(source, asOfIso),
    values,
  });
  /** A date near the as-of date: often exactly the day before, of or after. */
  const nearDate = (spanDays: number): string => {
    const k = d.u();
    if (k < 0.08) return isoOfDay(asOf - 1);
    if (k < 0.14) return isoOfDay(asOf);
    if (k < 0.2) return isoOfDay(asOf + 1);
    return isoOfDay(asOf - d.int(-30, spanDays));
  };
  const maybe = <T>(p: number, v: T): T | null => (d.chance(p) ? v : null);
  const bool = (pTrue: number): boolean | null => (d.chance(0.1) ? null : d.chance(pTrue));
  const p = (x: number) => Math.min(1, x * density);

  for (let h = 0; h < o.households; h++) {
    const hh = `H${h + 1}`;
    const members: { index: number; child: boolean; birth: number }[] = [];
    const addPerson = (birth: number, relationship: string, child: boolean): number => {
      const i = persons.length;
      const residentNo = `A${i + 1}` as ResidentNo;
      const residence: ResidencePeriod[] = [];
      const residentNos: ResidentNo[] = [residentNo];
      if (!d.chance(0.02)) {
        // 住定日: birth, or a move-in within the last years (some exactly a year ago).
        let from: string | null = isoOfDay(birth);
        if (d.chance(0.15)) from = isoOfDay(Math.max(birth, asOf - d.int(0, 800)));
        if (d.chance(0.03)) from = isoOfDay(addMonths(asOf, -12) + d.int(-1, 1));
        if (d.chance(0.02)) from = null;
        let to: string | null = null;
        if (d.chance(0.05)) to = nearDate(400);
        const snapshot = d.chance(0.1) ? (snapshots[1] as string) : o.asOf;
        residence.push({
          residentNo,
          householdNo: hh as HouseholdNo,
          relationship,
          from: from as IsoDate | null,
          to: to as IsoDate | null,
          ref: ref("jumin", snapshot),
        });
        // The same 宛名番号 in an older snapshot, without the 消除日 a newer one has.
        if (to !== null && d.chance(0.3)) {
          residence.push({
            residentNo,
            householdNo: hh as HouseholdNo,
            relationship,
            from: from as IsoDate | null,
            to: null,
            ref: ref("jumin", snapshots[1]),
          });
        }
        // Moved out earlier under another 宛名番号 (another household).
        if (d.chance(0.02)) {
          const old = `A${i + 1}b` as ResidentNo;
          residentNos.push(old);
          residence.push({
            residentNo: old,
            householdNo: `H${d.int(1, o.households)}` as HouseholdNo,
            relationship: "その他",
            from: isoOfDay(birth) as IsoDate,
            to: isoOfDay(Math.min(asOf - 200, birth + 400)) as IsoDate,
            ref: ref("jumin"),
          });
        }
      }
      persons.push({
        personId: `P${String(i + 1).padStart(8, "0")}` as PersonId,
        birthDate: d.chance(0.005) ? null : (isoOfDay(birth) as IsoDate),
        sex: d.pick<Sex>(["male", "female", "female", "male", "unknown"]),
        residentNos,
        residence,
        rows: [],
        motherRows: [],
      });
      members.push({ index: i, child, birth });
      return i;
    };

    const adults = d.int(1, 2);
    for (let a = 0; a < adults; a++)
      addPerson(asOf - d.int(22 * 365, 50 * 365), a === 0 ? "世帯主" : "妻", false);
    if (d.chance(0.12)) addPerson(asOf - d.int(62 * 365, 90 * 365), "祖母", false);
    const kids = d.pick([1, 1, 2, 2, 2, 3, 3, 4]);
    for (let k = 0; k < kids; k++) {
      // Ages 0–19 so that the 18/19 boundary is crossed; some born after the as-of date.
      const birth = d.chance(0.01) ? asOf + d.int(0, 20) : asOf - d.int(0, 19 * 365 + 10);
      addPerson(birth, "子", true);
    }

    for (const m of members) {
      const person = persons[m.index] as PersonFacts;
      const rows = person.rows as SourceRow[];
      const birth = m.birth;
      const age = (asOf - birth) / 365.25;
      // Household-level sources, on any member.
      if (d.chance(p(0.05))) {
        rows.push(
          row("seikatsu_hogo", {
            開始年月日: nearDate(2000),
            廃止年月日: maybe(0.4, nearDate(300)),
          }),
        );
      }
      if (!m.child && d.chance(p(0.1))) {
        const target = d.chance(0.5)
          ? null
          : d.chance(0.8)
            ? (persons[(members.find((x) => x.child) ?? m).index] as PersonFacts).residentNos[0]
            : `A${d.int(1, Math.max(1, persons.length))}`;
        const n = d.int(1, 2);
        for (let k = 0; k < n; k++) {
          rows.push(
            row("jido_fuyo", {
              対象児童宛名番号: target ?? null,
              支給区分: d.pick(["全部支給", "一部支給", "全部停止"]),
              認定日: maybe(0.9, nearDate(2000)),
            }),
          );
        }
      }
      if (d.chance(p(0.06))) {
        const kind = d.pick(["身体", "療育", "精神"]);
        rows.push(
          row(
            "shogai_techo",
            {
              手帳種別: kind,
              主たる精神障害コード:
                kind === "精神"
                  ? d.pick(["F84.0", "F90", "F32", "F79", "F98.9", "F99", null])
                  : null,
              交付日: maybe(0.8, nearDate(3000)),
              資格状態: d.pick(["有効", "有効", "有効", "失効", "返還"]),
            },
            d.chance(0.3) ? snapshots[1] : o.asOf,
          ),
        );
        if (d.chance(0.3)) {
          rows.push(
            row("shogai_techo", {
              手帳種別: kind,
              主たる精神障害コード: "F84",
              交付日: nearDate(100),
              資格状態: d.pick(["有効", "返還"]),
            }),
          );
        }
      }
      if (d.chance(p(0.05))) {
        rows.push(
          row("iryohi_josei", {
            助成種別: d.pick(["ひとり親", "障がい者", "こども"]),
            資格開始日: maybe(0.9, nearDate(2000)),
            資格終了日: maybe(0.5, nearDate(300)),
          }),
        );
      }
      if (d.chance(p(0.05))) {
        rows.push(
          row("shugaku_enjo", {
            認定年度: d.int(2018, 2026),
            区分: d.pick(["要保護", "準要保護"]),
          }),
        );
      }
      if (!m.child && age > 60 && d.chance(p(0.4))) {
        rows.push(
          row("kaigo_nintei", {
            要介護度: d.pick(["要支援1", "要支援2", "要介護1", "要介護3", "要介護5"]),
            有効期間開始日: maybe(0.9, nearDate(700)),
            有効期間終了日: maybe(0.8, nearDate(200)),
          }),
        );
      }
      if (d.chance(p(0.06))) {
        rows.push(
          row("sodan_kiroku", {
            相談日: nearDate(2000),
            相談分野: d.pick(["児童虐待", "養護", "生活困窮", "障がい", "DV", "その他"]),
          }),
        );
      }
      if (!m.child) continue;

      // Child-level sources.
      if (d.chance(p(0.03)))
        rows.push(row("yotaikyo", { 登録日: nearDate(3000), 終結日: maybe(0.5, nearDate(500)) }));
      if (d.chance(p(0.01)))
        rows.push(row("ichiji_hogo", { 保護開始日: nearDate(3000), 保護解除日: null }));
      if (d.chance(p(0.04))) {
        rows.push(
          row("shogaiji_jukyusha", {
            受給者証番号: `J${m.index}`,
            決定日: nearDate(2000),
            有効期間終了日: maybe(0.7, nearDate(300)),
          }),
        );
      }
      if (age < 7) {
        for (const kind of ["3-4か月児", "1歳6か月児", "3歳児"]) {
          if (!d.chance(p(0.7))) continue;
          const seen = d.chance(0.85);
          const values: Record<string, Value> = {
            健診区分: kind,
            受診日: seen ? nearDate(2000) : null,
            体重パーセンタイル: seen ? d.pick([1, 2.9, 3, 10, 50, null]) : null,
            家に残して外出: seen ? bool(0.05) : null,
            長時間食事を与えなかった: seen ? bool(0.03) : null,
            口をふさいだ: seen ? bool(0.03) : null,
            激しく揺さぶった: seen ? bool(0.02) : null,
            虫歯数: seen ? d.pick([0, 0, 0, 1, 4, null]) : null,
            母親の喫煙: seen ? bool(0.1) : null,
            要フォロー: seen ? bool(0.1) : null,
          };
          rows.push(row("nyuyoji_kenshin", values));
          if (!seen && d.chance(0.3))
            rows.push(row("nyuyoji_kenshin", { 健診区分: kind, 受診日: nearDate(800) }));
        }
        if (d.chance(p(0.6))) {
          rows.push(
            row("hoiku_zaiseki", {
              施設名: "ひかり保育園",
              入所日: nearDate(1500),
              退所日: maybe(0.3, nearDate(200)),
            }),
          );
        }
        if (d.chance(p(0.8))) {
          (person.motherRows as SourceRow[]).push(
            row("ninpu_kenshin", {
              妊娠届出日: isoOfDay(birth - 200),
              出産予定日: isoOfDay(birth + d.int(-10, 10)),
              受診回数: d.pick([0, 0, 3, 12]),
            }),
          );
          if (d.chance(0.2)) {
            (person.motherRows as SourceRow[]).push(
              row(
                "ninpu_kenshin",
                {
                  妊娠届出日: isoOfDay(birth - 150),
                  出産予定日: isoOfDay(birth),
                  受診回数: d.pick([0, 5]),
                },
                snapshots[1],
              ),
            );
          }
          (person.motherRows as SourceRow[]).push(
            row("sanpu_kenshin", {
              健診日: isoOfDay(birth + d.int(10, 40)),
              EPDS合計点: d.pick([0, 5, 8, 9, 15]),
              EPDS項目10: d.pick([0, 0, 1, 3, null]),
            }),
          );
        }
      } else if (age >= 6) {
        // School data: overlapping or disjoint attendance exports across two school years.
        for (const y of [0, 1]) {
          if (!d.chance(p(0.9))) continue;
          const fyStart = dayOf(`${2024 - y}-04-01`);
          const months = d.pick([3, 6, 6, 12]);
          // Usually ends before the as-of date; sometimes the export states the whole planned period.
          const end = d.chance(0.15)
            ? addMonths(fyStart, 12) - 1
            : Math.min(addMonths(fyStart, months) - 1, asOf - 1);
          if (end < fyStart) continue;
          rows.push(
            row(
              "shukketsu",
              {
                学校名: "第一中学校",
                集計開始日: isoOfDay(fyStart),
                集計終了日: isoOfDay(end),
                欠席日数: d.pick([0, 3, 14, 15, 16, 29, 30, 45]),
                遅刻日数: d.pick([0, 5, 15, 16, 30, null]),
                出席停止忌引等日数: d.pick([0, 2, 10, null]),
              },
              d.chance(0.2) ? snapshots[1] : o.asOf,
            ),
          );
          if (d.chance(0.2)) {
            rows.push(
              row("shukketsu", {
                学校名: "第一中学校",
                集計開始日: isoOfDay(fyStart),
                集計終了日: isoOfDay(Math.min(addMonths(fyStart, 2) - 1, end)),
                欠席日数: d.pick([5, 10]),
                遅刻日数: 3,
              }),
            );
          }
        }
        if (d.chance(p(0.8))) {
          const height = 110 + (age - 6) * 5.5 + d.int(-10, 10);
          rows.push(
            row("gakko_kenshin", {
              検査日: nearDate(300),
              身長: height,
              体重: Math.max(15, Math.round((height * 0.3 - 10 + d.int(-6, 6)) * 10) / 10),
              要精密検査: bool(0.05),
              性別: d.pick(["male", "female", "unknown"]),
              生年月日: isoOfDay(birth),
            }),
          );
        }
        if (d.chance(p(0.9))) {
          rows.push(
            row(
              "gakureibo",
              { 学校名: "第一中学校", 学年: 1, 特別支援学級: bool(0.05) },
              snapshots[1],
            ),
          );
          if (d.chance(0.5))
            rows.push(
              row("gakureibo", { 学校名: "第一中学校", 学年: 2, 特別支援学級: bool(0.05) }),
            );
        }
        if (age >= 10 && d.chance(p(0.5))) {
          rows.push(
            row("kokoro_check", {
              実施日: nearDate(300),
              判定結果: d.pick(["要支援", "要観察", "問題なし", "問題なし"]),
              希死念慮: bool(0.05),
            }),
          );
        }
      }
    }
    if (d.chance(p(0.03))) {
      householdRows.push(
        row("sodan_kiroku", {
          世帯番号: hh,
          相談日: nearDate(2000),
          相談分野: d.pick(["児童虐待", "養護", "生活困窮", "障がい", "DV"]),
        }),
      );
    }
  }
  return { persons, householdRows };
}
