/**
 * Turns comparison specs (data) into fast level functions over a LinkTable.
 * A pair's level for a comparison is the first level whose condition holds;
 * 0 ("null", weight 0) when no condition could be decided because values are
 * missing — as in Splink, missing data is neither evidence for nor against.
 */
import { MimamoriError } from "../errors.ts";
import { matchesWithUnknown } from "../ja/name.ts";
import type { ComparisonSpec, LevelCondition } from "./settings.ts";
import { editDistance, isOneTypo, isTransposition, jaroWinkler } from "./string-metrics.ts";
import type { Column, LinkTable } from "./table.ts";

/** Three-valued result: 1 true, 0 false, -1 unknown (a needed value is missing). */
type Tri = 1 | 0 | -1;
type CompiledCondition = (i: number, j: number) => Tri;

/** A comparison compiled against one table: level(i, j) ∈ 0 (null) … levels.length. */
export interface CompiledComparison {
  readonly spec: ComparisonSpec;
  readonly level: (i: number, j: number) => number;
  /** Columns the comparison reads (for blocking-rule masks). */
  readonly columns: ReadonlySet<string>;
}

function column(table: LinkTable, name: string): Column {
  const c = table.columns.get(name);
  if (!c)
    throw new MimamoriError(
      "config",
      `名寄せ設定が存在しない列「${name}」を参照しています。設定を確認してください。`,
    );
  return c;
}

/** School year (April–March) of a YYYYMMDD date. */
function schoolYearOf(ymd: string): number {
  const y = Number(ymd.slice(0, 4));
  const m = Number(ymd.slice(4, 6));
  return m >= 4 ? y : y - 1;
}

/**
 * Year 小1 is entered minus 6. A child enters 小学校 at the first April after
 * turning 6 (学校教育法 第17条第1項); a birthday on 1 April counts as turning 6 on
 * 31 March (年齢計算ニ関スル法律), so 2 April–1 April births share a school year.
 */
function cohortOf(ymd: string): number {
  const y = Number(ymd.slice(0, 4));
  const md = Number(ymd.slice(4, 8));
  return md >= 402 ? y : y - 1;
}

/** The school year (小1 = 1 … 中3 = 9) expected for a birth date at an as-of date, both YYYYMMDD. */
export function expectedGrade(birthYmd: string, asOfYmd: string): number {
  return schoolYearOf(asOfYmd) - cohortOf(birthYmd) - 6;
}

/** A YYYYMMDD date as days since 1970-01-01 (NaN when not 8 characters). */
function dayNumber(s: string): number {
  return s.length === 8
    ? Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8))) / 86_400_000
    : Number.NaN;
}

/**
 * Per value, the code of the value with characters 5–6 and 7–8 swapped (YYYYDDMM for
 * YYYYMMDD), or -1 when it is not a value of the column, equals the value itself, or the
 * value is not 8 characters long.
 */
function swappedCodes(values: readonly string[]): Int32Array {
  const index = new Map<string, number>();
  values.forEach((v, k) => {
    if (v.length === 8) index.set(v, k);
  });
  return Int32Array.from(values, (x, k) => {
    if (x.length !== 8) return -1;
    const y = x.slice(0, 4) + x.slice(6, 8) + x.slice(4, 6);
    const code = index.get(y);
    return code === undefined || code === k ? -1 : code;
  });
}

/**
 * The last similarity computed per column and measure: the levels of one
 * comparison (JW ≥ 0.92, then JW ≥ 0.8) ask for the same value in a row.
 */
type Memo = Map<string, { a: number; b: number; v: number }>;

function memoised(
  memo: Memo,
  key: string,
  f: (a: number, b: number) => number,
): (a: number, b: number) => number {
  let m = memo.get(key);
  if (!m) {
    m = { a: -1, b: -1, v: 0 };
    memo.set(key, m);
  }
  const slot = m;
  return (a, b) => {
    if (slot.a === a && slot.b === b) return slot.v;
    slot.a = a;
    slot.b = b;
    slot.v = f(a, b);
    return slot.v;
  };
}

function compileCondition(
  table: LinkTable,
  c: LevelCondition,
  used: Set<string>,
  memo: Memo = new Map(),
): CompiledCondition {
  switch (c.kind) {
    case "exact": {
      used.add(c.column);
      const col = column(table, c.column);
      const codes = col.codes;
      const unknown = c.wildcard ? col.unknown : null;
      if (c.wildcard && !unknown)
        throw new MimamoriError(
          "config",
          `列「${c.column}」はワイルドカード比較の対象列 (wildcardColumns) に含めてください。`,
        );
      const values = col.values;
      return (i, j) => {
        const a = codes[i] as number;
        if (a < 0) return -1;
        const b = codes[j] as number;
        if (b < 0) return -1;
        if (a === b) return 1;
        if (unknown && (unknown[a] === 1 || unknown[b] === 1))
          return matchesWithUnknown(values[a] as string, values[b] as string) ? 1 : 0;
        return 0;
      };
    }
    case "jaro-winkler": {
      used.add(c.column);
      const col = column(table, c.column);
      const { codes, values } = col;
      const t = c.threshold;
      const sim = memoised(memo, `jw:${c.column}`, (a, b) =>
        jaroWinkler(values[a] as string, values[b] as string),
      );
      return (i, j) => {
        const a = codes[i] as number;
        if (a < 0) return -1;
        const b = codes[j] as number;
        if (b < 0) return -1;
        if (a === b) return 1;
        return sim(a, b) >= t ? 1 : 0;
      };
    }
    case "edit-distance": {
      used.add(c.column);
      const { codes, values } = column(table, c.column);
      const max = c.max;
      const dist = memoised(memo, `ed${max}:${c.column}`, (a, b) =>
        editDistance(values[a] as string, values[b] as string, max),
      );
      return (i, j) => {
        const a = codes[i] as number;
        if (a < 0) return -1;
        const b = codes[j] as number;
        if (b < 0) return -1;
        if (a === b) return 1;
        return dist(a, b) <= max ? 1 : 0;
      };
    }
    case "one-typo": {
      used.add(c.column);
      const { codes, values } = column(table, c.column);
      return (i, j) => {
        const a = codes[i] as number;
        if (a < 0) return -1;
        const b = codes[j] as number;
        if (b < 0) return -1;
        return isOneTypo(values[a] as string, values[b] as string) ? 1 : 0;
      };
    }
    case "transposition": {
      used.add(c.column);
      const { codes, values } = column(table, c.column);
      return (i, j) => {
        const a = codes[i] as number;
        if (a < 0) return -1;
        const b = codes[j] as number;
        if (b < 0) return -1;
        return isTransposition(values[a] as string, values[b] as string) ? 1 : 0;
      };
    }
    case "month-day-swap": {
      used.add(c.column);
      const { codes, values } = column(table, c.column);
      // Per value, the code of the same date with month and day swapped (-1 when that date is
      // not in the column, is the value itself, or the value is not 8 characters): one
      // integer compare per pair instead of six slices.
      const swapped = swappedCodes(values);
      return (i, j) => {
        const a = codes[i] as number;
        if (a < 0) return -1;
        const b = codes[j] as number;
        if (b < 0) return -1;
        return swapped[a] === b ? 1 : 0;
      };
    }
    case "days-apart": {
      used.add(c.column);
      const { codes, values } = column(table, c.column);
      const max = c.max;
      // Per value, its day number (NaN when not 8 characters), once per value, not per pair.
      const day = Float64Array.from(values, dayNumber);
      return (i, j) => {
        const a = codes[i] as number;
        if (a < 0) return -1;
        const b = codes[j] as number;
        if (b < 0) return -1;
        if (a === b) return 0;
        const d = Math.abs((day[a] as number) - (day[b] as number));
        return d <= max ? 1 : 0;
      };
    }
    case "either-missing": {
      used.add(c.column);
      const { codes } = column(table, c.column);
      return (i, j) => ((codes[i] as number) < 0 || (codes[j] as number) < 0 ? 1 : 0);
    }
    case "present": {
      used.add(c.column);
      const { codes } = column(table, c.column);
      const both = c.on === "both";
      // The second row is read only when the first does not decide (one memory read fewer).
      return both
        ? (i, j) => ((codes[i] as number) >= 0 && (codes[j] as number) >= 0 ? 1 : 0)
        : (i, j) => ((codes[i] as number) >= 0 || (codes[j] as number) >= 0 ? 1 : 0);
    }
    case "not": {
      const inner = compileCondition(table, c.of, used, memo);
      return (i, j) => {
        const r = inner(i, j);
        return r === -1 ? -1 : r === 1 ? 0 : 1;
      };
    }
    case "grade-age": {
      used.add(c.grade);
      used.add(c.birth);
      used.add(c.asOf);
      const grade = column(table, c.grade);
      const birth = column(table, c.birth);
      const asOf = column(table, c.asOf);
      const gradeValue = Int32Array.from(grade.values, (v) => Number.parseInt(v, 10));
      const cohort = Int32Array.from(birth.values, (v) =>
        /^\d{8}$/.test(v) ? cohortOf(v) : -9999,
      );
      const schoolYear = Int32Array.from(asOf.values, (v) =>
        /^\d{8}$/.test(v) ? schoolYearOf(v) : -9999,
      );
      const tol = c.tolerance;
      const selfTol = c.selfTolerance ?? 1;
      const oneWay = (g: number, b: number): Tri => {
        // Most rows have no grade: that read alone decides, before the other row's is made.
        const gc = grade.codes[g] as number;
        if (gc < 0) return -1;
        const bc = birth.codes[b] as number;
        const ac = asOf.codes[g] as number;
        if (bc < 0 || ac < 0) return -1;
        const by = cohort[bc] as number;
        const sy = schoolYear[ac] as number;
        const gv = gradeValue[gc] as number;
        if (by === -9999 || sy === -9999 || Number.isNaN(gv)) return -1;
        // A grade that does not fit its own record's birth date cannot judge the other's.
        const own = birth.codes[g] as number;
        if (own >= 0 && own !== bc) {
          const oy = cohort[own] as number;
          if (oy !== -9999 && Math.abs(sy - oy - 6 - gv) > selfTol) return -1;
        }
        return Math.abs(sy - by - 6 - gv) <= tol ? 1 : 0;
      };
      return (i, j) => {
        const x = oneWay(i, j);
        const y = oneWay(j, i);
        if (x === 1 || y === 1) return 1;
        if (x === 0 || y === 0) return 0;
        return -1;
      };
    }
    case "all": {
      const parts = c.of.map((p) => compileCondition(table, p, used, memo));
      return (i, j) => {
        let unknown = false;
        for (const p of parts) {
          const r = p(i, j);
          if (r === 0) return 0;
          if (r === -1) unknown = true;
        }
        return unknown ? -1 : 1;
      };
    }
    case "any": {
      const parts = c.of.map((p) => compileCondition(table, p, used, memo));
      return (i, j) => {
        let unknown = false;
        for (const p of parts) {
          const r = p(i, j);
          if (r === 1) return 1;
          if (r === -1) unknown = true;
        }
        return unknown ? -1 : 0;
      };
    }
    case "else":
      return () => 1;
  }
}

/** Compiles one comparison against a table. */
export function compileComparison(table: LinkTable, spec: ComparisonSpec): CompiledComparison {
  const used = new Set<string>();
  const memo: Memo = new Map();
  const conds = spec.levels.map((l) => compileCondition(table, l.when, used, memo));
  const isElse = spec.levels.map((l) => l.when.kind === "else");
  const n = conds.length;
  const level = (i: number, j: number): number => {
    let decided = false;
    for (let k = 0; k < n; k++) {
      if (isElse[k]) return decided ? k + 1 : 0;
      const r = (conds[k] as CompiledCondition)(i, j);
      if (r === 1) return k + 1;
      if (r === 0) decided = true;
    }
    return 0;
  };
  return { spec, level, columns: used };
}

export function compileComparisons(
  table: LinkTable,
  specs: readonly ComparisonSpec[],
): CompiledComparison[] {
  return specs.map((s) => compileComparison(table, s));
}

/**
 * Comparison levels for pairs [from, to) of (left, right), written into
 * `out` (pair-major: out[p * C + c]). A range so a pipeline can split the
 * work over worker threads.
 */
export function computeLevels(
  comparisons: readonly CompiledComparison[],
  left: Int32Array,
  right: Int32Array,
  from: number,
  to: number,
  out: Uint8Array,
): void {
  const C = comparisons.length;
  const fns = comparisons.map((c) => c.level);
  for (let p = from; p < to; p++) {
    const i = left[p] as number;
    const j = right[p] as number;
    const base = p * C;
    for (let c = 0; c < C; c++) out[base + c] = (fns[c] as (i: number, j: number) => number)(i, j);
  }
}
