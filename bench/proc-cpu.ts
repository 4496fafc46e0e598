/**
 * CPU time of the embedded PostgreSQL read from /proc, for the bench scripts that
 * compare CPU rather than wall time (the machine is shared, so wall time under load
 * is mostly waiting for a core). Linux only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import type { Database } from "../src/db/database.ts";
import { runAsOwner } from "../src/db/scope.ts";

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** The fields of /proc/PID/stat after the command (which may hold spaces): state ppid … */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * User + system CPU (ms) of the postmaster `root` so far: its live backends' own
 * time, and the postmaster's own and that of backends that have exited (cutime,
 * cstime), which a pool's idle timeout ends during a run.
 */
export function postgresTreeCpuMs(root: number): number {
  let ticks = 0;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let f: string[];
    try {
      f = statFields(d);
    } catch {
      continue; // The process ended meanwhile.
    }
    if (Number(d) === root) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    else if (Number(f[1]) === root) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_MS;
}

/** The postmaster of the server `db` is connected to (the parent of its backend). */
export async function postmasterOf(db: Database): Promise<number> {
  const pid = await runAsOwner(async () => {
    const r = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db);
    return r.rows[0]?.pid as number;
  });
  return Number(statFields(pid)[1]);
}

/**
 * CPU ms of the embedded PostgreSQL whose data folder is `dataDir`; 0 off Linux
 * or without an embedded server.
 */
export function postgresCpuMs(dataDir: string | undefined): number {
  if (!dataDir) return 0;
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return 0;
  }
  return postgresTreeCpuMs(postmaster);
}

/** `DIR [OUT.json] [--compare BEFORE.json] …` of the CPU bench scripts. */
export function cpuBenchArgs(usage: string): {
  data: string;
  outFile: string | undefined;
  before: string | undefined;
} {
  const args = process.argv.slice(2);
  const compareAt = args.indexOf("--compare");
  const before = compareAt >= 0 ? args[compareAt + 1] : undefined;
  const positional = args.filter(
    (a, i) => !a.startsWith("--") && (compareAt < 0 || i !== compareAt + 1),
  );
  const data = positional[0];
  if (!data) throw new Error(`usage: ${usage}`);
  return { data, outFile: positional[1], before };
}
