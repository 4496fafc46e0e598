import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/db.ts";
import { isMimamoriError } from "../../domain/errors.ts";
import type { GlobalOptions } from "../command.ts";
import { importCommand } from "./import.ts";

let t: TestDatabase;
let globals: GlobalOptions;
const dir = mkdtempSync(join(tmpdir(), "mimamori-cli-import-"));

beforeAll(async () => {
  t = await createTestDatabase();
  globals = { databaseUrl: t.url, home: join(dir, "home") };
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command, capturing stdout and stderr. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    const code = await importCommand.run(args, globals);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

async function failure(args: string[]): Promise<string> {
  try {
    await run(args);
  } catch (e) {
    if (isMimamoriError(e)) return [e.message, ...e.details].join("\n");
    throw e;
  }
  throw new Error("expected the command to fail");
}

const exports = join(dir, "exports");

describe("mimamori import", () => {
  beforeAll(() => {
    rmSync(exports, { recursive: true, force: true });
    mkdirSync(exports);
    writeFileSync(
      join(exports, "hoiku_zaiseki.csv"),
      "宛名番号,施設名,入所日,退所日\n0001,さくら保育園,R5.4.1,\n0002,さくら保育園,R5.2.30,\n",
    );
    writeFileSync(join(exports, "unknown.csv"), "a,b\n1,2\n");
  });

  it("imports a folder, prints the report in Japanese, writes --report, exits 1 when a file was refused", async () => {
    const report = join(dir, "errors.csv");
    const r = await run([exports, "--as-of", "R6.4.1", "--report", report]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "✓ hoiku_zaiseki.csv → hoiku_zaiseki（保育所・幼稚園在籍） 版 1、抽出日 2024-04-01",
    );
    expect(r.out).toContain("読み込み 2 行 / 保存 1 行 / エラー 1 行");
    expect(r.out).toContain(
      "データ 2 行目（ファイルの 3 行目） 入所日「R5.2.30」: 存在しない日付です",
    );
    expect(r.out).toContain("✗ unknown.csv: ファイル名からも見出しからも取り込み元がわかりません");
    expect(r.out).toContain("合計: 2 ファイル（取り込み 1、取り込み済み 0、失敗 1）");
    expect(r.err).toContain("1 個のファイルを取り込めませんでした");
    const csv = readFileSync(report, "utf8");
    expect(csv.startsWith("\ufeffファイル,データ行,ファイルの行,列,値,理由\r\n")).toBe(true);
    expect(csv).toContain("hoiku_zaiseki.csv,2,3,入所日,R5.2.30,");
    expect(csv).toContain("unknown.csv,,,,,");
  });

  it("the same file again changes nothing and exits 0; --json gives the reports as data", async () => {
    const r = await run([join(exports, "hoiku_zaiseki.csv"), "--as-of", "2024-04-01", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject([
      { status: "duplicate", sourceId: "hoiku_zaiseki", version: 1 },
    ]);
  });

  it("refuses bad options with a Japanese message", async () => {
    expect(await failure([])).toContain("取り込むファイルかフォルダを指定してください");
    expect(await failure([exports, "--as-of", "R1.4.30"])).toContain(
      "--as-of の日付が正しくありません",
    );
    // A future 抽出日 is refused exactly as the web refuses it (domain/as-of.ts), before any file is read.
    const tomorrow = new Date(Date.now() + (9 + 24) * 3_600_000).toISOString().slice(0, 10);
    expect(await failure([exports, "--as-of", tomorrow])).toContain(
      `抽出日（${tomorrow}）が今日（`,
    );
    expect(await failure([join(dir, "nowhere"), "--as-of", "2062-04-01"])).toContain(
      "部署がデータを出力した日を入力してください",
    );
    expect(await failure([exports, "--source", "kenshin"])).toContain("jumin（住民基本台帳）");
    expect(await failure([join(dir, "nowhere")])).toContain("見つかりません");
    expect(await failure([exports, "--mapping", join(dir, "none.yaml")])).toContain(
      "マッピングファイル",
    );
  });
});
