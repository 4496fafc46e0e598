/**
 * Refuses an .xlsx (a zip) that would expand into far more than it weighs — a
 * "zip bomb" — before the reader unpacks it (issue 12, hostile input). Two
 * passes, both before anything is stored:
 *
 * 1. The central directory at the end of the file declares every entry's
 *    packed and unpacked size: a workbook declaring more than
 *    {@link MAX_UNPACKED_BYTES} in all, or an entry packed more than
 *    {@link MAX_RATIO} : 1, is refused at once. ZIP64 archives are refused
 *    (no department's export needs them).
 * 2. The declared sizes may lie, and the streaming reader (exceljs, through
 *    unzipper) walks the local headers, not the directory. So the entries are
 *    walked the same way and every deflated entry is actually inflated and
 *    thrown away, counting the bytes it produces: the inflation stops the
 *    moment the total passes the limit, an entry passes the ratio against the
 *    bytes it has consumed, or an entry produces more than its header
 *    declared. Memory stays at one chunk; a legitimate workbook costs one
 *    extra inflate pass (fast next to parsing its XML).
 * 3. The same pass refuses a broken file the reader would mishandle: an entry
 *    whose deflate data fails (exceljs then waits forever and the upload never
 *    answered) and a sheet whose XML stops before `</worksheet>` (read as
 *    fewer rows without any error).
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInflateRaw } from "node:zlib";
import { MimamoriError } from "../domain/errors.ts";

/** Total unpacked size a workbook may declare (a 500 000-row export is far below). */
export const MAX_UNPACKED_BYTES = 2 * 1024 ** 3;
/** Largest packed : unpacked ratio for an entry over 1 MB (real sheets stay below ~50). */
export const MAX_RATIO = 200;

const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

function refuse(fileName: string, why: string): never {
  throw new MimamoriError(
    "invalid_input",
    `${fileName}: Excel ファイルの中身が大きすぎるため取り込みません（${why}）。CSV で保存し直すか、ファイルを分けて取り込んでください。`,
  );
}

function broken(fileName: string, entry: string, how: string): never {
  throw new MimamoriError(
    "invalid_input",
    `${fileName}: Excel ファイル（.xlsx）が壊れているため読めません（中の「${entry}」${how}）。元のファイルを Excel で開けるか確かめ、保存し直すか CSV で保存して取り込んでください。`,
  );
}

/** A sheet's XML ends with its root's end tag; a sheet cut short is read as fewer rows without an error. */
const SHEET = /^xl\/worksheets\/[^/]+\.xml$/;
const SHEET_END = /<\/(?:[A-Za-z_][\w.-]*:)?worksheet>\s*$/;
const TAIL = 64;

/** Limits of the check (tests lower them; the import uses the defaults). */
export interface ZipLimits {
  readonly maxUnpackedBytes?: number;
  readonly maxRatio?: number;
}

/**
 * Throws when the zip at `path` would unpack to too much, or when an entry's
 * compressed data is broken. Files that are not zips pass.
 */
export async function checkZipExpansion(
  path: string,
  fileName: string,
  limits: ZipLimits = {},
): Promise<void> {
  const maxUnpacked = limits.maxUnpackedBytes ?? MAX_UNPACKED_BYTES;
  const maxRatio = limits.maxRatio ?? MAX_RATIO;
  if (!(await checkDeclared(path, fileName, maxUnpacked, maxRatio))) return;
  await checkInflated(path, fileName, maxUnpacked, maxRatio);
}

/** Pass 1: the central directory's declared sizes. False: not a zip (nothing more to check). */
async function checkDeclared(
  path: string,
  fileName: string,
  maxUnpacked: number,
  maxRatio: number,
): Promise<boolean> {
  const f = await open(path, "r");
  try {
    const size = (await f.stat()).size;
    const magic = Buffer.alloc(4);
    await f.read(magic, 0, 4, 0);
    if (magic.readUInt32LE(0) !== LOCAL) return false;
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    await f.read(tail, 0, tailLen, size - tailLen);
    let at = -1;
    for (let i = tailLen - 22; i >= 0; i--)
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    // No directory: the local headers are still walked (pass 2).
    if (at < 0) return true;
    const entries = tail.readUInt16LE(at + 10);
    const cdSize = tail.readUInt32LE(at + 12);
    const cdOffset = tail.readUInt32LE(at + 16);
    if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
      refuse(fileName, "ZIP64 形式");
    if (cdOffset + cdSize > size) return true;
    const cd = Buffer.alloc(cdSize);
    await f.read(cd, 0, cdSize, cdOffset);
    let total = 0;
    let p = 0;
    for (let n = 0; n < entries && p + 46 <= cd.length; n++) {
      if (cd.readUInt32LE(p) !== CENTRAL) break;
      const packed = cd.readUInt32LE(p + 20);
      const unpacked = cd.readUInt32LE(p + 24);
      if (packed === 0xffffffff || unpacked === 0xffffffff) refuse(fileName, "ZIP64 形式");
      total += unpacked;
      if (total > maxUnpacked) refuse(fileName, `展開後 ${sizeText(maxUnpacked)} 超`);
      if (unpacked > 1024 ** 2 && unpacked > Math.max(packed, 1) * maxRatio)
        refuse(fileName, `圧縮率 ${Math.round(unpacked / Math.max(packed, 1))} 倍`);
      p += 46 + cd.readUInt16LE(p + 28) + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
    return true;
  } finally {
    await f.close();
  }
}

const sizeText = (n: number) =>
  n >= 1024 ** 3 ? `${Math.round(n / 1024 ** 3)} GB` : `${Math.round(n / 1024 ** 2)} MB`;

/** Entries a workbook may have (a real one has a few dozen). */
const MAX_ENTRIES = 10_000;
/** An entry may inflate this much before the ratio is judged (small XML parts compress well). */
const RATIO_FLOOR = 1024 ** 2;

/**
 * Pass 2: walks the local headers from the start, as a streaming reader does,
 * and inflates each deflated entry, counting what it really produces.
 */
async function checkInflated(
  path: string,
  fileName: string,
  maxUnpacked: number,
  maxRatio: number,
): Promise<void> {
  const f = await open(path, "r");
  try {
    const size = (await f.stat()).size;
    const head = Buffer.alloc(30);
    let offset = 0;
    let total = 0;
    let cut: string | undefined;
    for (let n = 0; offset + 30 <= size; n++) {
      if (n >= MAX_ENTRIES) refuse(fileName, `中のファイルが ${MAX_ENTRIES} 個超`);
      await f.read(head, 0, 30, offset);
      if (head.readUInt32LE(0) !== LOCAL) break; // the central directory (or trailing bytes)
      const flags = head.readUInt16LE(6);
      const method = head.readUInt16LE(8);
      const packed = head.readUInt32LE(18);
      const declared = head.readUInt32LE(22);
      const dataStart = offset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
      const nameBytes = Buffer.alloc(Math.min(head.readUInt16LE(26), 255));
      await f.read(nameBytes, 0, nameBytes.length, offset + 30);
      const entry = nameBytes.toString("utf8");
      let tail = "";
      const descriptor = (flags & 0x08) !== 0;
      let consumed: number;
      if (method === 0) {
        // Stored: as many bytes out as in, within the file.
        if (descriptor) refuse(fileName, "大きさのわからない格納形式");
        consumed = packed;
        total += packed;
        const t = Buffer.alloc(Math.min(TAIL, packed));
        await f.read(t, 0, t.length, dataStart + packed - t.length);
        tail = t.toString("latin1");
      } else if (method === 8) {
        const r = await inflateCount(path, dataStart, {
          budget: maxUnpacked - total,
          maxRatio,
          declared: descriptor ? undefined : declared,
        });
        if (r.over === "total") refuse(fileName, `展開後 ${sizeText(maxUnpacked)} 超`);
        if (r.over === "ratio") refuse(fileName, `圧縮率 ${maxRatio} 倍超`);
        if (r.over === "declared")
          refuse(
            fileName,
            "展開すると記録された大きさより大きくなります。壊れているか細工されたファイルです",
          );
        // The streaming reader waits forever on a deflate stream that fails
        // (the upload never answered), so a broken entry is refused here.
        if (r.broken) broken(fileName, entry, "の圧縮されたデータが途中で壊れています");
        consumed = r.consumed;
        total += r.out;
        tail = r.tail;
      } else {
        refuse(fileName, `未対応の圧縮方式 ${method}`);
      }
      // Judged after the walk: a bomb is refused as a bomb first.
      if (cut === undefined && SHEET.test(entry) && !SHEET_END.test(tail)) cut = entry;
      offset = dataStart + consumed;
      if (descriptor) {
        const sig = Buffer.alloc(4);
        await f.read(sig, 0, 4, offset);
        offset += sig.readUInt32LE(0) === DESCRIPTOR ? 16 : 12;
      }
    }
    if (cut !== undefined) broken(fileName, cut, "が途中で切れています");
  } finally {
    await f.close();
  }
}

/**
 * Inflates the deflate stream starting at `start`, discarding the output and
 * stopping as soon as it passes a limit. `consumed`: the compressed bytes the
 * stream took (where the next header begins).
 */
async function inflateCount(
  path: string,
  start: number,
  limits: { budget: number; maxRatio: number; declared: number | undefined },
): Promise<{
  out: number;
  consumed: number;
  over?: "total" | "ratio" | "declared";
  broken?: true;
  /** The last bytes inflated (latin1), to see how the entry ends. */
  tail: string;
}> {
  const inflate = createInflateRaw();
  const input = createReadStream(path, { start, highWaterMark: 64 * 1024 });
  let out = 0;
  let over: "total" | "ratio" | "declared" | undefined;
  let failed: Error | undefined;
  const finished = new Promise<void>((resolve) => {
    inflate.on("end", resolve);
    inflate.on("close", resolve);
    inflate.on("error", (e) => {
      failed = e;
      resolve();
    });
  });
  let tail = Buffer.alloc(0);
  inflate.on("data", (chunk: Buffer) => {
    out += chunk.length;
    tail = Buffer.concat([tail, chunk.subarray(Math.max(0, chunk.length - TAIL))]);
    if (tail.length > TAIL) tail = tail.subarray(tail.length - TAIL);
    if (out > limits.budget) over = "total";
    else if (limits.declared !== undefined && out > limits.declared) over = "declared";
    else if (out > RATIO_FLOOR && out > Math.max(inflate.bytesWritten, 1) * limits.maxRatio)
      over = "ratio";
    if (over) inflate.destroy();
  });
  try {
    for await (const chunk of input) {
      if (over || failed || inflate.destroyed || inflate.writableEnded) break;
      if (!inflate.write(chunk as Buffer))
        await Promise.race([new Promise((r) => inflate.once("drain", r)), finished]);
      if (inflate.readableEnded) break;
    }
  } finally {
    input.destroy();
  }
  if (!over && !failed && !inflate.destroyed) inflate.end();
  await finished;
  return {
    out,
    consumed: inflate.bytesWritten,
    ...(over ? { over } : {}),
    ...(failed && !over ? { broken: true as const } : {}),
    tail: tail.toString("latin1"),
  };
}
