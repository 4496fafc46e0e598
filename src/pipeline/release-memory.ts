/**
 * A full garbage collection between the monthly run's stages.
 *
 * The link stage leaves its profiles, pairs and persons behind as garbage
 * (about 2 GB on a metro), and the scoring read starts allocating at once:
 * V8 grows the heap for the new rows before a major collection has returned
 * the old ones, so the process's peak memory was link's garbage plus
 * scoring's live rows (docs/benchmarks.md, "Monthly run end to end"). One
 * collection when the link stage has returned costs well under a second and
 * lets scoring reuse that memory.
 *
 * Node exposes `gc` only with --expose-gc; the flag is set here, once, and
 * the function taken from a fresh context (the documented way to reach it
 * without a command-line flag). Nothing else uses it.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let collect: (() => void) | undefined;

/** Runs a full, synchronous garbage collection of this isolate. */
export function releaseStageMemory(): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === "function") collect = exposed;
    else {
      setFlagsFromString("--expose-gc");
      collect = runInNewContext("gc") as () => void;
    }
  }
  collect();
}
