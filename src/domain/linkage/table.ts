/**
 * The record table the engine works on: one row per record (or per distinct
 * profile), every column dictionary-encoded to Int32 codes. Exact agreement is
 * then an integer compare, blocking a counting sort, and term frequencies a
 * lookup; the typed arrays can be handed to worker threads without copying
 * strings (STYLE.md: integer-coded values where it pays).
 */
import { MimamoriError } from "../errors.ts";
import { UNKNOWN_CHAR } from "../ja/name.ts";

export interface Column {
  readonly name: string;
  /** Per row: index into `values`, or -1 when the value is missing. */
  readonly codes: Int32Array;
  /** Distinct values. */
  readonly values: readonly string[];
  /** Rows holding each value. */
  readonly counts: Int32Array;
  /** Rows with a value. */
  readonly present: number;
  /** Per value: 1 when it holds UNKNOWN_CHAR (only for wildcard columns). */
  readonly unknown: Uint8Array | null;
}

export interface LinkTable {
  readonly size: number;
  /** Per row: group (file/dataset) id, used by the link type. */
  readonly group: Int32Array;
  /** Per row: 1 when the row belongs to the backbone (the resident registry). */
  readonly backbone: Uint8Array;
  readonly columns: ReadonlyMap<string, Column>;
}

/** Encodes one column of string values (null/undefined/"" = missing). */
export function encodeColumn(
  name: string,
  size: number,
  valueAt: (row: number) => string | null | undefined,
  wildcard = false,
): Column {
  const codes = new Int32Array(size);
  const index = new Map<string, number>();
  const values: string[] = [];
  const counts: number[] = [];
  let present = 0;
  for (let i = 0; i < size; i++) {
    const v = valueAt(i);
    if (v == null || v === "") {
      codes[i] = -1;
      continue;
    }
    let c = index.get(v);
    if (c === undefined) {
      c = values.length;
      index.set(v, c);
      values.push(v);
      counts.push(0);
    }
    codes[i] = c;
    counts[c] = (counts[c] as number) + 1;
    present++;
  }
  let unknown: Uint8Array | null = null;
  if (wildcard) {
    unknown = new Uint8Array(values.length);
    values.forEach((v, c) => {
      if (v.includes(UNKNOWN_CHAR)) (unknown as Uint8Array)[c] = 1;
    });
  }
  return { name, codes, values, counts: Int32Array.from(counts), present, unknown };
}

/**
 * Builds a table from plain rows. `group` assigns each row its file/dataset
 * (for link_only / dedupe_only), `backbone` marks resident-registry rows.
 */
export function buildTable(
  rows: readonly Readonly<Record<string, string | null | undefined>>[],
  columns: readonly string[],
  options: {
    group?: (row: number) => number;
    backbone?: (row: number) => boolean;
    wildcardColumns?: readonly string[];
  } = {},
): LinkTable {
  const size = rows.length;
  const group = new Int32Array(size);
  const backbone = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    group[i] = options.group ? options.group(i) : 0;
    backbone[i] = options.backbone?.(i) ? 1 : 0;
  }
  const wild = new Set(options.wildcardColumns ?? []);
  const map = new Map<string, Column>();
  for (const name of columns)
    map.set(
      name,
      encodeColumn(name, size, (i) => rows[i]?.[name], wild.has(name)),
    );
  return { size, group, backbone, columns: map };
}

/** The column, or a config error naming it (a settings file referring to a column that does not exist). */
export function columnOf(table: LinkTable, name: string): Column {
  const c = table.columns.get(name);
  if (!c)
    throw new MimamoriError(
      "config",
      `名寄せ設定が存在しない列「${name}」を参照しています。設定を確認してください。`,
    );
  return c;
}
