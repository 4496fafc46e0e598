/**
 * The linked records held in columns (issue 15, peak memory): a monthly run holds every
 * row's identity fields from the read to the end of the link store, and as LinkRecord
 * objects a metro run's 3.1 million rows took about 0.9 GB (an object of 21 fields a row,
 * plus its strings). Here each field is an Int32 code into a dictionary of its distinct
 * values, row-major in fixed chunks (no doubling copies while reading): 84 bytes a row.
 * `at(i)` gives row i back as a LinkRecord, built on the spot and equal to the one pushed
 * (every field set, null where missing), so code that reads records one at a time works on
 * either an array or this (see {@link RecordList}).
 */
import type { LinkRecord } from "./types.ts";

/** What the linkage reads of its input records: an array, or {@link RecordColumns}. */
export interface RecordList<T = LinkRecord> {
  readonly length: number;
  at(index: number): T | undefined;
}

/** The LinkRecord fields kept, in column order; `row` is stored as is, the rest coded. */
const FIELDS = [
  "source",
  "file",
  "row",
  "residentNo",
  "householdNo",
  "name",
  "nameKana",
  "alias",
  "aliasKana",
  "birthDate",
  "sex",
  "address",
  "school",
  "grade",
  "asOf",
  "relationship",
  "residentSince",
  "removedDate",
  "topic",
  "eventDate",
] as const satisfies readonly (keyof LinkRecord)[];

const F = FIELDS.length;
const ROW = FIELDS.indexOf("row");
const SOURCE = FIELDS.indexOf("source");
/** Rows per chunk (a power of two). */
const CHUNK_BITS = 15;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

type Value = string | number;

/**
 * Records in columns. Push every record, then `seal()` (drops the look-up maps the
 * dictionaries were built with); after that, `at` and the field readers only.
 */
export class RecordColumns implements RecordList {
  private readonly chunks: Int32Array[] = [];
  private readonly values: Value[][] = FIELDS.map(() => []);
  private index: Map<Value, number>[] | undefined = FIELDS.map(() => new Map());
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(r: LinkRecord): void {
    const index = this.index;
    if (index === undefined) throw new Error("RecordColumns: push after seal");
    const i = this.size;
    if ((i & MASK) === 0) this.chunks.push(new Int32Array(CHUNK * F));
    const chunk = this.chunks[i >>> CHUNK_BITS] as Int32Array;
    const base = (i & MASK) * F;
    for (let f = 0; f < F; f++) {
      const name = FIELDS[f] as (typeof FIELDS)[number];
      const v = r[name];
      if (f === ROW) {
        if (!Number.isInteger(v) || (v as number) < -(2 ** 31) || (v as number) >= 2 ** 31)
          throw new Error(`RecordColumns: row ${String(v)} is not a 32-bit integer`);
        chunk[base + f] = v as number;
        continue;
      }
      if (v === null || v === undefined) {
        chunk[base + f] = -1;
        continue;
      }
      const d = index[f] as Map<Value, number>;
      let c = d.get(v);
      if (c === undefined) {
        const vs = this.values[f] as Value[];
        c = vs.length;
        vs.push(v);
        d.set(v, c);
      }
      chunk[base + f] = c;
    }
    this.size = i + 1;
  }

  /** Ends the pushes: the dictionaries' look-up maps are no longer needed. */
  seal(): this {
    this.index = undefined;
    return this;
  }

  private code(i: number, f: number): number {
    return (this.chunks[i >>> CHUNK_BITS] as Int32Array)[(i & MASK) * F + f] as number;
  }

  /**
   * The distinct values of a text field, each once (every one is some row's value), in the
   * order first pushed: what a per-distinct-value pass reads instead of every row.
   */
  distinct(field: "name" | "nameKana"): readonly string[] {
    return this.values[FIELDS.indexOf(field)] as string[];
  }

  /** The number of a field, for {@link codeAt} and {@link valuesOf}. */
  static field(name: Exclude<(typeof FIELDS)[number], "row">): number {
    return FIELDS.indexOf(name);
  }

  /** Row i's code of field f (see {@link field}): -1 when missing, else an index into valuesOf(f). */
  codeAt(i: number, f: number): number {
    return this.code(i, f);
  }

  /** The distinct values of field f, indexed by code. */
  valuesOf(f: number): readonly Value[] {
    return this.values[f] as Value[];
  }

  /** Row i's source, without building the record. */
  sourceAt(i: number): LinkRecord["source"] {
    return this.values[SOURCE]?.[this.code(i, SOURCE)] as LinkRecord["source"];
  }

  at(i: number): LinkRecord | undefined {
    if (!Number.isInteger(i) || i < -this.size || i >= this.size) return undefined;
    const k = i < 0 ? i + this.size : i;
    const chunk = this.chunks[k >>> CHUNK_BITS] as Int32Array;
    const base = (k & MASK) * F;
    const get = (f: number): Value | null => {
      const c = chunk[base + f] as number;
      return c < 0 ? null : ((this.values[f] as Value[])[c] as Value);
    };
    // Field by field, in LinkRecord order (as pipeline/link-input.ts builds them).
    return {
      source: get(0) as LinkRecord["source"],
      file: get(1) as string,
      row: chunk[base + ROW] as number,
      residentNo: get(3) as LinkRecord["residentNo"],
      householdNo: get(4) as LinkRecord["householdNo"],
      name: get(5) as string | null,
      nameKana: get(6) as string | null,
      alias: get(7) as string | null,
      aliasKana: get(8) as string | null,
      birthDate: get(9) as LinkRecord["birthDate"],
      sex: get(10) as LinkRecord["sex"],
      address: get(11) as string | null,
      school: get(12) as string | null,
      grade: get(13) as number | null,
      asOf: get(14) as LinkRecord["asOf"],
      relationship: get(15) as string | null,
      residentSince: get(16) as LinkRecord["residentSince"],
      removedDate: get(17) as LinkRecord["removedDate"],
      topic: get(18) as string | null,
      eventDate: get(19) as LinkRecord["eventDate"],
    };
  }
}

/** The source of record i of a list, reading only that field when the list is columns. */
export function sourceOf(records: RecordList, i: number): LinkRecord["source"] {
  return records instanceof RecordColumns
    ? records.sourceAt(i)
    : (records.at(i) as LinkRecord).source;
}
