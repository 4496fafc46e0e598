/**
 * Builds the web app (web/ → web/dist) when its sources are newer than the last
 * build, so `npm start` works from a fresh clone and later starts stay fast.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const projectRoot = join(import.meta.dirname, "..", "..");
export const webRoot = join(projectRoot, "web");
export const webDist = join(webRoot, "dist");
const stamp = join(webDist, ".build-stamp");

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "dist" || entry === "node_modules") continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function webBuildIsStale(): boolean {
  if (!existsSync(stamp) || !existsSync(join(webDist, "index.html"))) return true;
  const sources = Math.max(
    newestMtime(webRoot),
    newestMtime(join(projectRoot, "src", "server", "api-types.ts")),
  );
  return sources > statSync(stamp).mtimeMs;
}

/** Runs `vite build` in-process when stale. Returns whether it built. */
export async function ensureWebBuilt(log: (line: string) => void = () => {}): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  log("Web 画面をビルドしています…");
  const { build } = await import("vite");
  await build({ configFile: join(webRoot, "vite.config.ts"), logLevel: "warn" });
  writeFileSync(stamp, new Date().toISOString());
  return true;
}
