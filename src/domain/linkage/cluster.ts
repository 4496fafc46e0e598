/**
 * Clustering accepted pairs into persons: union–find (path halving, union by
 * size) over edges taken strongest first, each union checked against hard
 * constraints before it is made:
 *  - cannot-link pairs (twins: same 生年月日 and 世帯, different given names;
 *    pairs a reviewer marked "different") never end up in one person, also not
 *    through a chain of other records;
 *  - two persons that already hold resident-registry (backbone) records are
 *    joined only by a direct backbone–backbone edge (one person holding two
 *    宛名番号) or a reviewer's "same", never through a third record such as a
 *    school row that resembles both.
 * The clusters are exactly the connected components of the accepted edges,
 * which the property tests check against a plain union–find.
 */

export const EDGE_PROBABILISTIC = 0;
export const EDGE_MANUAL = 1;
export const EDGE_ID = 2;
/** A pair below the accept threshold kept because its rows were one person in the previous run. */
export const EDGE_KEPT = 3;
/**
 * A pair below the accept threshold linked because its two persons' records are
 * complementary (engine.ts `complementEdges`): one holds the registry record, the other
 * the rows of sources the first lacks, and neither has a near rival.
 */
export const EDGE_COMPLEMENT = 4;
/** Another name of the same record (a registry record's 通称): joined before any scored pair. */
export const EDGE_ATTACH = 5;

export interface Edges {
  readonly a: Int32Array;
  readonly b: Int32Array;
  /** Match weight (bits); ignored for manual and id edges. */
  readonly weight: Float64Array;
  readonly kind: Uint8Array;
  readonly count: number;
}

export interface ClusterResult {
  /** Per node: dense cluster index. */
  readonly cluster: Int32Array;
  readonly clusterCount: number;
  /** Indices (into the input edges) of accepted edges, in the order they were accepted. */
  readonly accepted: Int32Array;
  /** Per node: the accepted edge through which it joined its person, or -1. */
  readonly linkEdge: Int32Array;
  /** Edges refused by a constraint (count per reason). */
  readonly refused: { readonly cannotLink: number; readonly backbone: number };
  /**
   * Whether the final clusters of nodes a and b may never be joined: a cannot-link rule
   * (twins, overlapping 住民票) or a reviewer's "different" holds between their members.
   * A pair so separated is not worth asking a reviewer about.
   */
  readonly separated: (a: number, b: number) => boolean;
}

/** Plain union–find with path halving and union by size. */
export class UnionFind {
  readonly parent: Int32Array;
  readonly size: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x] as number] as number;
      x = p[x] as number;
    }
    return x;
  }
  /** Joins the sets of x and y; returns the new root. */
  union(x: number, y: number): number {
    let a = this.find(x);
    let b = this.find(y);
    if (a === b) return a;
    if ((this.size[a] as number) < (this.size[b] as number)) [a, b] = [b, a];
    this.parent[b] = a;
    this.size[a] = (this.size[a] as number) + (this.size[b] as number);
    return a;
  }
}

/**
 * Order of edges: manual first, then attached names, then by weight (strongest first), then
 * id edges, then kept and complementary edges; ties by (a, b).
 */
function edgeOrder(edges: Edges): Int32Array {
  const idx = Array.from({ length: edges.count }, (_, i) => i);
  // Kept edges come last: they only join what the accepted edges no longer join.
  const rank = (k: number) =>
    k === EDGE_MANUAL
      ? 0
      : k === EDGE_ATTACH
        ? 0.5
        : k === EDGE_PROBABILISTIC
          ? 1
          : k === EDGE_ID
            ? 2
            : 3;
  idx.sort((x, y) => {
    const kx = rank(edges.kind[x] as number);
    const ky = rank(edges.kind[y] as number);
    if (kx !== ky) return kx - ky;
    const wx = edges.weight[x] as number;
    const wy = edges.weight[y] as number;
    if (kx === 1 && wx !== wy) return wy - wx;
    return (
      (edges.a[x] as number) - (edges.a[y] as number) ||
      (edges.b[x] as number) - (edges.b[y] as number)
    );
  });
  return Int32Array.from(idx);
}

/**
 * A cannot-link rule in evaluable form: nodes with the same `key` (≥ 0) that
 * `differ` must never share a cluster. Checked per union on the members of the
 * two clusters that share a key, so a rule whose key is shared by thousands of
 * nodes (every current registry record) costs nothing up front.
 */
export interface CannotLinkConstraint {
  readonly key: Int32Array;
  readonly differ: (i: number, j: number) => boolean;
}

/**
 * Clusters `n` nodes. `cannotLink` lists node pairs (flattened: a0, b0, a1, b1, …)
 * that must stay apart, `constraints` rules that say which; `backbone` marks
 * resident-registry nodes.
 */
export function clusterRecords(
  n: number,
  edges: Edges,
  backbone: Uint8Array,
  cannotLink: Int32Array,
  constraints: readonly CannotLinkConstraint[] = [],
): ClusterResult {
  const uf = new UnionFind(n);
  const partners = new Map<number, number[]>();
  for (let k = 0; k < cannotLink.length; k += 2) {
    const a = cannotLink[k] as number;
    const b = cannotLink[k + 1] as number;
    if (a === b) continue;
    const pa = partners.get(a) ?? [];
    pa.push(b);
    partners.set(a, pa);
    const pb = partners.get(b) ?? [];
    pb.push(a);
    partners.set(b, pb);
  }
  // Per root: its members that carry a cannot-link constraint, and how many backbone nodes it holds.
  const constrained = new Map<number, number[]>();
  for (const node of partners.keys()) constrained.set(node, [node]);
  const backboneCount = new Int32Array(n);
  for (let i = 0; i < n; i++) backboneCount[i] = backbone[i] ?? 0;

  // Per root: the members that hold a key of some rule, as a linked list of (rule, key, node)
  // entries in typed arrays (head and tail per root, so joining two persons' lists is O(1)).
  // A person holds a few such records, so a scan beats a map per person; a metro run holds
  // about a million of them (every current registry record has a key), which as a
  // Map<number, number[]> were a million small arrays.
  let entries = 0;
  for (const rule of constraints)
    for (let i = 0; i < n; i++) if ((rule.key[i] as number) >= 0) entries++;
  const eRule = new Int32Array(entries);
  const eKey = new Int32Array(entries);
  const eNode = new Int32Array(entries);
  const eNext = new Int32Array(entries).fill(-1);
  const head = new Int32Array(n).fill(-1);
  const tail = new Int32Array(n).fill(-1);
  {
    let e = 0;
    constraints.forEach((rule, r) => {
      for (let i = 0; i < n; i++) {
        const k = rule.key[i] as number;
        if (k < 0) continue;
        eRule[e] = r;
        eKey[e] = k;
        eNode[e] = i;
        const t = tail[i] as number;
        if (t < 0) head[i] = e;
        else eNext[t] = e;
        tail[i] = e;
        e++;
      }
    });
  }
  const ruleViolated = (ra: number, rb: number): boolean => {
    for (let x = head[ra] as number; x >= 0; x = eNext[x] as number)
      for (let y = head[rb] as number; y >= 0; y = eNext[y] as number)
        if (
          eRule[x] === eRule[y] &&
          eKey[x] === eKey[y] &&
          (constraints[eRule[x] as number] as CannotLinkConstraint).differ(
            eNode[x] as number,
            eNode[y] as number,
          )
        )
          return true;
    return false;
  };
  const mergeKeyed = (root: number, gone: number) => {
    const hg = head[gone] as number;
    if (hg < 0) return;
    const tr = tail[root] as number;
    if (tr < 0) head[root] = hg;
    else eNext[tr] = hg;
    tail[root] = tail[gone] as number;
    head[gone] = -1;
    tail[gone] = -1;
  };

  const violates = (ra: number, rb: number): boolean => {
    if (ruleViolated(ra, rb)) return true;
    const la = constrained.get(ra);
    const lb = constrained.get(rb);
    if (!la || !lb) return false;
    const [small, other] = la.length <= lb.length ? [la, rb] : [lb, ra];
    for (const x of small)
      for (const y of partners.get(x) ?? []) if (uf.find(y) === other) return true;
    return false;
  };

  const linkEdge = new Int32Array(n).fill(-1);
  const accepted: number[] = [];
  let refusedCannot = 0;
  let refusedBackbone = 0;
  for (const e of edgeOrder(edges)) {
    const a = edges.a[e] as number;
    const b = edges.b[e] as number;
    const ra = uf.find(a);
    const rb = uf.find(b);
    if (ra === rb) continue;
    const kind = edges.kind[e] as number;
    if (violates(ra, rb)) {
      refusedCannot++;
      continue;
    }
    const direct = backbone[a] === 1 && backbone[b] === 1;
    if (
      kind !== EDGE_MANUAL &&
      !direct &&
      (backboneCount[ra] as number) > 0 &&
      (backboneCount[rb] as number) > 0
    ) {
      refusedBackbone++;
      continue;
    }
    const root = uf.union(ra, rb);
    const gone = root === ra ? rb : ra;
    backboneCount[root] = (backboneCount[ra] as number) + (backboneCount[rb] as number);
    mergeKeyed(root, gone);
    const lg = constrained.get(gone);
    if (lg) {
      const lr = constrained.get(root);
      if (lr) for (const x of lg) lr.push(x);
      else constrained.set(root, lg);
      constrained.delete(gone);
    }
    accepted.push(e);
    // The node that joined through this edge is the one that was not yet linked (a non-backbone record).
    if (linkEdge[a] === -1 && backbone[a] !== 1) linkEdge[a] = e;
    if (linkEdge[b] === -1 && backbone[b] !== 1) linkEdge[b] = e;
    if (direct) {
      if (linkEdge[a] === -1 && linkEdge[b] === -1) linkEdge[b] = e;
    }
  }
  // Dense cluster numbers in order of each cluster's first node.
  const cluster = new Int32Array(n);
  const dense = new Int32Array(n).fill(-1);
  let clusterCount = 0;
  for (let i = 0; i < n; i++) {
    const r = uf.find(i);
    let d = dense[r] as number;
    if (d < 0) {
      d = clusterCount++;
      dense[r] = d;
    }
    cluster[i] = d;
  }
  return {
    cluster,
    clusterCount,
    accepted: Int32Array.from(accepted),
    linkEdge,
    refused: { cannotLink: refusedCannot, backbone: refusedBackbone },
    separated: (a, b) => {
      const ra = uf.find(a);
      const rb = uf.find(b);
      return ra !== rb && violates(ra, rb);
    },
  };
}

/** Connected components of edges (a plain reference for tests and checks): per node, its smallest member. */
export function connectedComponents(
  n: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): Int32Array {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (let k = 0; k < a.length; k++) {
    (adj[a[k] as number] as number[]).push(b[k] as number);
    (adj[b[k] as number] as number[]).push(a[k] as number);
  }
  const label = new Int32Array(n).fill(-1);
  for (let s = 0; s < n; s++) {
    if (label[s] !== -1) continue;
    const stack = [s];
    label[s] = s;
    while (stack.length > 0) {
      const x = stack.pop() as number;
      for (const y of adj[x] as number[])
        if (label[y] === -1) {
          label[y] = s;
          stack.push(y);
        }
    }
  }
  return label;
}
