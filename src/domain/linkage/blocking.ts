/**
 * Blocking as a union of rules (Splink's blocking_rules_to_generate_predictions):
 * each rule generates the pairs that agree exactly on its columns; a pair is
 * kept once, attributed to the first rule that generates it, and each rule's
 * count is reported so a municipality can see what every rule adds. Linear in
 * the rows plus the pairs produced (counting sort on integer keys, no pair set).
 */
import type { BlockingRule, LinkageSettings } from "./settings.ts";
import { columnOf, type LinkTable } from "./table.ts";

export interface RuleReport {
  readonly name: string;
  /** Pairs this rule generated that no earlier rule did. */
  readonly pairs: number;
  /** Blocks over maxBlockSize, skipped. */
  readonly skippedBlocks: number;
  /** Pairs those skipped blocks would have produced. */
  readonly skippedPairs: number;
  readonly largestBlock: number;
}

export interface BlockedPairs {
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Index of the rule that generated each pair. */
  readonly rule: Uint8Array;
  readonly count: number;
  readonly rules: readonly RuleReport[];
  /** Per rule, per row: the rule's key code (-1 = no key); a pair satisfies rule r when both keys are equal. */
  readonly keys: readonly Int32Array[];
}

/** Whether the link type allows comparing rows i and j (i ≠ j). */
export function pairAllowed(
  table: LinkTable,
  linkType: LinkageSettings["linkType"],
  i: number,
  j: number,
): boolean {
  if (linkType === "link_and_dedupe") return true;
  const same = table.group[i] === table.group[j];
  return linkType === "link_only" ? !same : same;
}

/**
 * Per row, a dense code of the combination of `columns` (-1 when a column is
 * missing or the row is excluded), and the number of distinct codes. Codes are
 * numbered in the order of each combination's first row (excluded rows count for
 * the numbering), so blocks and pairs come out in the same order whatever the
 * method; `compositeKeyReference` is the definition.
 */
export function compositeKey(
  table: LinkTable,
  columns: readonly string[],
  exclude?: Uint8Array,
): { key: Int32Array; distinct: number } {
  const n = table.size;
  const key = new Int32Array(n);
  const first = columnOf(table, columns[0] as string);
  key.set(first.codes);
  let distinct = first.values.length;
  if (columns.length > 1) {
    // Scratch shared by the columns after the first (sized for the widest).
    const widest = Math.max(...columns.slice(1).map((c) => columnOf(table, c).values.length));
    const stamp = new Int32Array(widest).fill(-1);
    const codeOf = new Int32Array(widest);
    const firstRow = new Int32Array(n);
    const newCode = new Int32Array(n);
    for (let k = 1; k < columns.length; k++) {
      const col = columnOf(table, columns[k] as string);
      const { order, offset } = groupByKey(key, distinct);
      // Within each group of the key so far, its rows ascending: a value of this column seen
      // for the first time in the group is the combination's first row. Provisional codes
      // go group by group; then renumbered in the order of first rows.
      let provisional = 0;
      for (let g = 0; g < distinct; g++) {
        for (let x = offset[g] as number; x < (offset[g + 1] as number); x++) {
          const i = order[x] as number;
          const b = col.codes[i] as number;
          if (b < 0) {
            key[i] = -1;
            continue;
          }
          if (stamp[b] !== g) {
            stamp[b] = g;
            codeOf[b] = provisional;
            firstRow[provisional] = i;
            provisional++;
          }
          key[i] = codeOf[b] as number;
        }
      }
      // Rows whose key so far was missing are in no group: they stay -1.
      newCode.fill(-1, 0, n);
      for (let p = 0; p < provisional; p++) newCode[firstRow[p] as number] = p;
      const renumber = new Int32Array(provisional);
      let next = 0;
      for (let i = 0; i < n; i++) {
        const p = newCode[i] as number;
        if (p >= 0) renumber[p] = next++;
      }
      for (let i = 0; i < n; i++) {
        const c = key[i] as number;
        if (c >= 0) key[i] = renumber[c] as number;
      }
      stamp.fill(-1);
      distinct = provisional;
    }
  }
  if (exclude) for (let i = 0; i < n; i++) if (exclude[i] === 1) key[i] = -1;
  return { key, distinct };
}

/** compositeKey by a map per column (the definition; tests compare against it). */
export function compositeKeyReference(
  table: LinkTable,
  columns: readonly string[],
  exclude?: Uint8Array,
): { key: Int32Array; distinct: number } {
  const n = table.size;
  const key = new Int32Array(n);
  const first = columnOf(table, columns[0] as string);
  key.set(first.codes);
  let distinct = first.values.length;
  for (let k = 1; k < columns.length; k++) {
    const col = columnOf(table, columns[k] as string);
    const width = col.values.length;
    const dense = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const a = key[i] as number;
      const b = col.codes[i] as number;
      if (a < 0 || b < 0) {
        key[i] = -1;
        continue;
      }
      const combined = a * width + b;
      let d = dense.get(combined);
      if (d === undefined) {
        d = dense.size;
        dense.set(combined, d);
      }
      key[i] = d;
    }
    distinct = dense.size;
  }
  if (exclude) for (let i = 0; i < n; i++) if (exclude[i] === 1) key[i] = -1;
  return { key, distinct };
}

/** Rows grouped by key: members of key k are order[offset[k] .. offset[k+1]), ascending. */
function groupByKey(key: Int32Array, distinct: number): { order: Int32Array; offset: Int32Array } {
  const offset = new Int32Array(distinct + 1);
  for (let i = 0; i < key.length; i++) {
    const k = key[i] as number;
    if (k >= 0) offset[k + 1] = (offset[k + 1] as number) + 1;
  }
  for (let k = 0; k < distinct; k++)
    offset[k + 1] = (offset[k + 1] as number) + (offset[k] as number);
  const fill = offset.slice(0, distinct);
  const order = new Int32Array(offset[distinct] as number);
  for (let i = 0; i < key.length; i++) {
    const k = key[i] as number;
    if (k >= 0) {
      order[fill[k] as number] = i;
      fill[k] = (fill[k] as number) + 1;
    }
  }
  return { order, offset };
}

class PairBuffer {
  left = new Int32Array(1024);
  right = new Int32Array(1024);
  rule = new Uint8Array(1024);
  count = 0;
  push(i: number, j: number, r: number): void {
    if (this.count === this.left.length) {
      const cap = this.left.length * 2;
      const l = new Int32Array(cap);
      l.set(this.left);
      this.left = l;
      const rr = new Int32Array(cap);
      rr.set(this.right);
      this.right = rr;
      const ru = new Uint8Array(cap);
      ru.set(this.rule);
      this.rule = ru;
    }
    this.left[this.count] = i;
    this.right[this.count] = j;
    this.rule[this.count] = r;
    this.count++;
  }
}

/**
 * Candidate pairs (i < j) from the union of `rules`. Rows flagged in `exclude`
 * take no part (records linked by id alone).
 */
export function blockPairs(
  table: LinkTable,
  rules: readonly BlockingRule[],
  linkType: LinkageSettings["linkType"],
  exclude?: Uint8Array,
  options: { countOnly?: boolean } = {},
): BlockedPairs {
  // countOnly: the pairs are counted, not kept (left, right and rule come back empty) — λ
  // needs only how many pairs its deterministic rules make.
  const keep = options.countOnly !== true;
  let total = 0;
  const keys: Int32Array[] = [];
  const buf = new PairBuffer();
  const reports: RuleReport[] = [];
  rules.forEach((rule, r) => {
    const { key, distinct } = compositeKey(table, rule.columns, exclude);
    keys.push(key);
    const { order, offset } = groupByKey(key, distinct);
    const max = rule.maxBlockSize ?? Number.POSITIVE_INFINITY;
    let pairs = 0;
    let skippedBlocks = 0;
    let skippedPairs = 0;
    let largestBlock = 0;
    for (let k = 0; k < distinct; k++) {
      const from = offset[k] as number;
      const to = offset[k + 1] as number;
      const s = to - from;
      if (s < 2) continue;
      if (s > largestBlock) largestBlock = s;
      if (s > max) {
        skippedBlocks++;
        skippedPairs += (s * (s - 1)) / 2;
        continue;
      }
      for (let a = from; a < to; a++) {
        const i = order[a] as number;
        for (let b = a + 1; b < to; b++) {
          const j = order[b] as number;
          if (!pairAllowed(table, linkType, i, j)) continue;
          let earlier = false;
          for (let q = 0; q < r; q++) {
            const kq = keys[q] as Int32Array;
            const v = kq[i] as number;
            if (v >= 0 && v === kq[j]) {
              earlier = true;
              break;
            }
          }
          if (earlier) continue;
          if (keep) buf.push(i, j, r);
          pairs++;
        }
      }
    }
    reports.push({ name: rule.name, pairs, skippedBlocks, skippedPairs, largestBlock });
    total += pairs;
  });
  return {
    left: buf.left.subarray(0, buf.count),
    right: buf.right.subarray(0, buf.count),
    rule: buf.rule.subarray(0, buf.count),
    count: total,
    rules: reports,
    keys,
  };
}

/** Number of pairs the link type allows among all rows (the denominator of λ). */
export function totalPairs(
  table: LinkTable,
  linkType: LinkageSettings["linkType"],
  exclude?: Uint8Array,
): number {
  const perGroup = new Map<number, number>();
  let n = 0;
  for (let i = 0; i < table.size; i++) {
    if (exclude?.[i] === 1) continue;
    n++;
    const g = table.group[i] as number;
    perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
  }
  let within = 0;
  for (const c of perGroup.values()) within += (c * (c - 1)) / 2;
  const all = (n * (n - 1)) / 2;
  if (linkType === "link_and_dedupe") return all;
  return linkType === "dedupe_only" ? within : all - within;
}
