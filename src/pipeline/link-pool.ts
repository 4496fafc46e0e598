/**
 * 名寄せ's normalising in worker threads (piscina): a metro run has about
 * three million rows and most of preparing them is per-row string work
 * (names, readings, addresses, keys), which the worker threads share out.
 * The main thread keeps the order: it feeds the normalised chunks, in input
 * order, to the same profile builder the single-threaded path uses
 * (domain/linkage/japanese.ts), so the result is byte-identical whatever the
 * number of workers. Small inputs (tests, a town) are prepared in this thread:
 * starting a pool costs more than it saves.
 */
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import {
  createProfileBuilder,
  type NormalisedRecord,
  type NormaliseOptions,
  type PreparedProfiles,
  prepareProfiles,
} from "../domain/linkage/japanese.ts";
import type { RecordList } from "../domain/linkage/record-columns.ts";
import type { LinkRecord } from "../domain/linkage/types.ts";
import type { NormalisedChunk } from "./link-worker.ts";

/** Below this many rows the pool is not started (default; MIMAMORI_LINK_WORKERS_MIN_ROWS). */
export const POOL_MIN_ROWS = 200_000;
/** Records per task. */
const CHUNK = 25_000;

/**
 * Worker threads for 名寄せ: MIMAMORI_LINK_WORKERS (0 = none, prepare in this
 * thread), else two fewer than the cores, at most 4: none on a 2-core machine,
 * where the main thread and PostgreSQL already want both cores and the only
 * measurement so far (a busy shared machine, docs/benchmarks.md) found the
 * threads made `prepare` slower. 0 when the input is smaller than
 * POOL_MIN_ROWS (MIMAMORI_LINK_WORKERS_MIN_ROWS).
 */
export function linkWorkerCount(
  rows: number,
  env: NodeJS.ProcessEnv = process.env,
  cores: number = availableParallelism(),
): number {
  const minRows = Number(env.MIMAMORI_LINK_WORKERS_MIN_ROWS ?? POOL_MIN_ROWS);
  if (rows < (Number.isFinite(minRows) ? minRows : POOL_MIN_ROWS)) return 0;
  const set = env.MIMAMORI_LINK_WORKERS;
  if (set !== undefined && set !== "") {
    const n = Number(set);
    return Number.isInteger(n) && n >= 0 ? Math.min(n, 16) : 0;
  }
  return Math.max(0, Math.min(4, cores - 2));
}

/**
 * prepareProfiles with `workers` worker threads (0: in this thread). The same
 * result as prepareProfiles(records, options).
 */
export async function prepareProfilesInWorkers(
  records: RecordList,
  options: NormaliseOptions & { readonly workers: number; readonly chunk?: number },
): Promise<PreparedProfiles> {
  if (options.workers <= 0) return prepareProfiles(records, options);
  const gaiji = options.gaiji ?? new Map<string, string>();
  const backboneSources = [...(options.backboneSources ?? ["jumin"])];
  const pool = new Piscina({
    // A .mjs entry that registers tsx, then loads link-worker.ts.
    filename: new URL("./link-worker-entry.mjs", import.meta.url).href,
    minThreads: options.workers,
    maxThreads: options.workers,
  });
  try {
    const chunks: [number, number][] = [];
    const size = options.chunk ?? CHUNK;
    for (let start = 0; start < records.length; start += size)
      chunks.push([start, Math.min(records.length, start + size)]);
    // Round 1: the 氏 written with a space anywhere in the input (order-free sets).
    const families = new Set<string>();
    const familyKana = new Set<string>();
    const found = await Promise.all(
      chunks.map(
        ([a, b]) =>
          pool.run({
            kind: "families",
            records: slice(records, a, b).map((r) => ({ name: r.name, nameKana: r.nameKana })),
            gaiji,
          }) as Promise<{ families: string[]; familyKana: string[] }>,
      ),
    );
    for (const f of found) {
      for (const x of f.families) families.add(x);
      for (const x of f.familyKana) familyKana.add(x);
    }
    // Round 2: chunks normalised ahead (a bounded window, so memory stays flat), built in order.
    const run = randomUUID();
    const submit = ([a, b]: [number, number]) => {
      const p = pool.run({
        kind: "normalise",
        run,
        records: slice(records, a, b),
        families,
        familyKana,
        gaiji,
        backboneSources,
      }) as Promise<NormalisedChunk>;
      // Awaited in order below; a failure must not surface as unhandled before then.
      p.catch(() => {});
      return p;
    };
    const builder = createProfileBuilder(records.length, options);
    const window = options.workers * 2;
    const pending: Promise<NormalisedChunk>[] = [];
    let next = 0;
    while (next < chunks.length && pending.length < window)
      pending.push(submit(chunks[next++] as [number, number]));
    for (const [a] of chunks) {
      const chunk = await (pending.shift() as Promise<NormalisedChunk>);
      if (next < chunks.length) pending.push(submit(chunks[next++] as [number, number]));
      const { slot, entries } = chunk;
      for (let j = 0; j < slot.length; j++) {
        const i = a + j;
        builder.add(
          i,
          records.at(i) as LinkRecord,
          () => entries[slot[j] as number] as NormalisedRecord,
        );
      }
    }
    return builder.finish();
  } finally {
    await pool.destroy();
  }
}

/** Records a to b of a list, as an array (one chunk for a worker). */
function slice(records: RecordList, a: number, b: number): LinkRecord[] {
  const out: LinkRecord[] = new Array(b - a);
  for (let i = a; i < b; i++) out[i - a] = records.at(i) as LinkRecord;
  return out;
}
