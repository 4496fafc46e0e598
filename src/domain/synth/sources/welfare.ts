/**
 * Welfare and support sources keyed by 宛名番号: shogai_techo, shogaiji_jukyusha, seikatsu_hogo,
 * jido_fuyo, shugaku_enjo, kaigo_nintei, iryohi_josei, sodan_kiroku, hoiku_zaiseki. Records
 * are history: they carry the 宛名番号 valid when they were made, so a returnee's old records
 * hold the old number. 福祉 systems write `令和6年4月1日` (issue 3); others as noted.
 */
import {
  addYears,
  type Day,
  dayOf,
  fiscalYearOf,
  schoolGradeOn,
  schoolStartDay,
} from "../calendar.ts";
import { BIT } from "../model.ts";
import { Rng } from "../random.ts";
import type { SourceTable, SynthRow } from "../table.ts";
import type { Household, Person, Stint, World } from "../world.ts";
import {
  DateWriter,
  districtOn,
  mix,
  residentNoAt,
  residentOn,
  residentSpans,
  stintAt,
} from "./common.ts";
import { schoolYear } from "./school.ts";

const CARE_LABELS = [
  "",
  "要支援1",
  "要支援2",
  "要介護1",
  "要介護2",
  "要介護3",
  "要介護4",
  "要介護5",
];

function lastStint(p: Person): Stint | undefined {
  return p.stints[p.stints.length - 1];
}

export function shogaiTecho(world: World): SourceTable {
  const header = ["宛名番号", "手帳種別", "等級", "主たる精神障害コード", "交付日", "資格状態"];
  return {
    source: "shogai_techo",
    file: "shogai_techo.csv",
    encoding: "utf8",
    newline: "\r\n",
    header,
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:shogai_techo");
      const dates = new DateWriter(["wareki"]);
      const items: { p: Person; i: number }[] = [];
      for (const p of world.persons)
        for (let i = 0; i < p.disabilities.length; i++) items.push({ p, i });
      items.sort(
        (a, b) =>
          (a.p.disabilities[a.i]?.issued ?? 0) - (b.p.disabilities[b.i]?.issued ?? 0) ||
          a.p.id - b.p.id,
      );
      for (const { p, i } of items) {
        const d = p.disabilities[i];
        if (!d) continue;
        // A certificate issued before the holder moved in is transferred: it carries the first 宛名番号.
        const left = lastStint(p)?.to != null;
        const status = left && rng.chance(0.5) ? "返還" : d.status;
        yield {
          person: p.id,
          cells: [
            residentNoAt(p, d.issued),
            d.kind,
            d.grade,
            d.icd,
            dates.write(d.issued, rng),
            status,
          ],
        };
      }
    },
  };
}

export function shogaijiJukyusha(world: World): SourceTable {
  return {
    source: "shogaiji_jukyusha",
    file: "shogaiji_jukyusha.csv",
    encoding: "utf8",
    newline: "\r\n",
    header: ["宛名番号", "受給者証番号", "決定日", "有効期間終了日"],
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:shogaiji_jukyusha");
      const dates = new DateWriter(["wareki"]);
      for (const p of world.persons) {
        for (const day of p.jukyushaDecisions) {
          if (!residentOn(p, day)) continue;
          yield {
            person: p.id,
            cells: [
              residentNoAt(p, day),
              p.jukyushaNo,
              dates.write(day, rng),
              dates.write(addYears(day, 1) - 1, rng),
            ],
          };
        }
      }
    },
  };
}

export function seikatsuHogo(world: World): SourceTable {
  return {
    source: "seikatsu_hogo",
    file: "seikatsu_hogo.csv",
    encoding: "utf8",
    newline: "\r\n",
    header: ["宛名番号", "保護世帯番号", "開始年月日", "廃止年月日"],
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:seikatsu_hogo");
      const dates = new DateWriter(["wareki"]);
      for (const hh of world.households) {
        const w = hh.welfare;
        if (!w) continue;
        const caseNo = String(100000 + (mix(hh.id, 11) % 900000));
        for (const id of hh.members) {
          const p = world.persons[id] as Person;
          for (const [a, b] of residentSpans(p, w.start, w.end ?? world.asOf)) {
            const ended = w.end !== null && b >= w.end ? w.end : b < world.asOf ? b : null;
            yield {
              person: p.id,
              cells: [
                residentNoAt(p, a),
                caseNo,
                dates.write(a, rng),
                ended === null ? "" : dates.write(ended, rng),
              ],
            };
          }
        }
      }
    },
  };
}

export function jidoFuyo(world: World): SourceTable {
  return {
    source: "jido_fuyo",
    file: "jido_fuyo.csv",
    encoding: "utf8",
    newline: "\r\n",
    header: ["受給者宛名番号", "対象児童宛名番号", "支給区分", "認定日"],
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:jido_fuyo");
      const dates = new DateWriter(["wareki"]);
      for (const hh of world.households) {
        if (!hh.jidoFuyo) continue;
        const ms = hh.members.map((id) => world.persons[id] as Person);
        const parent = ms.find((p) => p.role === "mother") ?? ms.find((p) => p.role === "father");
        if (!parent) continue;
        const stay = hh.stays[hh.stays.length - 1];
        if (!stay) continue;
        for (const child of ms) {
          if (child.role !== "child") continue;
          // Children up to the March after their 18th birthday (児童扶養手当法 §3).
          const until = dayOf(fiscalYearOf(addYears(child.birth, 18)) + 1, 3, 31);
          const from = Math.max(hh.singleSince, stay.from, child.birth) + 14 + rng.int(60);
          if (from >= world.asOf || from > until) continue;
          yield {
            person: parent.id,
            cells: [
              residentNoAt(parent, from),
              rng.chance(0.15) ? "" : residentNoAt(child, from),
              hh.jidoFuyo,
              dates.write(from, rng),
            ],
            related: [{ role: "target_child", person: child.id }],
          };
        }
      }
    },
  };
}

export function shugakuEnjo(world: World): SourceTable {
  return {
    source: "shugaku_enjo",
    file: "shugaku_enjo.csv",
    encoding: "utf8",
    newline: "\n",
    header: ["宛名番号", "認定年度", "区分"],
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:shugaku_enjo");
      const sy = schoolYear(world);
      for (const year of [sy.year - 1, sy.year]) {
        const start = dayOf(year, 4, 1);
        const end = Math.min(world.asOf, dayOf(year + 1, 4, 1));
        for (const p of world.persons) {
          if (p.role !== "child" || p.outsideSchool) continue;
          const grade = schoolGradeOn(p.birth, start);
          if (grade < 1 || grade > 9) continue;
          const spans = residentSpans(p, start, end);
          const first = spans[0];
          if (!first) continue;
          const hh = world.households[p.hh] as Household;
          const onWelfare =
            hh.welfare !== null &&
            hh.welfare.start < end &&
            (hh.welfare.end === null || hh.welfare.end > start);
          // 要保護: families on 生活保護; 準要保護: most poor families and some just above the line
          // (就学援助 ≈ 14 % of pupils nationally, 文科省 2022).
          const kind = onWelfare
            ? "要保護"
            : rng.chance(
                  hh.poverty
                    ? 0.75
                    : hh.nearPoor
                      ? 0.5
                      : 0.012 + ((p.difficulties & BIT.truancy) !== 0 ? 0.02 : 0),
                )
              ? "準要保護"
              : "";
          if (kind === "") continue;
          yield { person: p.id, cells: [residentNoAt(p, first[0]), String(year), kind] };
        }
      }
    },
  };
}

export function kaigoNintei(world: World): SourceTable {
  return {
    source: "kaigo_nintei",
    file: "kaigo_nintei.csv",
    encoding: "utf8bom",
    newline: "\r\n",
    header: ["宛名番号", "要介護度", "有効期間開始日", "有効期間終了日"],
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:kaigo_nintei");
      const dates = new DateWriter(["iso"]);
      for (const p of world.persons) {
        if (p.careLevel === 0) continue;
        // Certifications run 12 months and are renewed; the file holds the current and the previous one.
        let start = p.careStart;
        const periods: [Day, number][] = [];
        while (start < world.asOf) {
          periods.push([
            start,
            periods.length === 0 ? Math.max(1, p.careLevel - rng.int(2)) : p.careLevel,
          ]);
          start = addYears(start, 1);
        }
        for (const [s, level] of periods.slice(-2)) {
          if (!residentOn(p, s)) continue;
          yield {
            person: p.id,
            cells: [
              residentNoAt(p, s),
              CARE_LABELS[level] as string,
              dates.write(s, rng),
              dates.write(addYears(s, 1) - 1, rng),
            ],
          };
        }
      }
    },
  };
}

export function iryohiJosei(world: World): SourceTable {
  return {
    source: "iryohi_josei",
    file: "iryohi_josei.csv",
    encoding: "utf8",
    newline: "\n",
    header: ["宛名番号", "助成種別", "資格開始日", "資格終了日"],
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:iryohi_josei");
      const dates = new DateWriter(["slash0"]);
      const window = world.periodStart;
      /** A qualification [from, to); `to` at or after as-of is still open (blank 資格終了日). */
      const row = (p: Person, kind: string, from: Day, to: Day | null): SynthRow | undefined => {
        if (from >= world.asOf || (to !== null && to <= from)) return undefined;
        const open = to === null || to >= world.asOf;
        return {
          person: p.id,
          cells: [
            residentNoAt(p, from),
            kind,
            dates.write(from, rng),
            open ? "" : dates.write(to - 1, rng),
          ],
        };
      };
      for (const hh of world.households) {
        const ms = hh.members.map((id) => world.persons[id] as Person);
        const single = hh.kind === "single_mother" || hh.kind === "single_father";
        // ひとり親医療費助成: single-parent families under the income limit (開成町 found it related, reference/004).
        const singleAid = single && hh.jidoFuyo !== "全部停止" && (hh.poverty || rng.chance(0.6));
        for (const p of ms) {
          for (const st of p.stints) {
            const to = st.to;
            if (to !== null && to <= window) continue;
            const from = Math.max(st.from, p.birth);
            if (p.role === "child") {
              // こども医療費助成 until the March after the 15th birthday (中学校卒業まで).
              const until = dayOf(fiscalYearOf(addYears(p.birth, 15)) + 1, 4, 1);
              const end = to === null ? until : Math.min(to, until);
              const r = end > window ? row(p, "こども", from, end) : undefined;
              if (r) yield r;
            }
            if (singleAid && (p.role !== "child" || p.birth > addYears(world.asOf, -19))) {
              const r = row(p, "ひとり親", Math.max(from, hh.singleSince), to);
              if (r) yield r;
            }
            const severe = p.disabilities.find(
              (d) =>
                d.status === "有効" &&
                (d.grade === "1級" || d.grade === "2級" || d.grade === "A1" || d.grade === "A2"),
            );
            if (severe && !(severe.kind === "精神" && severe.grade === "2級")) {
              const r = row(p, "障がい者", Math.max(from, severe.issued), to);
              if (r) yield r;
            }
          }
        }
      }
    },
  };
}

export function sodanKiroku(world: World): SourceTable {
  const header = ["宛名番号", "世帯番号", "相談日", "相談分野"];
  return {
    source: "sodan_kiroku",
    file: "sodan_kiroku.csv",
    encoding: "utf8bom",
    newline: "\r\n",
    header,
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:sodan_kiroku");
      const dates = new DateWriter(["wareki", "slash0"], [0.6, 0.4], 0.05);
      const all = world.households.flatMap((hh) => hh.consultations.map((c) => ({ hh, c })));
      all.sort((a, b) => a.c.day - b.c.day || a.hh.id - b.hh.id);
      for (const { c } of all) {
        const p = world.persons[c.person] as Person;
        const st = stintAt(p, c.day);
        if (!st) continue;
        const cells = [
          c.byHousehold ? "" : st.residentNo,
          c.byHousehold || rng.chance(0.3) ? st.householdNo : "",
          dates.write(c.day, rng),
          c.field,
        ];
        if (rng.chance(1 / 200)) {
          cells[0] = "";
          cells[1] = "";
          yield {
            person: p.id,
            cells,
            broken: { column: "宛名番号", problem: "neither 宛名番号 nor 世帯番号" },
          };
          continue;
        }
        yield { person: p.id, cells };
      }
    },
  };
}

export function hoikuZaiseki(world: World): SourceTable {
  return {
    source: "hoiku_zaiseki",
    file: "hoiku_zaiseki.csv",
    encoding: "utf8bom",
    newline: "\r\n",
    header: ["宛名番号", "施設名", "入所日", "退所日"],
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:hoiku_zaiseki");
      const dates = new DateWriter(["iso"]);
      for (const p of world.persons) {
        if (p.role !== "child") continue;
        // Leaves at the end of March before 小1.
        const graduation = schoolStartDay(p.birth);
        if (graduation <= world.periodStart) continue;
        const hh = world.households[p.hh] as Household;
        const has = (b: number) => (p.difficulties & b) !== 0;
        // Age at entry (0–4) or never: ≈ 93 % of 3–5 year-olds attend (こども家庭庁 2023);
        // children at risk of abuse or in poverty attend less (開成町: no nursery ⇒ risk, reference/004).
        let never = 0.07;
        if (has(BIT.abuse)) never += 0.2;
        if (hh.poverty) never += 0.05;
        if (hh.foreign === "all") never += 0.1;
        const entryAge = rng.weighted([0.15, 0.3, 0.1, 0.3, 0.08, never]);
        if (entryAge === 5) continue;
        const fy = fiscalYearOf(addYears(p.birth, entryAge)) + (entryAge === 0 ? 1 : 0);
        let entry = rng.chance(0.8) ? dayOf(fy, 4, 1) : dayOf(fy, 4, 1) + rng.int(300);
        if (entry >= graduation || entry >= world.asOf) continue;
        const st = stintAt(p, entry);
        if (!st) continue;
        if (entry < st.from) entry = st.from + 30 + rng.int(90);
        const exit = st.to !== null && st.to < graduation ? st.to : graduation;
        if (entry >= exit || exit <= world.periodStart || entry >= world.asOf) continue;
        const d = world.districts[districtOn(world, p, entry)];
        if (!d) continue;
        const facility = d.nurseries[mix(p.id, 23) % d.nurseries.length] as string;
        yield {
          person: p.id,
          cells: [
            residentNoAt(p, entry),
            facility,
            dates.write(entry, rng),
            exit < world.asOf ? dates.write(exit - 1, rng) : "",
          ],
        };
      }
    },
  };
}
