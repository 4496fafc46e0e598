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

/** Assigns ids to clusters given the state of earlier runs. */
export function assignPersonIds(
  clusters: readonly ClusterIdentity[],
  previous: PersonIdState = EMPTY_STATE,
): { ids: PersonId[]; assignment: PersonIdAssignment; events: PersonIdEvent[] } {
  const votes: { cluster: number; id: string; n: number }[] = [];
  const best = new Array<{ id: string; n: number } | undefined>(clusters.length);
  // One tally and one set, cleared per cluster (a metro run has 760,000 clusters).
  const tally = new Map<string, number>();
  const seen = new Set<string>();
  clusters.forEach((c, ci) => {
    tally.clear();
    seen.clear();
    for (const k of c.anchors) {
      if (seen.has(k)) continue;
      seen.add(k);
      const id = previous.byKey.get(k);
      if (id !== undefined) tally.set(id, (tally.get(id) ?? 0) + anchorWeight(k));
    }
    for (const [id, n] of tally) {
      votes.push({ cluster: ci, id, n });
      const b = best[ci];
      if (!b || n > b.n || (n === b.n && id < b.id)) best[ci] = { id, n };
    }
  });
  votes.sort(
    (x, y) => y.n - x.n || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) || x.cluster - y.cluster,
  );
  const ids = new Array<PersonId | undefined>(clusters.length).fill(undefined);
  const taken = new Set<string>();
  // Per earlier id: the cluster that wanted it most (for merge events).
  const wantedBy = new Map<string, { cluster: number; n: number }>();
  for (const v of votes) {
    if (!wantedBy.has(v.id)) wantedBy.set(v.id, { cluster: v.cluster, n: v.n });
    if (ids[v.cluster] !== undefined || taken.has(v.id)) continue;
    ids[v.cluster] = v.id as PersonId;
    taken.add(v.id);
  }
  // Fresh ids in a deterministic order: by the cluster's smallest anchor.
  const fresh = clusters
    .map((c, ci) => ({ ci, key: c.anchors.reduce((m, k) => (m === "" || k < m ? k : m), "") }))
    .filter((x) => ids[x.ci] === undefined)
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.ci - y.ci));
  let seq = previous.nextSeq;
  for (const f of fresh) {
    let id = formatPersonId(seq++);
    while (taken.has(id)) id = formatPersonId(seq++);
    ids[f.ci] = id;
    taken.add(id);
  }
  const events: PersonIdEvent[] = [];
  // Split: a cluster given a fresh id whose records belonged to a person that lives on elsewhere.
  for (const f of fresh) {
    const b = best[f.ci];
    if (b && taken.has(b.id))
      events.push({
        kind: "split",
        personId: b.id as PersonId,
        otherPersonId: ids[f.ci] as PersonId,
        shared: b.n,
        cluster: f.ci,
      });
  }
  // Merge: an earlier person whose id went to no cluster, its records now in another person.
  for (const [id, w] of wantedBy) {
    if (taken.has(id)) continue;
    events.push({
      kind: "merge",
      personId: ids[w.cluster] as PersonId,
      otherPersonId: id as PersonId,
      shared: w.n,
      cluster: w.cluster,
    });
  }
  events.sort(
    (x, y) =>
      (x.personId < y.personId ? -1 : x.personId > y.personId ? 1 : 0) ||
      (x.otherPersonId < y.otherPersonId ? -1 : 1),
  );
  const updates = new Map<string, string>();
  clusters.forEach((c, ci) => {
    const id = ids[ci] as PersonId;
    for (const k of c.anchors) updates.set(k, id);
  });
  return { ids: ids as PersonId[], assignment: { nextSeq: seq, updates }, events };
}

/** The state after a run: the earlier one with the run's anchors written over it (tests, replays). */
export function nextState(previous: PersonIdState, assignment: PersonIdAssignment): PersonIdState {
  const byKey = new Map(previous.byKey);
  for (const [k, id] of assignment.updates) byKey.set(k, id);
  return { nextSeq: assignment.nextSeq, byKey };
}
