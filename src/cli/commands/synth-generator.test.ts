/**
 * The generator on a seeded `town` (and `village` for determinism, `city` for the association
 * structure). The gimei name list is the subset shipped as a test fixture
 * (test/fixtures/gimei, MIT).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TEST_NAMES_FILE } from "../../../test/fixtures/names.ts";
import { normaliseKana } from "../../domain/ja/kana.ts";
import { readingKey } from "../../domain/ja/reading-key.ts";
import { canonicalVariant, isCp932Variant } from "../../domain/ja/variants.ts";
import { addMonths, ageOn, dayOf, schoolGradeOn } from "../../domain/synth/calendar.ts";
import {
  csvChunks,
  generateMunicipality,
  type NamePools,
  type SourceTable,
  type SynthRow,
} from "../../domain/synth/index.ts";
import { BIT } from "../../domain/synth/model.ts";
import { hasCommonVariant } from "../../domain/synth/names.ts";
import { schoolYear } from "../../domain/synth/sources/school.ts";
import { isLayoutDate, parseLayouts } from "../../domain/synth/test-support.ts";
import type { Person, World } from "../../domain/synth/world.ts";
import { readNamePools } from "./synth.ts";

/** The project's copy of the layout contract (docs/layouts.md), shipped in the repository. */
const LAYOUTS_FILE = join(import.meta.dirname, "..", "..", "..", "docs", "layouts.md");

let names: NamePools;
let world: World;
let rows: Map<string, { table: SourceTable; rows: SynthRow[] }>;

function textOf(out: ReturnType<typeof generateMunicipality>): string {
  let s = "";
  for (const t of out.tables) for (const chunk of csvChunks(t, () => {})) s += chunk;
  return s;
}

beforeAll(() => {
  names = readNamePools(TEST_NAMES_FILE);
  const out = generateMunicipality({ profile: "town", seed: 3, names });
  world = out.world;
  rows = new Map(out.tables.map((t) => [t.source, { table: t, rows: [...t.rows()] }]));
});

const get = (source: string) => {
  const r = rows.get(source);
  if (!r) throw new Error(`no table ${source}`);
  return r;
};
const cell = (source: string, row: SynthRow, column: string) =>
  row.cells[get(source).table.header.indexOf(column)] as string;

describe("determinism", () => {
  it("gives the same text for the same seed, other text for another seed", () => {
    const a = textOf(generateMunicipality({ profile: "village", seed: 11, names }));
    const b = textOf(generateMunicipality({ profile: "village", seed: 11, names }));
    const c = textOf(generateMunicipality({ profile: "village", seed: 12, names }));
    expect(a.length).toBeGreaterThan(100_000);
    expect(a === b).toBe(true);
    expect(a === c).toBe(false);
  });
});

describe("layouts", () => {
  it("writes the 19 sources of layouts.md with exactly its header names", () => {
    const spec = parseLayouts(readFileSync(LAYOUTS_FILE, "utf8"));
    expect(spec.size).toBe(19);
    expect([...rows.keys()].sort()).toEqual([...spec.keys()].sort());
    for (const [source, { table }] of rows) {
      expect(table.header, source).toEqual(spec.get(source)?.columns);
      expect(table.file).toBe(`${source}.csv`);
    }
  });

  it("fills every required column and writes only real dates, except the rows broken on purpose", () => {
    const spec = parseLayouts(readFileSync(LAYOUTS_FILE, "utf8"));
    const problems: string[] = [];
    let broken = 0;
    for (const [source, { table, rows: rs }] of rows) {
      const required = (spec.get(source)?.required ?? []).map((c) => table.header.indexOf(c));
      const dateCols = table.header
        .map((h, i) => (h.endsWith("日") ? i : -1))
        .filter((i) => i >= 0);
      for (const r of rs) {
        if (r.cells.length !== table.header.length)
          problems.push(`${source}: ${r.cells.length} cells`);
        if (r.broken) {
          broken++;
          const v = r.cells[table.header.indexOf(r.broken.column)] as string;
          if (v !== "" && isLayoutDate(v))
            problems.push(`${source}: broken row with valid ${r.broken.column}`);
          continue;
        }
        for (const i of required)
          if (r.cells[i] === "") problems.push(`${source}.${table.header[i]} blank`);
        for (const i of dateCols) {
          const v = r.cells[i] as string;
          if (v !== "" && !isLayoutDate(v)) problems.push(`${source}.${table.header[i]}: ${v}`);
        }
        if (source === "sodan_kiroku" && r.cells[0] === "" && r.cells[1] === "")
          problems.push("sodan_kiroku without ids");
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(broken).toBeGreaterThan(0);
  });

  it("uses only the sex and boolean codes layouts.md lists", () => {
    const bad: string[] = [];
    const sexes = new Set(["1", "2", "男", "女"]);
    for (const s of [
      "jumin",
      "gakureibo",
      "shukketsu",
      "gakko_kenshin",
      "kokoro_check",
      "yotaikyo",
      "ichiji_hogo",
    ]) {
      for (const r of get(s).rows)
        if (!r.broken && !sexes.has(cell(s, r, "性別"))) bad.push(`${s}: ${cell(s, r, "性別")}`);
    }
    const bools = new Set(["1", "0", "", "○", "有", "無"]);
    for (const [s, cols] of [
      ["gakureibo", ["特別支援学級"]],
      ["gakko_kenshin", ["要精密検査"]],
      ["kokoro_check", ["希死念慮"]],
      [
        "nyuyoji_kenshin",
        [
          "家に残して外出",
          "長時間食事を与えなかった",
          "口をふさいだ",
          "激しく揺さぶった",
          "母親の喫煙",
          "要フォロー",
        ],
      ],
    ] as const) {
      for (const r of get(s).rows)
        for (const c of cols)
          if (!bools.has(cell(s, r, c))) bad.push(`${s}.${c}: ${cell(s, r, c)}`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("mixes date spellings by department", () => {
    const first = (s: string, col: string) => cell(s, get(s).rows[0] as SynthRow, col);
    expect(first("jumin", "生年月日")).toMatch(/^\d{8}$/);
    expect(first("shukketsu", "集計開始日")).toMatch(/^\d{4}\/\d{1,2}\/\d{1,2}$/);
    expect(first("shogai_techo", "交付日")).toMatch(/^(昭和|平成|令和)(元|\d+)年\d+月\d+日$/);
    expect(first("nyuyoji_kenshin", "受診日") || "R6.4.1").toMatch(/^[SHR]\d+\.\d+\.\d+$/);
    const styles = new Set(
      get("yotaikyo").rows.map((r) =>
        /^\D/.test(cell("yotaikyo", r, "登録日")) ? "wareki" : "seireki",
      ),
    );
    expect(styles.size).toBe(2);
  });
});

describe("population rates on a seeded town", () => {
  const current = () =>
    world.households.filter(
      (h) => h.kind !== "expecting" && h.stays[h.stays.length - 1]?.to === null,
    );

  it("has about 3,300 children aged 0–18 resident on the as-of date", () => {
    const kids = world.persons.filter(
      (p) =>
        p.role === "child" && residentAt(p, world.asOf - 1) && ageOn(p.birth, world.asOf) <= 18,
    );
    expect(kids.length).toBeGreaterThanOrEqual(3300);
    expect(kids.length).toBeLessThan(3400);
  });

  it("has about 1 % twin deliveries", () => {
    const deliveries = world.pregnancies.filter((g) => g.children.length > 0);
    const twins = deliveries.filter((g) => g.children.length === 2).length / deliveries.length;
    expect(twins).toBeGreaterThan(0.005);
    expect(twins).toBeLessThan(0.016);
  });

  it("has about 10 % single-parent households", () => {
    const hh = current();
    const single =
      hh.filter((h) => h.kind === "single_mother" || h.kind === "single_father").length / hh.length;
    expect(single).toBeGreaterThan(0.08);
    expect(single).toBeLessThan(0.125);
  });

  it("has people with two 宛名番号 (about 1 % of households moved out and back)", () => {
    const two = world.persons.filter((p) => p.stints.length === 2);
    expect(two.length / world.persons.length).toBeGreaterThan(0.005);
    expect(two.length / world.persons.length).toBeLessThan(0.02);
    for (const p of two) expect(p.stints[0]?.residentNo).not.toBe(p.stints[1]?.residentNo);
    // Their old number still appears in some department's history.
    const old = new Set(two.map((p) => p.stints[0]?.residentNo));
    const seen = [...rows.values()]
      .flatMap(({ rows: rs }) => rs.flatMap((r) => r.cells))
      .filter((c) => old.has(c)).length;
    expect(seen).toBeGreaterThan(0);
  });

  it("registers about 20 % of the kanji that have a common variant in that variant form", () => {
    let eligible = 0;
    let variant = 0;
    for (const hh of world.households) {
      const p = hh.members
        .map((id) => world.persons[id] as Person)
        .find((m) => m.nationality === "");
      if (!p) continue;
      for (const ch of p.family) {
        const canon = canonicalVariant(ch);
        if (!hasCommonVariant(canon)) continue;
        eligible++;
        if (canon !== ch) variant++;
      }
    }
    expect(eligible).toBeGreaterThan(300);
    expect(variant / eligible).toBeGreaterThan(0.14);
    expect(variant / eligible).toBeLessThan(0.26);
  });

  it("has a few percent foreign nationals", () => {
    const share = world.persons.filter((p) => p.nationality !== "").length / world.persons.length;
    expect(share).toBeGreaterThan(0.01);
    expect(share).toBeLessThan(0.04);
  });

  it("gives every person a registry stint and unique 宛名番号", () => {
    const nos = new Set<string>();
    const bad: string[] = [];
    for (const p of world.persons) {
      if (p.stints.length === 0) bad.push(`person ${p.id} has no stint`);
      for (const st of p.stints) {
        if (!/^[1-9]\d{8}$/.test(st.residentNo) || !/^[1-9]\d{7}$/.test(st.householdNo))
          bad.push(`${st.residentNo} ${st.householdNo}`);
        if (nos.has(st.residentNo)) bad.push(`duplicate ${st.residentNo}`);
        nos.add(st.residentNo);
      }
    }
    expect(bad).toEqual([]);
  });

  it("has latent difficulties near their stated prevalence", () => {
    const kids = world.persons.filter((p) => p.role === "child");
    const rate = (b: number) =>
      kids.filter((k) => k.applicable & b && k.difficulties & b).length /
      kids.filter((k) => k.applicable & b).length;
    expect(rate(BIT.poverty)).toBeGreaterThan(0.08);
    expect(rate(BIT.poverty)).toBeLessThan(0.17);
    expect(rate(BIT.developmental)).toBeGreaterThan(0.04);
    expect(rate(BIT.developmental)).toBeLessThan(0.09);
    expect(rate(BIT.abuse)).toBeGreaterThan(0.01);
    expect(rate(BIT.abuse)).toBeLessThan(0.035);
    expect(rate(BIT.postpartum)).toBeGreaterThan(0.06);
    expect(rate(BIT.postpartum)).toBeLessThan(0.15);
  });
});

function residentAt(p: Person, day: number): boolean {
  return p.stints.some((st) => st.from <= day && (st.to === null || day < st.to));
}

describe("identity traps and mess", () => {
  it("writes twins with the same birth date, 世帯番号 and family name", () => {
    const jumin = get("jumin").rows;
    const byPerson = new Map(jumin.map((r) => [r.person, r]));
    let pairs = 0;
    for (const p of world.persons) {
      if (p.twinId < p.id) continue;
      const a = byPerson.get(p.id);
      const b = byPerson.get(p.twinId);
      if (!a || !b) continue;
      pairs++;
      expect(cell("jumin", a, "生年月日")).toBe(cell("jumin", b, "生年月日"));
      expect(cell("jumin", a, "世帯番号")).toBe(cell("jumin", b, "世帯番号"));
      expect(cell("jumin", a, "氏名").split("　")[0]).toBe(cell("jumin", b, "氏名").split("　")[0]);
    }
    expect(pairs).toBeGreaterThan(10);
  });

  it("has different children with the same name and birth year", () => {
    const seen = new Map<string, number>();
    let homonyms = 0;
    for (const p of world.persons) {
      if (p.role !== "child") continue;
      const k = `${p.family}|${p.given}|${Math.floor(p.birth / 365.25)}`;
      const other = seen.get(k);
      if (other !== undefined && (world.persons[other] as Person).hh !== p.hh) homonyms++;
      seen.set(k, p.id);
    }
    expect(homonyms).toBeGreaterThan(5);
  });

  it("keeps 異体字 in the registry and mostly writes the common form at school", () => {
    const withVariant = new Set(
      world.persons
        .filter((p) => [...p.family].some((c) => canonicalVariant(c) !== c && isCp932Variant(c)))
        .map((p) => p.id),
    );
    const jumin = get("jumin").rows.filter((r) => withVariant.has(r.person));
    expect(jumin.length).toBeGreaterThan(50);
    for (const r of jumin)
      expect(cell("jumin", r, "氏名").startsWith((world.persons[r.person] as Person).family)).toBe(
        true,
      );
    const school = get("shukketsu").rows.filter((r) => withVariant.has(r.person) && !r.broken);
    const folded = school.filter((r) => {
      const p = world.persons[r.person] as Person;
      return !cell("shukketsu", r, "氏名").includes(p.family);
    });
    expect(school.length).toBeGreaterThan(10);
    expect(folded.length / school.length).toBeGreaterThan(0.6);
  });

  it("changes a few children's family names: the registry has the new one, earlier school rows the old", () => {
    const changed = world.persons.filter((p) => p.formerFamily !== null);
    const children = world.persons.filter(
      (p) => p.role === "child" && p.birth <= world.asOf - 2 * 365,
    );
    expect(changed.length / children.length).toBeGreaterThan(0.01);
    expect(changed.length / children.length).toBeLessThan(0.08);
    const ids = new Set(changed.map((p) => p.id));
    for (const r of get("jumin").rows.filter((x) => ids.has(x.person))) {
      const p = world.persons[r.person] as Person;
      expect(cell("jumin", r, "氏名").startsWith(p.family)).toBe(true);
    }
    // The school's master typed before the change keeps the former name; typed after it, the new.
    const school = get("shukketsu").rows.filter((r) => ids.has(r.person) && !r.broken);
    const kana = (r: SynthRow) => cell("shukketsu", r, "氏名カナ");
    const old = school.filter((r) => {
      const p = world.persons[r.person] as Person;
      const former = readingKey(p.formerFamily?.familyKana ?? "");
      return readingKey(normaliseKana(kana(r))).startsWith(former);
    });
    expect(school.length).toBeGreaterThan(5);
    expect(old.length).toBeGreaterThan(0);
    expect(old.length).toBeLessThan(school.length);
  });

  it("writes kana as hiragana, half-width and with variants in some sources", () => {
    const kana = (s: string) => get(s).rows.map((r) => cell(s, r, "氏名カナ"));
    expect(kana("jumin").filter((k) => !/^[\u30a1-\u30fc　 ]+$/.test(k))).toEqual([]);
    expect(kana("shukketsu").some((k) => /[\u3041-\u3093]/.test(k))).toBe(true);
    expect(kana("yotaikyo").some((k) => /[\uff66-\uff9f]/.test(k))).toBe(true);
    const spaces = new Set(
      get("shukketsu").rows.map((r) =>
        cell("shukketsu", r, "氏名").includes("　")
          ? "full"
          : cell("shukketsu", r, "氏名").includes(" ")
            ? "half"
            : "none",
      ),
    );
    expect(spaces.size).toBeGreaterThanOrEqual(2);
  });

  it("has no 宛名番号 in school and 児童相談所 files, and often a blank 子宛名番号 for mothers", () => {
    for (const s of ["shukketsu", "gakko_kenshin", "kokoro_check", "ichiji_hogo"]) {
      expect(get(s).table.header.some((h) => h.includes("宛名番号"))).toBe(false);
    }
    for (const s of ["ninpu_kenshin", "sanpu_kenshin"]) {
      const rs = get(s).rows;
      const blank = rs.filter((r) => cell(s, r, "子宛名番号") === "").length / rs.length;
      expect(blank).toBeGreaterThan(0.45);
      expect(blank).toBeLessThan(0.8);
      expect(rs.every((r) => (world.persons[r.person] as Person).role === "mother")).toBe(true);
    }
  });

  it("writes a checkup row only for children resident at the checkup age", () => {
    const rowsByChild = new Map<number, string[]>();
    for (const r of get("nyuyoji_kenshin").rows) {
      const p = world.persons[r.person] as Person;
      expect(p.stints.map((s) => s.residentNo)).toContain(cell("nyuyoji_kenshin", r, "宛名番号"));
      rowsByChild.set(r.person, [
        ...(rowsByChild.get(r.person) ?? []),
        cell("nyuyoji_kenshin", r, "健診区分"),
      ]);
    }
    let movedInLate = 0;
    for (const p of world.persons) {
      if (p.role !== "child" || p.stints.length !== 1) continue;
      const from = (p.stints[0] as { from: number }).from;
      if (from > addMonths(p.birth, 24) && from < world.asOf) {
        movedInLate++;
        expect(rowsByChild.get(p.id) ?? []).not.toContain("3-4か月児");
        expect(rowsByChild.get(p.id) ?? []).not.toContain("1歳6か月児");
      }
    }
    expect(movedInLate).toBeGreaterThan(20);
  });

  it("gives movers a partial school year in 出欠", () => {
    const sy = schoolYear(world);
    const start = `${sy.year}/4/1`;
    const end = `${sy.year + 1}/3/31`;
    const partial = get("shukketsu").rows.filter(
      (r) =>
        cell("shukketsu", r, "集計開始日") !== start || cell("shukketsu", r, "集計終了日") !== end,
    );
    expect(partial.length).toBeGreaterThan(10);
    expect(partial.length).toBeLessThan(get("shukketsu").rows.length * 0.2);
  });

  it("transposes birth-date digits for a few students, the same way in every school file", () => {
    const birthOf = (s: string) =>
      new Map(
        get(s)
          .rows.filter((r) => !r.broken)
          .map((r) => [r.person, cell(s, r, "生年月日").replace(/\/0/g, "/")]),
      );
    const a = birthOf("shukketsu");
    const b = birthOf("gakko_kenshin");
    let slips = 0;
    for (const [id, v] of a) {
      const p = world.persons[id] as Person;
      const [y, m, d] = v.split("/").map(Number) as [number, number, number];
      if (dayOf(y, m, d) !== p.birth) {
        slips++;
        if (b.has(id)) expect(b.get(id)).toBe(v);
      }
    }
    expect(slips).toBeGreaterThan(0);
    expect(slips).toBeLessThan(a.size * 0.02);
  });
});

describe("difficulties drive data items", () => {
  const share = (ids: number[], hit: Set<number>) =>
    ids.filter((id) => hit.has(id)).length / Math.max(1, ids.length);
  const kids = () => world.persons.filter((p) => p.role === "child");

  it("registers abused children with the 要対協 far more often", () => {
    const reg = new Set(get("yotaikyo").rows.map((r) => r.person));
    const abused = kids()
      .filter((k) => k.difficulties & BIT.abuse)
      .map((k) => k.id);
    const others = kids()
      .filter((k) => !(k.difficulties & BIT.abuse))
      .map((k) => k.id);
    expect(share(abused, reg)).toBeGreaterThan(0.35);
    expect(share(others, reg)).toBeLessThan(0.03);
  });

  it("gives truants ≥ 30 days' absence (prorated) and others rarely", () => {
    const sy = schoolYear(world);
    const over = new Set<number>();
    for (const r of get("shukketsu").rows) {
      const [y1, m1, d1] = cell("shukketsu", r, "集計開始日").split("/").map(Number) as [
        number,
        number,
        number,
      ];
      const [y2, m2, d2] = cell("shukketsu", r, "集計終了日").split("/").map(Number) as [
        number,
        number,
        number,
      ];
      const days = dayOf(y2, m2, d2) - dayOf(y1, m1, d1) + 1;
      if (Number(cell("shukketsu", r, "欠席日数")) >= (30 * days) / 365) over.add(r.person);
    }
    const pupils = kids().filter((k) => {
      const g = schoolGradeOn(k.birth, sy.start);
      return g >= 1 && g <= 9 && !k.outsideSchool;
    });
    const truants = pupils.filter((k) => k.difficulties & BIT.truancy).map((k) => k.id);
    const others = pupils.filter((k) => !(k.difficulties & BIT.truancy)).map((k) => k.id);
    expect(share(truants, over)).toBeGreaterThan(0.6);
    expect(share(others, over)).toBeLessThan(0.02);
  });

  it("gives depressed mothers EPDS ≥ 9 mostly and others rarely", () => {
    const high = get("sanpu_kenshin").rows.map((r) => ({
      r,
      high: Number(cell("sanpu_kenshin", r, "EPDS合計点")) >= 9,
    }));
    const pp = high.filter(({ r }) =>
      world.pregnancies.some(
        (g) =>
          g.mother === r.person &&
          g.postpartum &&
          g.children.includes(r.related?.[0]?.person ?? -1),
      ),
    );
    expect(pp.filter((x) => x.high).length / pp.length).toBeGreaterThan(0.7);
    expect(high.filter((x) => x.high).length / high.length).toBeLessThan(0.2);
  });
});
