/**
 * The ingest boundary's pure half (STYLE.md §3): a file's header is matched
 * against a canonical layout once (`planFile`), then every raw row — strings
 * in header order — becomes normalised values or row errors (`validateRow`).
 *
 * Two kinds of failure, as layouts.md asks:
 * - a layout problem (a required column missing or renamed, no 抽出日) fails
 *   the whole file before anything is stored;
 * - a bad value fails only its row, with the column and a Japanese reason;
 *   the rest of the file still imports.
 */
import { futureAsOfProblem } from "./as-of.ts";
import { type DateFormatHint, parseDate } from "./ja/date.ts";
import { normalizeWidth } from "./ja/width.ts";
import {
  AS_OF_COLUMN,
  type ColumnDef,
  type ColumnType,
  type Layout,
  normalizeHeader,
} from "./layouts.ts";
import { EMPTY_MAPPING, type Mapping } from "./mapping.ts";
import type { IsoDate } from "./types.ts";
import {
  foldCode,
  isBlank,
  parseBoolean,
  parseEnum,
  parseFiscalYear,
  parseGrade,
  parseIcd10,
  parseId,
  parseKana,
  parseNumber,
  parseSex,
  type ValueResult,
} from "./values.ts";

/** A normalised cell: JSON-serialisable, dates as `YYYY-MM-DD` strings. */
export type Value = string | number | boolean | null;

export interface RowError {
  /** Canonical column name, or null for a problem of the whole row. */
  readonly column: string | null;
  /** The raw cell text (empty for whole-row problems). */
  readonly value: string;
  readonly reason: string;
}

export interface PlanOptions {
  readonly mapping?: Mapping;
  /** `--as-of`: the as-of date of every row. Otherwise the 抽出日 column gives it. */
  readonly asOf?: IsoDate;
  /** Cells of an .xlsx: a bare number in a date column is an Excel serial. */
  readonly excelSerial?: boolean;
  /**
   * Today in Japan (YYYY-MM-DD, domain/as-of.ts `japanDate`): a row whose 抽出日
   * column is after it is a row error. Absent: not checked. A given `asOf` is
   * checked by whoever gives it.
   */
  readonly today?: IsoDate;
}

interface BoundColumn {
  readonly def: ColumnDef;
  /** Position in the file's fields, or -1 when the file lacks the column. */
  readonly index: number;
  /** Mapping constant used instead of a cell. */
  readonly constant: string | undefined;
  readonly recode: ReadonlyMap<string, string> | undefined;
  readonly parse: (raw: string) => ValueResult<Value>;
  readonly blank: Value;
}

/** A file's header bound to a layout: what `validateRow` needs, computed once per file. */
export interface FilePlan {
  readonly layout: Layout;
  /** The header as it is in the file. */
  readonly header: readonly string[];
  /** One per layout column, in layout order; `validateRow` values follow this order. */
  readonly columns: readonly BoundColumn[];
  /** File headers bound to no layout column: kept in the raw values, ignored by rules. */
  readonly extras: readonly string[];
  readonly asOf: IsoDate | undefined;
  readonly asOfIndex: number;
  /** Rows' 抽出日 after this are row errors (PlanOptions.today). */
  readonly today: IsoDate | undefined;
  readonly periods: readonly (readonly [number, number])[];
  readonly atLeastOne: readonly (readonly number[])[];
}

export type PlanResult =
  | { readonly ok: true; readonly plan: FilePlan; readonly notes: readonly string[] }
  | {
      readonly ok: false;
      readonly problems: readonly string[];
      /** True when the only problem is that no as-of date is known (not a layout change). */
      readonly onlyAsOfMissing: boolean;
    };

export type RowResult =
  | { readonly ok: true; readonly values: readonly Value[]; readonly asOf: IsoDate }
  | { readonly ok: false; readonly errors: readonly RowError[] };

const ok = <T>(value: T): ValueResult<T> => ({ ok: true, value });

function parserFor(
  type: ColumnType,
  hint: DateFormatHint,
  excelSerial: boolean,
): (raw: string) => ValueResult<Value> {
  switch (type.kind) {
    case "id":
      return parseId;
    case "text":
    case "name":
      return (raw) => ok(normalizeWidth(raw));
    case "kana":
      return parseKana;
    case "date": {
      const options = { hint, excelSerial };
      return (raw) => parseDate(raw, options);
    }
    case "bool":
      return parseBoolean;
    case "sex":
      return parseSex;
    case "number":
      return (raw) => parseNumber(raw, type);
    case "enum":
      return (raw) => parseEnum(raw, type.enumeration);
    case "grade":
      return parseGrade;
    case "fiscal_year":
      return parseFiscalYear;
    case "icd10":
      return parseIcd10;
  }
}

/** Edit distance, for "did you mean" on a missing column; names are short. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(
        Math.min(
          (prev[j] as number) + 1,
          (cur[j - 1] as number) + 1,
          (prev[j - 1] as number) + cost,
        ),
      );
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** An unused header that looks like a renamed `name` (`生年月日(西暦)`, `生年月曰`), if any. */
function lookAlike(name: string, unused: readonly string[]): string | undefined {
  return unused.find((h) => {
    const n = normalizeHeader(h);
    if (n.length === 0) return false;
    if (n.includes(name) || (n.length >= 2 && name.includes(n))) return true;
    return editDistance(n, name) <= Math.max(1, Math.floor(name.length / 4));
  });
}

function lookupIn<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  for (const [k, v] of Object.entries(table)) if (normalizeHeader(k) === name) return v;
  return undefined;
}

/**
 * Binds a file's header to a layout, applying the mapping's renames and
 * constants. Fails with every layout problem at once (missing required
 * columns with a "renamed?" hint, duplicated columns, no 抽出日).
 */
export function planFile(
  layout: Layout,
  header: readonly string[],
  options: PlanOptions = {},
): PlanResult {
  const mapping = options.mapping ?? EMPTY_MAPPING;
  const problems: string[] = [];
  const notes: string[] = [];
  const renames = new Map<string, string>();
  for (const [from, to] of Object.entries(mapping.columns))
    renames.set(normalizeHeader(from), normalizeHeader(to));
  const names = header.map((h) => normalizeHeader(h));
  for (const from of renames.keys()) {
    if (!names.includes(from))
      notes.push(`マッピングの columns にある列「${from}」はこのファイルにありません。`);
  }
  const targets = names.map((n) => renames.get(n) ?? n);

  const used = header.map(() => false);
  const columns: BoundColumn[] = [];
  for (const def of layout.columns) {
    const at = targets.flatMap((t, i) => (t === def.name ? [i] : []));
    if (at.length > 1) {
      problems.push(
        `列「${def.name}」が ${at.length} 回あります（${at.map((i) => `${i + 1}列目`).join("、")}）。1つにしてください。`,
      );
    }
    const index = at[0] ?? -1;
    if (index >= 0) used[index] = true;
    // The source's own recodings (its declaration), then the mapping file's, which win.
    const declared = layout.recode[def.name];
    const mapped = lookupIn(mapping.values, def.name);
    const recodeTable =
      declared === undefined
        ? mapped
        : mapped === undefined
          ? declared
          : { ...declared, ...mapped };
    const recode =
      recodeTable === undefined
        ? undefined
        : new Map(
            Object.entries(recodeTable).flatMap(([k, v]) => [
              [k, v] as const,
              [foldCode(k), v] as const,
            ]),
          );
    const hint = lookupIn(mapping.dates, def.name) ?? mapping.dates["*"] ?? "auto";
    columns.push({
      def,
      index,
      constant: lookupIn(mapping.constants, def.name),
      recode,
      parse: parserFor(def.type, hint, options.excelSerial ?? false),
      blank: def.blankMeans ?? (def.type.kind === "sex" ? "unknown" : null),
    });
  }

  const unused = header.filter((_, i) => !used[i]);
  for (const c of columns) {
    if (!c.def.required || c.index >= 0 || c.constant !== undefined) continue;
    const like = lookAlike(c.def.name, unused);
    problems.push(
      `必須の列「${c.def.name}」がありません。` +
        (like === undefined
          ? ""
          : `「${like}」が名前の変わった列であれば、マッピングファイルの columns で「${like}: ${c.def.name}」と対応づけてください。`),
    );
  }
  const position = (name: string) => layout.columns.findIndex((c) => c.name === name);
  for (const group of layout.atLeastOne) {
    if (group.every((n) => (columns[position(n)] as BoundColumn).index < 0)) {
      problems.push(`列「${group.join("」か「")}」の少なくとも1つが必要です。`);
    }
  }
  const asOfIndex = position(AS_OF_COLUMN);
  const asOfColumn = columns[asOfIndex] as BoundColumn;
  const layoutProblems = problems.length;
  if (options.asOf === undefined && asOfColumn.index < 0 && asOfColumn.constant === undefined) {
    problems.push(
      "抽出日がわかりません。取込画面の「抽出日」欄（コマンドでは --as-of）で日付を指定するか、ファイルに「抽出日」列を入れてください。",
    );
  }
  if (problems.length > 0) return { ok: false, problems, onlyAsOfMissing: layoutProblems === 0 };

  const extras = header
    .map((h, i) => (h.trim() === "" ? `（${i + 1}列目）` : h))
    .filter((_, i) => !used[i]);
  if (extras.length > 0) {
    notes.push(`取り込み元の定義にない列（保存のみ、判定には使いません）: ${extras.join("、")}`);
  }
  return {
    ok: true,
    notes,
    plan: {
      layout,
      header,
      columns,
      extras,
      asOf: options.asOf,
      asOfIndex,
      today: options.today,
      periods: layout.periods.map(([s, e]) => [position(s), position(e)] as const),
      atLeastOne: layout.atLeastOne.map((g) => g.map(position)),
    },
  };
}

function countProblem(plan: FilePlan, fields: readonly string[]): RowError | undefined {
  const h = plan.header.length;
  const n = fields.length;
  if (n < h) {
    return {
      column: null,
      value: "",
      reason: `列の数が足りません（見出しは ${h} 列、この行は ${n} 列）。ファイルが途中で切れていないか、区切りの「,」が抜けていないか確認してください。`,
    };
  }
  for (let i = h; i < n; i++) {
    if (!isBlank(fields[i] as string)) {
      return {
        column: null,
        value: "",
        reason: `列の数が多すぎます（見出しは ${h} 列、この行は ${n} 列）。「,」を含む値が「"」で囲まれているか確認してください。`,
      };
    }
  }
  return undefined;
}

/** `errors` with `e` added; the list is made on a row's first error (nearly every row has none). */
function withError(errors: RowError[] | undefined, e: RowError): RowError[] {
  if (errors === undefined) return [e];
  errors.push(e);
  return errors;
}

/**
 * One raw row (cells in the file's header order) → normalised values in the
 * layout's column order, or every error of the row. Never throws.
 */
export function validateRow(plan: FilePlan, fields: readonly string[]): RowResult {
  if (fields.length !== plan.header.length) {
    const problem = countProblem(plan, fields);
    if (problem) return { ok: false, errors: [problem] };
  }
  const values: Value[] = new Array(plan.columns.length);
  let errors: RowError[] | undefined;
  const columns = plan.columns;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i] as BoundColumn;
    const raw = c.constant ?? (c.index >= 0 ? (fields[c.index] as string) : "");
    let text = raw;
    if (c.recode !== undefined) text = c.recode.get(raw) ?? c.recode.get(foldCode(raw)) ?? raw;
    if (isBlank(text)) {
      if (c.def.required) {
        errors = withError(errors, {
          column: c.def.name,
          value: raw,
          reason: "必須の項目が空です。",
        });
      }
      values[i] = c.blank;
      continue;
    }
    const r = c.parse(text);
    if (r.ok) values[i] = r.value;
    else {
      values[i] = null;
      errors = withError(errors, { column: c.def.name, value: raw, reason: r.reason });
    }
  }
  for (const group of plan.atLeastOne) {
    if (group.every((i) => values[i] === null)) {
      const names = group.map((i) => (columns[i] as BoundColumn).def.name);
      // Reported on the group's first column, so the report points somewhere concrete.
      errors = withError(errors, {
        column: names[0] ?? null,
        value: "",
        reason: `「${names.join("」か「")}」のどちらかは必要です。`,
      });
    }
  }
  for (const [s, e] of plan.periods) {
    const start = values[s];
    const end = values[e];
    if (typeof start === "string" && typeof end === "string" && end < start) {
      const sc = columns[s] as BoundColumn;
      const ec = columns[e] as BoundColumn;
      errors = withError(errors, {
        column: ec.def.name,
        value: ec.index >= 0 ? (fields[ec.index] as string) : end,
        reason: `${ec.def.name}（${end}）が${sc.def.name}（${start}）より前になっています。`,
      });
    }
  }
  const asOf = plan.asOf ?? (values[plan.asOfIndex] as IsoDate | null);
  if (plan.asOf === undefined && asOf !== null && plan.today !== undefined) {
    // A 抽出日 read from the row itself, as one typed in would be (domain/as-of.ts).
    const reason = futureAsOfProblem(plan.today, asOf, "column");
    if (reason !== undefined) {
      const c = columns[plan.asOfIndex] as BoundColumn;
      errors = withError(errors, {
        column: AS_OF_COLUMN,
        value: c.constant ?? (c.index >= 0 ? (fields[c.index] as string) : asOf),
        reason,
      });
    }
  }
  if (asOf === null && !errors?.some((e) => e.column === AS_OF_COLUMN)) {
    errors = withError(errors, {
      column: AS_OF_COLUMN,
      value: "",
      reason:
        "抽出日が空です。値を入れるか、取込画面の「抽出日」欄（コマンドでは --as-of）で日付を指定してください。",
    });
  }
  if (errors !== undefined) return { ok: false, errors };
  return { ok: true, values, asOf: asOf as IsoDate };
}

/** Normalised values as an object keyed by canonical column name (for JSON and display). */
export function recordOf(plan: FilePlan, values: readonly Value[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  plan.columns.forEach((c, i) => {
    out[c.def.name] = values[i] ?? null;
  });
  return out;
}

/**
 * One cell's value as the import would have read it (the column's type and
 * the source's recodings), for a 訂正 entered by hand (db/correction): the
 * corrected value is stored in the same normalised form as the row's.
 */
export function parseCellValue(layout: Layout, column: string, raw: string): ValueResult<Value> {
  const def = layout.columns.find((c) => c.name === column);
  if (def === undefined)
    return { ok: false, reason: `列「${column}」は「${layout.name}」にありません。` };
  const recode = layout.recode[def.name];
  const text = recode?.[raw] ?? recode?.[foldCode(raw)] ?? raw;
  if (isBlank(text)) {
    if (def.required) return { ok: false, reason: "必須の項目は空にできません。" };
    return { ok: true, value: def.blankMeans ?? (def.type.kind === "sex" ? "unknown" : null) };
  }
  return parserFor(def.type, "auto", false)(text);
}
