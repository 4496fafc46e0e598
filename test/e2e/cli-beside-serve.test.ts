/**
 * Issue 16, first defect: with `mimamori serve` running on a home, every CLI
 * command of the README run against the same home must use that server's
 * database and leave the server answering. (Before the fix, the embedded
 * PostgreSQL's stale-pid recovery took the live server for a leftover of a
 * killed mimamori and shut it down: every request then failed with 500.)
 * A truly stale server — its mimamori SIGKILLed — is still recovered.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "bin", "mimamori.js");
const base = mkdtempSync(join(tmpdir(), "mimamori-beside-"));
chmodSync(base, 0o711);
const home = join(base, "home");
const staleHome = join(base, "stale");
const children: ChildProcess[] = [];
const env = { ...process.env, DATABASE_URL: "", LOG_LEVEL: "warn" };

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const h of [home, staleHome]) {
    const pidFile = join(h, "pg", "postmaster.pid");
    if (!existsSync(pidFile)) continue;
    try {
      process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT");
    } catch {}
  }
  await new Promise((r) => setTimeout(r, 1000));
  rmSync(base, { recursive: true, force: true });
});

function startServe(
  home: string,
): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn(process.execPath, [bin, "--home", home, "serve", "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/起動しました: (http:\/\/\S+)/);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: m[1], out: () => out });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
}

/** Runs one CLI command against the home (asynchronously: the test keeps its event loop). */
function cli(home: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [bin, "--home", home, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out })));
}

async function answers(url: string, password: string): Promise<void> {
  const me = await fetch(`${url}/api/auth/me`);
  expect(me.status).toBe(401);
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ loginName: "admin", password }),
  });
  expect(login.status).toBe(200);
}

const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) =>
    c.exitCode !== null ? r(c.exitCode) : c.once("exit", (code) => r(code)),
  );

describe("CLI commands beside a serving mimamori (same home, embedded PostgreSQL)", () => {
  it("every README command uses the served database and leaves the server answering", async () => {
    const served = await startServe(home);
    const password = served.out().match(/仮パスワード: (\S+)/)?.[1] ?? "";
    expect(password).not.toBe("");
    await answers(served.url, password);
    const pidBefore = readFileSync(join(home, "pg", "postmaster.pid"), "utf8").split("\n")[0];

    const data = join(base, "village");
    const out = join(base, "out");
    const steps: string[][] = [
      ["db", "migrate"],
      ["user", "add", "--login", "beside", "--role", "staff"],
      ["stats", "contingency", "--a", "10", "--b", "20", "--c", "30", "--d", "40"],
      ["synth", "--profile", "village", "--seed", "7", "--out", data],
      ["import", data, "--as-of", "2024-04-01"],
      ["import", data, "--as-of", "2024-04-01", "--dry-run"],
      ["import", "history"],
      ["run", "--as-of", "2024-04-01"],
      ["export", "links", "--out", join(out, "links.csv")],
      ["export", "persons", "--out", join(out, "persons.csv")],
      ["export", "flags", "--out", join(out, "flags.csv")],
      ["export", "scores", "--out", join(out, "scores.csv")],
      ["stats", "validate", "--out", join(out, "validation")],
      ["stats", "export", "--out", join(out, "pool.csv")],
      ["stats", "pool", join(out, "pool.csv")],
      ["retention", "--dry-run"],
    ];
    mkdirSync(out);
    for (const step of steps) {
      const r = await cli(home, ...step);
      expect(r.code, `${step.join(" ")}:\n${r.out}`).toBe(0);
      // The server still answers: an anonymous /me is 401 (not 500) and login works.
      await answers(served.url, password);
    }
    // A failing command (no such output folder) must not hurt the server either,
    // and says so in Japanese instead of crashing on an unhandled stream error.
    const bad = await cli(home, "export", "links", "--out", join(base, "missing", "l.csv"));
    expect(bad.code, bad.out).toBe(2);
    expect(bad.out).toContain("を書けません");
    await answers(served.url, password);
    // The very same postmaster served throughout; the command's user is in its database.
    expect(readFileSync(join(home, "pg", "postmaster.pid"), "utf8").split("\n")[0]).toBe(pidBefore);
    expect(readdirSync(join(home, "users"))).toHaveLength(1); // only the server's record

    served.child.kill("SIGTERM");
    expect([0, 143]).toContain(await exited(served.child));
    expect(existsSync(join(home, "pg", "postmaster.pid"))).toBe(false);
  }, 600_000);

  it("still recovers a truly stale server: its mimamori SIGKILLed, a CLI command restarts cleanly", async () => {
    // A home of its own: had the first test failed and left its server up, a
    // server started here would (rightly) attach to it rather than own one.
    const served = await startServe(staleHome);
    served.child.kill("SIGKILL");
    await exited(served.child);
    const pidFile = join(staleHome, "pg", "postmaster.pid");
    expect(existsSync(pidFile)).toBe(true);
    const leftover = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    const r = await cli(staleHome, "db", "migrate");
    expect(r.code, r.out).toBe(0);

    // The leftover was stopped and the command's own server stopped at its end.
    let alive = true;
    try {
      process.kill(leftover, 0);
    } catch {
      alive = false;
    }
    expect(alive).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  }, 180_000);
});
