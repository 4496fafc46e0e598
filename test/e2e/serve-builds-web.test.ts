/**
 * `npx mimamori serve` on a fresh clone (issue 11): with no web bundle it
 * builds one before listening, and GET / answers the app (not 503). The
 * bundle goes to a temporary MIMAMORI_WEB_DIST so the clone's web/dist is not
 * touched; a bundle older than its sources counts as stale.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { webBuildIsStale } from "../../src/server/web-build.ts";

const bin = join(import.meta.dirname, "..", "..", "bin", "mimamori.js");
const base = mkdtempSync(join(tmpdir(), "mimamori-serve-build-"));
const dist = join(base, "web-dist");
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGINT");
    await new Promise((r) => child?.once("exit", r));
  }
  rmSync(base, { recursive: true, force: true });
});

describe("mimamori serve builds the web bundle when it is missing", () => {
  it("builds, then serves the app at /", async () => {
    expect(existsSync(dist)).toBe(false);
    child = spawn(process.execPath, [bin, "--home", join(base, "home"), "serve", "--port", "0"], {
      env: { ...process.env, DATABASE_URL: "", LOG_LEVEL: "warn", MIMAMORI_WEB_DIST: dist },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 400_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = out.match(/起動しました: (http:\/\/\S+)/);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child?.stdout?.on("data", onData);
      child?.stderr?.on("data", onData);
      child?.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited with ${code}:\n${out}`));
      });
    });
    expect(out).toContain("Web 画面をビルドしています");
    expect(existsSync(join(dist, "index.html"))).toBe(true);

    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div id="root"');
    // A client-side route answers the same shell, and the script it names is served.
    const deep = await fetch(`${url}/results`);
    expect(deep.status).toBe(200);
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${url}${script}`)).status).toBe(200);

    // Fresh now; a stamp older than the sources makes it stale again.
    expect(webBuildIsStale(dist)).toBe(false);
    utimesSync(join(dist, ".build-stamp"), new Date(0), new Date(0));
    expect(webBuildIsStale(dist)).toBe(true);
  }, 500_000);
});
