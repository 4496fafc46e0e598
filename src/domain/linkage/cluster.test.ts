import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clusterRecords,
  connectedComponents,
  EDGE_ID,
  EDGE_MANUAL,
  EDGE_PROBABILISTIC,
  type Edges,
  UnionFind,
} from "./cluster.ts";
import { seededRandom } from "./random.ts";

function randomCase(seed: number) {
  const rnd = seededRandom(seed);
  const n = 5 + Math.floor(rnd() * 40);
  const m = Math.floor(rnd() * n * 2);
  const a: number[] = [];
  const b: number[] = [];
  const w: number[] = [];
  const k: number[] = [];
  for (let e = 0; e < m; e++) {
    const x = Math.floor(rnd() * n);
    let y = Math.floor(rnd() * n);
    if (y === x) y = (x + 1) % n;
    a.push(x);
    b.push(y);
    w.push(Math.round(rnd() * 40) / 2);
    k.push(rnd() < 0.1 ? EDGE_MANUAL : rnd() < 0.1 ? EDGE_ID : EDGE_PROBABILISTIC);
  }
  const edges: Edges = {
    a: Int32Array.from(a),
    b: Int32Array.from(b),
    weight: Float64Array.from(w),
    kind: Uint8Array.from(k),
    count: m,
  };
  const backbone = Uint8Array.from({ length: n }, () => (rnd() < 0.4 ? 1 : 0));
  const cannot: number[] = [];
  for (let c = 0; c < n / 4; c++) cannot.push(Math.floor(rnd() * n), Math.floor(rnd() * n));
  return { n, edges, backbone, cannot: Int32Array.from(cannot) };
}

const samePartition = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  const fwd = new Map<number, number>();
  const back = new Map<number, number>();
  for (let i = 0; i < x.length; i++) {
    const p = x[i] as number;
    const q = y[i] as number;
    if ((fwd.get(p) ?? q) !== q || (back.get(q) ?? p) !== p) return false;
    fwd.set(p, q);
    back.set(q, p);
  }
  return true;
};

/**
 * An independent reference for the clustering: sets of nodes as plain arrays, edges taken
 * in the documented order (manual; probabilistic by weight, strongest first; id; kept;
 * ties by a then b), a union refused when any node of one set has a cannot-link pair in
 * the other, or when both sets hold a registry node and the edge is neither manual nor
 * registry–registry. Quadratic and obvious; shares no code with cluster.ts.
 */
function referenceClusters(
  n: number,
  edges: Edges,
  backbone: Uint8Array,
  cannot: Int32Array,
): number[] {
  const setOf: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const rank = (k: number) =>
    k === EDGE_MANUAL ? 0 : k === EDGE_PROBABILISTIC ? 1 : k === EDGE_ID ? 2 : 3;
  const order = Array.from({ length: edges.count }, (_, e) => e).sort((x, y) => {
    const kx = rank(edges.kind[x] as number);
    const ky = rank(edges.kind[y] as number);
    if (kx !== ky) return kx - ky;
    if (kx === 1 && edges.weight[x] !== edges.weight[y])
      return (edges.weight[y] as number) - (edges.weight[x] as number);
    return (
      (edges.a[x] as number) - (edges.a[y] as number) ||
      (edges.b[x] as number) - (edges.b[y] as number)
    );
  });
  const apart = (s: number[], t: number[]) => {
    for (let k = 0; k < cannot.length; k += 2) {
      const x = cannot[k] as number;
      const y = cannot[k + 1] as number;
      if ((s.includes(x) && t.includes(y)) || (s.includes(y) && t.includes(x))) return true;
    }
    return false;
  };
  for (const e of order) {
    const a = edges.a[e] as number;
    const b = edges.b[e] as number;
    const s = setOf[a] as number[];
    const t = setOf[b] as number[];
    if (s === t || apart(s, t)) continue;
    const both = s.some((x) => backbone[x] === 1) && t.some((x) => backbone[x] === 1);
    const direct = backbone[a] === 1 && backbone[b] === 1;
    if (both && edges.kind[e] !== EDGE_MANUAL && !direct) continue;
    const u = [...s, ...t];
    for (const x of u) setOf[x] = u;
  }
  return setOf.map((s) => Math.min(...s));
}

describe("clusterRecords", () => {
  it("equals an independent reference clustering with all the rules (seeded random graphs)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { n, edges, backbone, cannot } = randomCase(seed);
        const r = clusterRecords(n, edges, backbone, cannot);
        expect(samePartition(r.cluster, referenceClusters(n, edges, backbone, cannot))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  it("without constraints, equals the connected components of every edge", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { n, edges } = randomCase(seed);
        const r = clusterRecords(n, edges, new Uint8Array(n), new Int32Array());
        const ref = connectedComponents(n, edges.a, edges.b);
        expect(samePartition(r.cluster, ref)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it("equals a plain connected-components pass over the accepted edges (seeded random graphs)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { n, edges, backbone, cannot } = randomCase(seed);
        const r = clusterRecords(n, edges, backbone, cannot);
        const acc = Array.from(r.accepted);
        const ref = connectedComponents(
          n,
          acc.map((e) => edges.a[e] as number),
          acc.map((e) => edges.b[e] as number),
        );
        expect(samePartition(r.cluster, ref)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it("never puts a cannot-link pair in one cluster, not even through other nodes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { n, edges, backbone, cannot } = randomCase(seed);
        const r = clusterRecords(n, edges, backbone, cannot);
        for (let k = 0; k < cannot.length; k += 2) {
          const x = cannot[k] as number;
          const y = cannot[k + 1] as number;
          if (x !== y) expect(r.cluster[x]).not.toBe(r.cluster[y]);
        }
      }),
      { numRuns: 200 },
    );
  });
  it("joins two persons holding registry records only by a direct registry–registry or manual edge", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { n, edges, backbone, cannot } = randomCase(seed);
        const r = clusterRecords(n, edges, backbone, cannot);
        // Replay the accepted edges in order and check every union of two registry-holding sets.
        const uf = new UnionFind(n);
        const holds = Uint8Array.from(backbone);
        for (const e of r.accepted) {
          const x = uf.find(edges.a[e] as number);
          const y = uf.find(edges.b[e] as number);
          if (holds[x] === 1 && holds[y] === 1) {
            const direct =
              backbone[edges.a[e] as number] === 1 && backbone[edges.b[e] as number] === 1;
            expect(direct || edges.kind[e] === EDGE_MANUAL).toBe(true);
          }
          const root = uf.union(x, y);
          holds[root] = holds[x] === 1 || holds[y] === 1 ? 1 : 0;
        }
      }),
      { numRuns: 200 },
    );
  });
  it("never puts two nodes a keyed rule tells apart (twins) in one cluster, not even through third nodes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { n, edges, backbone, cannot } = randomCase(seed);
        const rnd = seededRandom(seed ^ 0x5bd1e995);
        // Keys as (生年月日, 世帯) groups: a third of the nodes carry none (a school row);
        // the label stands for the given name, which differs between twins.
        const key = Int32Array.from({ length: n }, () =>
          rnd() < 0.33 ? -1 : Math.floor(rnd() * 4),
        );
        const label = Int32Array.from({ length: n }, () => Math.floor(rnd() * 2));
        const differ = (i: number, j: number) => label[i] !== label[j];
        const r = clusterRecords(n, edges, backbone, cannot, [{ key, differ }]);
        for (let i = 0; i < n; i++)
          for (let j = i + 1; j < n; j++)
            if ((key[i] as number) >= 0 && key[i] === key[j] && differ(i, j))
              expect(r.cluster[i]).not.toBe(r.cluster[j]);
        // And the clusters are still the components of the accepted edges.
        const acc = Array.from(r.accepted);
        const ref = connectedComponents(
          n,
          acc.map((e) => edges.a[e] as number),
          acc.map((e) => edges.b[e] as number),
        );
        expect(samePartition(r.cluster, ref)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  it("takes the strongest edge first: a record joins the person it resembles most", () => {
    const edges: Edges = {
      a: Int32Array.from([2, 2]),
      b: Int32Array.from([0, 1]),
      weight: Float64Array.from([10, 20]),
      kind: Uint8Array.from([EDGE_PROBABILISTIC, EDGE_PROBABILISTIC]),
      count: 2,
    };
    const r = clusterRecords(3, edges, Uint8Array.from([1, 1, 0]), new Int32Array());
    expect(r.cluster[2]).toBe(r.cluster[1]);
    expect(r.cluster[0]).not.toBe(r.cluster[1]);
    expect(r.linkEdge[2]).toBe(1);
    expect(r.refused.backbone).toBe(1);
  });
  it("applies keyed constraints lazily", () => {
    const edges: Edges = {
      a: Int32Array.from([0, 1]),
      b: Int32Array.from([2, 2]),
      weight: Float64Array.from([5, 4]),
      kind: Uint8Array.from([EDGE_PROBABILISTIC, EDGE_PROBABILISTIC]),
      count: 2,
    };
    const key = Int32Array.from([7, 7, -1]);
    const r = clusterRecords(3, edges, new Uint8Array(3), new Int32Array(), [
      { key, differ: () => true },
    ]);
    expect(r.cluster[0]).toBe(r.cluster[2]);
    expect(r.cluster[1]).not.toBe(r.cluster[0]);
    expect(r.refused.cannotLink).toBe(1);
  });
});
