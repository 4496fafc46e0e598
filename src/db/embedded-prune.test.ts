import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pruneOrphanClusters } from "./embedded.ts";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A cluster directory as placeCluster leaves it: <base>/<id>/HOME.txt and pg/. */
function cluster(base: string, id: string, home: string | undefined, pid?: number): void {
  mkdirSync(join(base, id, "pg"), { recursive: true });
  if (home !== undefined) writeFileSync(join(base, id, "HOME.txt"), `${home}\n`);
  if (pid !== undefined) writeFileSync(join(base, id, "pg", "postmaster.pid"), `${pid}\n/x\n`);
}

describe("pruneOrphanClusters", () => {
  it("removes only clusters whose home is gone and whose server is not running", () => {
    const base = tempDir("mimamori-prune-");
    const liveHome = tempDir("mimamori-home-");
    const goneHome = join(tmpdir(), "mimamori-home-that-was-deleted-0");
    cluster(base, "a-home-exists", liveHome);
    cluster(base, "b-home-gone", goneHome);
    cluster(base, "c-home-gone-stale-pid", goneHome, 2 ** 22 + 7);
    cluster(base, "d-no-marker", undefined);
    mkdirSync(join(base, "runtime"));

    const removed = pruneOrphanClusters(base);

    expect(removed.map((d) => d.slice(base.length + 1)).sort()).toEqual([
      "b-home-gone",
      "c-home-gone-stale-pid",
    ]);
    expect(readdirSync(base).sort()).toEqual(["a-home-exists", "d-no-marker", "runtime"]);
  });

  it("keeps a cluster whose postmaster still runs even when its home is gone", async () => {
    const base = tempDir("mimamori-prune-");
    const dataDir = join(base, "e-running", "pg");
    // A process whose command line names a postgres binary and this data
    // directory, as isPostgresOf recognises a postmaster.
    const fake = spawn(process.execPath, [
      "-e",
      "setTimeout(() => {}, 60000)",
      "postgres",
      dataDir,
    ]);
    try {
      await new Promise((resolve) => fake.once("spawn", resolve));
      cluster(base, "e-running", join(tmpdir(), "mimamori-gone-1"), fake.pid);
      expect(pruneOrphanClusters(base)).toEqual([]);
      // A reused pid (a process that is not this cluster's postgres) counts as stopped.
      writeFileSync(join(dataDir, "postmaster.pid"), `${process.pid}\n`);
      expect(pruneOrphanClusters(base)).toEqual([join(base, "e-running")]);
    } finally {
      fake.kill();
    }
  });

  it("does nothing when the base does not exist", () => {
    expect(pruneOrphanClusters(join(tmpdir(), "mimamori-no-such-base-0"))).toEqual([]);
  });
});
