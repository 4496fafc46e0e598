/**
 * Issue 6 acceptance, end to end on `synth --profile city`: the CLI commands
 * synth → import → run → export flags / scores / links, and the flags
 * compared with an expectation computed HERE from the generated CSV files
 * and the truth files only — never from src/domain/items — for B01–B18
 * (every source those items read). The expectation follows spec/layouts.md
 * ("Built-in data items") literally, with its own CSV reader, its own date
 * reader (和暦, slashes, full-width digits) and the generator's
 * standard-weight table (domain/synth, kept apart from the evaluator's on
 * purpose).
 *
 * Two expectations are computed with the same code:
 * - `truth`: every row attributed to its true person (truth/records.csv);
 * - `linked`: every row attributed to the person our 名寄せ linked it to
 *   (export links), read back as a true person by majority of its rows.
 * The pipeline must equal `linked` exactly — any difference there is an
 * item-rule error. `truth` vs the pipeline then measures the end-to-end
 * agreement; its differences are linkage misses (a row linked to the wrong
 * person or to nobody), which the test counts and bounds. Mother rows (B14,
 * B15) use truth/related.csv for the child (both twins of a delivery) in both
 * expectations, so mother–child attribution misses show up in the `linked`
 * comparison as their own, separately (and tightly) bounded, category.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { exportFlags } from "../../src/cli/commands/export-flags.ts";
import { exportLinks, exportPersons } from "../../src/cli/commands/export-links.ts";
import { exportScores } from "../../src/cli/commands/export-scores.ts";
import { importCommand } from "../../src/cli/commands/import.ts";
import { runCommand } from "../../src/cli/commands/run.ts";
import { synth } from "../../src/cli/commands/synth.ts";
import { standardWeight } from "../../src/domain/synth/sources/school.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

const AS_OF = "2025-04-01";
const SEED = "7";
const ITEMS = [
  "B01",
  "B02",
  "B03",
  "B04",
  "B05",
  "B06",
  "B07",
  "B08",
  "B09",
  "B10",
  "B11",
  "B12",
  "B13",
  "B14",
  "B15",
  "B16",
  "B17",
  "B18",
] as const;

let t: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), "mimamori-city-scoring-"));
const data = join(dir, "data");

// ---------------------------------------------------------------- reading

type Table = { header: string[]; rows: string[][] };

/** A generated CSV: UTF-8 (BOM or not) or CP932, quotes per RFC 4180. */
function readCsv(path: string): Table {
  const bytes = readFileSync(path);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder("shift_jis").decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/).filter((l) => l !== "");
  const split = (line: string): string[] => {
    if (!line.includes('"')) return line.split(",");
    const out: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i] as string;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") {
        out.push(cur);
        cur = "";
      } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  return { header: split(lines[0] as string), rows: lines.slice(1).map(split) };
}

const parsed = new Map<string, { row: number; v: Record<string, string> }[]>();
/** Rows as objects keyed by header, with their 1-based row number (each file read once). */
function records(path: string): { row: number; v: Record<string, string> }[] {
  const hit = parsed.get(path);
  if (hit) return hit;
  const { header, rows } = readCsv(path);
  const out = rows.map((cells, i) => ({
    row: i + 1,
    v: Object.fromEntries(header.map((h, k) => [h, cells[k] ?? ""])),
  }));
  parsed.set(path, out);
  return out;
}

const ERA: Record<string, number> = {
  M: 1867,
  T: 1911,
  S: 1925,
  H: 1988,
  R: 2018,
  明治: 1867,
  大正: 1911,
  昭和: 1925,
  平成: 1988,
  令和: 2018,
};

/** Any date form layouts.md allows, as YYYY-MM-DD; null when blank or not a real date. */
function iso(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const s = raw.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).trim();
  if (s === "") return null;
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(s) ?? /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(s);
  let y: number;
  let mo: number;
  let d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else {
    m =
      /^(明治|大正|昭和|平成|令和)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日$/.exec(s) ??
      /^([MTSHR])(\d{1,2})\.(\d{1,2})\.(\d{1,2})$/.exec(s);
    if (!m) return null;
    y = (ERA[m[1] as string] as number) + (m[2] === "元" ? 1 : Number(m[2]));
    [mo, d] = [Number(m[3]), Number(m[4])];
  }
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    return null;
  return date.toISOString().slice(0, 10);
}

const TRUE = new Set(["1", "はい", "有", "あり", "該当", "○", "true", "Y"]);
const bool = (s: string | undefined) => s !== undefined && TRUE.has(s.trim());
const num = (s: string | undefined) => (s === undefined || s.trim() === "" ? null : Number(s));
/** Not after the as-of date (nothing from the future is known on it). */
const by = (s: string | undefined) => {
  const d = iso(s);
  return d !== null && d <= AS_OF;
};

function ageOn(birth: string, on: string): number {
  const a = Number(on.slice(0, 4)) - Number(birth.slice(0, 4));
  return on.slice(5) < birth.slice(5) ? a - 1 : a;
}

/** Calendar months in [start, end] (inclusive), a partial month by its share of days. */
function monthsIn(start: string, end: string): number {
  let total = 0;
  let y = Number(start.slice(0, 4));
  let mo = Number(start.slice(5, 7));
  const s = Date.parse(start);
  const e = Date.parse(end);
  while (Date.UTC(y, mo - 1, 1) <= e) {
    const first = Date.UTC(y, mo - 1, 1);
    const next = Date.UTC(y, mo, 1);
    const from = Math.max(first, s);
    const to = Math.min(next - 86_400_000, e);
    if (to >= from) total += (to - from + 86_400_000) / (next - first);
    mo++;
    if (mo > 12) {
      mo = 1;
      y++;
    }
  }
  return total;
}

// ------------------------------------------------------------ expectation

interface Attribution {
  /** The person a row is about, or undefined when nobody. */
  owner(file: string, row: number): string | undefined;
  /** Birth date and sex of a person. */
  person(p: string): { birth: string; sex: 1 | 2 } | undefined;
  /** The children a mother row (妊婦/産婦健診) or a 児童扶養手当 row is about. */
  related(file: string, row: number): readonly string[];
}

/** person → items that hold, per spec/layouts.md B01–B18, from the generated files alone. */
function expectItems(a: Attribution): {
  children: Set<string>;
  holds: Map<string, Set<string>>;
} {
  const read = (f: string) => records(join(data, f));
  const broken = new Set(
    readCsv(join(data, "truth", "broken_rows.csv")).rows.map((r) => `${r[1]}#${r[2]}`),
  );
  const rowsOf = (f: string) => read(f).filter((r) => !broken.has(`${f}#${r.row}`));
  const persons = { get: a.person };
  const childrenOfRow = a.related;

  // Residents on the as-of date and their 世帯 (a jumin row in force: 住定日 ≤ date < 消除日).
  const household = new Map<string, string>();
  for (const r of rowsOf("jumin.csv")) {
    const p = a.owner("jumin.csv", r.row);
    if (p === undefined) continue;
    const from = iso(r.v.住定日);
    const to = iso(r.v.消除日);
    if ((from === null || from <= AS_OF) && (to === null || AS_OF < to))
      household.set(p, r.v.世帯番号 as string);
  }
  const members = new Map<string, string[]>();
  for (const [p, h] of household) members.set(h, [...(members.get(h) ?? []), p]);
  const others = (p: string) => (members.get(household.get(p) ?? "") ?? []).filter((m) => m !== p);
  const children = new Set(
    [...household.keys()].filter((p) => {
      const b = persons.get(p)?.birth;
      if (!b || b > AS_OF) return false;
      const age = ageOn(b, AS_OF);
      return age >= 0 && age <= 18;
    }),
  );

  const holds = new Map<string, Set<string>>();
  const add = (p: string | undefined, item: string) => {
    if (p === undefined || !children.has(p)) return;
    let s = holds.get(p);
    if (!s) {
      s = new Set();
      holds.set(p, s);
    }
    s.add(item);
  };
  const own = (f: string) =>
    rowsOf(f).map((r) => ({ ...r, p: a.owner(f, r.row) })) as {
      row: number;
      v: Record<string, string>;
      p: string | undefined;
    }[];

  for (const r of own("yotaikyo.csv")) if (by(r.v.登録日)) add(r.p, "B01");
  for (const r of own("ichiji_hogo.csv")) if (by(r.v.保護開始日)) add(r.p, "B02");

  // B03: a row of a checkup with blank 受診日 and no attended row of the same 区分.
  const attended = new Set<string>();
  const invited: [string, string][] = [];
  for (const r of own("nyuyoji_kenshin.csv")) {
    if (r.p === undefined) continue;
    if (iso(r.v.受診日) === null) invited.push([r.p, r.v.健診区分 as string]);
    else if (by(r.v.受診日)) {
      attended.add(`${r.p}|${r.v.健診区分}`);
      if (bool(r.v.家に残して外出)) add(r.p, "B04");
      if (bool(r.v.長時間食事を与えなかった)) add(r.p, "B05");
      if (bool(r.v.口をふさいだ)) add(r.p, "B06");
      if (bool(r.v.激しく揺さぶった)) add(r.p, "B07");
      const pct = num(r.v.体重パーセンタイル);
      if (pct !== null && pct < 3) add(r.p, "B08");
    }
  }
  for (const [p, k] of invited) if (!attended.has(`${p}|${k}`)) add(p, "B03");

  // B08 at school: 肥満度 = (weight − standard weight) / standard weight ≤ −20 %.
  for (const r of own("gakko_kenshin.csv")) {
    const exam = iso(r.v.検査日);
    const who = r.p === undefined ? undefined : persons.get(r.p);
    const h = num(r.v.身長);
    const w = num(r.v.体重);
    if (!who || exam === null || exam > AS_OF || h === null || w === null) continue;
    const sw = standardWeight(who.sex, ageOn(who.birth, exam), h);
    if (((w - sw) / sw) * 100 <= -20) add(r.p, "B08");
  }

  // 手帳: B09 the child's own valid 精神 with F80–F98; B16 another current member's valid one.
  const validTecho = own("shogai_techo.csv").filter(
    (r) => r.v.資格状態 === "有効" && (iso(r.v.交付日) === null || by(r.v.交付日)),
  );
  const holdsTecho = new Set<string>();
  for (const r of validTecho) {
    if (r.p === undefined) continue;
    holdsTecho.add(r.p);
    if (r.v.手帳種別 === "精神" && /^F(8\d|9[0-8])/.test(r.v.主たる精神障害コード ?? ""))
      add(r.p, "B09");
  }
  for (const c of children) if (others(c).some((m) => holdsTecho.has(m))) add(c, "B16");

  for (const r of own("shogaiji_jukyusha.csv")) if (by(r.v.決定日)) add(r.p, "B10");

  // B11 / B12: per child, the days of the year's rows against 30 × months covered / 12.
  const school = new Map<string, { absent: number; late: number; months: number }>();
  for (const r of own("shukketsu.csv")) {
    const s = iso(r.v.集計開始日);
    const e = iso(r.v.集計終了日);
    if (r.p === undefined || s === null || e === null || s > AS_OF) continue;
    const acc = school.get(r.p) ?? { absent: 0, late: 0, months: 0 };
    acc.absent += num(r.v.欠席日数) ?? 0;
    acc.late += num(r.v.遅刻日数) ?? 0;
    acc.months += monthsIn(s, e < AS_OF ? e : AS_OF);
    school.set(r.p, acc);
  }
  for (const [p, x] of school) {
    const limit = (30 * x.months) / 12;
    if (x.absent >= limit) add(p, "B11");
    if (x.late >= limit) add(p, "B12");
  }

  for (const r of own("kokoro_check.csv"))
    if (by(r.v.実施日) && (r.v.判定結果 === "要支援" || bool(r.v.希死念慮))) add(r.p, "B13");

  // Mother rows: the child of that pregnancy (truth/related.csv).
  for (const r of rowsOf("ninpu_kenshin.csv"))
    if (by(r.v.妊娠届出日) && num(r.v.受診回数) === 0)
      for (const c of childrenOfRow("ninpu_kenshin.csv", r.row)) add(c, "B14");
  for (const r of rowsOf("sanpu_kenshin.csv"))
    if (by(r.v.健診日) && (num(r.v.EPDS合計点) ?? 0) >= 9)
      for (const c of childrenOfRow("sanpu_kenshin.csv", r.row)) add(c, "B15");

  // B17: the child or a current member in 生活保護 on the date (廃止年月日 = first day without).
  const welfare = new Set<string>();
  for (const r of own("seikatsu_hogo.csv")) {
    const end = iso(r.v.廃止年月日);
    if (r.p !== undefined && by(r.v.開始年月日) && (end === null || AS_OF < end)) welfare.add(r.p);
  }
  for (const c of children)
    if (welfare.has(c) || others(c).some((m) => welfare.has(m))) add(c, "B17");

  // B18: the current 支給区分 (newest 認定日) of each 受給者 × 対象児童 is 全部支給 / 一部支給;
  // the child holds as 対象児童, or when its guardian (a current member) receives.
  const newest = new Map<
    string,
    { date: string; row: number; receiving: boolean; child: readonly string[]; guardian?: string }
  >();
  for (const r of own("jido_fuyo.csv")) {
    const d = iso(r.v.認定日) ?? "";
    if (d > AS_OF) continue;
    const kids = childrenOfRow("jido_fuyo.csv", r.row);
    const key = `${r.v.受給者宛名番号}|${r.v.対象児童宛名番号 || kids.join("+")}`;
    const prev = newest.get(key);
    if (prev && (prev.date > d || (prev.date === d && prev.row > r.row))) continue;
    newest.set(key, {
      date: d,
      row: r.row,
      receiving: r.v.支給区分 === "全部支給" || r.v.支給区分 === "一部支給",
      child: kids,
      ...(r.p === undefined ? {} : { guardian: r.p }),
    });
  }
  const receivingGuardian = new Set<string>();
  for (const x of newest.values()) {
    if (!x.receiving) continue;
    for (const c of x.child) add(c, "B18");
    if (x.guardian !== undefined) receivingGuardian.add(x.guardian);
  }
  for (const c of children) if (others(c).some((m) => receivingGuardian.has(m))) add(c, "B18");

  return { children, holds };
}

// ---------------------------------------------------------------- the run

let flagsCsv: string[][] = [];
let scoresCsv: string[][] = [];
let linksCsv: string[][] = [];
let personsCsv: string[][] = [];
let stages = "";

beforeAll(async () => {
  t = await createTestDatabase();
  const globals = { databaseUrl: t.url, home: dir };
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const t0 = performance.now();
    expect(
      await synth.run(
        ["--profile", "city", "--seed", SEED, "--out", data, "--as-of", AS_OF],
        globals,
      ),
    ).toBe(0);
    const t1 = performance.now();
    expect(await importCommand.run([data, "--as-of", AS_OF], globals)).toBe(0);
    const t2 = performance.now();
    expect(await runCommand.run([], globals)).toBe(0);
    const t3 = performance.now();
    for (const [cmd, name] of [
      [exportFlags, "flags.csv"],
      [exportScores, "scores.csv"],
      [exportLinks, "links.csv"],
      [exportPersons, "persons.csv"],
    ] as const)
      expect(await cmd.run(["--out", join(dir, name)], globals)).toBe(0);
    const s = (a: number, b: number) => `${((b - a) / 1000).toFixed(1)} s`;
    stages = `synth ${s(t0, t1)}, import ${s(t1, t2)}, run ${s(t2, t3)}, exports ${s(t3, performance.now())}`;
  } finally {
    vi.restoreAllMocks();
  }
  flagsCsv = readCsv(join(dir, "flags.csv")).rows;
  scoresCsv = readCsv(join(dir, "scores.csv")).rows;
  linksCsv = readCsv(join(dir, "links.csv")).rows;
  personsCsv = readCsv(join(dir, "persons.csv")).rows;
}, 400_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Pairs "person|item" of a holder map, restricted to B01–B18. */
function pairs(holds: Map<string, Set<string>>): Set<string> {
  const out = new Set<string>();
  for (const [p, items] of holds)
    for (const i of items) if ((ITEMS as readonly string[]).includes(i)) out.add(`${p}|${i}`);
  return out;
}

function diff(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x));
}

describe("city flags against a truth-derived expectation (issue 6 acceptance)", () => {
  it("equals the expectation on the linked attribution, and agrees ≥ 0.99 with the true one", () => {
    const truthPersons = new Map(
      readCsv(join(data, "truth", "persons.csv")).rows.map((c) => [
        c[0] as string,
        { birth: c[7] as string, sex: Number(c[8]) as 1 | 2 },
      ]),
    );
    const relatedTruth = new Map<string, string[]>();
    for (const [, file, row, role, p] of readCsv(join(data, "truth", "related.csv")).rows) {
      if (role !== "child") continue;
      const k = `${file}#${row}`;
      relatedTruth.set(k, [...(relatedTruth.get(k) ?? []), p as string]);
    }
    const trueOwner = new Map(
      readCsv(join(data, "truth", "records.csv")).rows.map((c) => [
        `${c[1]}#${c[2]}`,
        c[3] as string,
      ]),
    );
    // Our person → the true person most of its rows belong to, and back.
    const votes = new Map<string, Map<string, number>>();
    const backVotes = new Map<string, Map<string, number>>();
    const linkedTo = new Map<string, string>();
    const vote = (m: Map<string, Map<string, number>>, a: string, b: string, w: number) => {
      const v = m.get(a) ?? new Map<string, number>();
      v.set(b, (v.get(b) ?? 0) + w);
      m.set(a, v);
    };
    for (const [source, file, row, person] of linksCsv) {
      if (!person) continue;
      linkedTo.set(`${file}#${row}`, person);
      const truth = trueOwner.get(`${file}#${row}`);
      if (truth === undefined) continue;
      // A registry row says who a person is: it outweighs any number of other rows.
      const weight = source === "jumin" ? 1000 : 1;
      vote(votes, person, truth, weight);
      vote(backVotes, truth, person, weight);
    }
    const winner = (m: Map<string, Map<string, number>>) =>
      new Map([...m].map(([k, v]) => [k, [...v].sort((x, y) => y[1] - x[1])[0]?.[0] as string]));
    const truthOf = winner(votes);
    const oursOf = winner(backVotes);

    // Birth date and sex as our 名寄せ recorded them (export persons).
    const ourPersons = new Map(
      personsCsv.map((c) => [
        c[0] as string,
        { birth: c[4] as string, sex: Number(c[5]) as 1 | 2 },
      ]),
    );
    // The pipeline's output, keyed by our person ids.
    const got = new Map<string, Set<string>>();
    for (const [person, item] of flagsCsv) {
      const s = got.get(person as string) ?? new Set<string>();
      s.add(item as string);
      got.set(person as string, s);
    }
    const scored = new Set(scoresCsv.map((r) => r[0] as string));

    // Expectation 1: rows attributed as our 名寄せ linked them (our person ids).
    const linked = expectItems({
      owner: (f, r) => linkedTo.get(`${f}#${r}`),
      person: (p) => ourPersons.get(p),
      related: (f, r) => (relatedTruth.get(`${f}#${r}`) ?? []).flatMap((c) => oursOf.get(c) ?? []),
    });
    // Expectation 2: rows attributed to their true persons (true person ids).
    const truth = expectItems({
      owner: (f, r) => trueOwner.get(`${f}#${r}`),
      person: (p) => truthPersons.get(p),
      related: (f, r) => relatedTruth.get(`${f}#${r}`) ?? [],
    });

    const mine = pairs(got);
    const compare = (want: Set<string>, have: Set<string>) => {
      const missing = diff(want, have);
      const extra = diff(have, want);
      const both = want.size - missing.length;
      return { missing, extra, agreement: both / (both + missing.length + extra.length) };
    };
    const byItem = (xs: Iterable<string>) => {
      const list = [...xs];
      return Object.fromEntries(
        ITEMS.map((i) => [i, list.filter((x) => x.endsWith(`|${i}`)).length]),
      );
    };
    const l = compare(pairs(linked.holds), mine);

    // The same output in true-person terms (a split person's rows count for its true person).
    const mineTrue = new Set(
      [...mine].map((x) => {
        const [p, i] = x.split("|");
        return `${truthOf.get(p as string)}|${i}`;
      }),
    );
    const scoredTrue = new Set([...scored].map((p) => truthOf.get(p) as string));
    const childAgreement =
      [...truth.children].filter((p) => scoredTrue.has(p)).length /
      new Set([...truth.children, ...scoredTrue]).size;
    const tr = compare(pairs(truth.holds), mineTrue);
    console.log(
      JSON.stringify({
        stages,
        children: scored.size,
        childAgreement,
        pairs: {
          pipeline: mine.size,
          linked: pairs(linked.holds).size,
          truth: pairs(truth.holds).size,
        },
        linked: {
          agreement: l.agreement,
          missing: l.missing.slice(0, 30),
          extra: l.extra.slice(0, 30),
        },
        truth: { agreement: tr.agreement, missing: byItem(tr.missing), extra: byItem(tr.extra) },
        truthExamples: { missing: tr.missing.slice(0, 10), extra: tr.extra.slice(0, 10) },
      }),
    );
    // Who is scored: residents aged 0–18 on the date.
    expect(diff(linked.children, scored)).toEqual([]);
    expect(diff(scored, linked.children)).toEqual([]);
    expect(childAgreement).toBeGreaterThanOrEqual(0.999);
    // Every item is exercised.
    const perItem = byItem(pairs(truth.holds));
    for (const i of ITEMS) expect(perItem[i], i).toBeGreaterThan(0);

    // 1. Item rules: on the linked attribution the pipeline adds nothing and misses nothing,
    // except mother rows whose child the linkage's mother–child step could not place as
    // truth/related.csv does. Twins named by 子宛名番号 now get the delivery both (they were
    // 11 of 16 on seed 7); what remains (5 B15 pairs on seed 7, ≈ 0.3 % of B14/B15) is a
    // family that moved out and came back under new 宛名番号: the checkup row carries the
    // mother's (or child's) former number, which no registry row holds, so the row's mother
    // is not the registry mother and the rule finds no child in her 世帯. B14 / B15 only.
    expect(l.extra).toEqual([]);
    expect(l.missing.filter((x) => !x.endsWith("|B14") && !x.endsWith("|B15"))).toEqual([]);
    const motherPairs = (perItem.B14 ?? 0) + (perItem.B15 ?? 0);
    expect(l.missing.length).toBeLessThanOrEqual(Math.ceil(0.005 * motherPairs));

    // 2. End to end against the truth: ≥ 0.99, and every difference is explained — either the
    // linked attribution already lacks the pair (a row linked to another person or to nobody:
    // e.g. a 乳幼児健診 row filed under a former 宛名番号, a 一時保護 row without 宛名番号 the
    // linkage could not place, a household member's 手帳 row on an unlinked person), or it is
    // one of the mother-row cases above.
    expect(tr.agreement).toBeGreaterThanOrEqual(0.99);
    const linkedTrue = new Set(
      [...pairs(linked.holds)].map((x) => {
        const [p, i] = x.split("|");
        return `${truthOf.get(p as string)}|${i}`;
      }),
    );
    const motherMissing = new Set(
      l.missing.map((x) => {
        const [p, i] = x.split("|");
        return `${truthOf.get(p as string)}|${i}`;
      }),
    );
    const unexplained = [
      ...tr.missing.filter((x) => linkedTrue.has(x) && !motherMissing.has(x)),
      ...tr.extra.filter((x) => !linkedTrue.has(x)),
    ];
    expect(unexplained).toEqual([]);
  }, 120_000);
});
