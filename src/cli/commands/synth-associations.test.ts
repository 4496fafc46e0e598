/**
 * The item–difficulty structure a validation on a `city` should find: the 2024 pilots' method
 * (Pearson chi-square on 抽出群/対照群 × 該当/非該当, spec/associations.md) applied to the
 * generated files, with the truth used only to join rows to children. Items associated by
 * construction must come out associated; items independent by construction must not.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_NAMES_FILE } from "../../../test/fixtures/names.ts";
import {
  BUILT_IN_ASSOCIATIONS,
  type ReportGroup,
} from "../../domain/synth/built-in-associations.ts";
import { ageOn, dayOf, schoolGradeOn } from "../../domain/synth/calendar.ts";
import { generateMunicipality, type SourceTable, type SynthRow } from "../../domain/synth/index.ts";
import { standardWeight } from "../../domain/synth/sources/school.ts";
import type { Person, World } from "../../domain/synth/world.ts";
import { readNamePools } from "./synth.ts";

type Group = ReportGroup;
let world: World;
let children: Person[];
const flags = new Map<string, Set<number>>();

function flag(item: string, person: number): void {
  let s = flags.get(item);
  if (!s) {
    s = new Set();
    flags.set(item, s);
  }
  s.add(person);
}

function each(table: SourceTable, f: (cells: readonly string[], r: SynthRow) => void): void {
  for (const r of table.rows()) if (!r.broken) f(r.cells, r);
}

beforeAll(() => {
  const names = readNamePools(TEST_NAMES_FILE);
  const out = generateMunicipality({ profile: "city", seed: 2024, names });
  world = out.world;
  const t = Object.fromEntries(out.tables.map((x) => [x.source, x])) as Record<string, SourceTable>;
  const members = (id: number) =>
    (world.households[(world.persons[id] as Person).hh]?.members ?? []) as number[];
  children = world.persons.filter(
    (p) =>
      p.role === "child" &&
      p.stints[p.stints.length - 1]?.to === null &&
      ageOn(p.birth, world.asOf) <= 18,
  );

  each(t.yotaikyo as SourceTable, (_, r) => flag("B01", r.person));
  each(t.ichiji_hogo as SourceTable, (_, r) => flag("B02", r.person));
  const attended = new Set<string>();
  const blank: [number, string][] = [];
  each(t.nyuyoji_kenshin as SourceTable, (c, r) => {
    if (c[2] !== "") flag("checked", r.person);
    if (c[2] !== "") attended.add(`${r.person}|${c[1]}`);
    else blank.push([r.person, c[1] as string]);
    if (c[5] === "1") flag("B04", r.person);
    if (c[7] === "1") flag("B06", r.person);
    if (c[8] === "1") flag("B07", r.person);
    if (c[4] !== "" && Number(c[4]) < 3) flag("B08", r.person);
    if (c[9] !== "" && Number(c[9]) > 0) flag("虫歯", r.person);
    if (c[10] === "1") flag("喫煙", r.person);
  });
  for (const [p, k] of blank) if (!attended.has(`${p}|${k}`)) flag("B03", p);
  each(t.gakko_kenshin as SourceTable, (c, r) => {
    flag("examined", r.person);
    const p = world.persons[r.person] as Person;
    const h = Number(c[7]);
    const sw = standardWeight(p.sex, ageOn(p.birth, world.asOf - 300), h);
    if ((Number(c[8]) - sw) / sw <= -0.2) flag("B08", r.person);
    if (c[9] === "○") flag("要精密検査", r.person);
  });
  each(t.shogai_techo as SourceTable, (c, r) => {
    if (c[5] !== "有効") return;
    if (c[1] === "精神") flag("精神手帳", r.person);
    if (c[1] === "精神" && /^F(8|9)/.test(c[3] as string)) flag("B09", r.person);
    for (const m of members(r.person)) if (m !== r.person) flag("B16", m);
  });
  each(t.shogaiji_jukyusha as SourceTable, (_, r) => flag("B10", r.person));
  each(t.shukketsu as SourceTable, (c, r) => {
    flag("pupil", r.person);
    const [y1, m1, d1] = (c[7] as string).split("/").map(Number) as [number, number, number];
    const [y2, m2, d2] = (c[8] as string).split("/").map(Number) as [number, number, number];
    const limit = (30 * (dayOf(y2, m2, d2) - dayOf(y1, m1, d1) + 1)) / 365;
    if (Number(c[9]) >= limit) flag("B11", r.person);
    if (Number(c[10]) >= limit) flag("B12", r.person);
    if (Number(c[11]) >= 3) flag("出席停止", r.person);
  });
  each(t.kokoro_check as SourceTable, (c, r) => {
    if (c[6] === "要支援" || c[7] === "有") flag("B13", r.person);
  });
  each(t.sanpu_kenshin as SourceTable, (c, r) => {
    if (Number(c[3]) >= 9) for (const x of r.related ?? []) flag("B15", x.person);
  });
  each(t.seikatsu_hogo as SourceTable, (c, r) => {
    if (c[3] === "") for (const m of members(r.person)) flag("B17", m);
  });
  each(t.jido_fuyo as SourceTable, (c, r) => {
    if (c[2] !== "全部停止") for (const x of r.related ?? []) flag("B18", x.person);
  });
  each(t.gakureibo as SourceTable, (c, r) => {
    if (c[7] === "1") flag("特別支援学級", r.person);
  });
});

/** The 抽出群 definitions of the 2024 report (spec/associations.md) and each type's population. */
function group(g: Group): { inGroup: (p: Person) => boolean; population: (p: Person) => boolean } {
  const has = (item: string) => (p: Person) => flags.get(item)?.has(p.id) ?? false;
  switch (g) {
    case "虐待":
      return { inGroup: has("B01"), population: () => true };
    case "産後うつ":
      return {
        inGroup: has("B15"),
        population: (p) => p.pregnancy >= 0 && p.birth >= world.sanpuStart,
      };
    case "発達障がい":
      return { inGroup: has("精神手帳"), population: () => true };
    case "貧困":
      return { inGroup: (p) => has("B17")(p) || has("B18")(p), population: () => true };
    case "不登校":
      return {
        inGroup: has("B11"),
        population: (p) => {
          const grade = schoolGradeOn(p.birth, world.asOf - 1);
          return grade >= 1 && grade <= 9 && !p.outsideSchool;
        },
      };
  }
}

/** Pearson chi-square without continuity correction, and whether 該当∧抽出群 exceeds its expectation. */
/**
 * Who can hold an item at all: an item only a school or a checkup records is compared among
 * the children that source covers, so that age alone (certificates come at school age) does
 * not make an independent item look associated.
 */
const COVERED_BY: Readonly<Record<string, string>> = {
  B04: "checked",
  B06: "checked",
  B07: "checked",
  虫歯: "checked",
  喫煙: "checked",
  要精密検査: "examined",
  B11: "pupil",
  B12: "pupil",
  B13: "pupil",
  出席停止: "pupil",
};

function test(item: string, g: Group): { chi2: number; positive: boolean; a: number } {
  const { inGroup, population: base } = group(g);
  const covered = COVERED_BY[item];
  const population = (p: Person) =>
    base(p) && (covered === undefined || (flags.get(covered)?.has(p.id) ?? false));
  const hit = flags.get(item) ?? new Set<number>();
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (const p of children) {
    if (!population(p)) continue;
    const x = hit.has(p.id);
    const y = inGroup(p);
    if (x && y) a++;
    else if (x) b++;
    else if (y) c++;
    else d++;
  }
  const n = a + b + c + d;
  const den = (a + b) * (c + d) * (a + c) * (b + d);
  return {
    chi2: den === 0 ? 0 : (n * (a * d - b * c) ** 2) / den,
    positive: a > ((a + b) * (a + c)) / n,
    a,
  };
}

describe("validation on a city finds the associations built in, and not the independent items", () => {
  it.each(BUILT_IN_ASSOCIATIONS)(
    "%s is associated with %s (p ≤ 0.05, more than expected)",
    (item, g) => {
      const r = test(item, g);
      expect(r.positive).toBe(true);
      expect(r.chi2).toBeGreaterThan(3.841);
    },
  );

  const groups: Group[] = ["虐待", "産後うつ", "発達障がい", "貧困", "不登校"];
  it.each(["B07", "要精密検査", "出席停止"])(
    "%s, independent by construction, shows no strong association",
    (item) => {
      expect(flags.get(item)?.size ?? 0).toBeGreaterThan(50);
      for (const g of groups) {
        const r = test(item, g);
        // p ≤ 0.001 in the positive direction would be a spurious finding.
        expect(r.positive && r.chi2 > 10.83, `${item} × ${g}: χ² ${r.chi2.toFixed(1)}`).toBe(false);
      }
    },
  );
});
