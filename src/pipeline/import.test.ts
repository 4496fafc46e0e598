import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createImportRepository, type StoredRow } from "../db/import.repository.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import { parseCsvRecord } from "../ingest/csv.ts";
import {
  type ImportedReport,
  type ImportFileOptions,
  type ImportReport,
  importFile,
  importFiles,
  importManualRows,
  listImportFiles,
} from "./import.ts";

let t: TestDatabase;
let municipalityId: number;
const dir = mkdtempSync(join(tmpdir(), "mimamori-import-"));

beforeAll(async () => {
  t = await createTestDatabase();
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト市")).id;
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

function options(extra: Partial<ImportFileOptions> = {}): ImportFileOptions {
  return { municipalityId, actor: { userId: null, loginName: "test" }, ...extra };
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function imported(r: ImportReport): ImportedReport {
  if (r.status !== "imported") throw new Error(`expected imported, got ${JSON.stringify(r)}`);
  return r;
}

async function storedRows(snapshotId: number): Promise<StoredRow[]> {
  const out: StoredRow[] = [];
  for await (const page of createImportRepository(t.db).streamStoredRows(
    municipalityId,
    [snapshotId],
    2,
  )) {
    out.push(...page);
  }
  return out;
}

const repo = () => createImportRepository(t.db);
const AS_OF = "2024-04-01" as IsoDate;

const JUMIN = [
  "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別,続柄,住所,メモ",
  '0001,S01,見守 一郎,ミマモリ イチロウ,S60.1.2,1,世帯主,"みまもり市1-1\tタブ",C:\\data',
  '0002,S01,見守 花子,ﾐﾏﾓﾘ ﾊﾅｺ,R2.5.6,2,子,"みまもり市\r\n1-1","""引用"""',
  "0003,S01,見守 三郎,,R1.4.30,1,子,,",
  "0004,,見守 四郎,,2020-01-01,9,子,,",
].join("\r\n");

describe("importFile", () => {
  let first: ImportedReport;

  it("stores valid rows, rejects bad ones with row/column/reason, keeps raw and normalised values", async () => {
    first = imported(
      await importFile(t, file("jumin_2024-04.csv", JUMIN), options({ asOf: AS_OF })),
    );
    expect(first).toMatchObject({
      fileName: "jumin_2024-04.csv",
      sourceId: "jumin",
      version: 1,
      asOf: AS_OF,
      format: "csv",
      encoding: "utf-8",
      rowsRead: 4,
      rowsStored: 2,
      rowsRejected: 2,
      rejectionsOmitted: 0,
    });
    expect(first.rejections.map((r) => [r.row, r.line, r.column])).toEqual([
      [3, 5, "生年月日"],
      [4, 6, "世帯番号"],
    ]);
    expect(first.rejections[0]?.reason).toContain("平成31年4月30日");
    expect(first.notes.join()).toContain("メモ");

    const rows = await storedRows(first.snapshotId);
    expect(rows.map((r) => [r.rowNo, r.lineNo, r.asOf])).toEqual([
      [1, 2, AS_OF],
      [2, 3, AS_OF],
    ]);
    expect(rows[0]?.data).toEqual({
      宛名番号: "0001",
      世帯番号: "S01",
      氏名: "見守 一郎",
      氏名カナ: "ミマモリ イチロウ",
      生年月日: "1985-01-02",
      性別: "male",
      続柄: "世帯主",
      住所: "みまもり市1-1 タブ",
      国籍: "日本",
    });
    // Raw cells survive COPY escaping exactly: tab, backslash, CRLF, quotes.
    const raw0 = parseCsvRecord(rows[0]?.raw ?? "");
    expect(raw0[7]).toBe("みまもり市1-1\tタブ");
    expect(raw0[8]).toBe("C:\\data");
    expect(parseCsvRecord(rows[1]?.raw ?? "").slice(7)).toEqual(["みまもり市\r\n1-1", '"引用"']);
    // The raw form is the file's record exactly as written.
    expect(rows[1]?.raw).toBe(
      '0002,S01,見守 花子,ﾐﾏﾓﾘ ﾊﾅｺ,R2.5.6,2,子,"みまもり市\r\n1-1","""引用"""',
    );

    const rejected = await repo().listRejectedRows(municipalityId, first.snapshotId);
    expect(rejected.map((r) => [r.rowNo, r.errors[0]?.column, parseCsvRecord(r.raw)[0]])).toEqual([
      [3, "生年月日", "0003"],
      [4, "世帯番号", "0004"],
    ]);
  });

  it("the same content again is detected and changes nothing", async () => {
    const before = await repo().listSnapshots(municipalityId);
    const again = await importFile(t, file("jumin_copy.csv", JUMIN), options({ asOf: AS_OF }));
    expect(again).toMatchObject({ status: "duplicate", snapshotId: first.snapshotId, version: 1 });
    expect(await repo().listSnapshots(municipalityId)).toEqual(before);
    const count = await t.db
      .selectFrom("import_row")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(4);
  });

  it("a layout change fails the file and stores nothing", async () => {
    const before = (await repo().listSnapshots(municipalityId)).length;
    const r = await importFile(
      t,
      file("jumin_bad.csv", JUMIN.replace("生年月日", "誕生日")),
      options({ asOf: AS_OF }),
    );
    expect(r).toMatchObject({ status: "failed" });
    expect(r.status === "failed" && r.details.join()).toContain("必須の列「生年月日」がありません");
    expect(await repo().listSnapshots(municipalityId)).toHaveLength(before);
  });

  it("unknown sources and unreadable files fail with a Japanese message", async () => {
    const unknown = await importFile(t, file("export.csv", "a,b\n1,2\n"), options({ asOf: AS_OF }));
    expect(unknown.status === "failed" && unknown.details.join()).toContain(
      "jumin（住民基本台帳）",
    );
    const binary = await importFile(
      t,
      file("jumin_x.csv", Buffer.from([0x82, 0x20, 0xff, 0xfe, 0x80])),
      options({ asOf: AS_OF }),
    );
    expect(binary.status === "failed" && binary.message).toContain("文字コードを判別できません");
    const missing = await importFile(t, join(dir, "nope.csv"), options());
    expect(missing.status === "failed" && missing.message).toContain("ファイルを開けません");
  });

  it("leaves one audit row per import without personal data", async () => {
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "target", "detail"])
      .where("action", "=", "import.file")
      .orderBy("id")
      .execute();
    expect(audit.map((a) => (a.detail as { status: string }).status)).toEqual([
      "imported",
      "duplicate",
      "failed",
      "failed",
      "failed",
      "failed",
    ]);
    expect(audit[0]?.target).toBe(`import_snapshot:${first.snapshotId}`);
    expect(JSON.stringify(audit)).not.toContain("見守");
  });
});

describe("snapshots: versions, as-of dates and what a run uses", () => {
  const SHUKKETSU_HEADER = "学校名,氏名,生年月日,集計開始日,集計終了日,欠席日数,抽出日";
  const shukketsu = (school: string, absent: number, asOf: string) =>
    iconv.encode(
      `${SHUKKETSU_HEADER}\r\n${school},見守 太郎,H29.5.3,R6.4.1,R6.9.30,${absent},${asOf}\r\n${school},見守 次郎,H30.6.1,R6.4.1,R6.9.30,1,${asOf}\r\n`,
      "cp932",
    );
  const shukketsuId = "shukketsu" as SourceId;

  it("one file per school with the same 抽出日 are all current; the 抽出日 column gives as-of", async () => {
    const a = imported(
      await importFile(t, file("shukketsu_a.csv", shukketsu("第一小", 3, "R6.10.1")), options()),
    );
    const b = imported(
      await importFile(t, file("shukketsu_b.csv", shukketsu("第二小", 5, "2024/10/1")), options()),
    );
    expect([a.version, b.version, a.asOf, a.encoding]).toEqual([1, 2, "2024-10-01", "cp932"]);
    const current = await repo().currentSnapshots(municipalityId, { sourceId: shukketsuId });
    expect(current.map((s) => s.id)).toEqual([a.snapshotId, b.snapshotId]);
  });

  it("a corrected file (same name, same as-of) supersedes the old one, which stays queryable", async () => {
    const fixed = imported(
      await importFile(t, file("shukketsu_a.csv", shukketsu("第一小", 4, "R6.10.1")), options()),
    );
    const all = await repo().listSnapshots(municipalityId, { sourceId: shukketsuId });
    expect(fixed.superseded).toEqual([all.at(-1)?.id]);
    const current = await repo().currentSnapshots(municipalityId, { sourceId: shukketsuId });
    expect(current.map((s) => s.fileName).sort()).toEqual(["shukketsu_a.csv", "shukketsu_b.csv"]);
    expect(current.find((s) => s.fileName === "shukketsu_a.csv")?.id).toBe(fixed.snapshotId);
    expect(all).toHaveLength(3);
  });

  it("a newer as-of replaces the older ones for runs; an earlier run date still sees them", async () => {
    const nov = imported(
      await importFile(t, file("shukketsu_a_11.csv", shukketsu("第一小", 6, "R6.11.1")), options()),
    );
    expect(
      (await repo().currentSnapshots(municipalityId, { sourceId: shukketsuId })).map((s) => s.id),
    ).toEqual([nov.snapshotId]);
    const october = await repo().currentSnapshots(municipalityId, {
      sourceId: shukketsuId,
      asOf: "2024-10-15" as IsoDate,
    });
    expect(october.map((s) => s.asOf)).toEqual(["2024-10-01", "2024-10-01"]);
    expect(await repo().newestAsOf(municipalityId)).toBe("2024-11-01");
  });

  it("--replace supersedes every current file of the source with the same as-of", async () => {
    const r = imported(
      await importFile(
        t,
        file("shukketsu_all.csv", shukketsu("全校", 2, "R6.10.1")),
        options({ replace: true }),
      ),
    );
    expect(r.superseded).toHaveLength(2);
    const october = await repo().currentSnapshots(municipalityId, {
      sourceId: shukketsuId,
      asOf: "2024-10-15" as IsoDate,
    });
    expect(october.map((s) => s.id)).toEqual([r.snapshotId]);
  });
});

describe("a 抽出日 after today read from the file itself (domain/as-of.ts)", () => {
  // 2024-10-01 09:00 in Japan.
  const now = new Date("2024-10-01T00:00:00Z");
  const NAME_HEADER = "宛名番号,要介護度";

  it("in the file's name: refused in Japanese like a typed one, nothing stored", async () => {
    const before = await repo().listSnapshots(municipalityId, {
      sourceId: "kaigo_nintei" as SourceId,
    });
    const r = await importFile(
      t,
      file("kaigo_nintei_2062-10-01.csv", `${NAME_HEADER}\n0001,要介護1\n`),
      options({ now }),
    );
    expect(r.status).toBe("failed");
    expect(r.status === "failed" && r.message).toBe(
      "kaigo_nintei_2062-10-01.csv: ファイル名から読み取った抽出日（2062-10-01）が今日（2024-10-01）より後になっています。ファイル名の日付を直すか、取込画面の「抽出日」欄（コマンドでは --as-of）で正しい日付を指定して取り込み直してください。このファイルは取り込みませんでした（1行も保存していません）。",
    );
    expect(
      await repo().listSnapshots(municipalityId, { sourceId: "kaigo_nintei" as SourceId }),
    ).toEqual(before);
  });

  it("in its 抽出日 column: those rows are rejected and the snapshot keeps a real 抽出日", async () => {
    const r = imported(
      await importFile(
        t,
        file(
          "kaigo_nintei_column.csv",
          `${NAME_HEADER},抽出日\n0001,要介護1,2024-09-30\n0002,要介護2,2062-09-30\n`,
        ),
        options({ now }),
      ),
    );
    expect([r.asOf, r.rowsStored, r.rowsRejected]).toEqual(["2024-09-30", 1, 1]);
    expect(r.rejections).toEqual([
      {
        row: 2,
        line: 3,
        column: "抽出日",
        value: "2062-09-30",
        reason:
          "抽出日（2062-09-30）が今日（2024-10-01）より後になっています。部署がデータを出力した日が入っているか確認し、ファイルを直してから取り込み直してください。",
      },
    ]);
    // Every row in the future: nothing usable, so nothing replaces what is stored.
    const all = await importFile(
      t,
      file("kaigo_nintei_future.csv", `${NAME_HEADER},抽出日\n0003,要介護3,2062-09-30\n`),
      options({ now }),
    );
    expect(all.status === "failed" && all.message).toContain("すべてがエラーのため");
  });
});

describe("other inputs", () => {
  it("imports an .xlsx with Excel serial dates", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("Sheet1");
    ws.addRow(["宛名番号", "施設名", "入所日", "退所日"]);
    const row = ws.addRow(["0001", "さくら保育園", new Date(Date.UTC(2023, 3, 1)), 45747]);
    row.getCell(3).numFmt = "yyyy/m/d";
    ws.addRow(["0002", "ひまわり園", 45383, ""]);
    const r = imported(
      await importFile(
        t,
        file("hoiku_zaiseki.xlsx", new Uint8Array(await wb.xlsx.writeBuffer())),
        options({ asOf: AS_OF }),
      ),
    );
    expect([r.format, r.rowsStored]).toEqual(["xlsx", 2]);
    const rows = await storedRows(r.snapshotId);
    expect(rows.map((x) => [x.data.入所日, x.data.退所日 ?? null])).toEqual([
      ["2023-04-01", "2025-03-31"],
      ["2024-04-01", null],
    ]);
  });

  it("manual entry stores the same kind of snapshot, marked manual", async () => {
    const r = imported(
      await importManualRows(
        t,
        [
          { 母宛名番号: "0009", 健診日: "R6.4.10", EPDS合計点: "12", EPDS項目10: "1" },
          { 母宛名番号: "0010", 健診日: "R6.4.11", EPDS合計点: "31" },
        ],
        { ...options({ asOf: AS_OF }), source: "sanpu_kenshin" as SourceId, label: "EPDS 手入力" },
      ),
    );
    expect([r.format, r.rowsStored, r.rowsRejected, r.rejections[0]?.column]).toEqual([
      "manual",
      1,
      1,
      "EPDS合計点",
    ]);
    const snap = await repo().findSnapshot(municipalityId, r.snapshotId);
    expect(snap).toMatchObject({
      manual: true,
      fileName: "EPDS 手入力",
      sourceId: "sanpu_kenshin",
    });
  });

  it("deleting a snapshot deletes its rows (retention), and clears supersede links to it", async () => {
    const r = imported(
      await importFile(
        t,
        file("yotaikyo.csv", "氏名,生年月日,登録日\n見守 一,H29.5.3,R5.1.1\n"),
        options({ asOf: AS_OF }),
      ),
    );
    const rowsOf = async (id: number) =>
      Number(
        (
          await t.db
            .selectFrom("import_row")
            .select((eb) => eb.fn.countAll<string>().as("n"))
            .where("snapshot_id", "=", id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await rowsOf(r.snapshotId)).toBe(1);
    await t.db.deleteFrom("import_snapshot").where("id", "=", r.snapshotId).execute();
    expect(await rowsOf(r.snapshotId)).toBe(0);
  });

  it("lists the .csv and .xlsx files of a folder, not its subfolders", async () => {
    const folder = join(dir, "out");
    mkdirSync(join(folder, "truth"), { recursive: true });
    writeFileSync(join(folder, "jumin.csv"), "");
    writeFileSync(join(folder, "B.XLSX"), "");
    writeFileSync(join(folder, "readme.txt"), "");
    writeFileSync(join(folder, "truth", "persons.csv"), "");
    expect(await listImportFiles([folder])).toEqual([
      join(folder, "B.XLSX"),
      join(folder, "jumin.csv"),
    ]);
    await expect(listImportFiles([join(dir, "none")])).rejects.toThrow(/見つかりません/);
  });
});

describe("importFiles (a folder, two files at a time)", () => {
  it("gives the reports in order, and the same versions, duplicates and supersedes as one file at a time", async () => {
    const folder = join(dir, "many");
    mkdirSync(folder, { recursive: true });
    const write = (name: string, content: string) => {
      writeFileSync(join(folder, name), content);
      return join(folder, name);
    };
    const kaigo = (n: number) =>
      ["宛名番号,要介護度", ...Array.from({ length: n }, (_, i) => `K${i},要介護1`)].join("\n");
    // Large enough that the later, small files of the same source would overtake it if allowed.
    const paths = [
      write("kaigo_nintei_1.csv", kaigo(20_000)),
      write("ichiji_hogo.csv", "氏名,生年月日,保護開始日\n見守 一,H29.5.3,R6.1.5\n"),
      write("kaigo_nintei_2.csv", kaigo(3)),
      write("kaigo_nintei_copy.csv", kaigo(3)),
      write("unknown.csv", "a,b\n1,2\n"),
      write("kaigo_nintei_1b.csv", kaigo(2)),
    ];
    // An as-of of its own keeps these apart from the other tests' imports of the same sources.
    const reports = await importFiles(t, paths, {
      municipalityId,
      actor: { userId: null, loginName: "test" },
      asOf: "2030-01-01" as IsoDate,
      concurrency: 2,
    });
    expect(reports.map((r) => [r.fileName, r.status])).toEqual([
      ["kaigo_nintei_1.csv", "imported"],
      ["ichiji_hogo.csv", "imported"],
      ["kaigo_nintei_2.csv", "imported"],
      ["kaigo_nintei_copy.csv", "duplicate"],
      ["unknown.csv", "failed"],
      ["kaigo_nintei_1b.csv", "imported"],
    ]);
    const kaigoReports = reports.filter(
      (r): r is ImportedReport => r.status === "imported" && r.sourceId === "kaigo_nintei",
    );
    const base = (kaigoReports[0] as ImportedReport).version;
    expect(kaigoReports.map((r) => r.version - base)).toEqual([0, 1, 2]);
    expect(kaigoReports.map((r) => r.rowsStored)).toEqual([20_000, 3, 2]);
    const dup = reports[3];
    expect(dup?.status === "duplicate" && dup.snapshotId).toBe(kaigoReports[1]?.snapshotId);
  });
});
