/**
 * `mimamori synth` at every size (issue 3 target: `metro` in under 2 minutes and under 4 GB on
 * this 2-core machine). Each profile runs in a child process (`node bin/mimamori.js synth`),
 * so its peak resident set is its own: the child's maximum RSS is read from /proc while it
 * runs (VmHWM, the kernel's high-water mark). File sizes and rows are from the written files.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const SEED = 1;

interface Run {
  profile: string;
  seconds: number;
  peakMb: number;
  files: { file: string; rows: number; bytes: number }[];
  truthBytes: number;
}

function vmHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function run(profile: string): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), `mimamori-bench-synth-${profile}-`));
  try {
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [
        join(root, "bin", "mimamori.js"),
        "synth",
        "--profile",
        profile,
        "--seed",
        String(SEED),
        "--out",
        out,
      ],
      {
        stdio: ["ignore", "ignore", "ignore"],
      },
    );
    let peakKb = 0;
    const timer = setInterval(() => {
      if (child.pid !== undefined) peakKb = Math.max(peakKb, vmHwmKb(child.pid));
    }, 50);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearInterval(timer);
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`synth ${profile} exited with ${code}`);
    const records = readFileSync(join(out, "truth", "records.csv"), "utf8");
    const rowsByFile = new Map<string, number>();
    let start = records.indexOf("\n") + 1;
    while (start < records.length) {
      const end = records.indexOf("\n", start);
      const line = records.slice(start, end < 0 ? records.length : end);
      const file = line.split(",")[1] as string;
      rowsByFile.set(file, (rowsByFile.get(file) ?? 0) + 1);
      start = end < 0 ? records.length : end + 1;
    }
    const files = readdirSync(out)
      .filter((f) => f.endsWith(".csv"))
      .sort()
      .map((file) => ({
        file,
        rows: rowsByFile.get(file) ?? 0,
        bytes: statSync(join(out, file)).size,
      }));
    const truthBytes = readdirSync(join(out, "truth")).reduce(
      (s, f) => s + statSync(join(out, "truth", f)).size,
      0,
    );
    return { profile, seconds, peakMb: peakKb / 1024, files, truthBytes };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

export default async function bench(): Promise<string> {
  const runs: Run[] = [];
  for (const profile of ["village", "town", "city", "metro"]) runs.push(await run(profile));
  const metro = runs[runs.length - 1] as Run;
  const lines = [
    "## Synthetic municipality (`mimamori synth`)",
    "",
    `Wall time and peak memory of \`node bin/mimamori.js synth --profile P --seed ${SEED} --out DIR\` (as-of 2025-04-01), one child process per profile; peak memory is the child's VmHWM (maximum resident set) read from /proc. Target (issue 3): metro under 2 minutes and under 4 GB.`,
    "",
    "| profile | time | peak memory | data rows | source files | truth/ |",
    "|---|---|---|---|---|---|",
    ...runs.map(
      (r) =>
        `| ${r.profile} | ${r.seconds.toFixed(1)} s | ${r.peakMb.toFixed(0)} MB | ${r.files.reduce((s, f) => s + f.rows, 0).toLocaleString("en-US")} | ${mb(r.files.reduce((s, f) => s + f.bytes, 0))} MB | ${mb(r.truthBytes)} MB |`,
    ),
    "",
    `Files of the metro run (${metro.seconds.toFixed(1)} s, ${metro.peakMb.toFixed(0)} MB peak):`,
    "",
    "| file | rows | size |",
    "|---|---|---|",
    ...metro.files.map(
      (f) => `| ${f.file} | ${f.rows.toLocaleString("en-US")} | ${mb(f.bytes)} MB |`,
    ),
  ];
  return lines.join("\n");
}
