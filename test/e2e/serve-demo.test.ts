/**
 * `npm start` runs `mimamori serve --demo`: the synthetic demo town is loaded into a database
 * that has no import, and never without --demo or into a database that already holds imports.
 * Real processes on an embedded PostgreSQL (the loader itself: src/pipeline/demo.test.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "bin", "mimamori.js");
const base = mkdtempSync(join(tmpdir(), "mimamori-demo-"));
chmodSync(base, 0o711);
const home = join(base, "home");
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  const pidFile = join(home, "pg", "postmaster.pid");
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT");
    } catch {}
    await new Promise((r) => setTimeout(r, 1000));
  }
  rmSync(base, { recursive: true, force: true });
});

/** Runs `mimamori serve` until it listens, then stops it; resolves with everything it printed. */
function serveOnce(extra: string[]): Promise<string> {
  const child = spawn(process.execPath, [bin, "--home", home, "serve", "--port", "0", ...extra], {
    env: { ...process.env, DATABASE_URL: "", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 90_000);
    let stopping = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!stopping && /起動しました: http/.test(out)) {
        stopping = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (stopping) resolve(out);
      else reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
}

describe("mimamori serve --demo (npm start)", () => {
  it("loads the demo only with --demo, and only into a database without imports", async () => {
    const plain = await serveOnce([]);
    expect(plain).toContain("仮パスワード");
    expect(plain).not.toContain("デモ");
    expect(existsSync(join(home, "demo"))).toBe(false);

    const demo = await serveOnce(["--demo"]);
    expect(demo).toMatch(
      /デモ用の合成データを読み込みました: 自治体名「見守町（デモ・合成データ）」、19 ファイル/,
    );
    expect(demo).toContain("実在の人物のデータではありません");
    expect(demo).toContain("npx mimamori serve");
    expect(existsSync(join(home, "demo", "jumin.csv"))).toBe(true);
    // The screening history (issue 13): lists, conferences and cases for every workflow screen.
    expect(demo).toMatch(/見守りの記録（デモ）: 候補リスト 3 か月分、会議 2 回、ケース 11 件/);
    // One account per role, each with a printed one-time password (demo only).
    expect(demo).toContain("デモ用アカウント");
    for (const login of [
      "coordinator",
      "coordinator2",
      "staff",
      "school",
      "dataowner",
      "analyst",
      "auditor",
    ])
      expect(demo).toMatch(new RegExp(`\\n\\s+${login}\\s+\\S{12,}\\s+…`));
    expect(plain).not.toContain("デモ用アカウント");

    const again = await serveOnce(["--demo"]);
    expect(again).not.toContain("デモ用の合成データ");
    expect(again).not.toContain("デモ用アカウント");
    expect(again).toContain("起動しました");
  }, 150_000);
});
