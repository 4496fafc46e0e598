import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { afterAll, describe, expect, it } from "vitest";
import { isMimamoriError } from "../domain/errors.ts";
import { openTable, openTableFile, type Table, type TableRow } from "./table.ts";
import { xlsxProblem } from "./xlsx.ts";

const dir = mkdtempSync(join(tmpdir(), "mimamori-table-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function allRows(t: Table): Promise<TableRow[]> {
  const out: TableRow[] = [];
  for await (const b of t.batches) out.push(...b);
  return out;
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isMimamoriError(e)) return [e.message, ...e.details].join("\n");
    throw e;
  }
  throw new Error("expected a failure");
}

const CSV = '宛名番号,氏名,メモ\r\n0001,見守 髙﨑,"複数行の\r\nメモ"\r\n0002,ﾐﾏﾓﾘ ﾊﾅｺ,①\r\n';

describe("openTable: CSV in either encoding", () => {
  it.each([
    ["UTF-8", Buffer.from(CSV)],
    ["UTF-8 with BOM", Buffer.from(`\ufeff${CSV}`)],
    ["CP932", iconv.encode(CSV, "cp932")],
  ])("%s gives the same header, rows, row and line numbers", async (_, bytes) => {
    for (const size of [1, 7, 1 << 20]) {
      const t = await openTable(chunked(bytes, size));
      expect(t.format).toBe("csv");
      expect(t.header).toEqual(["宛名番号", "氏名", "メモ"]);
      expect(await allRows(t)).toEqual([
        {
          row: 1,
          line: 2,
          fields: ["0001", "見守 髙﨑", "複数行の\r\nメモ"],
          text: '0001,見守 髙﨑,"複数行の\r\nメモ"',
        },
        { row: 2, line: 4, fields: ["0002", "ﾐﾏﾓﾘ ﾊﾅｺ", "①"], text: "0002,ﾐﾏﾓﾘ ﾊﾅｺ,①" },
      ]);
      expect(t.bytesRead()).toBe(bytes.length);
    }
  });

  it("reads a CP932 file bigger than the detection sample, with characters split across chunks", async () => {
    const lines = ["番号,氏名"];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},見守ﾀﾛｳ髙${i}`);
    const bytes = iconv.encode(`${lines.join("\n")}\n`, "cp932");
    expect(bytes.length).toBeGreaterThan(200_000);
    const t = await openTable(chunked(bytes, 4093));
    expect(t.encoding).toBe("cp932");
    const rows = await allRows(t);
    expect(rows).toHaveLength(20_000);
    expect(rows[19_999]).toMatchObject({
      row: 20_000,
      line: 20_001,
      fields: ["19999", "見守ﾀﾛｳ髙19999"],
    });
  });

  it("a garbled byte fails only its row (文字化け)", async () => {
    // The bad byte lies beyond the detection sample, as in a large file damaged in the middle.
    const good = Array.from({ length: 5000 }, (_, i) => `${i},見守り`).join("\n");
    const bytes = Buffer.concat([
      Buffer.from(`a,b\n${good}\nx,`),
      Buffer.from([0xff]),
      Buffer.from("\ny,ok\n"),
    ]);
    const rows = await allRows(await openTable(chunked(bytes, 4096)));
    expect(rows).toHaveLength(5002);
    expect(rows.filter((r) => r.error !== undefined).map((r) => r.row)).toEqual([5001]);
    expect(rows[5000]?.error).toContain("2列目に読めない文字");
  });

  it("skips lines above the header when asked", async () => {
    const t = await openTable(chunked(Buffer.from("一覧表\n出力日 2024/5/1\na,b\n1,2\n"), 64), {
      skipRows: 2,
    });
    expect(t.header).toEqual(["a", "b"]);
    expect(t.headerLine).toBe(3);
    expect(await allRows(t)).toEqual([{ row: 1, line: 4, fields: ["1", "2"], text: "1,2" }]);
  });

  it("forces an encoding when told", async () => {
    const t = await openTable(chunked(iconv.encode("氏名\n見守\n", "cp932"), 64), {
      encoding: "cp932",
    });
    expect((await allRows(t))[0]?.fields).toEqual(["見守"]);
  });
});

describe("openTable: files that cannot be read at all", () => {
  it.each([
    ["empty", Buffer.alloc(0), "ファイルが空です"],
    ["blank lines only", Buffer.from("\n\r\n\n"), "見出しの行がありません"],
    [
      "neither UTF-8 nor CP932",
      Buffer.from([0x41, 0x2c, 0x82, 0x20, 0xff, 0xfe, 0x80, 0x0a]),
      "文字コードを判別できません",
    ],
    ["UTF-16", Buffer.from("\ufeffa,b\n", "utf16le"), "UTF-16"],
    [".xls", Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), ".xls"],
    ["broken header quoting", Buffer.from('"a"x,b\n1,2\n'), "見出しの行（1行目）が読めません"],
    ["broken zip", Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), ".xlsx"],
  ])("%s", async (_, bytes, message) => {
    expect(await failure(openTable(chunked(bytes, 3)))).toContain(message);
  });
});

describe("openTable: .xlsx", () => {
  async function workbook(): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("出欠");
    ws.addRow(["学校名", "氏名", "生年月日", "集計開始日", "欠席日数", "メモ"]);
    const r = ws.addRow([
      "第一小",
      "見守 太郎",
      new Date(Date.UTC(2017, 4, 3)),
      45383,
      12,
      { richText: [{ text: "太" }, { text: "字" }] },
    ]);
    r.getCell(3).numFmt = "yyyy/mm/dd";
    ws.addRow([]);
    ws.addRow([
      "第二小",
      { formula: '"見守"&" 花子"', result: "見守 花子" },
      "H29.5.3",
      "R6.4.1",
      0,
    ]);
    wb.addWorksheet("二枚目").addRow(["x"]);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it("reads the first sheet: dates, serials, formulas, rich text, padded short rows", async () => {
    const path = join(dir, "shukketsu.xlsx");
    writeFileSync(path, await workbook());
    const t = await openTableFile(path);
    expect(t.format).toBe("xlsx");
    expect(t.header).toEqual(["学校名", "氏名", "生年月日", "集計開始日", "欠席日数", "メモ"]);
    expect(await allRows(t)).toEqual([
      { row: 1, line: 2, fields: ["第一小", "見守 太郎", "2017-05-03", "45383", "12", "太字"] },
      { row: 2, line: 4, fields: ["第二小", "見守 花子", "H29.5.3", "R6.4.1", "0", ""] },
    ]);
  });

  it("a workbook cut short or broken inside: Japanese reasons only, never the reader's English", async () => {
    const whole = await workbook();
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const text = await failure(openTable(chunked(cut, 4096)));
    expect(text).toContain("Excel ファイル（.xlsx）として読めません");
    expect(text).toContain("ファイルが途中で切れています");
    expect(text).toContain("名前を付けて保存");
    expect(text.replace(/Excel|xlsx|CSV/g, "")).not.toMatch(/[A-Za-z]{4,}/);
  });

  it("a text cell whose shared string is missing fails the file instead of reading [object Object]", async () => {
    const { cellText } = await import("./xlsx.ts");
    expect(() => cellText({ sharedString: 0 })).toThrow();
    expect(cellText({ richText: [{ text: "見守" }] })).toBe("見守");
  });

  it.each([
    ["FILE_ENDED", "途中で切れています"],
    ["2:65480: documents may contain only one root.", "シートの中身（XML）が壊れています"],
    ["invalid signature: 0x6f6c6c65", "zip"],
    ["Cannot read properties of undefined (reading 'sheets')", "必要な部分"],
    ["shared string missing", "共有文字列"],
  ])("xlsxProblem(%s) says it in Japanese", (message, expected) => {
    expect(xlsxProblem(new Error(message))).toContain(expected);
  });

  it("is detected by content even when named .csv", async () => {
    const path = join(dir, "jumin.csv");
    writeFileSync(path, await workbook());
    expect((await openTableFile(path)).format).toBe("xlsx");
  });
});
