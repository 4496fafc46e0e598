/**
 * Stable person ids across monthly runs. A run's clusters are matched to the
 * previous run's persons by what they share — profile keys (a record's
 * normalised identity, see japanese.ts) and 宛名番号 — so the same child keeps
 * the same person_id when records are added, changed (a move changes the
 * address, not the 宛名番号) or removed. Each previous id goes to at most one
 * cluster, the one sharing most with it (ties: the smaller id, then the
 * earlier cluster); a cluster sharing nothing gets a fresh id from a counter
 * that never reuses a number. The assignment is data: the pipeline stores it
 * and passes it to the next run.
 */
import type { PersonId } from "./types.ts";

export interface PersonIdAssignment {
  readonly version: 1;
  /** Next number for a fresh id. */
  readonly nextSeq: number;
  /** Profile key → person id (kept for profiles absent this run, so a returning record finds its person). */
  readonly byProfile: Readonly<Record<string, string>>;
  /** 宛名番号 → person id. */
  readonly byResidentNo: Readonly<Record<string, string>>;
}

export const EMPTY_ASSIGNMENT: PersonIdAssignment = {
  version: 1,
  nextSeq: 1,
  byProfile: {},
  byResidentNo: {},
};

export interface ClusterIdentity {
  readonly profileKeys: readonly string[];
  readonly residentNos: readonly string[];
}

/** Formats a fresh id: "P" and 8 digits (P00000001). */
export function formatPersonId(seq: number): PersonId {
  return `P${String(seq).padStart(8, "0")}` as PersonId;
}

/** Assigns ids to clusters given the previous run's assignment; returns the ids and the next assignment. */
export function assignPersonIds(
  clusters: readonly ClusterIdentity[],
  previous: PersonIdAssignment = EMPTY_ASSIGNMENT,
): { ids: PersonId[]; assignment: PersonIdAssignment } {
  // Votes: cluster × previous id → shared keys (a 宛名番号 counts as much as two profiles).
  const votes: { cluster: number; id: string; n: number }[] = [];
  clusters.forEach((c, ci) => {
    const tally = new Map<string, number>();
    for (const k of c.profileKeys) {
      const id = previous.byProfile[k];
      if (id !== undefined) tally.set(id, (tally.get(id) ?? 0) + 1);
    }
    for (const r of c.residentNos) {
      const id = previous.byResidentNo[r];
      if (id !== undefined) tally.set(id, (tally.get(id) ?? 0) + 2);
    }
    for (const [id, n] of tally) votes.push({ cluster: ci, id, n });
  });
  votes.sort(
    (x, y) => y.n - x.n || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) || x.cluster - y.cluster,
  );
  const ids = new Array<PersonId | undefined>(clusters.length).fill(undefined);
  const taken = new Set<string>();
  for (const v of votes) {
    if (ids[v.cluster] !== undefined || taken.has(v.id)) continue;
    ids[v.cluster] = v.id as PersonId;
    taken.add(v.id);
  }
  // Fresh ids in a deterministic order: by the cluster's smallest profile key.
  const fresh = clusters
    .map((c, ci) => ({ ci, key: c.profileKeys.reduce((m, k) => (m === "" || k < m ? k : m), "") }))
    .filter((x) => ids[x.ci] === undefined)
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.ci - y.ci));
  let seq = previous.nextSeq;
  for (const f of fresh) {
    let id = formatPersonId(seq++);
    while (taken.has(id)) id = formatPersonId(seq++);
    ids[f.ci] = id;
    taken.add(id);
  }
  const byProfile: Record<string, string> = { ...previous.byProfile };
  const byResidentNo: Record<string, string> = { ...previous.byResidentNo };
  clusters.forEach((c, ci) => {
    const id = ids[ci] as PersonId;
    for (const k of c.profileKeys) byProfile[k] = id;
    for (const r of c.residentNos) byResidentNo[r] = id;
  });
  return {
    ids: ids as PersonId[],
    assignment: { version: 1, nextSeq: seq, byProfile, byResidentNo },
  };
}
