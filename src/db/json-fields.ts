/**
 * A few fields of a stored row's JSON (`import_row.data`) without JSON.parse (issue 15, the
 * link read). The link stage uses about ten of a row's columns — its identity columns — and
 * parsing the whole object cost about a third of the read's Node CPU; scanning the text for
 * those keys is about 2.5× cheaper (city seed 1, 308k rows: 0.14 against 0.38 s).
 *
 * Only the text the import writes is scanned (import.repository.ts `dataJson`: an object of
 * scalars, no white space); anything else — an escape anywhere, white space, a nested value —
 * is reported as not read, and the caller parses it with JSON.parse. PostgreSQL's `json` type
 * checks the syntax on the way in, so a text that passes the shape checks below is valid JSON
 * and the values read are JSON.parse's.
 */

/** A JSON scalar, as JSON.parse gives it. */
export type JsonScalar = string | number | boolean | null;

/**
 * V8 keeps a substring of 13 characters or more as a view of the string it came from: a
 * value kept for the rest of a run (an address in the link stage's dictionaries) would keep
 * the whole COPY chunk alive (db/copy.ts `interner`). Longer values are copied flat.
 */
const SLICE_MIN = 13;

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const CLOSE = 0x7d;

/** See {@link jsonFieldReader}. */
export type FieldReader = (text: string, out: JsonScalar[]) => boolean;

/**
 * A reader of the values of `keys` from a JSON object text: `read(text, out)` sets `out[i]`
 * to the value of `keys[i]` (the last one when a key repeats, as JSON.parse) and leaves the
 * slots of absent keys as they were (the caller fills them with null first). Returns false,
 * having possibly set some slots, when the text is not in the import's plain form; the
 * caller then parses it with JSON.parse.
 */
export function jsonFieldReader(keys: readonly string[]): FieldReader {
  const slots = new Map<string, number>(keys.map((k, i) => [k, i]));
  return (text, out) => {
    const n = text.length;
    if (n < 2 || text.charCodeAt(0) !== 0x7b || text.charCodeAt(n - 1) !== CLOSE) return false;
    // Escapes (in keys or values) are left to JSON.parse: every quote below ends a string.
    if (text.indexOf("\\") !== -1) return false;
    if (n === 2) return true;
    let pos = 1;
    while (true) {
      if (text.charCodeAt(pos) !== QUOTE) return false;
      const keyEnd = text.indexOf('"', pos + 1);
      if (keyEnd === -1 || text.charCodeAt(keyEnd + 1) !== COLON) return false;
      const slot = slots.get(text.slice(pos + 1, keyEnd));
      const at = keyEnd + 2;
      let end: number;
      let value: JsonScalar | undefined;
      const c = text.charCodeAt(at);
      if (c === QUOTE) {
        const close = text.indexOf('"', at + 1);
        if (close === -1) return false;
        end = close + 1;
        if (slot !== undefined) {
          const s = text.slice(at + 1, close);
          value = s.length >= SLICE_MIN ? (JSON.parse(JSON.stringify(s)) as string) : s;
        }
      } else {
        // A nested object or array, or white space before the value: JSON.parse's.
        if (c === 0x7b || c === 0x5b || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)
          return false;
        end = at;
        while (end < n) {
          const d = text.charCodeAt(end);
          if (d === COMMA || d === CLOSE) break;
          end++;
        }
        if (slot !== undefined) {
          // true, false, null or a number (the text is valid JSON): Number reads a JSON
          // number as JSON.parse does.
          const token = text.slice(at, end);
          if (token === "true") value = true;
          else if (token === "false") value = false;
          else if (token === "null") value = null;
          else {
            value = Number(token);
            if (Number.isNaN(value)) return false;
          }
        }
      }
      if (slot !== undefined) out[slot] = value as JsonScalar;
      const next = text.charCodeAt(end);
      if (next === CLOSE) return end === n - 1;
      if (next !== COMMA) return false;
      pos = end + 1;
    }
  };
}
