/**
 * Reference test (STYLE.md §11): the evaluator and scorer against a
 * deliberately naive re-implementation written straight from layouts.md and
 * docs/scoring.md — no indexes, no memos, every question answered by scanning
 * every row of the population, dates through JavaScript's Date — on seeded
 * random populations full of edge cases (items/random-population.ts).
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_SET } from "../scoring/rules.ts";
import { childScore, runScoring } from "../scoring/score.ts";
import type { IsoDate } from "../types.ts";
import type { Value } from "../validate.ts";
import type { PersonFacts, Population, ResidencePeriod, SourceRow } from "./facts.ts";
import { randomPopulation } from "./random-population.ts";

// ---- naive dates (Date-based, independent of dates.ts) ----
const ms = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const DAY = 86_400_000;
const toIso = (t: number) => new Date(t).toISOString().slice(0, 10);
const isDate = (v: unknown): v is string => typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v);
function plusMonths(iso: string, n: number): string {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return toIso(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last)));
}
function age(birth: string, on: string): number {
  const [by, bm, bd] = birth.split("-").map(Number) as [number, number, number];
  const [y, m, d] = on.split("-").map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
const fiscal = (iso: string) => {
  const [y, m] = iso.split("-").map(Number) as [number, number];
  return m >= 4 ? y : y - 1;
};
/** Months between start and end inclusive: whole months by stepping, then the fraction of the next. */
function months(start: string, endIncl: string): number {
  const end = toIso(ms(endIncl) + DAY);
  if (end <= start) return 0;
  let n = 0;
  while (plusMonths(start, n + 1) <= end) n++;
  const a = ms(plusMonths(start, n));
  const b = ms(plusMonths(start, n + 1));
  return n + (ms(end) - a) / (b - a);
}

// ---- naive item semantics ----
const EVENT: Record<string, string> = {
  yotaikyo: "登録日",
  ichiji_hogo: "保護開始日",
  nyuyoji_kenshin: "受診日",
  gakko_kenshin: "検査日",
  kokoro_check: "実施日",
  shukketsu: "集計開始日",
  ninpu_kenshin: "妊娠届出日",
  sanpu_kenshin: "健診日",
  shogai_techo: "交付日",
  shogaiji_jukyusha: "決定日",
  seikatsu_hogo: "開始年月日",
  jido_fuyo: "認定日",
  kaigo_nintei: "有効期間開始日",
  iryohi_josei: "資格開始日",
  sodan_kiroku: "相談日",
  hoiku_zaiseki: "入所日",
};

function naive(pop: Population, D: string) {
  const all: { owner: number; r: SourceRow }[] = [];
  pop.persons.forEach((p, i) => {
    for (const r of p.rows) all.push({ owner: i, r });
  });
  const eventOf = (r: SourceRow) => r.values[EVENT[r.source] ?? ""];
  const happened = (r: SourceRow) => {
    const e = eventOf(r);
    return !isDate(e) || e <= D;
  };
  const rowsOf = (i: number, src: string) =>
    all.filter((x) => x.owner === i && x.r.source === src && happened(x.r)).map((x) => x.r);
  const newest = (rows: SourceRow[], key: string[]) => {
    const out: SourceRow[] = [];
    for (const r of rows) {
      const k = key.map((c) => JSON.stringify(r.values[c] ?? null)).join("|");
      const rivals = rows.filter(
        (q) => key.map((c) => JSON.stringify(q.values[c] ?? null)).join("|") === k,
      );
      const better = rivals.some((q) => {
        if (q === r) return false;
        if (q.asOf !== r.asOf) return q.asOf > r.asOf;
        const qe = isDate(eventOf(q)) ? (eventOf(q) as string) : "";
        const re = isDate(eventOf(r)) ? (eventOf(r) as string) : "";
        if (qe !== re) return qe > re;
        if (q.file !== r.file) return q.file > r.file;
        return q.row > r.row;
      });
      if (!better) out.push(r);
    }
    return out;
  };
  const current = (p: PersonFacts): ResidencePeriod | undefined => {
    const live = p.residence.filter(
      (x) =>
        !(
          x.residentNo !== null &&
          p.residence.some(
            (y) => y !== x && y.residentNo === x.residentNo && y.ref.asOf > x.ref.asOf,
          )
        ) &&
        (x.from === null || x.from <= D) &&
        (x.to === null || D < x.to),
    );
    live.sort((a, b) =>
      a.ref.asOf !== b.ref.asOf
        ? a.ref.asOf < b.ref.asOf
          ? 1
          : -1
        : (a.from ?? "") < (b.from ?? "")
          ? 1
          : -1,
    );
    return live[0];
  };
  const cur = pop.persons.map(current);
  const others = (i: number) => {
    const hh = cur[i]?.householdNo;
    if (!hh) return [];
    return pop.persons.map((_, j) => j).filter((j) => j !== i && cur[j]?.householdNo === hh);
  };
  const activeOn = (
    v: Readonly<Record<string, Value>>,
    start: string,
    end: string,
    incl: boolean,
  ) => {
    const s = v[start];
    const e = v[end];
    if (isDate(s) && s > D) return false;
    if (isDate(e) && (incl ? e < D : e <= D)) return false;
    return true;
  };
  const icd = (v: Value | undefined) => {
    if (typeof v !== "string" || v[0] !== "F") return false;
    const n = Number(v.slice(1, 3));
    return n >= 80 && n <= 98;
  };
  const validTecho = (j: number, devOnly: boolean) =>
    newest(rowsOf(j, "shogai_techo"), ["手帳種別"]).some(
      (r) =>
        r.values.資格状態 === "有効" &&
        (!devOnly || (r.values.手帳種別 === "精神" && icd(r.values.主たる精神障害コード))),
    );
  const householdOf = (i: number) => [i, ...others(i)];
  const householdSodan = (i: number, field: string) =>
    householdOf(i).some((j) =>
      rowsOf(j, "sodan_kiroku").some((r) => r.values.相談分野 === field),
    ) ||
    (pop.householdRows ?? []).some(
      (r) =>
        r.source === "sodan_kiroku" &&
        cur[i]?.householdNo != null &&
        r.values.世帯番号 === cur[i]?.householdNo &&
        happened(r) &&
        r.values.相談分野 === field,
    );
  const receiving = (j: number) =>
    newest(rowsOf(j, "jido_fuyo"), ["対象児童宛名番号"]).filter(
      (r) => r.values.支給区分 === "全部支給" || r.values.支給区分 === "一部支給",
    );
  const attendance = (i: number, col: string) => {
    const years = new Map<number, { s: string; e: string; n: number }[]>();
    for (const r of all
      .filter((x) => x.owner === i && x.r.source === "shukketsu")
      .map((x) => x.r)) {
      const s = r.values.集計開始日;
      let e = r.values.集計終了日;
      const n = r.values[col];
      if (!isDate(s) || !isDate(e) || s > D || typeof n !== "number") continue;
      if (e > D) e = D;
      if (e > r.asOf) e = r.asOf;
      if (e < s) continue;
      const fy = fiscal(s);
      years.set(fy, [...(years.get(fy) ?? []), { s, e, n }]);
    }
    for (const spans of years.values()) {
      spans.sort((a, b) =>
        a.s !== b.s ? (a.s < b.s ? -1 : 1) : a.e > b.e ? -1 : a.e < b.e ? 1 : 0,
      );
      const kept: { s: string; e: string; n: number }[] = [];
      for (const x of spans) {
        const last = kept[kept.length - 1];
        if (!last || x.s > last.e) kept.push(x);
        else if (ms(x.e) - ms(x.s) > ms(last.e) - ms(last.s)) kept[kept.length - 1] = x;
      }
      const total = kept.reduce((a, x) => a + x.n, 0);
      const m = kept.reduce((a, x) => a + months(x.s, x.e), 0);
      if (m > 0 && total + 1e-9 >= (30 * m) / 12) return true;
    }
    return false;
  };
  const std: Record<string, number[][]> = {
    male: [
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
    female: [
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
  const thin = (i: number) => {
    const p = pop.persons[i] as PersonFacts;
    return all.some(({ owner, r }) => {
      if (owner !== i || r.source !== "gakko_kenshin") return false;
      const v = r.values;
      if (!isDate(v.検査日) || v.検査日 > D) return false;
      const sex = p.sex !== "unknown" ? p.sex : (v.性別 as string);
      const birth = p.birthDate ?? v.生年月日;
      if (!isDate(birth) || typeof v.身長 !== "number" || typeof v.体重 !== "number") return false;
      const a = age(birth, v.検査日);
      const c = std[sex]?.[a - 5];
      if (!c || a < 5 || a > 17) return false;
      const s = (c[0] as number) * v.身長 - (c[1] as number);
      return s > 0 && ((v.体重 - s) / s) * 100 <= -20;
    });
  };

  const result = new Map<number, string[]>();
  pop.persons.forEach((p, i) => {
    const c = cur[i];
    if (!c || !p.birthDate || p.birthDate > D) return;
    const a = age(p.birthDate, D);
    if (a < 0 || a > 18) return;
    const own = (src: string) => rowsOf(i, src);
    const mother = (src: string) => p.motherRows.filter((r) => r.source === src && happened(r));
    const nyu = own("nyuyoji_kenshin");
    const checkupMissed = ["3-4か月児", "1歳6か月児", "3歳児"].some((k) => {
      const rows = p.rows.filter((r) => r.source === "nyuyoji_kenshin" && r.values.健診区分 === k);
      const attended = rows.some((r) => isDate(r.values.受診日) && r.values.受診日 <= D);
      return !attended && rows.length > 0;
    });
    const withHouse = (src: string, test: (r: SourceRow) => boolean) =>
      householdOf(i).some((j) => rowsOf(j, src).some(test));
    const inOthers = (src: string, test: (r: SourceRow) => boolean) =>
      others(i).some((j) => rowsOf(j, src).some(test));
    const kids = [i, ...others(i)].filter((j) => {
      const b = pop.persons[j]?.birthDate;
      return b != null && b <= D && age(b, D) <= 18;
    });
    const entry = (() => {
      const [y, m, d] = p.birthDate.split("-").map(Number) as [number, number, number];
      return m > 4 || (m === 4 && d >= 2) ? y + 7 : y + 6;
    })();
    const followUp = newest(nyu, []).filter(
      (r) =>
        isDate(r.values.受診日) &&
        r.values.受診日 >= plusMonths(D, -36) &&
        r.values.要フォロー === true,
    );
    const items: Record<string, boolean> = {
      B01: own("yotaikyo").length > 0,
      B02: own("ichiji_hogo").length > 0,
      B03: checkupMissed,
      B04: nyu.some((r) => r.values.家に残して外出 === true),
      B05: nyu.some((r) => r.values.長時間食事を与えなかった === true),
      B06: nyu.some((r) => r.values.口をふさいだ === true),
      B07: nyu.some((r) => r.values.激しく揺さぶった === true),
      B08:
        nyu.some(
          (r) => typeof r.values.体重パーセンタイル === "number" && r.values.体重パーセンタイル < 3,
        ) || thin(i),
      B09: validTecho(i, true),
      B10: own("shogaiji_jukyusha").length > 0,
      B11: attendance(i, "欠席日数"),
      B12: attendance(i, "遅刻日数"),
      B13: own("kokoro_check").some(
        (r) => r.values.判定結果 === "要支援" || r.values.希死念慮 === true,
      ),
      B14: newest(mother("ninpu_kenshin"), []).some(
        (r) => typeof r.values.受診回数 === "number" && r.values.受診回数 <= 0,
      ),
      B15: mother("sanpu_kenshin").some(
        (r) => typeof r.values.EPDS合計点 === "number" && r.values.EPDS合計点 >= 9,
      ),
      B16: others(i).some((j) => validTecho(j, false)),
      B17: withHouse("seikatsu_hogo", (r) => activeOn(r.values, "開始年月日", "廃止年月日", false)),
      B18:
        receiving(i).length > 0 ||
        all.some(
          ({ owner, r }) =>
            r.source === "jido_fuyo" &&
            p.residentNos.includes(r.values.対象児童宛名番号 as never) &&
            receiving(owner).includes(r),
        ) ||
        others(i).some((j) => receiving(j).length > 0),
      K01: newest(own("gakureibo"), []).some((r) => r.values.特別支援学級 === true),
      K02: withHouse(
        "iryohi_josei",
        (r) =>
          r.values.助成種別 === "ひとり親" && activeOn(r.values, "資格開始日", "資格終了日", true),
      ),
      K03: withHouse(
        "iryohi_josei",
        (r) =>
          r.values.助成種別 === "障がい者" && activeOn(r.values, "資格開始日", "資格終了日", true),
      ),
      K04: withHouse(
        "shugaku_enjo",
        (r) =>
          typeof r.values.認定年度 === "number" &&
          r.values.認定年度 <= fiscal(D) &&
          r.values.認定年度 >= fiscal(D) - 1,
      ),
      K05: c.from !== null && c.from > p.birthDate && c.from > plusMonths(D, -12),
      K06: householdSodan(i, "児童虐待"),
      K07: householdSodan(i, "養護"),
      K08: householdSodan(i, "生活困窮"),
      K09: householdSodan(i, "障がい"),
      K10: householdSodan(i, "DV"),
      K11: kids.length >= 3,
      K12: inOthers(
        "kaigo_nintei",
        (r) =>
          /^要介護[1-5]$/.test(String(r.values.要介護度)) &&
          activeOn(r.values, "有効期間開始日", "有効期間終了日", true),
      ),
      K13:
        fiscal(D) < entry &&
        a >= 3 &&
        !own("hoiku_zaiseki").some((r) => activeOn(r.values, "入所日", "退所日", true)),
      K14: nyu.some((r) => typeof r.values.虫歯数 === "number" && r.values.虫歯数 >= 1),
      K15: nyu.some((r) => r.values.母親の喫煙 === true),
      K16: nyu.some((r) => r.values.要フォロー === true),
      K17: own("gakko_kenshin").some((r) => r.values.要精密検査 === true),
      K18: validTecho(i, false),
      K19: others(i).some((j) => rowsOf(j, "shogaiji_jukyusha").length > 0),
      K20: others(i).some((j) => validTecho(j, true)),
      K21: mother("sanpu_kenshin").some(
        (r) => typeof r.values.EPDS項目10 === "number" && r.values.EPDS項目10 >= 1,
      ),
      "exclusion:yotaikyo_open": own("yotaikyo").some((r) =>
        activeOn(r.values, "登録日", "終結日", false),
      ),
      "exclusion:checkup_follow_up": followUp.length > 0,
      "exclusion:disability_service": own("shogaiji_jukyusha").some((r) =>
        activeOn(r.values, "決定日", "有効期間終了日", true),
      ),
    };
    result.set(
      i,
      Object.entries(items)
        .filter(([, v]) => v)
        .map(([k]) => k),
    );
  });
  return result;
}

/** Naive scores with the default rules: Σ weights of held rule items, for children in the type's ages. */
function naiveScores(items: readonly string[], childAge: number) {
  return DEFAULT_RULE_SET.types.map((t) => {
    if (childAge < t.ages.min || childAge > t.ages.max) return { score: 0, flagged: false };
    const score = t.items
      .filter((it) => items.includes(it.itemId))
      .reduce((s, it) => s + it.weight, 0);
    return { score, flagged: score >= t.threshold };
  });
}

describe("evaluator and scorer == naive re-implementation", () => {
  /** Children holding each item (and not), over all seeds: every item must be exercised both ways. */
  const seen = new Map<string, { holds: number; not: number }>();
  for (const [seed, asOf] of [
    [1, "2024-10-01"],
    [2, "2025-03-31"],
    [3, "2024-04-01"],
    [4, "2024-02-29"],
  ] as const) {
    it(`agrees on every child, item, exclusion and score (seed ${seed}, ${asOf})`, () => {
      const pop = randomPopulation({ households: 90, seed, asOf: asOf as IsoDate, density: 1.5 });
      const expected = naive(pop, asOf);
      const run = runScoring(pop, DEFAULT_RULE_SET, asOf as IsoDate);
      const ids = run.evaluation.itemIds;
      const byPerson = new Map(run.evaluation.children.map((c) => [c.person, c]));
      expect([...byPerson.keys()].sort((a, b) => a - b)).toEqual(
        [...expected.keys()].sort((a, b) => a - b),
      );
      let holding = 0;
      run.children.forEach((child, index) => {
        const c = childScore(run, index);
        const items = child.items.map((k) => ids[k] as string);
        const want = (expected.get(c.person) ?? []).filter((k) => !k.startsWith("exclusion:"));
        expect({ person: c.person, items }).toEqual({ person: c.person, items: want });
        holding += items.length;
        // Evidence is re-derived on demand: it must exist for every item that holds.
        for (const k of child.items) {
          const e = run.evaluation.evidence(child, k);
          expect(e.itemId).toBe(ids[k]);
          expect(e.rows.length).toBeGreaterThan(0);
        }
        const wantExcluded = (expected.get(c.person) ?? []).filter((k) =>
          k.startsWith("exclusion:"),
        );
        const names = DEFAULT_RULE_SET.exclusions
          .filter((e) => wantExcluded.includes(`exclusion:${e.id}`))
          .map((e) => e.name);
        for (const s of c.scores) expect(s.excludedBy).toEqual(names);
        const ns = naiveScores(items, c.age);
        expect(c.scores.map((s) => ({ score: s.score, flagged: s.flagged }))).toEqual(
          ns.map((s) => ({ score: s.score, flagged: s.flagged })),
        );
        expect(c.totalPoints).toBe(items.length);
      });
      // The data must actually exercise the items.
      expect(holding).toBeGreaterThan(run.children.length);
      for (const c of run.evaluation.children) {
        const held = new Set(c.items);
        ids.forEach((id, k) => {
          const e = seen.get(id) ?? { holds: 0, not: 0 };
          if (held.has(k)) e.holds++;
          else e.not++;
          seen.set(id, e);
        });
      }
    });
  }

  it("exercised every item both ways", () => {
    for (const id of DEFAULT_RULE_SET.catalog.items.map((i) => i.id)) {
      expect(seen.get(id)?.holds ?? 0, id).toBeGreaterThan(0);
      expect(seen.get(id)?.not ?? 0, id).toBeGreaterThan(0);
    }
  });
});
