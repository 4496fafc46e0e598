/**
 * A streaming CSV reader (RFC 4180): fields separated by `,`, records by CRLF
 * or LF, fields in double quotes may hold `,`, line breaks and `""` for a
 * quote. Text is pushed in chunks of any size; only the unfinished record is
 * kept between chunks, so memory does not grow with the file.
 *
 * Broken input never stops the file. A record whose quoting is broken (text
 * after a closing quote, or a quote never closed) comes out with `error` set,
 * and reading resumes on the next line — an unclosed quote would otherwise
 * swallow the rest of the file as one field. A quote inside an unquoted field
 * (`5"3`) is read literally, as Excel does.
 */

export interface CsvRecord {
  /** 1-based physical line on which the record starts. */
  readonly line: number;
  /** The cells; for a broken record, what could be read. */
  readonly fields: string[];
  /** The record exactly as written (quotes and all), without its line break. */
  readonly text: string;
  /** Why the record is broken, in Japanese; absent for a good record. */
  readonly error?: string;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** An open quoted field longer than this is taken as an unclosed quote, not a long value. */
export const DEFAULT_MAX_FIELD_LENGTH = 1 << 20;

const UNCLOSED = '引用符「"」が閉じられていません。値の中の「"」は「""」と2つ重ねてください。';
const UNCLOSED_AT_END =
  '引用符「"」が閉じられないままファイルが終わっています（ファイルが途中で切れている可能性があります）。';
const TEXT_AFTER_QUOTE =
  '引用符「"」で囲んだ値の後ろに文字があります。値の中の「"」は「""」と2つ重ねてください。';

function countLineFeeds(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

function isBlankRecord(fields: readonly string[]): boolean {
  for (const f of fields) if (f.trim() !== "") return false;
  return true;
}

export class CsvParser {
  private buf = "";
  /** Physical line at which `buf` starts. */
  private line = 1;
  private readonly maxField: number;

  constructor(maxFieldLength = DEFAULT_MAX_FIELD_LENGTH) {
    this.maxField = maxFieldLength;
  }

  /** Feeds a chunk of text; returns the records it completes (blank lines are skipped). */
  push(text: string): CsvRecord[] {
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    return this.parse(false);
  }

  /** End of input: returns the remaining records, reporting a quote left open. */
  end(): CsvRecord[] {
    return this.parse(true);
  }

  private parse(final: boolean): CsvRecord[] {
    const s = this.buf;
    const n = s.length;
    const out: CsvRecord[] = [];
    let pos = 0;
    // Next LF and comma at or after the cursor, cached across fields and records
    // so a file with long lines or no commas is still scanned once.
    let nl = -1;
    let comma = -1;
    record: while (pos < n) {
      const fields: string[] = [];
      let i = pos;
      let lines = 0;
      let error: string | undefined;
      let next: number;
      while (true) {
        if (i < n && s.charCodeAt(i) === QUOTE) {
          let j = i + 1;
          let value = "";
          let closed = -1;
          while (true) {
            const k = s.indexOf('"', j);
            if (k < 0) break;
            if (k + 1 < n && s.charCodeAt(k + 1) === QUOTE) {
              value += s.slice(j, k + 1);
              j = k + 2;
              continue;
            }
            if (k + 1 >= n && !final) break record; // `"` at the chunk's end may start `""`
            value += s.slice(j, k);
            closed = k;
            break;
          }
          if (closed < 0) {
            if (!final && n - i <= this.maxField) break record;
            // Unclosed: report this record, resume on the line after the opening quote
            // (once that line's end has arrived).
            const lf = s.indexOf("\n", i);
            if (lf < 0 && !final) break record;
            next = lf < 0 ? n : lf + 1;
            fields.push(s.slice(i + 1, lf < 0 ? n : lf).replace(/\r$/, ""));
            lines += lf < 0 ? 0 : 1;
            error = final ? UNCLOSED_AT_END : UNCLOSED;
            break;
          }
          lines += countLineFeeds(value);
          i = closed + 1;
          if (i >= n) {
            fields.push(value);
            next = n;
            break;
          }
          const c = s.charCodeAt(i);
          if (c === COMMA) {
            fields.push(value);
            i++;
            continue;
          }
          if (c === LF || (c === CR && i + 1 < n && s.charCodeAt(i + 1) === LF)) {
            fields.push(value);
            next = c === LF ? i + 1 : i + 2;
            lines++;
            break;
          }
          if (c === CR && i + 1 >= n && !final) break record;
          // Text after the closing quote: the record is broken up to the end of its line.
          const lf = s.indexOf("\n", i);
          if (lf < 0 && !final) break record;
          fields.push(value + s.slice(i, lf < 0 ? n : lf).replace(/\r$/, ""));
          next = lf < 0 ? n : lf + 1;
          lines += lf < 0 ? 0 : 1;
          error = TEXT_AFTER_QUOTE;
          break;
        }
        if (nl < i) {
          nl = s.indexOf("\n", i);
          if (nl < 0) {
            if (!final) break record;
            nl = n;
          }
        }
        if (comma < i && comma !== n) {
          comma = s.indexOf(",", i);
          if (comma < 0) comma = n;
        }
        if (comma < nl) {
          fields.push(s.slice(i, comma));
          i = comma + 1;
          continue;
        }
        const end = nl > i && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        fields.push(s.slice(i, end));
        next = nl < n ? nl + 1 : n;
        lines += nl < n ? 1 : 0;
        break;
      }
      if (error !== undefined || !isBlankRecord(fields)) {
        let end = next;
        if (end > pos && s.charCodeAt(end - 1) === LF) end--;
        if (end > pos && s.charCodeAt(end - 1) === CR) end--;
        const text = s.slice(pos, end);
        out.push(
          error === undefined
            ? { line: this.line, fields, text }
            : { line: this.line, fields, text, error },
        );
      }
      this.line += lines;
      pos = next;
    }
    this.buf = pos === 0 ? s : s.slice(pos);
    if (final) this.buf = "";
    return out;
  }
}

/**
 * The records of a text stream, in batches (one per chunk of text, empty
 * batches left out): iterating per batch instead of per record keeps the
 * async overhead off the per-row path.
 */
export async function* readCsvBatches(
  texts: AsyncIterable<string> | Iterable<string>,
  maxFieldLength?: number,
): AsyncGenerator<CsvRecord[]> {
  const parser = new CsvParser(maxFieldLength);
  for await (const t of texts) {
    const batch = parser.push(t);
    if (batch.length > 0) yield batch;
  }
  const last = parser.end();
  if (last.length > 0) yield last;
}

/** Quotes a field when it needs it (for writing CSV, and for round-trip tests). */
export function quoteCsvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim()
    ? `"${value.replaceAll('"', '""')}"`
    : value;
}

/** Cells → one CSV record (no line break), quoting only where needed. */
export function formatCsvRecord(fields: readonly string[]): string {
  return fields.map(quoteCsvField).join(",");
}

/** One CSV record's text (as stored in import_row.raw) → its cells. */
export function parseCsvRecord(text: string): string[] {
  const p = new CsvParser(Number.MAX_SAFE_INTEGER);
  const records = [...p.push(text), ...p.end()];
  return records.length === 0 ? text.split(",").map(() => "") : (records[0] as CsvRecord).fields;
}
