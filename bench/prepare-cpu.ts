/**
 * CPU of the link stage's `prepare` alone and of filling `RecordColumns` (issue 15, the link
 * read's Node side): `npx tsx bench/prepare-cpu.ts DIR [ROUNDS]` reads a `mimamori synth` folder
 * once (as bench/linkage-synth.bench.ts does), then per round pushes every record into a fresh
 * `RecordColumns` and runs `prepareProfiles` over it, printing the CPU seconds of this process
 * for each (`process.cpuUsage()`), the 1-minute load average, and a SHA-256 of what `prepare`
 * returned (every profile's key, anchors, column codes and values, records and attachment), so
 * two versions of the code can be compared: the digest must not change. A hand-run tool, not run
 * by `npm test`; `--cpu-prof` works on it when bundled with esbuild (keeps function names).
 */
import { createHash } from "node:crypto";
import { loadavg } from "node:os";
import { type PreparedProfiles, prepareProfiles } from "../src/domain/linkage/japanese.ts";
import { RecordColumns } from "../src/domain/linkage/record-columns.ts";
import { readMunicipality } from "./linkage-synth.bench.ts";

const [dir, roundsArg] = process.argv.slice(2);
if (!dir) throw new Error("usage: bench/prepare-cpu.ts DIR [ROUNDS]");
const rounds = Number(roundsArg ?? 3);
const { records } = await readMunicipality(dir);

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function digest(p: PreparedProfiles): string {
  const h = createHash("sha256");
  h.update(`${p.table.size}|${p.keys.join(",")}\n`);
  for (let q = 0; q < p.table.size; q++) h.update(`${p.anchors.stringsOf(q).join(",")};`);
  for (const [name, col] of p.table.columns) {
    h.update(`\n${name}|${col.present}|${col.values.join("\u0001")}|`);
    h.update(new Uint8Array(col.codes.buffer, col.codes.byteOffset, col.codes.byteLength));
    h.update(new Uint8Array(col.counts.buffer, col.counts.byteOffset, col.counts.byteLength));
    if (col.unknown) h.update(col.unknown);
  }
  for (const a of [p.profileOf, p.recordOffsets, p.recordOrder, p.attachTo])
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  h.update(p.table.backbone);
  return h.digest("hex");
}

for (let round = 1; round <= rounds; round++) {
  const t0 = cpu();
  const columns = new RecordColumns();
  for (const r of records) columns.push(r);
  columns.seal();
  const t1 = cpu();
  const prepared = prepareProfiles(columns);
  const t2 = cpu();
  process.stdout.write(
    `round ${round}\trows ${columns.length}\tprofiles ${prepared.table.size}\tpush ${(t1 - t0).toFixed(2)} s\tprepare ${(t2 - t1).toFixed(2)} s\tload ${(loadavg()[0] as number).toFixed(2)}\tpeak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\t${digest(prepared).slice(0, 16)}\n`,
  );
}
