/**
 * The one ingest boundary (STYLE.md §3): a file in, validated rows out. It
 * decides which source the file holds, binds its header to that layout
 * (failing the whole file on a layout problem, before anything is stored),
 * and turns each row into normalised values or row errors. Where the rows go
 * is the pipeline's business.
 */
import { futureAsOfProblem } from "../domain/as-of.ts";
import { MimamoriError } from "../domain/errors.ts";
import {
  asOfFromFileName,
  BUILT_IN_SOURCES,
  describeSources,
  findLayout,
  type Layout,
  normalizeHeader,
  type Sources,
  sourceFromFileName,
  sourceFromHeader,
} from "../domain/layouts.ts";
import { EMPTY_MAPPING, type Mapping } from "../domain/mapping.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import {
  type FilePlan,
  planFile,
  type RowError,
  type Value,
  validateRow,
} from "../domain/validate.ts";
import { openTable, type Table, type TableRow } from "./table.ts";

export interface IngestOptions {
  /** The file's name as the user knows it (source detection, messages). */
  readonly fileName: string;
  readonly mapping?: Mapping;
  /** `--as-of`; otherwise each row's 抽出日. */
  readonly asOf?: IsoDate;
  /** Force the source, e.g. chosen on an upload form. */
  readonly source?: SourceId;
  /** The municipality's sources (built-ins and its declarations); default the built-ins. */
  readonly sources?: Sources;
  readonly maxFieldLength?: number;
  /**
   * Today in Japan (YYYY-MM-DD, domain/as-of.ts `japanDate`). A 抽出日 the file
   * carries after it is refused as a typed one is: a date in the file's name
   * fails the file, one in the 抽出日 column fails its row. Absent: not checked.
   */
  readonly today?: IsoDate;
}

/** How the source of a file was decided, for the report. */
export type SourceBasis = "option" | "mapping" | "file_name" | "header";

export type IngestedRow =
  | {
      readonly ok: true;
      readonly row: number;
      readonly line: number;
      /** The raw cells, in the file's header order. */
      readonly fields: readonly string[];
      /** The CSV record as written (absent for .xlsx). */
      readonly text?: string | undefined;
      /** Normalised values, in the layout's column order. */
      readonly values: readonly Value[];
      readonly asOf: IsoDate;
    }
  | {
      readonly ok: false;
      readonly row: number;
      readonly line: number;
      readonly fields: readonly string[];
      readonly text?: string | undefined;
      readonly errors: readonly RowError[];
    };

export interface IngestedFile {
  readonly fileName: string;
  readonly layout: Layout;
  readonly sourceBasis: SourceBasis;
  readonly table: Table;
  readonly plan: FilePlan;
  /** Non-fatal remarks for the report (extra columns, unused mapping renames). */
  readonly notes: readonly string[];
  /** Every data row, validated, in batches in file order; iterate once. */
  readonly batches: AsyncIterable<readonly IngestedRow[]>;
}

function unknownSource(fileName: string, why: string, sources: Sources): MimamoriError {
  return new MimamoriError(
    "invalid_input",
    `${fileName}: ${why}ファイル名を「<取り込み元>.csv」（例: jumin.csv、jumin_2024-04.csv）にするか、マッピングファイルの source で指定してください。`,
    [`取り込み元の一覧: ${describeSources(sources).join("、")}`],
  );
}

/** Decides the source: an explicit choice, the mapping, the file name, then the header. */
export function resolveSource(
  fileName: string,
  header: readonly string[],
  options: Pick<IngestOptions, "source" | "mapping" | "sources">,
): { layout: Layout; basis: SourceBasis } {
  const sources = options.sources ?? BUILT_IN_SOURCES;
  const explicit = options.source ?? options.mapping?.source;
  if (explicit !== undefined) {
    const layout = findLayout(explicit, sources);
    if (!layout)
      throw unknownSource(fileName, `「${explicit}」という取り込み元はありません。`, sources);
    return { layout, basis: options.source !== undefined ? "option" : "mapping" };
  }
  const byName = sourceFromFileName(fileName, sources);
  if (byName !== undefined)
    return { layout: findLayout(byName, sources) as Layout, basis: "file_name" };
  const renames = new Map(
    Object.entries(options.mapping?.columns ?? {}).map(([k, v]) => [
      normalizeHeader(k),
      normalizeHeader(v),
    ]),
  );
  const match = sourceFromHeader(
    header.map((h) => renames.get(normalizeHeader(h)) ?? h),
    sources,
  );
  if (match.kind === "found")
    return { layout: findLayout(match.source, sources) as Layout, basis: "header" };
  if (match.kind === "ambiguous") {
    throw unknownSource(
      fileName,
      `見出しから取り込み元を1つに決められません（候補: ${match.candidates.join("、")}）。`,
      sources,
    );
  }
  throw unknownSource(fileName, "ファイル名からも見出しからも取り込み元がわかりません。", sources);
}

type BoundColumn = FilePlan["columns"][number];
type Parse = BoundColumn["parse"];

/** Distinct values remembered per column before the memo starts over. */
const MEMO_LIMIT = 4096;
/** Lookups after which a column whose values rarely repeat stops being memoised. */
const MEMO_TRIAL = 2048;

/**
 * A column parser that remembers its last few thousand results. Department
 * files repeat the same values row after row (dates of birth, 学校名, 続柄,
 * kana of common family names), and the normalisers (和暦, width and kana
 * folding) cost far more than a Map lookup. The parsers are pure functions of
 * the cell text and their results are never mutated, so a shared result is the
 * same as a fresh one. Memory is bounded (the map starts over when full), and a
 * column whose values hardly repeat (宛名番号, 氏名) drops the memo after a trial.
 */
function memoised(parse: Parse): Parse {
  let memo: Map<string, ReturnType<Parse>> | undefined = new Map();
  let lookups = 0;
  let hits = 0;
  return (raw) => {
    if (memo === undefined) return parse(raw);
    const known = memo.get(raw);
    lookups++;
    if (known !== undefined) {
      hits++;
      return known;
    }
    if (lookups === MEMO_TRIAL && hits * 4 < lookups) memo = undefined;
    else if (memo.size >= MEMO_LIMIT) memo.clear();
    const r = parse(raw);
    memo?.set(raw, r);
    return r;
  };
}

/** The plan with memoised column parsers (one memo per file, so nothing outlives the import). */
function memoisedPlan(plan: FilePlan): FilePlan {
  return { ...plan, columns: plan.columns.map((c) => ({ ...c, parse: memoised(c.parse) })) };
}

/**
 * Binds an opened table to its source and returns its validated rows. Throws
 * MimamoriError (`invalid_input`) when the source is unknown or the header
 * does not fit the layout, listing every problem.
 */
export function ingestTable(table: Table, options: IngestOptions): IngestedFile {
  const mapping = options.mapping ?? EMPTY_MAPPING;
  const { layout, basis } = resolveSource(options.fileName, table.header, options);
  const today = options.today === undefined ? {} : { today: options.today };
  let planned = planFile(layout, table.header, {
    mapping,
    ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
    excelSerial: table.format === "xlsx",
    ...today,
  });
  let nameNote: string | undefined;
  if (!planned.ok && planned.onlyAsOfMissing && options.asOf === undefined) {
    // No 抽出日 given or in the file: a date in the file name (jumin_2024-04-01.csv,
    // as the demo writes them) is the file's 抽出日, and the report says so (issue 16).
    const fromName = asOfFromFileName(options.fileName);
    const future =
      fromName === undefined || options.today === undefined
        ? undefined
        : futureAsOfProblem(options.today, fromName, "file_name");
    if (future !== undefined) {
      throw new MimamoriError(
        "invalid_input",
        `${options.fileName}: ${future}このファイルは取り込みませんでした（1行も保存していません）。`,
      );
    }
    if (fromName !== undefined) {
      planned = planFile(layout, table.header, {
        mapping,
        asOf: fromName,
        excelSerial: table.format === "xlsx",
      });
      nameNote = `抽出日をファイル名から ${fromName} と読み取りました。違う場合は抽出日を指定して取り込み直してください。`;
    }
  }
  if (!planned.ok && planned.onlyAsOfMissing) {
    throw new MimamoriError(
      "invalid_input",
      `${options.fileName}: データの抽出日がわからないため、取り込みませんでした（1行も保存していません）。`,
      planned.problems,
    );
  }
  if (!planned.ok) {
    throw new MimamoriError(
      "invalid_input",
      `${options.fileName}: 列が ${layout.id}（${layout.name}）の形と合わないため、このファイルは取り込みませんでした（1行も保存していません）。`,
      planned.problems,
    );
  }
  const plan = planned.plan;
  const memoPlan = memoisedPlan(plan);
  const batches = async function* (): AsyncGenerator<IngestedRow[]> {
    for await (const batch of table.batches) {
      const out: IngestedRow[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i] as TableRow;
        if (r.error !== undefined) {
          out[i] = {
            ok: false,
            row: r.row,
            line: r.line,
            fields: r.fields,
            text: r.text,
            errors: [{ column: null, value: "", reason: r.error }],
          };
          continue;
        }
        const v = validateRow(memoPlan, r.fields);
        out[i] = v.ok
          ? {
              ok: true,
              row: r.row,
              line: r.line,
              fields: r.fields,
              text: r.text,
              values: v.values,
              asOf: v.asOf,
            }
          : {
              ok: false,
              row: r.row,
              line: r.line,
              fields: r.fields,
              text: r.text,
              errors: v.errors,
            };
      }
      yield out;
    }
  };
  return {
    fileName: options.fileName,
    layout,
    sourceBasis: basis,
    table,
    plan,
    notes: nameNote === undefined ? planned.notes : [nameNote, ...planned.notes],
    batches: batches(),
  };
}

/** Opens bytes as a table (encoding and skip rows from the mapping) and ingests it. */
export async function ingestBytes(
  input: AsyncIterable<Uint8Array>,
  options: IngestOptions,
): Promise<IngestedFile> {
  const mapping = options.mapping ?? EMPTY_MAPPING;
  const table = await openTable(input, {
    ...(mapping.encoding === undefined ? {} : { encoding: mapping.encoding }),
    skipRows: mapping.skipRows,
    ...(options.maxFieldLength === undefined ? {} : { maxFieldLength: options.maxFieldLength }),
  }).catch((e: unknown) => {
    if (e instanceof MimamoriError) {
      throw new MimamoriError(e.code, `${options.fileName}: ${e.message}`, e.details, e);
    }
    throw e;
  });
  try {
    return ingestTable(table, options);
  } catch (e) {
    // Stop reading the rest of the file.
    await table.close();
    throw e;
  }
}
