/**
 * `mimamori synth` writing files: encodings and line endings per source, truth covering every
 * data row, byte-identical output for the same seed, no half-written files, Japanese errors.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_NAMES_FILE } from "../../../test/fixtures/names.ts";
import { isMimamoriError } from "../../domain/errors.ts";
import type { NamePools } from "../../domain/synth/index.ts";
import { isLayoutDate, parseCsvLine } from "../../domain/synth/test-support.ts";
import { encodeCp932, readNamePools, runSynth, type SynthRunResult, synth } from "./synth.ts";

const CP932 = new Set(["shukketsu.csv", "gakko_kenshin.csv", "kokoro_check.csv"]);
const BOM = new Set([
  "yotaikyo.csv",
  "ichiji_hogo.csv",
  "sodan_kiroku.csv",
  "hoiku_zaiseki.csv",
  "kaigo_nintei.csv",
]);

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "mimamori-synth-test-"));
  dirs.push(d);
  return d;
}

let names: NamePools;
let town: string;
let result: SynthRunResult;

beforeAll(() => {
  names = readNamePools(TEST_NAMES_FILE);
  town = tempDir();
  result = runSynth({ profile: "town", seed: 5, out: town, asOf: "2025-04-01", names });
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Text of a generated file, decoded as its source's encoding; checks the bytes on the way. */
function decode(file: string): string {
  const bytes = readFileSync(join(town, file));
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  expect(bom, file).toBe(BOM.has(file));
  if (CP932.has(file)) {
    const text = iconv.decode(bytes, "cp932");
    expect(text.includes("\uFFFD"), file).toBe(false);
    return text;
  }
  // Valid UTF-8 (fatal decoder throws otherwise).
  return new TextDecoder("utf-8", { fatal: true }).decode(bom ? bytes.subarray(3) : bytes);
}

describe("files written by mimamori synth", () => {
  it("writes the 19 source files and the truth files, and no temporary files", () => {
    const files = readdirSync(town).sort();
    expect(files.filter((f) => f.endsWith(".csv"))).toHaveLength(19);
    expect(files.filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(readdirSync(join(town, "truth")).sort()).toEqual([
      "README.md",
      "broken_rows.csv",
      "difficulties.csv",
      "persons.csv",
      "records.csv",
      "related.csv",
    ]);
    expect(result.files).toHaveLength(19);
  });

  it("encodes school files in CP932 with CRLF and the others in UTF-8, some with BOM", () => {
    for (const f of result.files) {
      const text = decode(f.file);
      const lines = text.split("\n");
      const crlf = lines.slice(0, -1).every((l) => l.endsWith("\r"));
      if (CP932.has(f.file)) expect(crlf, f.file).toBe(true);
      if (f.file === "jumin.csv") expect(crlf).toBe(false);
      expect(text.endsWith("\n")).toBe(true);
    }
    // The school files hold Japanese text that only CP932 decodes correctly.
    const raw = readFileSync(join(town, "shukketsu.csv"));
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(raw)).toThrow();
    expect(iconv.decode(raw, "cp932")).toMatch(/小学校/);
  });

  it("lists every data row in truth/records.csv exactly once, with known persons", () => {
    const persons = new Set(
      readFileSync(join(town, "truth", "persons.csv"), "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(",")[0]),
    );
    const records = readFileSync(join(town, "truth", "records.csv"), "utf8")
      .trim()
      .split("\n");
    expect(records[0]).toBe("source,file,row,true_person_id");
    const byFile = new Map<string, number[]>();
    for (const line of records.slice(1)) {
      const [source, file, row, person] = line.split(",") as [string, string, string, string];
      expect(file).toBe(`${source}.csv`);
      if (!persons.has(person)) expect.fail(`unknown person ${person}`);
      byFile.set(file, [...(byFile.get(file) ?? []), Number(row)]);
    }
    for (const f of result.files) {
      const text = decode(f.file).replace(/\r\n/g, "\n");
      const dataRows = text.trimEnd().split("\n").length - 1;
      expect(dataRows, f.file).toBe(f.rows);
      expect(byFile.get(f.file) ?? [], f.file).toEqual(
        Array.from({ length: dataRows }, (_, i) => i + 1),
      );
    }
  });

  it("lists broken rows that really are broken, and every date elsewhere parses", () => {
    const broken = new Set(
      readFileSync(join(town, "truth", "broken_rows.csv"), "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(",").slice(1, 3).join(":")),
    );
    expect(broken.size).toBeGreaterThan(0);
    expect(broken.size).toBe(result.files.reduce((s, f) => s + f.broken, 0));
    const bad: string[] = [];
    for (const f of result.files) {
      const lines = decode(f.file).replace(/\r\n/g, "\n").trimEnd().split("\n");
      const header = parseCsvLine((lines[0] as string).replace(/^\uFEFF/, ""));
      const dateCols = header.map((h, i) => (h.endsWith("日") ? i : -1)).filter((i) => i >= 0);
      lines.slice(1).forEach((line, i) => {
        const cells = parseCsvLine(line);
        if (cells.length !== header.length)
          bad.push(`${f.file}:${i + 1} has ${cells.length} cells`);
        if (broken.has(`${f.file}:${i + 1}`)) return;
        for (const c of dateCols) {
          const v = cells[c] as string;
          if (v !== "" && !isLayoutDate(v)) bad.push(`${f.file}:${i + 1} ${header[c]}=${v}`);
        }
      });
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("writes the same bytes for the same seed", () => {
    const a = tempDir();
    const b = tempDir();
    runSynth({ profile: "village", seed: 99, out: a, asOf: "2024-10-01", names });
    runSynth({ profile: "village", seed: 99, out: b, asOf: "2024-10-01", names });
    const files = [
      ...readdirSync(a).filter((f) => f.endsWith(".csv")),
      ...readdirSync(join(a, "truth")).map((f) => join("truth", f)),
    ];
    expect(files.length).toBe(25);
    for (const f of files)
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
  });
});

describe("CP932 encoding", () => {
  it("writes 〓 for characters CP932 lacks instead of a silent ?", () => {
    expect(iconv.decode(encodeCp932("𠮷田　髙橋"), "cp932")).toBe("〓田　髙橋");
    expect(iconv.decode(encodeCp932("abc,ｱｲｳ\r\n"), "cp932")).toBe("abc,ｱｲｳ\r\n");
  });
});

describe("errors", () => {
  const globals = { databaseUrl: undefined, home: "/tmp" };

  it("rejects an unknown profile and missing options in Japanese", async () => {
    expect(() =>
      runSynth({ profile: "megacity", seed: 1, out: tempDir(), asOf: "2025-04-01", names }),
    ).toThrow(/village, town, city, metro/);
    await expect(synth.run(["--profile", "town"], globals)).rejects.toThrow(/必須/);
    await expect(
      synth.run(["--profile", "town", "--seed", "x", "--out", "/tmp/x"], globals),
    ).rejects.toThrow(/整数/);
    await expect(
      synth.run(
        ["--profile", "town", "--seed", "1", "--out", "/tmp/x", "--as-of", "2023-02-30"],
        globals,
      ),
    ).rejects.toThrow(/実在する日付/);
  });

  it("says where to find the name list when it is missing", () => {
    try {
      readNamePools("/nonexistent/gimei-names.yml");
      expect.fail("no error");
    } catch (e) {
      expect(isMimamoriError(e) && e.code === "config").toBe(true);
      expect((e as Error).message).toMatch(/--names/);
    }
    expect(existsSync(TEST_NAMES_FILE)).toBe(true);
  });
});
