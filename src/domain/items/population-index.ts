/**
 * The date-independent index of a population that item evaluation reads:
 * every person's rows in one flat table, grouped by person, with each row's
 * source as a small ordinal; registry periods and birth dates as numbers. Built once per Population
 * object (cached), so evaluating several dates or re-scoring costs no second
 * pass over the rows.
 *
 * Flat arrays instead of per-person maps and per-row wrapper objects: at
 * metro scale (~570,000 persons, millions of rows) what makes evaluation slow
 * is allocation and the garbage collection it triggers, not arithmetic.
 */
import { BUILT_IN_SOURCES } from "../layouts.ts";
import { dayOf } from "./dates.ts";
import type { PersonFacts, Population, ResidencePeriod, SourceRow } from "./facts.ts";

/**
 * Rows with each row's event date (the source's declared eventDate) read at most once,
 * as a number: evaluation asks "had it happened by the date?" of the same row for
 * many items, and reading the column out of the row's values object each time
 * was the largest single cost of a metro evaluation.
 */
export interface RowSet {
  readonly rows: readonly SourceRow[];
  /**
   * Per row: the event date as yyyymmdd when it is a `YYYY-MM-DD` string;
   * NO_EVENT when the row has none (blank, or a source without an event
   * column); ODD_EVENT when it is some other value (compared as text, as before).
   * A plain (small-integer) array, not an Int32Array: see EXTERNAL_MEMORY.
   */
  readonly event: number[];
  /** Event-date column per source (Population.eventDates, else the built-ins'). */
  readonly eventColumns: Readonly<Record<string, string>>;
}

/** Rows of many owners: owner i's rows are `off[i] .. off[i + 1]` (any source order). */
export interface RowTable extends RowSet {
  /** Source ordinal of each row (PopulationIndex.ordinal). */
  readonly src: Uint8Array;
  readonly off: readonly number[];
}

export interface HouseholdRows extends RowSet {
  /** 世帯番号 → row indexes. */
  readonly byHousehold: ReadonlyMap<string, readonly number[]>;
}

/** RowSet.event of a row without an event date. */
export const NO_EVENT = 0;
/** RowSet.event of a row whose event value is not a `YYYY-MM-DD` string. */
export const ODD_EVENT = -1;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** yyyymmdd of a `YYYY-MM-DD` string (ISO dates sort as these numbers), else −1. */
export function ymdOfIso(s: string): number {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return -1;
  let n = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** RowSet.event of a row not read yet. */
export const UNREAD_EVENT = -2;

/** RowSet.event of one row. */
function eventOf(row: SourceRow, column: string | undefined): number {
  if (column === undefined) return NO_EVENT;
  const v = row.values[column];
  if (typeof v !== "string" || v === "") return NO_EVENT;
  const ymd = ymdOfIso(v);
  return ymd < 0 ? ODD_EVENT : ymd;
}

/**
 * RowSet.event of row k, read from the row the first time it is asked for and
 * kept: most rows are never asked (their child is gated away), so reading all
 * of them while indexing would cost more than it saves on a first run.
 */
export function eventAt(set: RowSet, k: number): number {
  const e = set.event[k] as number;
  if (e !== UNREAD_EVENT) return e;
  const row = set.rows[k] as SourceRow;
  const read = eventOf(row, set.eventColumns[row.source]);
  set.event[k] = read;
  return read;
}

export interface PopulationIndex {
  readonly persons: readonly PersonFacts[];
  /** Event-date column per source (see RowSet). */
  readonly eventColumns: Readonly<Record<string, string>>;
  /** Source id → ordinal used in `src`. */
  readonly ordinal: ReadonlyMap<string, number>;
  /** Rows about each person. */
  readonly own: RowTable;
  /** Mother rows attached to each child. */
  readonly mother: RowTable;
  /** Rows keyed by 世帯番号 alone, per source. */
  readonly household: ReadonlyMap<string, HouseholdRows>;
  /** Per person: bit o set when the person has an own row of source ordinal o (o ≤ 30). */
  readonly ownMask: readonly number[];
  /** Per person: the same over the mother rows attached to the person. */
  readonly motherMask: readonly number[];
  /** Birth date as yyyymmdd per person; −1 when unknown or not a date. */
  readonly birthYmd: readonly number[];
  /**
   * Registry periods per person in order of preference (newest snapshot, then
   * latest 住定日), periods superseded by a newer snapshot of the same 宛名番号
   * left out: person i's are `periodOff[i] .. periodOff[i + 1]`.
   */
  readonly periodOff: Int32Array;
  readonly periods: readonly ResidencePeriod[];
  /** 住定日 / 消除日 as days (−∞ / +∞ when blank; NaN when not a date). */
  readonly periodFrom: readonly number[];
  readonly periodTo: readonly number[];
  /** 世帯番号 of each period as an interned id (−1: none). */
  readonly periodHousehold: Int32Array;
  /** Interned 世帯番号 → id. */
  readonly householdId: ReadonlyMap<string, number>;
}

/**
 * EXTERNAL_MEMORY: typed arrays live outside the JS heap, and V8 starts a full
 * collection whenever 64 MB of such memory has been allocated since the last
 * one — over a second at metro scale, where the heap holds millions of rows.
 * The index is built inside a run that allocates typed arrays of its own
 * (evaluation, scores), so its largest per-row and per-period tables are plain
 * arrays on the JS heap instead, where the growth limit is far away (measured
 * on randomPopulation, 580,000 persons: the first run's full collection went away).
 */

/** Ordinal that no source has: a criterion on a source absent from the data matches nothing. */
export const NO_SOURCE = 255;

function buildTable(
  persons: readonly PersonFacts[],
  rowsOf: (p: PersonFacts) => readonly SourceRow[],
  ordinalOf: (source: string) => number,
  eventColumns: Readonly<Record<string, string>>,
): RowTable {
  const n = persons.length;
  const off: number[] = new Array(n + 1).fill(0);
  for (let i = 0; i < n; i++)
    off[i + 1] = (off[i] as number) + rowsOf(persons[i] as PersonFacts).length;
  const total = off[n] as number;
  const rows = new Array<SourceRow>(total);
  const src = new Uint8Array(total);
  const event: number[] = new Array(total).fill(UNREAD_EVENT);
  let k = 0;
  // Rows of one source usually follow each other: the ordinal lookup is skipped for a repeat.
  let lastSource = "";
  let lastOrd = 0;
  for (let i = 0; i < n; i++) {
    const list = rowsOf(persons[i] as PersonFacts);
    for (let j = 0; j < list.length; j++) {
      const r = list[j] as SourceRow;
      rows[k] = r;
      if (r.source !== lastSource) {
        lastSource = r.source;
        lastOrd = ordinalOf(r.source);
      }
      src[k] = lastOrd;
      k++;
    }
  }
  return { rows, src, off, event, eventColumns };
}

/** The date-independent part of "the registry period in force" (evaluate.ts picks by date). */
function indexPeriods(persons: readonly PersonFacts[]) {
  const n = persons.length;
  const periodOff = new Int32Array(n + 1);
  let most = 0;
  for (let i = 0; i < n; i++) most += (persons[i] as PersonFacts).residence.length;
  // household is sized for every period (superseded ones leave its tail unused, cut off
  // below); periods, from and to grow by push.
  const periods: ResidencePeriod[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const household = new Int32Array(most);
  const householdId = new Map<string, number>();
  let size = 0;
  const push = (p: ResidencePeriod, f: number, t: number) => {
    periods.push(p);
    from.push(f);
    to.push(t);
    const hh = p.householdNo;
    let h = -1;
    if (hh) {
      h = householdId.get(hh) ?? -1;
      if (h < 0) {
        h = householdId.size;
        householdId.set(hh, h);
      }
    }
    household[size] = h;
    size++;
  };
  const dayOrInf = (iso: string | null, inf: number) => (iso === null ? inf : dayOf(iso));
  for (let i = 0; i < n; i++) {
    const all = (persons[i] as PersonFacts).residence;
    if (all.length === 1) {
      // The common case: one registry row.
      const p = all[0] as ResidencePeriod;
      push(p, dayOrInf(p.from, Number.NEGATIVE_INFINITY), dayOrInf(p.to, Number.POSITIVE_INFINITY));
    } else if (all.length > 1) {
      // Per 宛名番号 only the newest snapshot's row counts (a later extract may add the 消除日).
      const kept = all
        .filter(
          (p) =>
            p.residentNo === null ||
            !all.some((q) => q !== p && q.residentNo === p.residentNo && q.ref.asOf > p.ref.asOf),
        )
        .map((p) => ({
          p,
          from: dayOrInf(p.from, Number.NEGATIVE_INFINITY),
          to: dayOrInf(p.to, Number.POSITIVE_INFINITY),
        }));
      // Of several periods in force, the newest extract, then the latest 住定日, wins.
      kept.sort((a, b) =>
        a.p.ref.asOf !== b.p.ref.asOf ? (a.p.ref.asOf > b.p.ref.asOf ? -1 : 1) : b.from - a.from,
      );
      for (const w of kept) push(w.p, w.from, w.to);
    }
    periodOff[i + 1] = size;
  }
  return {
    periodOff,
    periods,
    periodFrom: from,
    periodTo: to,
    // A view, not a copy (see EXTERNAL_MEMORY).
    periodHousehold: size === most ? household : household.subarray(0, size),
    householdId,
  };
}

/** yyyymmdd of each person's birth date (−1 when unknown or not a real date). */
function birthDates(persons: readonly PersonFacts[]): number[] {
  const out: number[] = new Array(persons.length).fill(-1);
  for (let i = 0; i < persons.length; i++) {
    const b = (persons[i] as PersonFacts).birthDate;
    // A real date (dayOf checks the calendar) is well formed, so its digits are its yyyymmdd.
    out[i] = b === null || Number.isNaN(dayOf(b)) ? -1 : ymdOfIso(b);
  }
  return out;
}

/** Per owner: the sources of its rows as bits (ordinals above 30 are not represented). */
function maskOf(table: RowTable): number[] {
  const owners = table.off.length - 1;
  const mask: number[] = new Array(owners).fill(0);
  for (let i = 0; i < owners; i++) {
    let m = 0;
    for (let k = table.off[i] as number; k < (table.off[i + 1] as number); k++) {
      const o = table.src[k] as number;
      if (o <= 30) m |= 1 << o;
    }
    mask[i] = m;
  }
  return mask;
}

const cache = new WeakMap<Population, PopulationIndex>();

/** The index of a population (built on first use; populations are immutable values). */
export function indexPopulation(population: Population): PopulationIndex {
  const hit = cache.get(population);
  if (hit) return hit;
  const persons = population.persons;
  const eventColumns = population.eventDates ?? BUILT_IN_SOURCES.eventDates;
  const householdColumns = population.householdColumns ?? {};
  const ordinal = new Map<string, number>();
  const ordinalOf = (source: string) => {
    let o = ordinal.get(source);
    if (o === undefined) {
      o = ordinal.size;
      if (o >= NO_SOURCE) throw new RangeError("too many sources");
      ordinal.set(source, o);
    }
    return o;
  };
  const own = buildTable(persons, (p) => p.rows, ordinalOf, eventColumns);
  const mother = buildTable(persons, (p) => p.motherRows, ordinalOf, eventColumns);
  const household = new Map<string, HouseholdRows>();
  const grouped = new Map<string, SourceRow[]>();
  for (const r of population.householdRows ?? []) {
    const list = grouped.get(r.source);
    if (list) list.push(r);
    else grouped.set(r.source, [r]);
  }
  for (const [source, rows] of grouped) {
    const byHousehold = new Map<string, number[]>();
    rows.forEach((r, k) => {
      const hh = r.values[householdColumns[source] ?? "世帯番号"];
      if (typeof hh !== "string" || hh === "") return;
      const list = byHousehold.get(hh);
      if (list) list.push(k);
      else byHousehold.set(hh, [k]);
    });
    household.set(source, {
      rows,
      byHousehold,
      event: new Array(rows.length).fill(UNREAD_EVENT),
      eventColumns,
    });
  }
  const index = {
    persons,
    eventColumns,
    ordinal,
    own,
    mother,
    household,
    ownMask: maskOf(own),
    motherMask: maskOf(mother),
    birthYmd: birthDates(persons),
    ...indexPeriods(persons),
  };
  cache.set(population, index);
  return index;
}
