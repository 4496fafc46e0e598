/**
 * Refuses an .xlsx (a zip) that would expand into far more than it weighs — a
 * "zip bomb" — before any of it is unpacked (issue 12, hostile input). The
 * central directory at the end of the file declares every entry's packed and
 * unpacked size; a workbook whose entries declare more than
 * {@link MAX_UNPACKED_BYTES} in all, or an entry packed more than
 * {@link MAX_RATIO} : 1, is refused with a Japanese message and nothing is
 * read or stored. ZIP64 archives (entries over 4 GB) are refused too: no
 * department's export needs them.
 *
 * Limitation (docs/security.md): the check trusts the declared sizes; a file
 * whose headers lie about them is still bounded by the streaming reader, which
 * keeps only the shared strings in memory.
 */
import { open } from "node:fs/promises";
import { MimamoriError } from "../domain/errors.ts";

/** Total unpacked size a workbook may declare (a 500 000-row export is far below). */
export const MAX_UNPACKED_BYTES = 2 * 1024 ** 3;
/** Largest packed : unpacked ratio for an entry over 1 MB (real sheets stay below ~50). */
export const MAX_RATIO = 200;

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

function refuse(fileName: string, why: string): never {
  throw new MimamoriError(
    "invalid_input",
    `${fileName}: Excel ファイルの中身が大きすぎるため取り込みません（${why}）。CSV で保存し直すか、ファイルを分けて取り込んでください。`,
  );
}

/** Throws when the zip at `path` would unpack to too much. Files that are not zips pass. */
export async function checkZipExpansion(path: string, fileName: string): Promise<void> {
  const f = await open(path, "r");
  try {
    const size = (await f.stat()).size;
    const magic = Buffer.alloc(4);
    await f.read(magic, 0, 4, 0);
    if (magic.readUInt32LE(0) !== 0x04034b50) return;
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    await f.read(tail, 0, tailLen, size - tailLen);
    let at = -1;
    for (let i = tailLen - 22; i >= 0; i--)
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    // No directory: the reader will say the file is broken.
    if (at < 0) return;
    const entries = tail.readUInt16LE(at + 10);
    const cdSize = tail.readUInt32LE(at + 12);
    const cdOffset = tail.readUInt32LE(at + 16);
    if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
      refuse(fileName, "ZIP64 形式");
    if (cdOffset + cdSize > size) return;
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
      if (total > MAX_UNPACKED_BYTES) refuse(fileName, "展開後 2 GB 超");
      if (unpacked > 1024 ** 2 && unpacked > Math.max(packed, 1) * MAX_RATIO)
        refuse(fileName, `圧縮率 ${Math.round(unpacked / Math.max(packed, 1))} 倍`);
      p += 46 + cd.readUInt16LE(p + 28) + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
  } finally {
    await f.close();
  }
}
