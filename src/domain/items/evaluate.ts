/**
 * Evaluates the item catalog for every child as of a date: which items hold,
 * each with its evidence.
 *
 * Semantics (a careful 保健師's reading of layouts.md and the pilot reports):
 * - Children are persons aged 0–18 on the date (開成町: 0～18歳) who are
 *   resident on it: a jumin period with 住定日 ≤ date < 消除日. A child who
 *   left (消除日 ≤ date) or never appears in jumin is not scored.
 * - A row whose event date (its source's declared eventDate: 登録日, 受診日, 交付日 …) is after the
 *   date has not happened yet and is ignored. Which snapshots a run reads is
 *   the pipeline's choice; the evaluator does not filter on 抽出日.
 * - Household items look at the other members of the child's 世帯 on the
 *   date (jumin periods in force), never at the child's own certificate.
 * - Benefits count only while in effect on the date (see Activity).
 *
 * Performance: rows sit in one flat table built once per population
 * (population-index.ts); a household member's facts are decided once and
 * shared by all children of the household; deciding allocates (almost)
 * nothing, and evidence (text, cited rows) is made only when asked for.
 */
import { MimamoriError } from "../errors.ts";
import type { PersonId } from "../linkage/types.ts";
import type { HouseholdNo, IsoDate } from "../types.ts";
import type { Value } from "../validate.ts";
import type { Condition, Criterion, ItemCatalog } from "./catalog.ts";
import {
  addMonths,
  ageOn,
  dayOf,
  dayOfValue,
  fiscalYearOf,
  isoOfDay,
  monthsCovered,
  schoolEntryYear,
} from "./dates.ts";
import { type Evidence, MAX_CITED_ROWS } from "./evidence.ts";
import type { PersonFacts, Population, ResidencePeriod, RowRef, SourceRow } from "./facts.ts";
import {
  eventAt,
  type HouseholdRows,
  indexPopulation,
  NO_EVENT,
  NO_SOURCE,
  ODD_EVENT,
  type PopulationIndex,
  type RowSet,
  type RowTable,
  ymdOfIso,
} from "./population-index.ts";
import { obesityPercent } from "./standard-weight.ts";

export interface ChildItems {
  /** Index into `Population.persons`. */
  readonly person: number;
  readonly personId: PersonId;
  readonly birthDate: IsoDate;
  /** Completed years on the evaluation date. */
  readonly age: number;
  readonly householdNo: HouseholdNo | null;
  /** Indexes (into `Evaluation.itemIds`) of the items that hold, ascending. */
  readonly items: readonly number[];
}

export interface Evaluation {
  readonly asOf: IsoDate;
  readonly catalogVersion: string;
  readonly itemIds: readonly string[];
  /** Every child scored (resident, 0–18), in population order. */
  readonly children: readonly ChildItems[];
  /**
   * Why an item holds for a child: the item is evaluated again for that child
   * and its finding turned into evidence. Not kept for every hit — scores,
   * capacity planning and models need only `items`, and a finding per hit is
   * what would make a metro-sized run slow.
   */
  readonly evidence: (child: ChildItems, item: number) => Evidence;
}

/** Age range of the children judged (開成町: 0～18歳, reference/004). */
export const CHILD_AGES = { min: 0, max: 18 } as const;

/** What an item found, before it is turned into Evidence text. */
interface Finding {
  readonly subject: Evidence["subject"];
  /** Household member whose data it is (person index), or -1. */
  readonly member: number;
  /** All rows that met the criterion (SourceRows, or jumin row references). */
  readonly rows: readonly RowRef[];
  readonly explain: Explainer;
  /** Kind-specific text computed at evaluation (attendance totals, 肥満度 …). */
  readonly note?: string;
  /** any_of: the parts that held. */
  readonly parts?: readonly Finding[];
}

type Explainer = (
  f: Finding,
  ctx: Context,
) => { observed: string; criterion: string; notes?: string[] };

/**
 * A compiled criterion. With `explain` false it only decides (and allocates
 * nothing for a child it does not hold for): `true` or null. With `explain`
 * true it returns the Finding — evaluated again, lazily, when evidence is read.
 */
type Find = (ctx: Context, child: number, explain: boolean) => Finding | true | null;

/**
 * Which sources a criterion can hold on: a child is asked only when it (own),
 * its mother rows (mother) or its 世帯 (household) has a row of one of them —
 * bit masks over source ordinals. Most children have rows of a few sources, so
 * most items are skipped without a look at any row, while each child's rows
 * are read together (they stay in the CPU cache across its items).
 */
interface Gate {
  readonly always: boolean;
  readonly own: number;
  readonly mother: number;
  readonly household: number;
}

interface Evaluator extends Find {
  readonly gate: Gate;
}

const ALWAYS: Gate = { always: true, own: 0, mother: 0, household: 0 };
const NEVER: Gate = { always: false, own: 0, mother: 0, household: 0 };

/** The gate bit of a source ordinal; ordinals beyond 30 cannot gate (asked always). */
function gateOf(ord: number, where: "own" | "mother" | "household"): Gate {
  if (ord === NO_SOURCE) return NEVER;
  if (ord > 30) return ALWAYS;
  return { ...NEVER, [where]: 1 << ord };
}

function gated(find: Find, gate: Gate): Evaluator {
  return Object.assign(find, { gate });
}

function union(gates: readonly Gate[]): Gate {
  return gates.reduce(
    (a, g) => ({
      always: a.always || g.always,
      own: a.own | g.own,
      mother: a.mother | g.mother,
      household: a.household | g.household,
    }),
    NEVER,
  );
}

const NO_ROWS: readonly number[] = [];
const NO_MEMBERS = new Int32Array(0);

/**
 * A row's event date (its source's eventDate column) as its `YYYY-MM-DD`
 * string, or undefined when it has none. Dates are compared as strings — ISO
 * dates sort as dates — so rows are never parsed just to be compared with the
 * as-of date.
 */
function eventIso(row: SourceRow, columns: Readonly<Record<string, string>>): string | undefined {
  const col = columns[row.source];
  if (col === undefined) return undefined;
  const v = row.values[col];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Not after the evaluation date (a row without an event date counts: its date is unknown). */
function happened(row: SourceRow, iso: string, columns: Readonly<Record<string, string>>): boolean {
  const e = eventIso(row, columns);
  return e === undefined || e <= iso;
}

/**
 * `happened` for row k of an indexed row set, from its event date read once
 * at indexing (the same answer: ISO dates compare as their yyyymmdd numbers).
 */
function happenedAt(set: RowSet, k: number, ctx: Context): boolean {
  const e = eventAt(set, k);
  if (e === NO_EVENT) return true;
  if (e !== ODD_EVENT) return e <= ctx.ymd;
  return happened(set.rows[k] as SourceRow, ctx.iso, set.eventColumns);
}

/** Appends to a list created on first use (nothing is allocated for a child that matches nothing). */
function append<T>(list: T[] | null | undefined, x: T): T[] {
  if (list) {
    list.push(x);
    return list;
  }
  return [x];
}
/** Returned by a matcher told not to collect rows: "at least one row matched". */
const HOLDS: readonly SourceRow[] = [];

/** What the compiled criteria share during one evaluation (one date). */
class Context {
  readonly day: number;
  readonly iso: IsoDate;
  readonly fiscalYear: number;
  /** The date as yyyymmdd (ages and event dates are compared on these). */
  readonly ymd: number;
  readonly index: PopulationIndex;
  readonly persons: readonly PersonFacts[];
  /** Residence period in force on the date, per person (undefined: not resident). */
  readonly period: (ResidencePeriod | undefined)[];
  /** Its 住定日 as a day (−∞ when unknown; NaN when not resident). A plain array: see population-index.ts EXTERNAL_MEMORY. */
  readonly from: number[];
  /** Household of each person on the date (interned 世帯番号), −1 for none. */
  readonly household: Int32Array;
  /**
   * Members of each household on the date, flat: household h's are
   * `members[memberOff[h] .. memberOff[h + 1]]` (two typed arrays rather than
   * a list per household: fewer objects for the collector at metro scale).
   */
  readonly memberOff: Int32Array;
  readonly members: Int32Array;
  /** Per household: the sources of its members' own rows (gate bits). */
  private readonly householdMasks: Int32Array;
  /** B11 and B12 read the same shukketsu rows: the last child's parsed spans, shared. */
  attendanceChild = -1;
  attendanceSpans: AttendanceSpan[] | null = null;

  constructor(index: PopulationIndex, day: number) {
    this.day = day;
    this.iso = isoOfDay(day);
    this.ymd =
      Number(this.iso.slice(0, 4)) * 10000 +
      Number(this.iso.slice(5, 7)) * 100 +
      Number(this.iso.slice(8, 10));
    this.fiscalYear = fiscalYearOf(day);
    this.index = index;
    this.persons = index.persons;
    const n = this.persons.length;
    this.period = new Array(n);
    this.from = new Array(n).fill(Number.NaN);
    this.household = new Int32Array(n).fill(-1);
    const H = index.householdId.size;
    this.householdMasks = new Int32Array(H);
    const count = new Int32Array(H + 1);
    const { periodOff, periodFrom, periodTo, periodHousehold, periods } = index;
    for (let i = 0; i < n; i++) {
      // Periods are in order of preference: the first in force is the one.
      for (let k = periodOff[i] as number; k < (periodOff[i + 1] as number); k++) {
        if (!((periodFrom[k] as number) <= day && day < (periodTo[k] as number))) continue;
        this.period[i] = periods[k];
        this.from[i] = periodFrom[k] as number;
        const h = periodHousehold[k] as number;
        if (h >= 0) {
          this.household[i] = h;
          count[h + 1] = (count[h + 1] as number) + 1;
          this.householdMasks[h] =
            (this.householdMasks[h] as number) | (index.ownMask[i] as number);
        }
        break;
      }
    }
    for (let h = 0; h < H; h++) count[h + 1] = (count[h + 1] as number) + (count[h] as number);
    this.memberOff = count;
    this.members = new Int32Array(count[H] as number);
    const cursor = count.slice(0, H);
    for (let i = 0; i < n; i++) {
      const h = this.household[i] as number;
      if (h < 0) continue;
      const at = cursor[h] as number;
      this.members[at] = i;
      cursor[h] = at + 1;
    }
  }

  /** Gate bits of the sources in the person's 世帯 (the person's own if without one). */
  householdMask(person: number): number {
    const h = this.household[person] as number;
    return h < 0 ? (this.index.ownMask[person] as number) : (this.householdMasks[h] as number);
  }

  /** Completed years on the date; −1 when the birth date is unknown or later. */
  ageOf(person: number): number {
    const b = this.index.birthYmd[person] as number;
    if (b < 0 || b > this.ymd) return -1;
    const age = Math.floor(this.ymd / 10000) - Math.floor(b / 10000);
    return this.ymd % 10000 < b % 10000 ? age - 1 : age;
  }

  /** Current members of the person's 世帯, the person included (empty when none). */
  membersOf(person: number): Int32Array {
    const h = this.household[person] as number;
    if (h < 0) return NO_MEMBERS;
    return this.members.subarray(this.memberOff[h] as number, this.memberOff[h + 1] as number);
  }

  /** Whether another current member of the person's 世帯 satisfies `test`. */
  anyOther(person: number, test: (member: number) => boolean): number {
    const h = this.household[person] as number;
    if (h < 0) return -1;
    for (let j = this.memberOff[h] as number; j < (this.memberOff[h + 1] as number); j++) {
      const m = this.members[j] as number;
      if (m !== person && test(m)) return m;
    }
    return -1;
  }

  memberOf(person: number): { personId: PersonId; relationship: string | null } {
    return {
      personId: (this.persons[person] as PersonFacts).personId,
      relationship: this.period[person]?.relationship ?? null,
    };
  }
}

function refOf(r: RowRef): RowRef {
  return { source: r.source, file: r.file, row: r.row, asOf: r.asOf };
}

function formatValue(v: Value | undefined): string {
  if (v === true) return "はい";
  if (v === false) return "いいえ";
  if (v === null || v === undefined || v === "") return "空欄";
  return String(v);
}

function icdCategory(v: string): [string, number] | null {
  const m = /^([A-Z])(\d{2})/.exec(v);
  return m ? [m[1] as string, Number(m[2])] : null;
}

function testCondition(c: Condition, v: Value | undefined, fiscalYear: number): boolean {
  switch (c.op) {
    case "true":
      return v === true;
    case "in":
      return typeof v === "string" && c.values.includes(v);
    case "lt":
      return typeof v === "number" && v < c.value;
    case "le":
      return typeof v === "number" && v <= c.value;
    case "ge":
      return typeof v === "number" && v >= c.value;
    case "gt":
      return typeof v === "number" && v > c.value;
    case "blank":
      return v === null || v === undefined || v === "";
    case "present":
      return !(v === null || v === undefined || v === "");
    case "icd_range": {
      if (typeof v !== "string") return false;
      const got = icdCategory(v);
      const from = icdCategory(c.from);
      const to = icdCategory(c.to);
      if (!got || !from || !to || got[0] !== from[0] || got[0] !== to[0]) return false;
      return got[1] >= from[1] && got[1] <= to[1];
    }
    case "fiscal_year_recent":
      return typeof v === "number" && v >= fiscalYear - c.years && v <= fiscalYear;
  }
}

/** The criterion of a condition in Japanese, for evidence. */
export function describeCondition(c: Condition, fiscalYear?: number): string {
  switch (c.op) {
    case "true":
      return `${c.column}＝はい`;
    case "in":
      return `${c.column}＝${c.values.join("・")}`;
    case "lt":
      return `${c.column} < ${c.value}`;
    case "le":
      return `${c.column} ≤ ${c.value}`;
    case "ge":
      return `${c.column} ≥ ${c.value}`;
    case "gt":
      return `${c.column} > ${c.value}`;
    case "blank":
      return `${c.column}が空欄`;
    case "present":
      return `${c.column}あり`;
    case "icd_range":
      return `${c.column} ${c.from}〜${c.to}`;
    case "fiscal_year_recent":
      return fiscalYear === undefined
        ? `${c.column}が直近${c.years + 1}年度`
        : `${c.column} ${fiscalYear - c.years}〜${fiscalYear}年度`;
  }
}

/**
 * In effect on the date `iso` (`YYYY-MM-DD`): started (or no start given) and
 * not yet ended. Dates compare as ISO strings.
 */
export function isActive(
  values: Readonly<Record<string, Value>>,
  a: { start: string | null; end: string | null; endInclusive: boolean },
  iso: string,
): boolean {
  if (a.start !== null) {
    const s = values[a.start];
    if (typeof s === "string" && s !== "" && s > iso) return false;
  }
  if (a.end !== null) {
    const e = values[a.end];
    if (typeof e === "string" && e !== "" && (a.endInclusive ? e < iso : e <= iso)) return false;
  }
  return true;
}

function compile(c: Criterion, index: PopulationIndex): Evaluator {
  switch (c.kind) {
    case "record":
      return compileRecord(c, index);
    case "any_of":
      return compileAnyOf(c.criteria.map((x) => compile(x, index)));
    case "checkup_missed":
      return compileCheckupMissed(c.kinds, index);
    case "attendance":
      return compileAttendance(c, index);
    case "school_thinness":
      return compileSchoolThinness(c.maxObesityPercent, index);
    case "child_allowance":
      return compileChildAllowance(c.receiving, index);
    case "many_children":
      return compileManyChildren(c.minChildren, c.maxAge);
    case "moved_in":
      return compileMovedIn(c.withinMonths);
    case "no_enrolment":
      return compileNoEnrolment(c.minAge, index);
  }
}

const ordinalOf = (index: PopulationIndex, source: string) =>
  index.ordinal.get(source) ?? NO_SOURCE;

const explainAnyOf: Explainer = (f, ctx) => {
  const parts = (f.parts ?? []).map((p) => p.explain(p, ctx));
  return {
    observed: parts.map((p) => p.observed).join("／"),
    criterion: parts.map((p) => p.criterion).join(" または "),
  };
};

function compileAnyOf(parts: readonly Evaluator[]): Evaluator {
  const find: Find = (ctx, child, explain) => {
    if (!explain) {
      for (const part of parts) if (part(ctx, child, false)) return true;
      return null;
    }
    const found: Finding[] = [];
    for (const part of parts) {
      const f = part(ctx, child, true);
      if (f && f !== true) found.push(f);
    }
    if (found.length === 0) return null;
    if (found.length === 1) return found[0] as Finding;
    const first = found[0] as Finding;
    return {
      subject: first.subject,
      member: first.member,
      rows: found.flatMap((f) => f.rows),
      explain: explainAnyOf,
      parts: found,
    };
  };
  return gated(find, union(parts.map((p) => p.gate)));
}

/** Row k is newer than row j: by 抽出日, then event date, then file and row. */
function newer(set: RowSet, k: number, j: number): boolean {
  const rows = set.rows;
  const a = rows[k] as SourceRow;
  const b = rows[j] as SourceRow;
  if (a.asOf !== b.asOf) return a.asOf > b.asOf;
  const ae = eventIso(a, set.eventColumns) ?? "";
  const be = eventIso(b, set.eventColumns) ?? "";
  if (ae !== be) return ae > be;
  if (a.file !== b.file) return a.file > b.file;
  return a.row > b.row;
}

function keyOf(row: SourceRow, key: readonly string[]): string {
  if (key.length === 0) return "";
  if (key.length === 1) return formatValue(row.values[key[0] as string]);
  return key.map((c) => formatValue(row.values[c])).join("\u0000");
}

/** Among candidate rows `idx` (already happened), the newest per key. */
function newestPerKey(set: RowSet, idx: readonly number[], key: readonly string[]): number[] {
  if (idx.length <= 1) return idx.slice();
  if (key.length === 0) {
    let best = idx[0] as number;
    for (let j = 1; j < idx.length; j++) {
      const k = idx[j] as number;
      if (newer(set, k, best)) best = k;
    }
    return [best];
  }
  const best = new Map<string, number>();
  for (const k of idx) {
    const id = keyOf(set.rows[k] as SourceRow, key);
    const b = best.get(id);
    if (b === undefined || newer(set, k, b)) best.set(id, k);
  }
  return [...best.values()];
}

/** The owner of row k (binary search over the offsets). */
function ownerOf(table: RowTable, k: number): number {
  let lo = 0;
  let hi = table.off.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((table.off[mid] as number) <= k) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows of `table` owned by `owner` with source ordinal `ord`, as indexes (no allocation when none). */
function rowsOf(table: RowTable, owner: number, ord: number): number[] | null {
  let out: number[] | null = null;
  for (let k = table.off[owner] as number; k < (table.off[owner + 1] as number); k++) {
    if (table.src[k] === ord) out = append(out, k);
  }
  return out;
}

function compileRecord(
  c: Extract<Criterion, { kind: "record" }>,
  index: PopulationIndex,
): Evaluator {
  const source: string = c.source;
  const ord = ordinalOf(index, source);
  const conditions = c.where;
  const active = c.active;
  const within = c.withinMonths ?? null;
  const withinDays = c.withinDays ?? null;
  const windowed = within !== null || withinDays !== null;
  const minRows = c.minRows ?? 1;
  const currentKey = c.current?.key;
  const eventColumn = index.eventColumns[source];

  const columns = new Set(conditions.map((cond) => cond.column));
  if (active?.start) columns.add(active.start);
  if (active?.end) columns.add(active.end);
  const columnList = [...columns];
  const observedOf = (row: SourceRow) => {
    const parts = columnList.map((col) => `${col} ${formatValue(row.values[col])}`);
    if (eventColumn && !columns.has(eventColumn) && row.values[eventColumn] != null) {
      parts.push(`${eventColumn} ${formatValue(row.values[eventColumn])}`);
    }
    return parts.length > 0 ? parts.join("、") : `${source}の記録`;
  };
  // The same text for every child of one evaluation (it depends on the date only): made once.
  let criterionText = "";
  let criterionFor: Context | undefined;
  const criterionOf = (ctx: Context) => {
    if (criterionFor === ctx) return criterionText;
    const parts = conditions.map((cond) => describeCondition(cond, ctx.fiscalYear));
    if (active) parts.push(`${ctx.iso}に有効`);
    if (within !== null) parts.push(`直近${within}か月`);
    if (withinDays !== null) parts.push(`直近${withinDays}日`);
    if (minRows > 1) parts.push(`${minRows}件以上`);
    if (currentKey) parts.push("最新の状態");
    criterionText = parts.length > 0 ? parts.join("、") : `${source}の記録あり`;
    criterionFor = ctx;
    return criterionText;
  };
  const notesFor = source === "sanpu_kenshin" && !columns.has("EPDS項目10");
  const explain: Explainer = (f, ctx) => {
    const first = f.rows[0] as SourceRow;
    const item10 = first.values.EPDS項目10;
    return {
      observed: minRows > 1 ? `${f.rows.length}件（${observedOf(first)} ほか）` : observedOf(first),
      criterion: criterionOf(ctx),
      ...(notesFor && typeof item10 === "number" ? { notes: [`EPDS項目10 ${item10}`] } : {}),
    };
  };

  let since = "";
  let sinceYmd = 0;
  let sinceFor = "";
  /** Whether row k of a set meets the criterion on the date (event date, window, activity, conditions). */
  const passes = (ctx: Context, set: RowSet, k: number) => {
    const row = set.rows[k] as SourceRow;
    const ev = eventAt(set, k);
    if (ev === NO_EVENT) {
      if (windowed) return false;
    } else if (ev !== ODD_EVENT) {
      if (ev > ctx.ymd) return false;
      if (windowed && !(ev >= sinceYmd)) return false;
    } else {
      const e = eventIso(row, index.eventColumns);
      if (e !== undefined && e > ctx.iso) return false;
      if (windowed && !(e !== undefined && e >= since)) return false;
    }
    const values = row.values;
    if (active && !isActive(values, active, ctx.iso)) return false;
    for (const cond of conditions) {
      if (!testCondition(cond, values[cond.column], ctx.fiscalYear)) return false;
    }
    return true;
  };
  const refresh = (ctx: Context) => {
    if (windowed && sinceFor !== ctx.iso) {
      since = isoOfDay(
        within !== null ? addMonths(ctx.day, -within) : ctx.day - (withinDays as number),
      );
      sinceYmd = ymdOfIso(since);
      sinceFor = ctx.iso;
    }
  };
  /** Keeps the newest row per key among those already happened (status sources). */
  const current = (ctx: Context, set: RowSet, idx: readonly number[]) =>
    newestPerKey(
      set,
      idx.filter((k) => happenedAt(set, k, ctx)),
      currentKey as readonly string[],
    );
  /**
   * The matching rows among candidate indexes. With `all` false it stops at the
   * first and returns the shared HOLDS marker (nothing allocated).
   */
  const matchIdx = (
    ctx: Context,
    set: RowSet,
    idx: readonly number[],
    all: boolean,
  ): readonly SourceRow[] | null => {
    refresh(ctx);
    const candidates = currentKey ? current(ctx, set, idx) : idx;
    let out: SourceRow[] | null = null;
    let n = 0;
    for (const k of candidates) {
      if (!passes(ctx, set, k)) continue;
      if (!all && ++n >= minRows) return HOLDS;
      if (all) out = append(out, set.rows[k] as SourceRow);
    }
    return out !== null && out.length >= minRows ? out : null;
  };
  /** The owner's rows of this source in a row table that match. */
  const ownMatch = (
    ctx: Context,
    table: RowTable,
    owner: number,
    all: boolean,
  ): readonly SourceRow[] | null => {
    const lo = table.off[owner] as number;
    const hi = table.off[owner + 1] as number;
    if (lo === hi) return null;
    if (currentKey) {
      const idx = rowsOf(table, owner, ord);
      return idx === null ? null : matchIdx(ctx, table, idx, all);
    }
    refresh(ctx);
    let out: SourceRow[] | null = null;
    let n = 0;
    for (let k = lo; k < hi; k++) {
      if (table.src[k] !== ord || !passes(ctx, table, k)) continue;
      if (!all && ++n >= minRows) return HOLDS;
      if (all) out = append(out, table.rows[k] as SourceRow);
    }
    return out !== null && out.length >= minRows ? out : null;
  };

  // A member's own facts are the same for every child of the household: decided once per person.
  let memo = new Int8Array(0);
  let memoFor: Context | undefined;
  const memberHolds = (ctx: Context, m: number): boolean => {
    if (memoFor !== ctx) {
      memo = new Int8Array(ctx.persons.length);
      memoFor = ctx;
    }
    let r = memo[m] as number;
    if (r === 0) {
      r = ownMatch(ctx, index.own, m, false) ? 1 : 2;
      memo[m] = r;
    }
    return r === 1;
  };
  const found = (
    rows: readonly SourceRow[],
    subject: Finding["subject"],
    member = -1,
  ): Finding => ({ subject, member, rows, explain });
  const memberFinding = (ctx: Context, m: number, subject: Finding["subject"], member = -1) =>
    found(ownMatch(ctx, index.own, m, true) as SourceRow[], subject, member);
  // Household-only rows of this source, by the evaluation's household index.
  let byHousehold: (readonly number[] | undefined)[] = [];
  let byHouseholdFor: Context | undefined;
  const householdRows = (ctx: Context, child: number): readonly number[] | undefined => {
    const ht = index.household.get(source);
    if (!ht) return undefined;
    if (byHouseholdFor !== ctx) {
      byHousehold = new Array(index.householdId.size).fill(undefined);
      for (const [hh, idx] of ht.byHousehold) {
        const h = index.householdId.get(hh);
        if (h !== undefined) byHousehold[h] = idx;
      }
      byHouseholdFor = ctx;
    }
    const h = ctx.household[child] as number;
    return h < 0 ? undefined : byHousehold[h];
  };

  switch (c.scope) {
    case "self": {
      const find: Find = (ctx, child, explain) => {
        const m = ownMatch(ctx, index.own, child, explain);
        if (!m) return null;
        return explain ? found(m, "self") : true;
      };
      return gated(find, gateOf(ord, "own"));
    }
    case "mother": {
      const find: Find = (ctx, child, explain) => {
        const m = ownMatch(ctx, index.mother, child, explain);
        if (!m) return null;
        return explain ? found(m, "mother") : true;
      };
      return gated(find, gateOf(ord, "mother"));
    }
    case "others": {
      const find: Find = (ctx, child, explain) => {
        if (ord === NO_SOURCE) return null;
        const o = ctx.anyOther(child, (m) => memberHolds(ctx, m));
        if (o < 0) return null;
        return explain ? memberFinding(ctx, o, "member", o) : true;
      };
      return gated(find, gateOf(ord, "household"));
    }
    case "household": {
      const find: Find = (ctx, child, explain) => {
        if (ord !== NO_SOURCE) {
          if (memberHolds(ctx, child)) return explain ? memberFinding(ctx, child, "self") : true;
          const o = ctx.anyOther(child, (m) => memberHolds(ctx, m));
          if (o >= 0) return explain ? memberFinding(ctx, o, "member", o) : true;
        }
        const idx = householdRows(ctx, child);
        if (idx) {
          const ht = index.household.get(source) as HouseholdRows;
          const m = matchIdx(ctx, ht, idx, explain);
          if (m) return explain ? found(m, "household") : true;
        }
        return null;
      };
      // Rows kept per 世帯 alone cannot be gated by persons' sources: asked always.
      return gated(find, index.household.has(source) ? ALWAYS : gateOf(ord, "household"));
    }
  }
}

const explainNote =
  (criterion: (f: Finding, ctx: Context) => string): Explainer =>
  (f, ctx) => ({ observed: f.note ?? "", criterion: criterion(f, ctx) });

function compileCheckupMissed(kinds: readonly string[], index: PopulationIndex): Evaluator {
  const ord = ordinalOf(index, "nyuyoji_kenshin");
  const t = index.own;
  const explain = explainNote(() => "受診日が空欄で、同じ健診区分の受診記録なし");
  const find: Find = (ctx, child, explainIt) => {
    if (t.off[child] === t.off[child + 1]) return null;
    const idx = rowsOf(t, child, ord);
    if (idx === null) return null;
    let missed: SourceRow[] | null = null;
    let missedKinds: string[] | null = null;
    for (const kind of kinds) {
      let attended = false;
      let notSeen = 0;
      for (const k of idx) {
        if ((t.rows[k] as SourceRow).values.健診区分 !== kind) continue;
        // A 受診日 after the evaluation date: as of that date the child was targeted, not yet seen.
        const e = eventAt(t, k);
        const seen = e === ODD_EVENT ? eventIso(t.rows[k] as SourceRow, t.eventColumns) : undefined;
        if (
          e === ODD_EVENT ? seen !== undefined && seen <= ctx.iso : e !== NO_EVENT && e <= ctx.ymd
        )
          attended = true;
        else notSeen++;
      }
      if (attended || notSeen === 0) continue;
      if (!explainIt) return true;
      for (const k of idx) {
        const r = t.rows[k] as SourceRow;
        if (r.values.健診区分 === kind) missed = append(missed, r);
      }
      missedKinds = append(missedKinds, kind);
    }
    if (!missed || !missedKinds) return null;
    return {
      subject: "self",
      member: -1,
      rows: missed,
      explain,
      note: `${missedKinds.join("・")}健診 対象・未受診`,
    };
  };
  return gated(find, gateOf(ord, "own"));
}

interface Span {
  readonly row: SourceRow;
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

function formatDays(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/**
 * Spans of one school year without double counting: exports may be per term
 * (disjoint: summed) or cumulative (Apr–Jun, then Apr–Sep: the longer one
 * replaces the one it overlaps).
 */
function disjointSpans(spans: Span[]): Span[] {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  for (const s of spans) {
    const last = kept[kept.length - 1];
    if (last === undefined || s.start > last.end) kept.push(s);
    else if (s.end - s.start > last.end - last.start) kept[kept.length - 1] = s;
  }
  return kept;
}

/** A shukketsu row of a child, dates parsed and the end capped (shared by B11 and B12). */
interface AttendanceSpan {
  readonly row: SourceRow;
  readonly start: number;
  readonly end: number;
  readonly fy: number;
}

/** The child's shukketsu rows that started by the date, parsed once per child and date. */
function attendanceSpans(
  ctx: Context,
  t: RowTable,
  ord: number,
  child: number,
  asOfDay: (iso: string) => number,
): AttendanceSpan[] | null {
  if (ctx.attendanceChild === child) return ctx.attendanceSpans;
  let spans: AttendanceSpan[] | null = null;
  for (let k = t.off[child] as number; k < (t.off[child + 1] as number); k++) {
    if (t.src[k] !== ord) continue;
    const row = t.rows[k] as SourceRow;
    const startIso = eventIso(row, t.eventColumns);
    if (startIso === undefined || startIso > ctx.iso) continue;
    const start = dayOf(startIso);
    if (Number.isNaN(start)) continue;
    let end = dayOfValue(row.values.集計終了日);
    if (Number.isNaN(end)) continue;
    // Counts cannot cover days after the evaluation date or after the data was extracted.
    end = Math.min(end, ctx.day, asOfDay(row.asOf));
    if (end < start) continue;
    spans = append(spans, { row, start, end, fy: fiscalYearOf(start) });
  }
  ctx.attendanceChild = child;
  ctx.attendanceSpans = spans;
  return spans;
}

function compileAttendance(
  c: Extract<Criterion, { kind: "attendance" }>,
  index: PopulationIndex,
): Evaluator {
  const ord = ordinalOf(index, "shukketsu");
  const t = index.own;
  const label = c.column === "欠席日数" ? "欠席" : "遅刻";
  const explain: Explainer = (f) => {
    const [observed, criterion] = (f.note ?? "\u0000").split("\u0000");
    return { observed: observed ?? "", criterion: criterion ?? "" };
  };
  // School exports share their periods, so months per (start, end) are computed once.
  const monthsMemo = new Map<number, number>();
  const months = (start: number, end: number) => {
    const key = start * 65536 + (end - start);
    let m = monthsMemo.get(key);
    if (m === undefined) {
      m = monthsCovered(start, end);
      monthsMemo.set(key, m);
    }
    return m;
  };
  const asOfDays = new Map<string, number>();
  const asOfDay = (iso: string) => {
    let d = asOfDays.get(iso);
    if (d === undefined) {
      d = dayOf(iso);
      asOfDays.set(iso, d);
    }
    return d;
  };
  const find: Find = (ctx, child, explainIt) => {
    if (t.off[child] === t.off[child + 1]) return null;
    const all = attendanceSpans(ctx, t, ord, child, asOfDay);
    if (all === null) return null;
    let spans: (Span & { fy: number })[] | null = null;
    for (const a of all) {
      const v = a.row.values;
      const raw = v[c.column];
      if (typeof raw !== "number") continue;
      let count = raw;
      if (c.excusedIncluded && typeof v.出席停止忌引等日数 === "number") {
        count = Math.max(0, count - v.出席停止忌引等日数);
      }
      if (c.withinSchoolYears !== null && a.fy < ctx.fiscalYear - c.withinSchoolYears) continue;
      spans = append(spans, { row: a.row, start: a.start, end: a.end, count, fy: a.fy });
    }
    if (spans === null) return null;
    // Newest school year first; within a year, spans without double counting.
    spans.sort((x, y) => y.fy - x.fy);
    for (let i = 0; i < spans.length; ) {
      const fy = (spans[i] as { fy: number }).fy;
      let j = i;
      while (j < spans.length && (spans[j] as { fy: number }).fy === fy) j++;
      const kept = disjointSpans(spans.slice(i, j));
      i = j;
      let count = 0;
      let covered = 0;
      for (const sp of kept) {
        count += sp.count;
        covered += months(sp.start, sp.end);
      }
      if (covered <= 0 || covered < c.minMonths) continue;
      const threshold = (c.perYear * covered) / 12;
      if (count + 1e-9 < threshold) continue;
      if (!explainIt) return true;
      const first = kept[0] as Span;
      const last = kept[kept.length - 1] as Span;
      const m = covered.toFixed(1);
      const observed = `${fy}年度 ${label}${count}日（${isoOfDay(first.start)}〜${isoOfDay(last.end)}、${m}か月）`;
      const criterion = `${label} ≥ ${formatDays(threshold)}日（年${c.perYear}日を${m}か月で按分${c.excusedIncluded ? "、出席停止・忌引等を除く" : ""}）`;
      return {
        subject: "self",
        member: -1,
        rows: kept.map((sp) => sp.row),
        explain,
        note: `${observed}\u0000${criterion}`,
      };
    }
    return null;
  };
  return gated(find, gateOf(ord, "own"));
}

function compileSchoolThinness(maxPercent: number, index: PopulationIndex): Evaluator {
  const ord = ordinalOf(index, "gakko_kenshin");
  const t = index.own;
  const explain = explainNote(() => `肥満度 ≤ ${maxPercent}%（日本学校保健会の標準体重）`);
  const find: Find = (ctx, child, explainIt) => {
    if (t.off[child] === t.off[child + 1]) return null;
    const idx = rowsOf(t, child, ord);
    if (idx === null) return null;
    const person = ctx.persons[child] as PersonFacts;
    let matched: SourceRow[] | null = null;
    let note = "";
    for (const k of idx) {
      const row = t.rows[k] as SourceRow;
      const examIso = eventIso(row, t.eventColumns);
      if (examIso === undefined || examIso > ctx.iso) continue;
      const exam = dayOf(examIso);
      if (Number.isNaN(exam)) continue;
      const v = row.values;
      const sex =
        person.sex !== "unknown"
          ? person.sex
          : v.性別 === "male" || v.性別 === "female"
            ? v.性別
            : "unknown";
      const birth = dayOfValue(person.birthDate ?? v.生年月日);
      if (Number.isNaN(birth) || typeof v.身長 !== "number" || typeof v.体重 !== "number") continue;
      const age = ageOn(birth, exam);
      const ob = obesityPercent(sex, age, v.身長, v.体重);
      if (ob === null || ob > maxPercent) continue;
      if (!explainIt) return true;
      if (!matched) {
        matched = [];
        note = `肥満度 ${ob.toFixed(1)}%（身長 ${v.身長}cm、体重 ${v.体重}kg、${age}歳、検査日 ${v.検査日}）`;
      }
      matched.push(row);
    }
    return matched ? { subject: "self", member: -1, rows: matched, explain, note } : null;
  };
  return gated(find, gateOf(ord, "own"));
}

function compileChildAllowance(receiving: readonly string[], index: PopulationIndex): Evaluator {
  const ord = ordinalOf(index, "jido_fuyo");
  const t = index.own;
  const explain: Explainer = (f) => ({
    observed: `支給区分 ${formatValue((f.rows[0] as SourceRow).values.支給区分)}`,
    criterion: `支給区分＝${receiving.join("・")}（最新の認定）`,
  });
  /** Per evaluation: each 受給者's rows receiving now, and the 宛名番号 those rows name. */
  let recipients = new Map<number, number[]>();
  let namedChildren = new Map<string, number>();
  /** Per person: 1 when the item holds (decided for everyone in one pass). */
  let holds = new Uint8Array(0);
  let preparedFor: Context | undefined;
  const prepare = (ctx: Context) => {
    if (preparedFor === ctx) return;
    preparedFor = ctx;
    recipients = new Map();
    namedChildren = new Map();
    holds = new Uint8Array(ctx.persons.length);
    const persons = ctx.persons.length;
    for (let p = 0; p < persons; p++) {
      const idx = rowsOf(t, p, ord);
      if (idx === null) continue;
      const done = idx.filter((k) => happenedAt(t, k, ctx));
      // The newest 認定 per 受給者 and 対象児童 decides (全部支給 → 全部停止 is not receiving).
      const rec = newestPerKey(t, done, ["対象児童宛名番号"]).filter((k) => {
        const kubun = (t.rows[k] as SourceRow).values.支給区分;
        return typeof kubun === "string" && receiving.includes(kubun);
      });
      if (rec.length === 0) continue;
      recipients.set(p, rec);
      for (const k of rec) {
        const named = (t.rows[k] as SourceRow).values.対象児童宛名番号;
        if (typeof named === "string" && named !== "" && !namedChildren.has(named)) {
          namedChildren.set(named, k);
        }
      }
    }
    // The recipient and the other current members of its 世帯.
    for (const r of recipients.keys()) {
      holds[r] = 1;
      for (const m of ctx.membersOf(r)) holds[m] = 1;
    }
    // Children named as 対象児童, wherever the recipient lives.
    if (namedChildren.size > 0) {
      ctx.persons.forEach((p, i) => {
        if (holds[i] === 0 && p.residentNos.some((r) => namedChildren.has(r))) holds[i] = 1;
      });
    }
  };
  const found = (idx: readonly number[], subject: Finding["subject"], member = -1): Finding => ({
    subject,
    member,
    rows: idx.map((k) => t.rows[k] as SourceRow),
    explain,
  });

  const find: Find = (ctx, child, explainIt) => {
    if (ord === NO_SOURCE) return null;
    prepare(ctx);
    if (holds[child] === 0) return null;
    if (!explainIt) return true;
    const own = recipients.get(child);
    if (own) return explainIt ? found(own, "self") : true;
    if (namedChildren.size > 0) {
      for (const r of (ctx.persons[child] as PersonFacts).residentNos) {
        const k = namedChildren.get(r);
        if (k === undefined) continue;
        if (!explainIt) return true;
        const owner = ownerOf(t, k);
        return owner === child ? found([k], "self") : found([k], "member", owner);
      }
    }
    const o = ctx.anyOther(child, (m) => recipients.has(m));
    if (o >= 0) return found(recipients.get(o) as number[], "member", o);
    return null;
  };
  // A 対象児童 named by a 受給者 in another 世帯 cannot be gated: asked always (a lookup after prepare).
  return gated(find, ord === NO_SOURCE ? NEVER : ALWAYS);
}

function compileManyChildren(minChildren: number, maxAge: number): Evaluator {
  const explain = explainNote(() => `${maxAge}歳以下が${minChildren}人以上`);
  const isKid = (ctx: Context, m: number) => {
    const age = ctx.ageOf(m);
    return age >= 0 && age <= maxAge;
  };
  // Decided once per 世帯 and date (0 unknown, 1 holds, 2 not).
  let memo = new Int8Array(0);
  let memoFor: Context | undefined;
  return gated((ctx, child, explainIt) => {
    const h = ctx.household[child] as number;
    if (h < 0) return null;
    if (memoFor !== ctx) {
      memo = new Int8Array(ctx.memberOff.length);
      memoFor = ctx;
    }
    if (memo[h] === 0) {
      let n = 0;
      for (let j = ctx.memberOff[h] as number; j < (ctx.memberOff[h + 1] as number); j++) {
        if (isKid(ctx, ctx.members[j] as number)) n++;
      }
      memo[h] = n >= minChildren ? 1 : 2;
    }
    if (memo[h] !== 1) return null;
    if (!explainIt) return true;
    const kids = Array.from(ctx.membersOf(child)).filter((m) => isKid(ctx, m));
    return {
      subject: "household",
      member: -1,
      rows: kids.map((m) => (ctx.period[m] as ResidencePeriod).ref),
      explain,
      note: `世帯の${maxAge}歳以下 ${kids.length}人`,
    };
  }, ALWAYS);
}

function compileMovedIn(withinMonths: number): Evaluator {
  const explain = explainNote(() => `住定日が直近${withinMonths}か月以内（出生以外）`);
  let since = Number.NaN;
  let sinceFor = Number.NaN;
  return gated((ctx, child, explainIt) => {
    const period = ctx.period[child];
    const from = ctx.from[child] as number;
    if (!period || !Number.isFinite(from) || from > ctx.day) return null;
    if (sinceFor !== ctx.day) {
      since = addMonths(ctx.day, -withinMonths);
      sinceFor = ctx.day;
    }
    if (!(from > since)) return null;
    // 住定日 on the birth date is a birth registration, not a move.
    const birth = dayOfValue((ctx.persons[child] as PersonFacts).birthDate);
    if (Number.isNaN(birth) || !(from > birth)) return null;
    if (!explainIt) return true;
    return {
      subject: "self",
      member: -1,
      rows: [period.ref],
      explain,
      note: `住定日 ${period.from}`,
    };
  }, ALWAYS);
}

const NURSERY = { start: "入所日", end: "退所日", endInclusive: true } as const;

function compileNoEnrolment(minAge: number, index: PopulationIndex): Evaluator {
  const ord = ordinalOf(index, "hoiku_zaiseki");
  const t = index.own;
  const explain = explainNote(() => `${minAge}歳以上の未就学児で在籍なし`);
  return gated((ctx, child, explainIt) => {
    const age = ctx.ageOf(child);
    if (age < minAge) return null;
    const birth = dayOfValue((ctx.persons[child] as PersonFacts).birthDate);
    if (ctx.fiscalYear >= schoolEntryYear(birth)) return null;
    const idx = rowsOf(t, child, ord) ?? NO_ROWS;
    for (const k of idx) {
      const r = t.rows[k] as SourceRow;
      if (happenedAt(t, k, ctx) && isActive(r.values, NURSERY, ctx.iso)) return null;
    }
    if (!explainIt) return true;
    return {
      subject: "self",
      member: -1,
      rows: [(ctx.period[child] as ResidencePeriod).ref, ...idx.map((k) => t.rows[k] as SourceRow)],
      explain,
      note: `${age}歳・未就学、${ctx.iso}に在籍する保育所・幼稚園なし`,
    };
  }, ALWAYS);
}

interface EvaluationRun {
  readonly ctx: Context;
  readonly evaluators: readonly Evaluator[];
  readonly itemIds: readonly string[];
}

function evidenceOf(run: EvaluationRun, child: ChildItems, item: number): Evidence {
  const { ctx, evaluators, itemIds } = run;
  const f = evaluators[item]?.(ctx, child.person, true) ?? null;
  if (f === null || f === true) {
    throw new MimamoriError(
      "internal",
      `項目 ${itemIds[item] ?? item} は ${child.personId} に該当しません（根拠を作れません）。`,
    );
  }
  const { observed, criterion, notes } = f.explain(f, ctx);
  const cited = f.rows.length <= MAX_CITED_ROWS ? f.rows : f.rows.slice(0, MAX_CITED_ROWS);
  const rows: RowRef[] = new Array(cited.length);
  for (let i = 0; i < cited.length; i++) rows[i] = refOf(cited[i] as RowRef);
  // Made once per stored item (metro: ~600,000): one literal per shape, no spread objects;
  // the keys in the order the evidence has always had (its JSON text stays the same).
  const itemId = itemIds[item] as string;
  const matchedRows = f.rows.length;
  if (f.member < 0 && !notes)
    return { itemId, asOf: ctx.iso, subject: f.subject, observed, criterion, rows, matchedRows };
  const member = f.member >= 0 ? ctx.memberOf(f.member) : undefined;
  if (!notes)
    return {
      itemId,
      asOf: ctx.iso,
      subject: f.subject,
      member,
      observed,
      criterion,
      rows,
      matchedRows,
    };
  return member === undefined
    ? { itemId, asOf: ctx.iso, subject: f.subject, observed, criterion, rows, matchedRows, notes }
    : {
        itemId,
        asOf: ctx.iso,
        subject: f.subject,
        member,
        observed,
        criterion,
        rows,
        matchedRows,
        notes,
      };
}

/** A catalog compiled once, evaluated for many dates or populations. */
export interface CompiledCatalog {
  readonly catalog: ItemCatalog;
  readonly evaluate: (population: Population, asOf: IsoDate) => Evaluation;
}

/** Compiles a catalog (checks ids are unique). */
export function compileCatalog(catalog: ItemCatalog): CompiledCatalog {
  const seen = new Set<string>();
  for (const item of catalog.items) {
    if (seen.has(item.id)) {
      throw new MimamoriError(
        "config",
        `データ項目 ${item.id} が2回定義されています。項目 ID を重複しないようにしてください。`,
      );
    }
    seen.add(item.id);
  }
  const itemIds = catalog.items.map((i) => i.id);
  return {
    catalog,
    evaluate(population, asOf) {
      const day = dayOf(asOf);
      if (Number.isNaN(day)) {
        throw new MimamoriError(
          "invalid_input",
          `基準日「${asOf}」は日付として読めません。YYYY-MM-DD で指定してください。`,
        );
      }
      const index = indexPopulation(population);
      // Fresh evaluators per evaluation: their member memos belong to one date.
      const evaluators = catalog.items.map((i) => compile(i.criterion, index));
      const ctx = new Context(index, day);
      const run: EvaluationRun = { ctx, evaluators, itemIds };
      const persons = population.persons;
      const gates = evaluators.map((e) => e.gate);
      const children: ChildItems[] = [];
      for (let i = 0; i < persons.length; i++) {
        const period = ctx.period[i];
        if (period === undefined) continue;
        const age = ctx.ageOf(i);
        if (age < CHILD_AGES.min || age > CHILD_AGES.max) continue;
        const p = persons[i] as PersonFacts;
        const own = index.ownMask[i] as number;
        const mother = index.motherMask[i] as number;
        const household = ctx.householdMask(i);
        let items: number[] | undefined;
        for (let k = 0; k < evaluators.length; k++) {
          const g = gates[k] as Gate;
          if (
            !g.always &&
            (own & g.own) === 0 &&
            (mother & g.mother) === 0 &&
            (household & g.household) === 0
          )
            continue;
          if ((evaluators[k] as Evaluator)(ctx, i, false)) items = append(items, k);
        }
        children.push({
          person: i,
          personId: p.personId,
          birthDate: p.birthDate as IsoDate,
          age,
          householdNo: period.householdNo,
          items: items ?? NO_ROWS,
        });
      }
      return {
        asOf: ctx.iso,
        catalogVersion: catalog.version,
        itemIds,
        children,
        evidence: (child, item) => evidenceOf(run, child, item),
      };
    },
  };
}

/** Evaluates a catalog for a population as of a date (compile + evaluate). */
export function evaluateItems(
  catalog: ItemCatalog,
  population: Population,
  asOf: IsoDate,
): Evaluation {
  return compileCatalog(catalog).evaluate(population, asOf);
}
