/**
 * Stable person ids across monthly runs. A run's clusters are matched to the
 * persons of earlier runs by their records' anchors (japanese.ts
 * `profileAnchors`: 宛名番号, 氏名 + 生年月日 + 性別, its reading, 名 or 氏 at
 * the same school …), which do not change with a new extract, the April
 * grade change, a move of school or a corrected or changed name (as long as
 * one anchor survives). Each earlier id goes to at most one cluster, the one
 * sharing most with it (a 宛名番号 counts twice; ties: the smaller id, then the
 * earlier cluster); a cluster sharing nothing gets a fresh id from a counter
 * that never reuses a number.
 *
 * The state is one id per anchor ever seen (the pipeline keeps it in the
 * table link_identity, updated with each run's anchors): it grows with the
 * number of persons and their identities, not with the number of runs.
 *
 * When an earlier person's records now form two persons (split) or two
 * earlier persons are now one (merge), the change is returned as an event
 * for the run to record and explain.
 */
import type { PersonId } from "./types.ts";

/** What the previous runs left: the id of every anchor seen, and the next fresh number. */
export interface PersonIdState {
  readonly nextSeq: number;
  readonly byKey: ReadonlyMap<string, string>;
}

/** The ids of this run: the next fresh number and every anchor of every person now. */
export interface PersonIdAssignment {
  readonly nextSeq: number;
  /** This run's anchors → person id (to be merged into the state; earlier anchors are kept). */
  readonly updates: ReadonlyMap<string, string>;
}

export const EMPTY_STATE: PersonIdState = { nextSeq: 1, byKey: new Map() };

export interface ClusterIdentity {
  /** The anchors of the cluster's records (any order, duplicates allowed). */
  readonly anchors: readonly string[];
}

/** A split or merge of earlier persons in this run. */
export interface PersonIdEvent {
  /**
   * "split": records of `personId` now also form `otherPersonId` (a fresh id);
   * "merge": the records of `otherPersonId` joined `personId` (the other id is no longer used).
   */
  readonly kind: "split" | "merge";
  readonly personId: PersonId;
  readonly otherPersonId: PersonId;
  /** Anchors the cluster shares with the earlier person. */
  readonly shared: number;
  /** Index of the cluster concerned (the fresh one for a split, the joined one for a merge). */
  readonly cluster: number;
}

/** Formats a fresh id: "P" and 8 digits (P00000001). */
export function formatPersonId(seq: number): PersonId {
  return `P${String(seq).padStart(8, "0")}` as PersonId;
}

/** A 宛名番号 anchor (kind `r`) weighs twice. */
function anchorWeight(anchor: string): number {
  return anchor.charCodeAt(0) === 114 /* r */ ? 2 : 1;
}

/**
 * Clusters with their anchors as numbers (domain/linkage/anchors.ts): what assignPersonIds
 * works on, without a string or a Map entry per anchor (a metro run has 4.9 million).
 */
export interface PackedClusters {
  /** Cluster c's anchors (duplicates allowed) are anchor[start[c] .. start[c + 1]). */
  readonly start: Int32Array;
  readonly anchor: Int32Array;
  /** Per anchor number: its weight (2 for a 宛名番号, else 1). */
  readonly weight: Uint8Array;
  /** Per anchor number: the earlier person it belonged to (index into previousIds), or -1. */
  readonly previous: Int32Array;
  /** The earlier persons' ids. */
  readonly previousIds: readonly string[];
  /** Anchor numbers in the order of the anchors' strings. */
  readonly compare: (a: number, b: number) => number;
}

/**
 * assignPersonIds on numbered anchors. Returns each cluster's id, and per anchor number the
 * last cluster holding it (-1: none), which is the person the anchor is assigned to.
 */
export function assignPackedPersonIds(
  input: PackedClusters,
  nextSeq: number,
): { ids: PersonId[]; clusterOfAnchor: Int32Array; nextSeq: number; events: PersonIdEvent[] } {
  const { start, anchor, weight, previous, previousIds } = input;
  const clusters = start.length - 1;
  const anchors = weight.length;
  const earlier = previousIds.length;
  // The earlier ids in string order (ties between votes go to the smaller id).
  const rank = new Int32Array(earlier);
  {
    const order = Array.from({ length: earlier }, (_, i) => i).sort((x, y) => {
      const a = previousIds[x] as string;
      const b = previousIds[y] as string;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    order.forEach((k, r) => {
      rank[k] = r;
    });
  }
  // Votes: (cluster, earlier person, anchors shared, a 宛名番号 twice), in columns.
  let voteCluster: Int32Array<ArrayBuffer> = new Int32Array(1024);
  let voteId: Int32Array<ArrayBuffer> = new Int32Array(1024);
  let voteN: Int32Array<ArrayBuffer> = new Int32Array(1024);
  let votes = 0;
  const bestId = new Int32Array(clusters).fill(-1);
  const bestN = new Int32Array(clusters);
  if (earlier > 0) {
    // One stamp per anchor and one tally per earlier person, reused cluster after cluster.
    const seen = new Int32Array(anchors).fill(-1);
    const tally = new Int32Array(earlier);
    const touched: number[] = [];
    for (let c = 0; c < clusters; c++) {
      for (let j = start[c] as number; j < (start[c + 1] as number); j++) {
        const a = anchor[j] as number;
        if (seen[a] === c) continue;
        seen[a] = c;
        const id = previous[a] as number;
        if (id < 0) continue;
        if (tally[id] === 0) touched.push(id);
        tally[id] = (tally[id] as number) + (weight[a] as number);
      }
      for (const id of touched) {
        const n = tally[id] as number;
        tally[id] = 0;
        if (votes === voteId.length) {
          voteCluster = grown(voteCluster);
          voteId = grown(voteId);
          voteN = grown(voteN);
        }
        voteCluster[votes] = c;
        voteId[votes] = id;
        voteN[votes] = n;
        votes++;
        const b = bestId[c] as number;
        if (
          b < 0 ||
          n > (bestN[c] as number) ||
          (n === bestN[c] && (rank[id] as number) < (rank[b] as number))
        ) {
          bestId[c] = id;
          bestN[c] = n;
        }
      }
      touched.length = 0;
    }
  }
  const order = Int32Array.from({ length: votes }, (_, i) => i).sort(
    (x, y) =>
      (voteN[y] as number) - (voteN[x] as number) ||
      (rank[voteId[x] as number] as number) - (rank[voteId[y] as number] as number) ||
      (voteCluster[x] as number) - (voteCluster[y] as number),
  );
  const ids = new Array<PersonId | undefined>(clusters).fill(undefined);
  const taken = new Uint8Array(earlier);
  // Per earlier id: the cluster that wanted it most (for merge events), in vote order.
  const wantedCluster = new Int32Array(earlier).fill(-1);
  const wantedN = new Int32Array(earlier);
  const wanted: number[] = [];
  for (const v of order) {
    const c = voteCluster[v] as number;
    const id = voteId[v] as number;
    if (wantedCluster[id] === -1) {
      wantedCluster[id] = c;
      wantedN[id] = voteN[v] as number;
      wanted.push(id);
    }
    if (ids[c] !== undefined || taken[id] === 1) continue;
    ids[c] = previousIds[id] as PersonId;
    taken[id] = 1;
  }
  // Fresh ids in a deterministic order: by the cluster's smallest anchor.
  const smallest = new Int32Array(clusters).fill(-1);
  const fresh: number[] = [];
  for (let c = 0; c < clusters; c++) {
    if (ids[c] !== undefined) continue;
    let m = -1;
    for (let j = start[c] as number; j < (start[c + 1] as number); j++) {
      const a = anchor[j] as number;
      if (m < 0 || input.compare(a, m) < 0) m = a;
    }
    smallest[c] = m;
    fresh.push(c);
  }
  fresh.sort((x, y) => {
    const a = smallest[x] as number;
    const b = smallest[y] as number;
    // A cluster without anchors sorts first (its smallest anchor is the empty string).
    const d = a < 0 || b < 0 ? (a < 0 ? 0 : 1) - (b < 0 ? 0 : 1) : input.compare(a, b);
    return d || x - y;
  });
  const earlierIndex = new Map<string, number>();
  previousIds.forEach((id, k) => {
    earlierIndex.set(id, k);
  });
  const takenId = (id: string) => {
    const k = earlierIndex.get(id);
    return k !== undefined && taken[k] === 1;
  };
  let seq = nextSeq;
  for (const c of fresh) {
    let id = formatPersonId(seq++);
    while (takenId(id)) id = formatPersonId(seq++);
    ids[c] = id;
  }
  const events: PersonIdEvent[] = [];
  // Split: a cluster given a fresh id whose records belonged to a person that lives on elsewhere.
  for (const c of fresh) {
    const b = bestId[c] as number;
    if (b >= 0 && taken[b] === 1)
      events.push({
        kind: "split",
        personId: previousIds[b] as PersonId,
        otherPersonId: ids[c] as PersonId,
        shared: bestN[c] as number,
        cluster: c,
      });
  }
  // Merge: an earlier person whose id went to no cluster, its records now in another person.
  for (const id of wanted) {
    if (taken[id] === 1) continue;
    const c = wantedCluster[id] as number;
    events.push({
      kind: "merge",
      personId: ids[c] as PersonId,
      otherPersonId: previousIds[id] as PersonId,
      shared: wantedN[id] as number,
      cluster: c,
    });
  }
  events.sort(
    (x, y) =>
      (x.personId < y.personId ? -1 : x.personId > y.personId ? 1 : 0) ||
      (x.otherPersonId < y.otherPersonId ? -1 : 1),
  );
  const clusterOfAnchor = new Int32Array(anchors).fill(-1);
  for (let c = 0; c < clusters; c++)
    for (let j = start[c] as number; j < (start[c + 1] as number); j++)
      clusterOfAnchor[anchor[j] as number] = c;
  return { ids: ids as PersonId[], clusterOfAnchor, nextSeq: seq, events };
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Assigns ids to clusters given the state of earlier runs (anchors as strings). */
export function assignPersonIds(
  clusters: readonly ClusterIdentity[],
  previous: PersonIdState = EMPTY_STATE,
): { ids: PersonId[]; assignment: PersonIdAssignment; events: PersonIdEvent[] } {
  const number = new Map<string, number>();
  const strings: string[] = [];
  const earlier = new Map<string, number>();
  const previousIds: string[] = [];
  const previousOf: number[] = [];
  const start = new Int32Array(clusters.length + 1);
  const list: number[] = [];
  const lists = clusters.map((c) => c.anchors);
  lists.forEach((anchors, ci) => {
    for (const k of anchors) {
      let a = number.get(k);
      if (a === undefined) {
        a = strings.length;
        number.set(k, a);
        strings.push(k);
        const id = previous.byKey.get(k);
        let e = -1;
        if (id !== undefined) {
          e = earlier.get(id) ?? -1;
          if (e < 0) {
            e = previousIds.length;
            earlier.set(id, e);
            previousIds.push(id);
          }
        }
        previousOf.push(e);
      }
      list.push(a);
    }
    start[ci + 1] = list.length;
  });
  const { ids, nextSeq, events } = assignPackedPersonIds(
    {
      start,
      anchor: Int32Array.from(list),
      weight: Uint8Array.from(strings, anchorWeight),
      previous: Int32Array.from(previousOf),
      previousIds,
      compare: (a, b) => {
        const x = strings[a] as string;
        const y = strings[b] as string;
        return x < y ? -1 : x > y ? 1 : 0;
      },
    },
    previous.nextSeq,
  );
  const updates = new Map<string, string>();
  lists.forEach((anchors, ci) => {
    const id = ids[ci] as PersonId;
    for (const k of anchors) updates.set(k, id);
  });
  return { ids, assignment: { nextSeq, updates }, events };
}

/** The state after a run: the earlier one with the run's anchors written over it (tests, replays). */
export function nextState(previous: PersonIdState, assignment: PersonIdAssignment): PersonIdState {
  const byKey = new Map(previous.byKey);
  for (const [k, id] of assignment.updates) byKey.set(k, id);
  return { nextSeq: assignment.nextSeq, byKey };
}
