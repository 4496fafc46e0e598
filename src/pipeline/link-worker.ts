/**
 * Worker thread of the 名寄せ pool (pipeline/link-pool.ts): normalises chunks of
 * LinkRecords with the same pure functions the single-threaded path uses
 * (domain/linkage/japanese.ts), so the profiles built from its answers are the
 * same, byte for byte. Loaded by piscina; the default export answers one task.
 */
import {
  createNormaliser,
  familiesOf,
  identityOf,
  type NormalisedRecord,
  profileKeyOf,
} from "../domain/linkage/japanese.ts";
import type { LinkRecord } from "../domain/linkage/types.ts";

export interface FamiliesTask {
  readonly kind: "families";
  readonly records: readonly Pick<LinkRecord, "name" | "nameKana">[];
  readonly gaiji: ReadonlyMap<string, string>;
}

export interface NormaliseTask {
  readonly kind: "normalise";
  /** Same for every chunk of one preparation: the worker keeps its memos across them. */
  readonly run: string;
  readonly records: readonly LinkRecord[];
  readonly families: ReadonlySet<string>;
  readonly familyKana: ReadonlySet<string>;
  readonly gaiji: ReadonlyMap<string, string>;
  readonly backboneSources: readonly string[];
}

/** A chunk's records normalised: record j of the chunk is entries[slot[j]] (one entry per identity). */
export interface NormalisedChunk {
  readonly slot: Int32Array;
  readonly entries: NormalisedRecord[];
}

let current: { run: string; normalise: (r: LinkRecord) => NormalisedRecord } | null = null;

export default function task(
  t: FamiliesTask | NormaliseTask,
): { families: string[]; familyKana: string[] } | NormalisedChunk {
  if (t.kind === "families") return familiesOf(t.records, { gaiji: t.gaiji });
  if (current?.run !== t.run)
    current = {
      run: t.run,
      normalise: createNormaliser(t.families, t.familyKana, {
        gaiji: t.gaiji,
        backboneSources: t.backboneSources,
      }),
    };
  const normalise = current.normalise;
  const slot = new Int32Array(t.records.length);
  const entries: NormalisedRecord[] = [];
  const byIdentity = new Map<string, number>();
  t.records.forEach((r, j) => {
    const nr = normalise(r);
    const identity = identityOf(nr);
    let e = byIdentity.get(identity);
    if (e === undefined) {
      e = entries.length;
      byIdentity.set(identity, e);
      // Key and anchors here, once per identity, so the main thread only looks them up.
      entries.push({ ...nr, ...profileKeyOf(nr) });
    }
    slot[j] = e;
  });
  return { slot, entries };
}
