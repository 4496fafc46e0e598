/**
 * `mimamori synth` without --names: it uses the built-in names made at `npm install` (never the
 * shared test data), and writes the same bytes every time.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMimamoriError } from "../../domain/errors.ts";
import { BUILT_IN_NAME_POOLS } from "../../domain/synth/index.ts";
import { namePoolsFor, runSynth, synth } from "./synth.ts";

const globals = { databaseUrl: undefined, home: "/nonexistent" };
const dirs: string[] = [];
let savedEnv: string | undefined;

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "mimamori-synth-names-"));
  dirs.push(d);
  return d;
}

/** Every file under `dir` (relative path → bytes). */
function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.set(path.slice(dir.length + 1), readFileSync(path));
  }
  return out;
}

function expectSameFiles(a: string, b: string): void {
  const fa = filesOf(a);
  const fb = filesOf(b);
  expect([...fb.keys()].sort()).toEqual([...fa.keys()].sort());
  for (const [name, bytes] of fa) expect(bytes.equals(fb.get(name) as Buffer), name).toBe(true);
}

async function runCli(out: string): Promise<void> {
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    const code = await synth.run(
      ["--profile", "village", "--seed", "42", "--out", out, "--as-of", "2025-04-01"],
      globals,
    );
    expect(code).toBe(0);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

let first: string;
let second: string;

beforeAll(async () => {
  savedEnv = process.env.MIMAMORI_NAMES;
  delete process.env.MIMAMORI_NAMES;
  first = tempDir();
  second = tempDir();
  await runCli(first);
  await runCli(second);
});

afterAll(() => {
  if (savedEnv === undefined) delete process.env.MIMAMORI_NAMES;
  else process.env.MIMAMORI_NAMES = savedEnv;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("mimamori synth without --names", () => {
  it("writes identical bytes twice (19 sources and the truth)", () => {
    expect(filesOf(first).size).toBe(19 + 6);
    expectSameFiles(first, second);
  });

  it("uses the built-in names", () => {
    const direct = tempDir();
    runSynth({
      profile: "village",
      seed: 42,
      out: direct,
      asOf: "2025-04-01",
      names: BUILT_IN_NAME_POOLS,
    });
    expectSameFiles(first, direct);
  });

  it("reads a gimei list only when one is named", () => {
    expect(namePoolsFor(undefined)).toBe(BUILT_IN_NAME_POOLS);
    process.env.MIMAMORI_NAMES = "/nonexistent/from-env.yml";
    try {
      expect(() => namePoolsFor(undefined)).toThrow(/from-env\.yml/);
    } finally {
      delete process.env.MIMAMORI_NAMES;
    }
    try {
      namePoolsFor("/nonexistent/gimei-names.yml");
      expect.fail("no error");
    } catch (e) {
      expect(isMimamoriError(e) && e.code === "config").toBe(true);
      expect((e as Error).message).toMatch(/--names/);
    }
  });
});
