/**
 * Text encodings of department exports (layouts.md, File rules): UTF-8 with
 * or without BOM, or Shift_JIS as Windows writes it (CP932, which adds NEC
 * and IBM extensions and maps 外字 to the private use area). Detection looks
 * at a sample from the start of the file; decoding is incremental so a file
 * is never held in memory whole.
 */
import iconv from "iconv-lite";

export type Encoding = "utf-8" | "cp932";

export type Detection =
  | { readonly ok: true; readonly encoding: Encoding; readonly bom: boolean }
  | { readonly ok: false; readonly reason: string };

const RESAVE = "UTF-8 か Shift_JIS（CP932）の CSV で保存し直してください。";

/** True when `b` is valid UTF-8; a sequence cut off at the end is allowed unless `complete`. */
function isUtf8(b: Uint8Array, complete: boolean): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `b` is well-formed CP932: single bytes 00–7F and A1–DF (half-width
 * katakana), or a lead byte 81–9F / E0–FC followed by a trail byte 40–7E /
 * 80–FC (JIS X 0208 Shift_JIS structure, Microsoft CP932 table), and every
 * pair maps to a character.
 */
function isCp932(b: Uint8Array, complete: boolean): boolean {
  let end = b.length;
  for (let i = 0; i < end; i++) {
    const c = b[i] as number;
    if (c <= 0x7f || (c >= 0xa1 && c <= 0xdf)) continue;
    if ((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc)) {
      if (i + 1 >= b.length) {
        if (complete) return false;
        end = i; // cut lead byte: judged with the next sample, not now
        break;
      }
      const t = b[i + 1] as number;
      if (!((t >= 0x40 && t <= 0x7e) || (t >= 0x80 && t <= 0xfc))) return false;
      i++;
      continue;
    }
    return false;
  }
  return !iconv.decode(Buffer.from(b.buffer, b.byteOffset, end), "cp932").includes("\ufffd");
}

function hasNonAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if ((b[i] as number) > 0x7f) return true;
  return false;
}

/**
 * Which encoding a file's first bytes are in. `complete` says the sample is
 * the whole file (so a cut-off character at its end is an error). UTF-8 wins
 * when both fit, which only happens for pure ASCII, where they agree.
 */
export function detectEncoding(sample: Uint8Array, complete: boolean): Detection {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) {
    return { ok: true, encoding: "utf-8", bom: true };
  }
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) {
    return { ok: false, reason: `UTF-16 のファイルは読めません。${RESAVE}` };
  }
  if (sample.includes(0)) {
    return { ok: false, reason: `文字のファイル（CSV）ではないようです。${RESAVE}` };
  }
  if (!hasNonAscii(sample) || isUtf8(sample, complete))
    return { ok: true, encoding: "utf-8", bom: false };
  if (isCp932(sample, complete)) return { ok: true, encoding: "cp932", bom: false };
  return {
    ok: false,
    reason: `文字コードを判別できません（UTF-8 としても Shift_JIS（CP932）としても読めません）。${RESAVE}`,
  };
}

/** True while a sample is too poor to decide on: nothing but ASCII yet. */
export function needsMoreSample(sample: Uint8Array): boolean {
  return !hasNonAscii(sample);
}

/** An incremental decoder: bytes in, text out; a character split across chunks is joined. */
export interface Decoder {
  write(chunk: Uint8Array): string;
  end(): string;
}

/**
 * A decoder for `encoding`. A UTF-8 BOM is dropped. Bytes that do not decode
 * become U+FFFD, which the reader reports as a row error (文字化け) rather than
 * failing the whole file.
 */
export function createDecoder(encoding: Encoding): Decoder {
  if (encoding === "utf-8") {
    const d = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
    return { write: (c) => d.decode(c, { stream: true }), end: () => d.decode() };
  }
  const d = iconv.getDecoder("cp932");
  return {
    write: (c) =>
      d.write(Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength)),
    end: () => d.end() ?? "",
  };
}
