/**
 * Opens a department's file as a table: a header and a stream of rows of
 * strings, whatever the container (CSV or .xlsx, told apart by content, not
 * by name) and the encoding. Rows are read lazily; memory stays bounded by
 * the chunk size and the longest record, not the file size.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { MimamoriError } from "../domain/errors.ts";
import { type CsvRecord, readCsvBatches } from "./csv.ts";
import { createDecoder, detectEncoding, type Encoding, needsMoreSample } from "./encoding.ts";
import { readXlsxRows, XLSX_RESAVE, xlsxProblem } from "./xlsx.ts";

export interface TableRow {
  /** 1-based data row: the header is not counted, nor are blank lines. */
  readonly row: number;
  /** 1-based physical line of a CSV, or sheet row number of an .xlsx. */
  readonly line: number;
  readonly fields: string[];
  /** The CSV record as written (absent for .xlsx): kept as the row's raw form. */
  readonly text?: string;
  /** Set when the row could not be read properly (broken quoting, 文字化け). */
  readonly error?: string;
}

export interface Table {
  readonly format: "csv" | "xlsx";
  /** The text encoding of a CSV (detected or forced); undefined for .xlsx. */
  readonly encoding: Encoding | undefined;
  readonly header: readonly string[];
  /** Line (CSV) or sheet row (.xlsx) of the header. */
  readonly headerLine: number;
  /** The data rows in batches (in file order); can be iterated once. */
  readonly batches: AsyncIterable<readonly TableRow[]>;
  /** Bytes of the file consumed so far, for progress display. */
  bytesRead(): number;
  /** Stops reading and releases the file, when the rows will not be read to the end. */
  close(): Promise<void>;
}

export interface OpenTableOptions {
  /** Skip detection and decode as this (a mapping's `encoding`). */
  readonly encoding?: Encoding;
  /** Records above the header to skip (a mapping's `skip_rows`). */
  readonly skipRows?: number;
  /** Longest quoted field accepted before a quote counts as unclosed. */
  readonly maxFieldLength?: number;
}

/** Bytes looked at before deciding the encoding; more when all of it is ASCII. */
const SAMPLE_BYTES = 64 * 1024;
const MAX_SAMPLE_BYTES = 1024 * 1024;
const READ_CHUNK_BYTES = 256 * 1024;
const XLSX_BATCH_ROWS = 1000;

const GARBLED =
  "読めない文字（文字化け）があります。文字コードが途中で変わっていないか、ファイルが壊れていないか確認してください。";

function fileError(message: string, details: string[] = []): MimamoriError {
  return new MimamoriError("invalid_input", message, details);
}

function startsWith(b: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((x, i) => b[i] === x);
}

/** Opens a file on disk with {@link openTable}. */
export function openTableFile(path: string, options: OpenTableOptions = {}): Promise<Table> {
  return openTable(createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), options);
}

/**
 * Reads the start of `input`, decides CSV or .xlsx (zip magic) and the text
 * encoding, and returns the header with a lazy stream of rows. Throws
 * MimamoriError (`invalid_input`) for a file that cannot be read at all:
 * empty, .xls, UTF-16, undecidable encoding, broken header.
 */
export async function openTable(
  input: AsyncIterable<Uint8Array>,
  options: OpenTableOptions = {},
): Promise<Table> {
  const it = input[Symbol.asyncIterator]();
  let bytes = 0;
  const sample: Uint8Array[] = [];
  let sampleBytes = 0;
  let ended = false;
  while (true) {
    if (sampleBytes >= MAX_SAMPLE_BYTES) break;
    if (sampleBytes >= SAMPLE_BYTES && !needsMoreSample(Buffer.concat(sample))) break;
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    sample.push(r.value);
    sampleBytes += r.value.byteLength;
    bytes += r.value.byteLength;
  }
  const head = Buffer.concat(sample);
  if (head.length === 0) {
    await it.return?.();
    throw fileError("ファイルが空です。");
  }

  const rest = async function* (): AsyncGenerator<Uint8Array> {
    try {
      yield head;
      if (ended) return;
      while (true) {
        const r = await it.next();
        if (r.done) return;
        bytes += r.value.byteLength;
        yield r.value;
      }
    } finally {
      // Reading stopped early (a file-level error, or the caller gave up): release the file.
      if (!ended) await it.return?.();
    }
  };
  try {
    return await dispatch(head, ended, rest(), options, () => bytes);
  } catch (e) {
    await it.return?.();
    throw e;
  }
}

async function dispatch(
  head: Buffer,
  ended: boolean,
  rest: AsyncGenerator<Uint8Array>,
  options: OpenTableOptions,
  bytes: () => number,
): Promise<Table> {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    return openXlsx(Readable.from(rest), options, bytes);
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw fileError(
      "Excel 97-2003 形式（.xls）のファイルは読めません。.xlsx か CSV で保存し直してください。",
    );
  }
  let encoding = options.encoding;
  if (encoding === undefined) {
    const d = detectEncoding(head, ended);
    if (!d.ok) throw fileError(d.reason);
    encoding = d.encoding;
  }
  return openCsv(rest, encoding, options, bytes);
}

async function openCsv(
  chunks: AsyncIterable<Uint8Array>,
  encoding: Encoding,
  options: OpenTableOptions,
  bytesRead: () => number,
): Promise<Table> {
  let garbled = false;
  const texts = async function* (): AsyncGenerator<string> {
    const decoder = createDecoder(encoding);
    for await (const c of chunks) {
      const t = decoder.write(c);
      if (!garbled && t.includes("\ufffd")) garbled = true;
      yield t;
    }
    const t = decoder.end();
    if (t.includes("\ufffd")) garbled = true;
    yield t;
  };
  const records = readCsvBatches(texts(), options.maxFieldLength);
  let pending: CsvRecord[] = [];
  let at = 0;
  let skip = options.skipRows ?? 0;
  let headerRecord: CsvRecord | undefined;
  while (headerRecord === undefined) {
    if (at >= pending.length) {
      const r = await records.next();
      if (r.done) throw fileError("見出しの行がありません（ファイルが空か、空行だけです）。");
      pending = r.value;
      at = 0;
      continue;
    }
    const rec = pending[at++] as CsvRecord;
    if (skip > 0) skip--;
    else headerRecord = rec;
  }
  if (
    headerRecord.error !== undefined ||
    (garbled && headerRecord.fields.some((f) => f.includes("\ufffd")))
  ) {
    await records.return(undefined);
    throw fileError(`見出しの行（${headerRecord.line}行目）が読めません。`, [
      headerRecord.error ??
        `${GARBLED}（文字コード: ${encoding === "utf-8" ? "UTF-8" : "Shift_JIS"} と判定）`,
    ]);
  }
  let row = 0;
  const toRows = (recs: readonly CsvRecord[], from: number): TableRow[] => {
    const out: TableRow[] = [];
    for (let i = from; i < recs.length; i++) {
      const rec = recs[i] as CsvRecord;
      row++;
      let error = rec.error;
      if (error === undefined && garbled) {
        const col = rec.fields.findIndex((f) => f.includes("\ufffd"));
        if (col >= 0) error = `${col + 1}列目に${GARBLED}`;
      }
      out.push(
        error === undefined
          ? { row, line: rec.line, fields: rec.fields, text: rec.text }
          : { row, line: rec.line, fields: rec.fields, text: rec.text, error },
      );
    }
    return out;
  };
  const batches = async function* (): AsyncGenerator<TableRow[]> {
    const first = toRows(pending, at);
    pending = [];
    if (first.length > 0) yield first;
    for await (const recs of records) yield toRows(recs, 0);
  };
  return {
    format: "csv",
    encoding,
    header: headerRecord.fields,
    headerLine: headerRecord.line,
    batches: batches(),
    bytesRead,
    close: async () => {
      await records.return(undefined);
    },
  };
}

async function openXlsx(
  stream: Readable,
  options: OpenTableOptions,
  bytesRead: () => number,
): Promise<Table> {
  const sheetRows = readXlsxRows(stream);
  let skip = options.skipRows ?? 0;
  let header: { line: number; fields: string[] } | undefined;
  try {
    while (header === undefined) {
      const r = await sheetRows.next();
      if (r.done) throw fileError("見出しの行がありません（最初のシートが空です）。");
      if (skip > 0) {
        skip--;
        continue;
      }
      header = r.value;
    }
  } catch (e) {
    stream.destroy();
    if (e instanceof MimamoriError) throw e;
    throw fileError(
      "Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確認してください。",
      [xlsxProblem(e), XLSX_RESAVE],
    );
  }
  const width = header.fields.length;
  const batches = async function* (): AsyncGenerator<TableRow[]> {
    let row = 0;
    let batch: TableRow[] = [];
    try {
      for await (const r of sheetRows) {
        row++;
        // Excel leaves trailing empty cells out of a row; CSV would have kept them.
        const fields = r.fields;
        while (fields.length < width) fields.push("");
        batch.push({ row, line: r.line, fields });
        if (batch.length >= XLSX_BATCH_ROWS) {
          yield batch;
          batch = [];
        }
      }
    } catch (e) {
      throw fileError(
        `Excel ファイルの途中（データ ${row + 1} 行目付近）が読めません。ファイルが壊れていないか確認してください。`,
        [xlsxProblem(e), XLSX_RESAVE],
      );
    }
    if (batch.length > 0) yield batch;
  };
  return {
    format: "xlsx",
    encoding: undefined,
    header: header.fields,
    headerLine: header.line,
    batches: batches(),
    bytesRead,
    close: async () => {
      await sheetRows.return(undefined);
      stream.destroy();
    },
  };
}
