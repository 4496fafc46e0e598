/**
 * The aggregate export for pooling across municipalities: 2×2 counts per
 * item × difficulty type, no person-level data, small cells suppressed — the
 * 集計情報 the 2024 pilots sent to the secretariat (report §2.1), as a file one
 * municipality can hand to another. Format (docs/statistics.md):
 *
 *   municipality,item_id,difficulty,a,b,c,d
 *   開成町,B03,abuse,x,x,x,x
 *   開成町,B16,abuse,12,85,40,2210
 *
 * UTF-8 (a BOM is accepted), one header line, columns in any order, extra columns
 * ignored; a count is a non-negative integer or `x` (suppressed, the 秘匿 mark of
 * Japanese official statistics). Parsing and formatting are pure (text in, rows
 * out); reading the file is the CLI's job.
 */
import { MimamoriError } from "../errors.ts";
import { type SuppressionOptions, suppressSmallCells } from "./suppression.ts";
import type { ItemCounts } from "./validate-item.ts";

export interface AggregateRow {
  readonly municipality: string;
  readonly itemId: string;
  readonly difficulty: string;
  /** null: suppressed. */
  readonly a: number | null;
  readonly b: number | null;
  readonly c: number | null;
  readonly d: number | null;
}

export const AGGREGATE_COLUMNS = [
  "municipality",
  "item_id",
  "difficulty",
  "a",
  "b",
  "c",
  "d",
] as const;

/** The mark written for, and read as, a suppressed count. */
export const SUPPRESSED_MARK = "x";

/**
 * One municipality's export rows from its item counts, with small-cell and
 * complementary suppression applied (suppression.ts). Items that define their
 * group (`excluded`) are left out: their table is degenerate by construction.
 */
export function toAggregateRows(
  municipality: string,
  items: readonly ItemCounts[],
  options: SuppressionOptions = {},
): AggregateRow[] {
  return items
    .filter((item) => !item.excluded)
    .map((item) => {
      const s = suppressSmallCells(item, options);
      return {
        municipality,
        itemId: item.itemId,
        difficulty: item.difficulty,
        a: s.a,
        b: s.b,
        c: s.c,
        d: s.d,
      };
    });
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** CSV text (LF line ends, no BOM) of the rows, header first. */
export function formatAggregateCsv(rows: readonly AggregateRow[]): string {
  const cell = (v: number | null) => (v === null ? SUPPRESSED_MARK : String(v));
  const lines = [AGGREGATE_COLUMNS.join(",")];
  for (const r of rows) {
    lines.push(
      [
        csvField(r.municipality),
        csvField(r.itemId),
        csvField(r.difficulty),
        cell(r.a),
        cell(r.b),
        cell(r.c),
        cell(r.d),
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Splits CSV text into records (RFC 4180: quoted fields, "" escapes, CRLF or LF). */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  while (i < src.length) {
    const ch = src[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === "") {
      quoted = true;
    } else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      if (ch === "\r" && src[i + 1] === "\n") i++;
    } else {
      field += ch;
    }
    i++;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  // Blank lines (e.g. a trailing one) are not records.
  return records.filter((r) => !(r.length === 1 && r[0]?.trim() === ""));
}

const MAX_LISTED_PROBLEMS = 20;

/**
 * Parses an aggregate CSV. Throws MimamoriError(invalid_input) listing every
 * problem (line numbers are 1-based lines of the file, header = 1).
 */
export function parseAggregateCsv(text: string, fileName: string): AggregateRow[] {
  const records = parseCsvRecords(text);
  const header = (records[0] ?? []).map((h) => h.trim().toLowerCase());
  const missing = AGGREGATE_COLUMNS.filter((c) => !header.includes(c));
  if (records.length === 0 || missing.length > 0) {
    throw new MimamoriError(
      "invalid_input",
      `集計ファイル「${fileName}」の見出し行に必要な列がありません: ${missing.join(", ")}。`,
      [`1 行目は ${AGGREGATE_COLUMNS.join(",")} としてください。`],
    );
  }
  const col = Object.fromEntries(AGGREGATE_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<
    (typeof AGGREGATE_COLUMNS)[number],
    number
  >;
  const problems: string[] = [];
  const rows: AggregateRow[] = [];
  records.slice(1).forEach((rec, idx) => {
    const line = idx + 2;
    const get = (c: (typeof AGGREGATE_COLUMNS)[number]) => (rec[col[c]] ?? "").trim();
    const count = (c: "a" | "b" | "c" | "d"): number | null | undefined => {
      const raw = get(c);
      if (raw.toLowerCase() === SUPPRESSED_MARK) return null;
      if (/^\d+$/.test(raw) && Number(raw) <= Number.MAX_SAFE_INTEGER) return Number(raw);
      problems.push(
        `${line} 行目: ${c} は 0 以上の整数か秘匿記号 ${SUPPRESSED_MARK} にしてください（「${raw}」）。`,
      );
      return undefined;
    };
    const municipality = get("municipality");
    const itemId = get("item_id");
    const difficulty = get("difficulty");
    if (municipality === "") problems.push(`${line} 行目: municipality（自治体名）が空です。`);
    if (itemId === "") problems.push(`${line} 行目: item_id（データ項目）が空です。`);
    if (difficulty === "") problems.push(`${line} 行目: difficulty（困難類型）が空です。`);
    const a = count("a");
    const b = count("b");
    const c = count("c");
    const d = count("d");
    if (a === undefined || b === undefined || c === undefined || d === undefined) return;
    rows.push({ municipality, itemId, difficulty, a, b, c, d });
  });
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    if (problems.length > listed.length) {
      listed.push(`ほか ${problems.length - listed.length} 件`);
    }
    throw new MimamoriError(
      "invalid_input",
      `集計ファイル「${fileName}」に ${problems.length} 件の問題があります。修正してから再実行してください。`,
      listed,
    );
  }
  return rows;
}
