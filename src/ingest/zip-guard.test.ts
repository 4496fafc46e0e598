/**
 * The zip-bomb guard against archives whose headers lie (issue 12): the
 * declared sizes pass the directory check, so only counting the bytes that
 * really come out of the inflater catches them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { checkZipExpansion } from "./zip-guard.ts";

interface Entry {
  name: string;
  data: Buffer;
  /** Sizes written in the headers (default: the true ones). */
  declaredUnpacked?: number;
  declaredPacked?: number;
  /** Use a data descriptor (sizes 0 in the local header), as streaming writers do. */
  descriptor?: boolean;
  /** Leave the entry out of the central directory (only a local-header reader sees it). */
  hidden?: boolean;
}

/** A zip with deflated entries; CRCs are left 0 (the guard does not read them). */
function zip(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  let listed = 0;
  for (const e of entries) {
    const packed = deflateRawSync(e.data);
    const name = Buffer.from(e.name);
    const dp = e.declaredPacked ?? packed.length;
    const du = e.declaredUnpacked ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.descriptor ? 0x08 : 0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.descriptor ? 0 : dp, 18);
    local.writeUInt32LE(e.descriptor ? 0 : du, 22);
    local.writeUInt16LE(name.length, 26);
    const chunk = [local, name, packed];
    if (e.descriptor) {
      const d = Buffer.alloc(16);
      d.writeUInt32LE(0x08074b50, 0);
      d.writeUInt32LE(dp, 8);
      d.writeUInt32LE(du, 12);
      chunk.push(d);
    }
    if (!e.hidden) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(e.descriptor ? 0x08 : 0, 8);
      c.writeUInt16LE(8, 10);
      c.writeUInt32LE(dp, 20);
      c.writeUInt32LE(du, 24);
      c.writeUInt16LE(name.length, 28);
      c.writeUInt32LE(offset, 42);
      central.push(c, name);
      listed++;
    }
    for (const p of chunk) {
      parts.push(p);
      offset += p.length;
    }
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(listed, 8);
  eocd.writeUInt16LE(listed, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, eocd]);
}

const dir = mkdtempSync(join(tmpdir(), "mimamori-zip-guard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(buf: Buffer): string {
  const p = join(dir, `f${n++}.xlsx`);
  writeFileSync(p, buf);
  return p;
}

/** Text that compresses about 2:1 (hex of a simple generator): no ratio trips. */
function plain(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  let x = 12345;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = 48 + ((x >> 16) % 16);
  }
  return b;
}

const zeros = Buffer.alloc(64 * 1024 ** 2);

/** A sheet's XML: text ending with the root's end tag, as a whole sheet does. */
function sheet(bytes: number, end = "</worksheet>"): Buffer {
  return Buffer.concat([plain(bytes), Buffer.from(end)]);
}

describe("zip guard", () => {
  it("passes an honest workbook-sized archive", async () => {
    const p = file(
      zip([
        { name: "[Content_Types].xml", data: Buffer.from("<Types/>") },
        { name: "xl/worksheets/sheet1.xml", data: sheet(3 * 1024 ** 2) },
        { name: "xl/worksheets/sheet2.xml", data: sheet(1000, "</x:worksheet>\r\n") },
        { name: "xl/sharedStrings.xml", data: plain(200_000), descriptor: true },
      ]),
    );
    await expect(checkZipExpansion(p, "ok.xlsx")).resolves.toBeUndefined();
  });

  it("refuses a bomb whose headers declare a tiny entry (the directory check alone lets it through)", async () => {
    const p = file(
      zip([{ name: "xl/worksheets/sheet1.xml", data: zeros, declaredUnpacked: 1000 }]),
    );
    await expect(checkZipExpansion(p, "lie.xlsx")).rejects.toThrow(
      /lie\.xlsx: Excel ファイルの中身が大きすぎるため取り込みません（.*(記録された大きさ|圧縮率)/,
    );
  });

  it("refuses a bomb hidden behind a data descriptor and left out of the directory", async () => {
    const p = file(
      zip([
        { name: "[Content_Types].xml", data: Buffer.from("<Types/>") },
        { name: "xl/worksheets/sheet1.xml", data: zeros, descriptor: true, hidden: true },
      ]),
    );
    await expect(checkZipExpansion(p, "hidden.xlsx")).rejects.toThrow(/圧縮率 200 倍超/);
  });

  it("counts the real total across entries: refused past the limit though each entry is modest and declares 1 KB", async () => {
    const entries = [0, 1, 2].map((i) => ({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      data: sheet(4 * 1024 ** 2),
      declaredUnpacked: 1024,
      descriptor: true,
    }));
    const p = file(zip(entries));
    // 12 MB really inside; a 10 MB limit stops it (the descriptors declare 3 KB in all).
    await expect(
      checkZipExpansion(p, "total.xlsx", { maxUnpackedBytes: 10 * 1024 ** 2 }),
    ).rejects.toThrow(/展開後 10 MB 超/);
    await expect(
      checkZipExpansion(p, "total.xlsx", { maxUnpackedBytes: 16 * 1024 ** 2 }),
    ).resolves.toBeUndefined();
  });

  it("refuses an entry whose compressed data is broken (the reader used to wait forever)", async () => {
    const good = zip([{ name: "xl/worksheets/sheet1.xml", data: sheet(200_000) }]);
    const bad = Buffer.from(good);
    // Flip bytes inside the deflate data (after the 30-byte header and the name).
    for (let i = 200; i < 600; i++) bad[i] = (bad[i] as number) ^ 0x55;
    await expect(checkZipExpansion(file(good), "good.xlsx")).resolves.toBeUndefined();
    await expect(checkZipExpansion(file(bad), "bad.xlsx")).rejects.toThrow(
      /bad\.xlsx: Excel ファイル（\.xlsx）が壊れているため読めません（中の「xl\/worksheets\/sheet1\.xml」の圧縮されたデータが途中で壊れています）/,
    );
  });

  it("refuses a sheet whose XML stops before </worksheet> (read as fewer rows without an error)", async () => {
    const cut = sheet(200_000).subarray(0, 100_000);
    const p = file(zip([{ name: "xl/worksheets/sheet1.xml", data: cut }]));
    await expect(checkZipExpansion(p, "cut.xlsx")).rejects.toThrow(
      /「xl\/worksheets\/sheet1\.xml」が途中で切れています/,
    );
    // Other parts are not judged by the sheet's end tag.
    const other = file(zip([{ name: "xl/styles.xml", data: cut }]));
    await expect(checkZipExpansion(other, "styles.xlsx")).resolves.toBeUndefined();
  });

  it("lets a file that is not a zip through (CSV)", async () => {
    const p = file(Buffer.from("宛名番号,氏名\n1,テスト\n"));
    await expect(checkZipExpansion(p, "a.csv")).resolves.toBeUndefined();
  });
});
