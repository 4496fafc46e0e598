import { join } from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { isMimamoriError } from "../domain/errors.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import { recordOf } from "../domain/validate.ts";
import { type IngestedFile, type IngestedRow, type IngestOptions, ingestBytes } from "./ingest.ts";
import { loadMapping } from "./mapping-file.ts";

const docs = join(import.meta.dirname, "..", "..", "docs", "examples");
const AS_OF = "2024-04-01" as IsoDate;

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function ingest(
  text: string | Uint8Array,
  options: IngestOptions,
): Promise<{ file: IngestedFile; rows: IngestedRow[] }> {
  const file = await ingestBytes(
    once(typeof text === "string" ? Buffer.from(text) : text),
    options,
  );
  const rows: IngestedRow[] = [];
  for await (const b of file.batches) rows.push(...b);
  return { file, rows };
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

const JUMIN = [
  "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別,続柄,住所,住定日,消除日,国籍",
  "0001,S01,見守 一郎,ミマモリ イチロウ,S60.1.2,1,世帯主,みまもり市1-1,2010/4/1,,",
  "0002,S01,見守 花子,ﾐﾏﾓﾘ ﾊﾅｺ,R2.5.6,2,子,みまもり市1-1,2020/5/6,,",
].join("\r\n");

describe("ingestBytes: source detection", () => {
  it("by file name, in either encoding", async () => {
    for (const bytes of [Buffer.from(JUMIN), iconv.encode(JUMIN, "cp932")]) {
      const { file, rows } = await ingest(bytes, { fileName: "jumin_2024-04.csv", asOf: AS_OF });
      expect(file.layout.id).toBe("jumin");
      expect(file.sourceBasis).toBe("file_name");
      expect(rows.map((r) => r.ok && recordOf(file.plan, r.values).生年月日)).toEqual([
        "1985-01-02",
        "2020-05-06",
      ]);
    }
  });

  it("by header signature when the name says nothing", async () => {
    const { file } = await ingest(JUMIN, { fileName: "export_0401.csv", asOf: AS_OF });
    expect(file.layout.id).toBe("jumin");
    expect(file.sourceBasis).toBe("header");
  });

  it("refuses an unknown file, listing the known sources", async () => {
    const m = await failure(ingest("a,b\n1,2\n", { fileName: "export.csv", asOf: AS_OF }));
    expect(m).toContain("export.csv: ファイル名からも見出しからも取り込み元がわかりません");
    expect(m).toContain("jumin（住民基本台帳）");
    expect(m).toContain("hoiku_zaiseki（保育所・幼稚園在籍）");
  });

  it("refuses an ambiguous header, naming the candidates", async () => {
    const m = await failure(
      ingest("宛名番号,受給者証番号,決定日,保護世帯番号,開始年月日\n", {
        fileName: "x.csv",
        asOf: AS_OF,
      }),
    );
    expect(m).toContain("候補: shogaiji_jukyusha、seikatsu_hogo");
  });

  it("an explicit source wins over the file name", async () => {
    const { file } = await ingest("宛名番号,施設名,入所日\n1,さくら保育園,R6.4.1\n", {
      fileName: "jumin.csv",
      source: "hoiku_zaiseki" as SourceId,
      asOf: AS_OF,
    });
    expect(file.layout.id).toBe("hoiku_zaiseki");
  });
});

describe("ingestBytes: a layout change fails the whole file", () => {
  it("a missing required column: clear message, no rows", async () => {
    const text = JUMIN.replace("生年月日", "誕生日");
    const m = await failure(ingest(text, { fileName: "jumin.csv", asOf: AS_OF }));
    expect(m).toContain(
      "jumin.csv: 列が jumin（住民基本台帳）の形と合わないため、このファイルは取り込みませんでした",
    );
    expect(m).toContain("必須の列「生年月日」がありません");
  });

  it("no as-of date anywhere", async () => {
    expect(await failure(ingest(JUMIN, { fileName: "jumin.csv" }))).toContain(
      "抽出日がわかりません",
    );
  });
});

describe("ingestBytes: a 抽出日 after today in the file itself", () => {
  const today = "2024-10-01" as IsoDate;

  it("in the file's name: the file is refused, nothing read", async () => {
    const m = await failure(ingest(JUMIN, { fileName: "jumin_2062-04-01.csv", today }));
    expect(m).toBe(
      "jumin_2062-04-01.csv: ファイル名から読み取った抽出日（2062-04-01）が今日（2024-10-01）より後になっています。ファイル名の日付を直すか、取込画面の「抽出日」欄（コマンドでは --as-of）で正しい日付を指定して取り込み直してください。このファイルは取り込みませんでした（1行も保存していません）。",
    );
    // Up to today it is the file's 抽出日, as before; a typed --as-of wins over the name.
    const { rows } = await ingest(JUMIN, { fileName: "jumin_2024-10-01.csv", today });
    expect(rows.map((r) => r.ok && r.asOf)).toEqual(["2024-10-01", "2024-10-01"]);
    const typed = await ingest(JUMIN, { fileName: "jumin_2062-04-01.csv", today, asOf: AS_OF });
    expect(typed.rows.every((r) => r.ok && r.asOf === AS_OF)).toBe(true);
  });

  it("in its 抽出日 column: that row is an error, the others import", async () => {
    const text = [
      `${JUMIN.split("\r\n")[0]},抽出日`,
      "0001,S01,見守 一郎,,S60.1.2,1,世帯主,,,,,R6.10.1",
      "0002,S01,見守 花子,,R2.5.6,2,子,,,,,R44.10.1",
    ].join("\r\n");
    const { rows } = await ingest(text, { fileName: "jumin.csv", today });
    expect(rows[0]?.ok && rows[0].asOf).toBe("2024-10-01");
    expect(rows[1]?.ok ? [] : rows[1]?.errors.map((e) => [e.column, e.value])).toEqual([
      ["抽出日", "R44.10.1"],
    ]);
  });
});

describe("ingestBytes: row errors never block the rest of the file", () => {
  it("broken quoting, bad values, a cut-off last line — each its own row error", async () => {
    const text = [
      "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別",
      "1,S1,見守 一,,2020-01-01,1",
      '2,S1,"見守 "二",,2020-01-01,1',
      "3,S1,見守 三,,R1.4.30,1",
      "4,S1,見守 四,,2020-02-30,1",
      "5,S1,見守 五,,2020-01-01,1",
      "6,S1,見守",
    ].join("\n");
    const { rows } = await ingest(text, { fileName: "jumin.csv", asOf: AS_OF });
    expect(rows.map((r) => [r.row, r.line, r.ok])).toEqual([
      [1, 2, true],
      [2, 3, false],
      [3, 4, false],
      [4, 5, false],
      [5, 6, true],
      [6, 7, false],
    ]);
    const errors = rows.flatMap((r) =>
      r.ok ? [] : r.errors.map((e) => `${r.row}:${e.column ?? "-"}:${e.reason}`),
    );
    expect(errors[0]).toMatch(/^2:-:引用符「"」で囲んだ値の後ろに文字があります/);
    expect(errors[1]).toMatch(/^3:生年月日:令和元年4月30日は令和の始まり/);
    expect(errors[2]).toMatch(/^4:生年月日:存在しない日付です/);
    expect(errors[3]).toMatch(/^6:-:列の数が足りません.*途中で切れて/);
  });
});

describe("ingestBytes: .xlsx with Excel serial dates", () => {
  it("reads date cells and bare serials in date columns", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("Sheet1");
    ws.addRow(["学校名", "氏名", "生年月日", "集計開始日", "集計終了日", "欠席日数", "抽出日"]);
    const r = ws.addRow([
      "第一小",
      "見守 太郎",
      new Date(Date.UTC(2017, 4, 3)),
      45383,
      45492,
      3,
      45504,
    ]);
    r.getCell(3).numFmt = "ggge年m月d日";
    ws.addRow(["第一小", "見守 次郎", 42858, "R6.4.1", "2024/7/19", "１０", "R6.7.31"]);
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const { file, rows } = await ingest(bytes, { fileName: "shukketsu.xlsx" });
    expect(file.table.format).toBe("xlsx");
    const records = rows.map((x) =>
      x.ok ? { ...recordOf(file.plan, x.values), asOf: x.asOf } : x.errors,
    );
    expect(records).toEqual([
      expect.objectContaining({
        生年月日: "2017-05-03",
        集計開始日: "2024-04-01",
        集計終了日: "2024-07-19",
        欠席日数: 3,
        asOf: "2024-07-31",
      }),
      expect.objectContaining({
        生年月日: "2017-05-03",
        集計開始日: "2024-04-01",
        欠席日数: 10,
        asOf: "2024-07-31",
      }),
    ]);
  });
});

describe("mapping files: the examples in docs/examples", () => {
  it("すこやか母子保健 (nyuyoji_kenshin, CP932, title lines, era codes, recodes)", async () => {
    const mapping = await loadMapping(join(docs, "mapping-sukoyaka-kenshin.yaml"));
    const text = [
      "乳幼児健診結果一覧",
      "出力日時 令和6年5月1日 9時00分",
      "住民コード,児童氏名,健診種別,受診年月日,体重(kg),体重百分位,問1_一人で家に残した,問2_食事を与えなかった,問3_口をふさいだ,問4_揺さぶった,むし歯本数,母喫煙,判定",
      "0001234,見守 花子,01,5060415,6.8,45,2,2,2,2,,2,異常なし",
      "0001235,見守 次郎,02,,,,,,,,,,",
      "0001236,見守 三郎,03,5060420,13.1,2.5,1,2,2,2,3,1,要精密",
      "0001237,見守 四郎,04,5010430,,,,,,,,,",
    ].join("\r\n");
    const { file, rows } = await ingest(iconv.encode(text, "cp932"), {
      fileName: "KENSHIN_20240501.csv",
      mapping,
      asOf: "2024-05-01" as IsoDate,
    });
    expect(file.layout.id).toBe("nyuyoji_kenshin");
    expect(file.sourceBasis).toBe("mapping");
    expect(file.plan.extras).toEqual(["児童氏名"]);
    const out = rows.map((r) =>
      r.ok ? recordOf(file.plan, r.values) : r.errors.map((e) => e.column),
    );
    expect(out[0]).toEqual({
      宛名番号: "0001234",
      健診区分: "3-4か月児",
      受診日: "2024-04-15",
      体重: 6.8,
      体重パーセンタイル: 45,
      家に残して外出: false,
      長時間食事を与えなかった: false,
      口をふさいだ: false,
      激しく揺さぶった: false,
      虫歯数: null,
      母親の喫煙: false,
      要フォロー: false,
      抽出日: null,
    });
    expect(out[1]).toMatchObject({ 健診区分: "1歳6か月児", 受診日: null, 要フォロー: null });
    expect(out[2]).toMatchObject({
      健診区分: "3歳児",
      家に残して外出: true,
      母親の喫煙: true,
      要フォロー: true,
    });
    expect(out[3]).toEqual(["健診区分", "受診日"]);
  });

  it("まなびネット校務 (shukketsu, constants for 学校名, 抽出日 column)", async () => {
    const mapping = await loadMapping(join(docs, "mapping-manabi-shukketsu.yaml"));
    const text = [
      "児童名,ふりがな,生年月日,男女,学年,組,期間開始,期間終了,欠席,遅刻,忌引等,抽出日",
      "見守 太郎,みまもり たろう,H29.5.3,男,1年,2,R6.4.1,R6.7.19,3,1,0,R6.7.31",
    ].join("\n");
    const { file, rows } = await ingest(text, { fileName: "出欠集計.csv", mapping });
    const r = rows[0];
    expect(r?.ok && { ...recordOf(file.plan, r.values), asOf: r.asOf }).toEqual({
      学校名: "第一小学校",
      学年: 1,
      組: "2",
      氏名: "見守 太郎",
      氏名カナ: "ミマモリ タロウ",
      生年月日: "2017-05-03",
      性別: "male",
      集計開始日: "2024-04-01",
      集計終了日: "2024-07-19",
      欠席日数: 3,
      遅刻日数: 1,
      出席停止忌引等日数: 0,
      抽出日: "2024-07-31",
      asOf: "2024-07-31",
    });
  });
});
