/**
 * School sources: gakureibo (学齢簿, the board of education's register, keyed by 宛名番号) and
 * the three 校務 files — shukketsu (出欠), gakko_kenshin (健康診断), kokoro_check (心の健康
 * チェック) — which carry no 宛名番号 and are matched on name, birth date and sex (2024 final
 * report §2.4: "校務支援システムのデータは宛名番号を保持しておらず"). 校務 files are CP932 with
 * CRLF, dates `2024/4/1`, names as each school typed them: common forms for 異体字, hiragana
 * readings at some schools, occasional kana slips and transposed digits in 生年月日 — the same
 * slip in all three files, because they come from one student master.
 *
 * Everything covers the school year that ends the data period (April to the day before
 * as-of); a student who moved in or out has a partial year, and one who moved within the
 * municipality has two rows at two schools.
 */
import {
  ageOn,
  type Day,
  dayOf,
  fiscalYearOf,
  formatDay,
  schoolGradeOn,
  ymdOf,
} from "../calendar.ts";
import { ALIAS_USE, BIT } from "../model.ts";
import { logistic, Rng } from "../random.ts";
import type { SourceTable, SynthRow } from "../table.ts";
import type { Household, Person, World } from "../world.ts";
import {
  DateWriter,
  districtOn,
  mix,
  type NameStyle,
  renderName,
  residentNoAt,
  residentOn,
  residentSpans,
  transposedBirth,
  writeBool,
  writeSex,
} from "./common.ts";

/** The school year of the data period: April of the year before as-of (or of as-of itself) to as-of. */
export function schoolYear(world: World): { year: number; start: Day; end: Day } {
  const year = fiscalYearOf(world.asOf - 1);
  return { year, start: dayOf(year, 4, 1), end: Math.min(world.asOf, dayOf(year + 1, 4, 1)) };
}

interface Enrolment {
  readonly p: Person;
  readonly school: string;
  readonly grade: number;
  classNo: number;
  readonly from: Day;
  readonly to: Day;
  readonly name: string;
  readonly kana: string;
  /** Birth date as the school master holds it (possibly with a transposition slip). */
  readonly birth: [number, number, number];
  readonly birthSlip: boolean;
}

const rosters = new WeakMap<World, Enrolment[]>();

/** Style of one school's typing, fixed by the school's name. */
function schoolStyle(school: string): NameStyle {
  let h = 0;
  for (let i = 0; i < school.length; i++) h = (Math.imul(h, 31) + school.charCodeAt(i)) >>> 0;
  return {
    kanji: "typed",
    foldP: 0.85,
    gaijiMark: h % 5 === 0 ? "●" : "〓",
    space: (["full", "half", "none", "full", "half"] as const)[h % 5] as NameStyle["space"],
    kana: h % 10 < 3 ? "hiragana" : "katakana",
    longVowelP: 0.04,
    jiZuP: 0.3,
    vuP: 0.3,
    typoP: 0.02,
    foreignKatakanaP: 0.7,
    fullWidthAlphabet: false,
    kanaAltP: 0.3,
    aliasP: ALIAS_USE.school,
  };
}

/** Students of the municipal schools in the school year, with their 校務 master data. */
export function schoolRoster(world: World): Enrolment[] {
  const cached = rosters.get(world);
  if (cached) return cached;
  const rng = Rng.derive(world.seed, "school-master");
  const sy = schoolYear(world);
  const out: Enrolment[] = [];
  for (const p of world.persons) {
    if (p.role !== "child" || p.outsideSchool) continue;
    const grade = schoolGradeOn(p.birth, sy.start);
    if (grade < 1 || grade > 9) continue;
    const spans = residentSpans(p, sy.start, sy.end);
    if (spans.length === 0) continue;
    const slipped = rng.chance(0.005) ? transposedBirth(p.birth) : undefined;
    let master: { name: string; kana: string } | undefined;
    for (const [a, b] of spans) {
      // A move within the municipality during the span splits it at the move day.
      const hh = world.households[p.hh] as Household;
      const cuts: [Day, Day][] =
        hh.relocation && hh.relocation.day > a && hh.relocation.day < b
          ? [
              [a, hh.relocation.day],
              [hh.relocation.day, b],
            ]
          : [[a, b]];
      for (const [from, to] of cuts) {
        const d = world.districts[districtOn(world, p, from)];
        if (!d) continue;
        const school = grade <= 6 ? d.elementary : d.juniorHigh;
        const prev = out[out.length - 1];
        if (prev && prev.p === p && prev.school === school && prev.to === from) {
          out[out.length - 1] = { ...prev, to };
          continue;
        }
        master ??= (() => {
          // The 校務 master is typed when the child enrols for the year and keeps that name
          // until the next school year, even if the registry's changes meanwhile.
          const [name, kana] = renderName(p, schoolStyle(school), rng, from);
          return { name, kana };
        })();
        out.push({
          p,
          school,
          grade: grade <= 6 ? grade : grade - 6,
          classNo: 0,
          from,
          to,
          name: master.name,
          kana: master.kana,
          birth: slipped ?? ymdOf(p.birth),
          birthSlip: slipped !== undefined,
        });
      }
    }
  }
  // Classes of at most 35 (公立義務教育諸学校の学級編制 標準法), students spread over them.
  const counts = new Map<string, number>();
  for (const e of out)
    counts.set(`${e.school}|${e.grade}`, (counts.get(`${e.school}|${e.grade}`) ?? 0) + 1);
  for (const e of out) {
    const classes = Math.max(1, Math.ceil((counts.get(`${e.school}|${e.grade}`) ?? 1) / 35));
    e.classNo = 1 + (mix(e.p.id, 17) % classes);
  }
  out.sort((a, b) =>
    a.school < b.school
      ? -1
      : a.school > b.school
        ? 1
        : a.grade - b.grade ||
          a.classNo - b.classNo ||
          (a.kana < b.kana ? -1 : a.kana > b.kana ? 1 : a.p.id - b.p.id),
  );
  rosters.set(world, out);
  return out;
}

function birthCell(e: Enrolment, style: "slash" | "slash0"): string {
  const [y, m, d] = e.birth;
  return formatDay(dayOf(y, m, d), style);
}

/** Schools break about one row in 800 (a blank 生年月日 or an impossible date). */
const BROKEN_RATE = 1 / 800;

function breakRow(
  cells: string[],
  header: readonly string[],
  rng: Rng,
  dates: DateWriter,
  day: Day,
  required: readonly string[],
): SynthRow["broken"] {
  if (rng.chance(0.5)) {
    const column = rng.pick(required);
    cells[header.indexOf(column)] = "";
    return { column, problem: "required value missing" };
  }
  const column = "生年月日";
  cells[header.indexOf(column)] = dates.impossible(day, rng);
  return { column, problem: "impossible date" };
}

export function gakureibo(world: World): SourceTable {
  const header = [
    "宛名番号",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "学校名",
    "学年",
    "特別支援学級",
  ];
  const style: NameStyle = {
    kanji: "jis0208",
    foldP: 0,
    gaijiMark: "〓",
    space: "half",
    kana: "katakana",
    longVowelP: 0,
    jiZuP: 0,
    vuP: 0,
    typoP: 0,
    foreignKatakanaP: 0,
    fullWidthAlphabet: false,
    kanaAltP: 0,
    aliasP: 0,
  };
  return {
    source: "gakureibo",
    file: "gakureibo.csv",
    encoding: "utf8",
    newline: "\r\n",
    header,
    *rows() {
      const rng = Rng.derive(world.seed, "src:gakureibo");
      const sy = schoolYear(world);
      const dates = new DateWriter(["iso"]);
      const last = world.asOf - 1;
      for (const p of world.persons) {
        if (p.role !== "child" || !residentOn(p, last)) continue;
        const grade = schoolGradeOn(p.birth, sy.start);
        if (grade < 1 || grade > 9) continue;
        const d = world.districts[districtOn(world, p, last)];
        if (!d) continue;
        const school = p.outsideSchool
          ? outsideSchoolName(p, grade)
          : grade <= 6
            ? d.elementary
            : d.juniorHigh;
        const [name, kana] = renderName(p, style, rng);
        yield {
          person: p.id,
          cells: [
            residentNoAt(p, last),
            name,
            kana,
            dates.write(p.birth, rng),
            writeSex(p.sex, "12"),
            school,
            String(grade <= 6 ? grade : grade - 6),
            writeBool(p.specialClass, "10"),
          ],
        };
      }
    },
  };
}

function outsideSchoolName(p: Person, grade: number): string {
  const k = mix(p.id, 5) % 4;
  if (p.specialClass && k === 0) return "県立みらい特別支援学校";
  if (grade <= 6) return k % 2 === 0 ? "国立大学附属小学校" : "私立聖マリア学園小学校";
  return (
    ["私立青雲中学校", "国立大学附属中学校", "私立桜蔭学園中学校", "県立中等教育学校"] as const
  )[k] as string;
}

export function shukketsu(world: World): SourceTable {
  const header = [
    "学校名",
    "学年",
    "組",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "集計開始日",
    "集計終了日",
    "欠席日数",
    "遅刻日数",
    "出席停止忌引等日数",
  ];
  return {
    source: "shukketsu",
    file: "shukketsu.csv",
    encoding: "cp932",
    newline: "\r\n",
    header,
    *rows() {
      const rng = Rng.derive(world.seed, "src:shukketsu");
      const dates = new DateWriter(["slash"]);
      for (const e of schoolRoster(world)) {
        const p = e.p;
        const hh = world.households[p.hh] as Household;
        const has = (b: number) => (p.difficulties & b) !== 0;
        // Share of a full school year (365 days) covered; counts scale with it, and the B11/B12
        // thresholds are prorated the same way (2024 final report §2.1, *5).
        const share = (e.to - e.from) / 365;
        let absent: number;
        if (has(BIT.truancy)) {
          absent = 24 + rng.exponential(45);
        } else {
          let lambda = 3;
          if (hh.poverty) lambda += 2.5;
          if (has(BIT.developmental)) lambda += 2;
          if (has(BIT.abuse)) lambda += 3;
          if (has(BIT.young_carer)) lambda += 2;
          absent = rng.poisson(lambda) + (rng.chance(0.012) ? 15 + rng.int(35) : 0);
        }
        let lateLambda = 1.5;
        if (has(BIT.truancy)) lateLambda += 12;
        if (has(BIT.developmental)) lateLambda += 5;
        if (has(BIT.young_carer)) lateLambda += 7;
        if (hh.poverty) lateLambda += 3;
        const late = rng.poisson(lateLambda) + (rng.chance(0.02) ? 15 + rng.int(25) : 0);
        const excused = rng.poisson(1.2) + (rng.chance(0.08) ? 3 + rng.int(5) : 0);
        const cells = [
          e.school,
          String(e.grade),
          String(e.classNo),
          e.name,
          e.kana,
          birthCell(e, "slash"),
          writeSex(p.sex, "男女"),
          dates.write(e.from, rng),
          dates.write(e.to - 1, rng),
          String(Math.min(Math.round(absent * share), Math.round(200 * share))),
          String(Math.round(late * share)),
          String(Math.round(excused * share)),
        ];
        const broken = rng.chance(BROKEN_RATE)
          ? breakRow(cells, header, rng, dates, p.birth, ["氏名", "生年月日"])
          : undefined;
        yield broken ? { person: p.id, cells, broken } : { person: p.id, cells };
      }
    },
  };
}

/** Mean height (cm) by age 6–15 and sex (学校保健統計調査 2023, rounded). */
const HEIGHT: Record<1 | 2, readonly number[]> = {
  1: [116.7, 122.6, 128.3, 133.9, 139.5, 145.9, 154.0, 160.9, 165.8, 168.6],
  2: [115.8, 121.8, 127.6, 133.9, 140.3, 146.9, 151.8, 154.8, 156.5, 157.2],
};

/**
 * Standard weight = a × height − b, by age 5–17 and sex (日本学校保健会「児童生徒等の健康診断
 * マニュアル」肥満度算出式). 肥満度 = (weight − standard) / standard; ≤ −20 % is 痩身 (B08).
 */
export const STANDARD_WEIGHT: Record<1 | 2, readonly (readonly [number, number])[]> = {
  1: [
    [0.386, 23.699],
    [0.461, 32.382],
    [0.513, 38.878],
    [0.592, 48.804],
    [0.687, 61.39],
    [0.752, 70.461],
    [0.782, 75.106],
    [0.783, 75.642],
    [0.815, 81.348],
    [0.832, 83.695],
    [0.766, 70.989],
    [0.656, 51.822],
    [0.672, 53.642],
  ],
  2: [
    [0.377, 22.75],
    [0.458, 32.079],
    [0.508, 38.367],
    [0.561, 45.006],
    [0.652, 56.992],
    [0.73, 68.091],
    [0.803, 78.846],
    [0.796, 76.934],
    [0.655, 54.234],
    [0.594, 43.264],
    [0.56, 37.002],
    [0.578, 39.057],
    [0.598, 42.339],
  ],
};

/** Standard weight for an age (5–17) and height, per the 日本学校保健会 formula. */
export function standardWeight(sex: 1 | 2, age: number, height: number): number {
  const row = STANDARD_WEIGHT[sex][Math.min(12, Math.max(0, age - 5))] as readonly [number, number];
  return row[0] * height - row[1];
}

export function gakkoKenshin(world: World): SourceTable {
  const header = [
    "学校名",
    "学年",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "検査日",
    "身長",
    "体重",
    "要精密検査",
  ];
  return {
    source: "gakko_kenshin",
    file: "gakko_kenshin.csv",
    encoding: "cp932",
    newline: "\r\n",
    header,
    *rows() {
      const rng = Rng.derive(world.seed, "src:gakko_kenshin");
      const sy = schoolYear(world);
      const dates = new DateWriter(["slash0"]);
      for (const e of schoolRoster(world)) {
        // Each school examines on one day between mid-April and mid-June (学校保健安全法施行規則 §5: by 30 June).
        const examDay = addDays(
          dayOf(sy.year, 4, 15),
          mix(e.school.length * 7919 + e.school.charCodeAt(0), 3) % 60,
        );
        if (examDay < e.from || examDay >= e.to || examDay >= world.asOf) continue;
        const p = e.p;
        const hh = world.households[p.hh] as Household;
        const age = Math.max(6, Math.min(15, ageOn(p.birth, examDay)));
        const mean = (HEIGHT[p.sex][age - 6] ?? 150) + (ymdOf(examDay)[1] - 4) * 0.4;
        const height = mean + (age >= 12 ? 6.5 : 5.2) * rng.normal();
        // Body weight around the standard weight; poverty and abuse shift it down (B08 ◆ 貧困).
        let z = 0.12 * rng.normal();
        if (hh.poverty) z -= 0.05;
        if ((p.difficulties & BIT.abuse) !== 0) z -= 0.03;
        const weight = standardWeight(p.sex, age, height) * Math.exp(z);
        const cells = [
          e.school,
          String(e.grade),
          e.name,
          e.kana,
          birthCell(e, "slash0"),
          writeSex(p.sex, "男女"),
          dates.write(examDay, rng),
          height.toFixed(1),
          weight.toFixed(1),
          // Independent of every difficulty by construction (a check that validation finds nothing).
          writeBool(rng.chance(0.06), "○"),
        ];
        const broken = rng.chance(BROKEN_RATE)
          ? breakRow(cells, header, rng, dates, p.birth, ["氏名", "生年月日"])
          : undefined;
        yield broken ? { person: p.id, cells, broken } : { person: p.id, cells };
      }
    },
  };
}

export function kokoroCheck(world: World): SourceTable {
  const header = [
    "学校名",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "実施日",
    "判定結果",
    "希死念慮",
  ];
  return {
    source: "kokoro_check",
    file: "kokoro_check.csv",
    encoding: "cp932",
    newline: "\r\n",
    header,
    *rows() {
      const rng = Rng.derive(world.seed, "src:kokoro_check");
      const sy = schoolYear(world);
      const dates = new DateWriter(["slash"]);
      for (const e of schoolRoster(world)) {
        // From 小4 (grade 4) to 中3, twice a year (June and November), as many boards run it.
        const grade9 = e.school.endsWith("中学校") ? e.grade + 6 : e.grade;
        if (grade9 < 4) continue;
        const offset = mix(e.school.charCodeAt(0) * 31 + e.school.length, 9) % 28;
        for (const month of [6, 11]) {
          const day = addDays(dayOf(sy.year, month, 1), offset);
          if (day < e.from || day >= e.to || day >= world.asOf) continue;
          const p = e.p;
          const has = (b: number) => (p.difficulties & b) !== 0;
          // Absent children miss the check: most truants, a few others.
          if (rng.chance(has(BIT.truancy) ? 0.45 : 0.03)) continue;
          let l = -3.9;
          if (has(BIT.truancy)) l += 1.6;
          if (has(BIT.abuse)) l += 1.4;
          if (has(BIT.young_carer)) l += 0.7;
          if (has(BIT.developmental)) l += 0.7;
          const support = rng.chance(logistic(l));
          const watch = !support && rng.chance(logistic(l + 1.2));
          const ideation = rng.chance(
            logistic(
              -5.0 +
                (has(BIT.truancy) ? 1.2 : 0) +
                (has(BIT.abuse) ? 1.2 : 0) +
                (support ? 1.5 : 0),
            ),
          );
          const cells = [
            e.school,
            e.name,
            e.kana,
            birthCell(e, "slash"),
            writeSex(p.sex, "男女"),
            dates.write(day, rng),
            support ? "要支援" : watch ? "要観察" : "問題なし",
            writeBool(ideation, "有無"),
          ];
          const broken = rng.chance(BROKEN_RATE)
            ? breakRow(cells, header, rng, dates, p.birth, ["氏名", "生年月日"])
            : undefined;
          yield broken ? { person: p.id, cells, broken } : { person: p.id, cells };
        }
      }
    },
  };
}

function addDays(day: Day, n: number): Day {
  return day + n;
}
