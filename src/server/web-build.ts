/**
 * Builds the web app (web/ → web/dist) when its sources are newer than the last
 * build, so `npx mimamori serve` and `npm start` work from a fresh clone and
 * later starts stay fast. The bundle is built into a temporary folder beside
 * the target and renamed into place, so two processes starting at once never
 * serve (or empty) a half-written bundle.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const projectRoot = join(import.meta.dirname, "..", "..");
export const webRoot = join(projectRoot, "web");
/**
 * Where the built web app is served from: web/dist, or MIMAMORI_WEB_DIST
 * (a folder of its own, e.g. when the installation folder is read-only).
 */
export const webDist = process.env.MIMAMORI_WEB_DIST || join(webRoot, "dist");
const stampOf = (dist: string) => join(dist, ".build-stamp");

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    // dist, dist-test (the tests' own bundle) and their dist*.building-* folders.
    if (entry === "node_modules" || entry.startsWith("dist")) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Missing, or older than any source of web/ (or the API's types it imports). */
export function webBuildIsStale(dist = webDist): boolean {
  const stamp = stampOf(dist);
  if (!existsSync(stamp) || !existsSync(join(dist, "index.html"))) return true;
  const sources = Math.max(
    newestMtime(webRoot),
    newestMtime(join(projectRoot, "src", "server", "api-types.ts")),
  );
  return sources > statSync(stamp).mtimeMs;
}

/** Runs `vite build` in-process when stale. Returns whether it built. */
export async function ensureWebBuilt(
  log: (line: string) => void = () => {},
  dist = webDist,
): Promise<boolean> {
  if (!webBuildIsStale(dist)) return false;
  log("Web 画面をビルドしています（初回や更新後のみ。1〜2分かかることがあります）…");
  const { build } = await import("vite");
  const tmp = `${dist}.building-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await build({
      configFile: join(webRoot, "vite.config.ts"),
      logLevel: "warn",
      build: { outDir: tmp, emptyOutDir: true },
    });
    writeFileSync(stampOf(tmp), new Date().toISOString());
    rmSync(dist, { recursive: true, force: true });
    try {
      renameSync(tmp, dist);
    } catch (e) {
      // Another process put its fresh build there first: use that one.
      if (!existsSync(join(dist, "index.html"))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return true;
}
