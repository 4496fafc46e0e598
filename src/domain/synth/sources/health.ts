/**
 * Maternal and child health sources (健康管理システム): nyuyoji_kenshin (乳幼児健診: one row per
 * child targeted for a checkup while resident — a blank 受診日 means targeted but not seen,
 * layouts.md), ninpu_kenshin and sanpu_kenshin (keyed by the mother; 子宛名番号 often blank).
 * Dates as `R6.4.1` / `R06.04.01`, the 健康管理 convention named in issue 3.
 *
 * Questionnaire items follow the 2024 report (reference/000 §2.1): 家に残して外出 and 長時間
 * 食事を与えなかった are asked at all three checkups, 口をふさいだ and 激しく揺さぶった at 3–4
 * months and 1 year 6 months only. 激しく揺さぶった is independent of every difficulty by
 * construction (the pilots found no association).
 */
import { addMonths } from "../calendar.ts";
import { BIT } from "../model.ts";
import { logistic, logit, Rng } from "../random.ts";
import type { SourceTable, SynthRow } from "../table.ts";
import type { Household, Person, World } from "../world.ts";
import { DateWriter, residentNoAt, residentOn, writeBool } from "./common.ts";

/** Checkups: label, age in months when invited, median weight (kg) by sex and its sd (乳幼児身体発育調査 2010). */
const CHECKUPS = [
  {
    label: "3-4か月児",
    months: 3,
    weight: { 1: 6.6, 2: 6.1 },
    sd: 0.75,
    asks: [true, true, true, true],
    caries: false,
  },
  {
    label: "1歳6か月児",
    months: 18,
    weight: { 1: 10.6, 2: 10.0 },
    sd: 1.1,
    asks: [true, true, true, true],
    caries: true,
  },
  {
    label: "3歳児",
    months: 39,
    weight: { 1: 14.1, 2: 13.6 },
    sd: 1.5,
    asks: [true, true, false, false],
    caries: true,
  },
] as const;

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
function phi(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

export function nyuyojiKenshin(world: World): SourceTable {
  const header = [
    "宛名番号",
    "健診区分",
    "受診日",
    "体重",
    "体重パーセンタイル",
    "家に残して外出",
    "長時間食事を与えなかった",
    "口をふさいだ",
    "激しく揺さぶった",
    "虫歯数",
    "母親の喫煙",
    "要フォロー",
  ];
  return {
    source: "nyuyoji_kenshin",
    file: "nyuyoji_kenshin.csv",
    encoding: "utf8",
    newline: "\n",
    header,
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:nyuyoji_kenshin");
      const dates = new DateWriter(["warekiShort"]);
      for (const p of world.persons) {
        if (p.role !== "child") continue;
        const hh = world.households[p.hh] as Household;
        const has = (b: number) => (p.difficulties & b) !== 0;
        const abuse = has(BIT.abuse);
        for (const c of CHECKUPS) {
          // Invited in the month the child reaches the age; only children resident then have a row.
          const invited = addMonths(p.birth, c.months) + (p.id % 20);
          if (invited >= world.asOf || !residentOn(p, invited)) continue;
          const resident = residentNoAt(p, invited);
          let lm = logit(c.months === 3 ? 0.03 : c.months === 18 ? 0.04 : 0.05);
          if (abuse) lm += 1.4;
          if (hh.poverty) lm += 0.7;
          if (has(BIT.developmental)) lm += 0.4;
          if (hh.foreign !== "none") lm += 0.6;
          if (has(BIT.postpartum)) lm += 0.3;
          const missed = rng.chance(logistic(lm));
          // Some who miss the first invitation come later: a blank row, then an attended one.
          const late = !missed && rng.chance(0.05);
          if (missed || late) {
            yield {
              person: p.id,
              cells: [resident, c.label, "", "", "", "", "", "", "", "", "", ""],
            };
            if (missed) continue;
          }
          const seen = invited + (late ? 30 + rng.int(60) : rng.int(30));
          if (seen >= world.asOf) continue;
          let z = rng.normal();
          if (hh.poverty) z -= 0.45;
          if (abuse) z -= 0.15;
          if (p.twinId >= 0) z -= 0.5;
          const pct = Math.min(99.9, Math.max(0.1, phi(z) * 100));
          const weight = c.weight[p.sex] + c.sd * z;
          const ask = (i: number, base: number, effect: number) =>
            c.asks[i] ? writeBool(rng.chance(logistic(logit(base) + effect)), "10") : "";
          const caries = c.caries
            ? String(rng.poisson((c.months === 18 ? 0.05 : 0.35) * (hh.poverty ? 2.5 : 1)))
            : "";
          const smoking = rng.chance(
            logistic(logit(0.04) + (abuse ? 1.1 : 0) + (hh.poverty ? 0.7 : 0)),
          );
          const follow = rng.chance(
            logistic(logit(0.07) + (has(BIT.developmental) ? 1.3 : 0) + (abuse ? 0.9 : 0)),
          );
          yield {
            person: p.id,
            cells: [
              resident,
              c.label,
              dates.write(seen, rng),
              weight.toFixed(2),
              pct.toFixed(1),
              ask(0, 0.02, abuse ? 1.3 : 0),
              ask(1, 0.004, abuse ? 1.6 : 0),
              ask(2, 0.008, (abuse ? 1.4 : 0) + (has(BIT.postpartum) ? 0.9 : 0)),
              ask(3, 0.01, 0),
              caries,
              writeBool(smoking, "10"),
              writeBool(follow, "10"),
            ],
          };
        }
      }
    },
  };
}

export function ninpuKenshin(world: World): SourceTable {
  const header = ["母宛名番号", "子宛名番号", "妊娠届出日", "出産予定日", "受診回数"];
  return {
    source: "ninpu_kenshin",
    file: "ninpu_kenshin.csv",
    encoding: "utf8",
    newline: "\n",
    header,
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:ninpu_kenshin");
      const dates = new DateWriter(["warekiShort0"]);
      const since = addMonths(world.asOf, -120);
      for (const preg of world.pregnancies) {
        if (preg.notified < since || preg.notified >= world.asOf) continue;
        const mother = world.persons[preg.mother] as Person;
        // 妊娠届 is made where the mother lives; a mother who moved in later has no record here.
        if (!residentOn(mother, preg.notified)) continue;
        const hh = world.households[mother.hh] as Household;
        const kids = preg.children.map((id) => world.persons[id] as Person);
        const abuse = kids.some((k) => (k.difficulties & BIT.abuse) !== 0);
        // B14: no prenatal checkup at all (poverty, foreign, later abuse; ◆ 産後うつ).
        const none = rng.chance(
          logistic(
            logit(0.004) +
              (hh.poverty ? 1.3 : 0) +
              (hh.foreign !== "none" ? 1.0 : 0) +
              (abuse ? 1.2 : 0) +
              (preg.postpartum ? 0.7 : 0),
          ),
        );
        const end = Math.min(world.asOf, kids[0]?.birth ?? preg.due);
        const weeks = Math.max(0, (end - preg.notified) / 7);
        // 14 recommended visits over the ~28 weeks after notification (厚労省 妊婦健診の望ましい基準).
        const visits = none
          ? 0
          : Math.max(1, Math.min(16, Math.round((weeks / 28) * 14 - rng.poisson(1))));
        const child = kids[0];
        const childNo = child && rng.chance(0.35) ? residentNoAt(child, child.birth) : "";
        yield {
          person: mother.id,
          cells: [
            residentNoAt(mother, preg.notified),
            childNo,
            dates.write(preg.notified, rng),
            dates.write(preg.due, rng),
            String(visits),
          ],
          related: kids.map((k) => ({ role: "child", person: k.id })),
        };
      }
    },
  };
}

export function sanpuKenshin(world: World): SourceTable {
  const header = ["母宛名番号", "子宛名番号", "健診日", "EPDS合計点", "EPDS項目10"];
  return {
    source: "sanpu_kenshin",
    file: "sanpu_kenshin.csv",
    encoding: "utf8",
    newline: "\n",
    header,
    *rows(): Iterable<SynthRow> {
      const rng = Rng.derive(world.seed, "src:sanpu_kenshin");
      const dates = new DateWriter(["warekiShort"]);
      for (const preg of world.pregnancies) {
        const first = preg.children[0];
        if (first === undefined) continue;
        const child = world.persons[first] as Person;
        if (child.birth < world.sanpuStart) continue;
        const mother = world.persons[preg.mother] as Person;
        // 産婦健診 at 2 weeks and 1 month after birth (産婦健康診査事業, two visits subsidised).
        for (const [offset, attend] of [
          [14, 0.8],
          [30, 0.9],
        ] as const) {
          const day = child.birth + offset + rng.int(7);
          if (day >= world.asOf || !residentOn(mother, day) || !rng.chance(attend)) continue;
          // EPDS: depressed mothers mostly score ≥ 9 (about 1 in 7 below); others mostly below.
          const score = preg.postpartum
            ? rng.chance(0.85)
              ? 9 + rng.poisson(3.5)
              : 5 + rng.int(4)
            : rng.chance(0.04)
              ? 9 + rng.poisson(1.5)
              : Math.min(8, rng.poisson(3));
          const item10 = rng.chance(preg.postpartum ? 0.3 : 0.02)
            ? 1 + rng.weighted([0.7, 0.2, 0.1])
            : 0;
          const childNo = rng.chance(0.4) ? residentNoAt(child, child.birth) : "";
          yield {
            person: mother.id,
            cells: [
              residentNoAt(mother, day),
              childNo,
              dates.write(day, rng),
              String(Math.min(30, score)),
              String(item10),
            ],
            related: preg.children.map((id) => ({ role: "child", person: id })),
          };
        }
      }
    },
  };
}
