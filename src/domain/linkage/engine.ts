/**
 * The generic linkage engine: table + settings in, model, scored pairs,
 * clusters and review pairs out. Stages, each a pure function of its own
 * module (STYLE.md §1): blocking → comparison levels → training (λ, u, m) →
 * match weights → clustering with constraints → review queue. Nothing here
 * knows Japanese names; japanese.ts prepares the table for 名寄せ and the
 * FEBRL benchmark prepares one for western records.
 */
import { matchesWithUnknown } from "../ja/name.ts";
import { type BlockedPairs, blockPairs, compositeKey, type RuleReport } from "./blocking.ts";
import {
  type CannotLinkConstraint,
  type ClusterResult,
  clusterRecords,
  EDGE_ATTACH,
  EDGE_COMPLEMENT,
  EDGE_ID,
  EDGE_KEPT,
  EDGE_MANUAL,
  EDGE_PROBABILISTIC,
  type Edges,
} from "./cluster.ts";
import { type CompiledComparison, compileComparisons, computeLevels } from "./comparisons.ts";
import { probabilityOf, scorePairs, type TrainedModel, trainModel } from "./model.ts";
import type { LinkageSettings } from "./settings.ts";
import type { LinkTable } from "./table.ts";

/** A reviewer's decision on two rows of the table. */
export interface RowDecision {
  readonly a: number;
  readonly b: number;
  readonly same: boolean;
}

export interface ReviewPair {
  readonly a: number;
  readonly b: number;
  /** Index into `pairs` (for the explanation). */
  readonly pair: number;
  readonly weight: number;
  readonly probability: number;
  /** "band": probability between the review and accept thresholds; "ambiguous": close to the link a record got. */
  readonly reason: "band" | "ambiguous";
}

export interface ScoredPairs extends BlockedPairs {
  /** Comparison levels, pair-major (C per pair). */
  readonly levels: Uint8Array;
  readonly weight: Float64Array;
}

export interface EngineResult {
  readonly model: TrainedModel;
  readonly comparisons: readonly CompiledComparison[];
  readonly blocking: { readonly rules: readonly RuleReport[]; readonly pairs: number };
  readonly pairs: ScoredPairs;
  readonly edges: Edges;
  /** Per edge: the scored pair it came from, or -1 (manual and id edges). */
  readonly edgePair: Int32Array;
  readonly clusters: ClusterResult;
  /** Rows whose only identifying value is the id column (joined by id). */
  readonly idOnly: Uint8Array;
  /** Rows with no identifying value at all (cannot be linked). */
  readonly empty: Uint8Array;
  readonly review: readonly ReviewPair[];
  /** Blocked pairs a cannot-link rule forbids, plus reviewers' "different" pairs. */
  readonly cannotLinkPairs: number;
  /** Milliseconds per stage (with the injected clock). */
  readonly timings: Readonly<Record<string, number>>;
}

export interface EngineOptions {
  readonly decisions?: readonly RowDecision[];
  /** A model from an earlier run: skips training (for replay, or to keep links stable). */
  readonly model?: TrainedModel;
  /**
   * Per row: the person it belonged to in the previous run (any integer code), or -1.
   * A pair of rows that belonged to one person and still scores at or above the review
   * threshold stays linked (hysteresis): a link does not flip because a retrained model
   * moved its probability from 0.995 to 0.985, nor return to the queue.
   */
  readonly previousPerson?: Int32Array;
  /** Clock for the stage timings; the engine never reads the time itself. */
  readonly clock?: () => number;
  /**
   * Per row: a bit set of the sources its records come from (any stable bit per source).
   * With `thresholds.complement`, persons whose records are of disjoint sources may be
   * joined below the accept threshold (see `complementEdges`).
   */
  readonly sourceMask?: Uint32Array;
  /**
   * Per row: a row it belongs with unconditionally (another name of the same record, such
   * as a registry record's 通称), or -1. Joined like an id join (EDGE_ID).
   */
  readonly attachTo?: Int32Array;
}

/**
 * Identifying columns: those the comparisons read, except the id column,
 * columns read only by comparisons of the id column (a helper such as
 * "宛名番号 of a non-registry row" is the id again) and the weak columns.
 */
function identifyingRows(
  table: LinkTable,
  comparisons: readonly CompiledComparison[],
  idColumn: string | null,
  weakColumns: readonly string[],
): { idOnly: Uint8Array; empty: Uint8Array } {
  const cols = new Set<string>();
  for (const c of comparisons) {
    if (idColumn !== null && c.columns.has(idColumn)) continue;
    for (const col of c.columns) cols.add(col);
  }
  for (const w of weakColumns) cols.delete(w);
  const other = [...cols].map((c) => table.columns.get(c)?.codes);
  const id = idColumn ? table.columns.get(idColumn)?.codes : undefined;
  const idOnly = new Uint8Array(table.size);
  const empty = new Uint8Array(table.size);
  for (let i = 0; i < table.size; i++) {
    let any = false;
    for (const codes of other)
      if (codes && (codes[i] as number) >= 0) {
        any = true;
        break;
      }
    if (any) continue;
    if (id && (id[i] as number) >= 0) idOnly[i] = 1;
    else empty[i] = 1;
  }
  return { idOnly, empty };
}

/** The cannot-link rules of the settings in evaluable form. */
export function cannotLinkConstraints(
  table: LinkTable,
  settings: LinkageSettings,
  exclude?: Uint8Array,
): CannotLinkConstraint[] {
  const wild = new Set(settings.wildcardColumns);
  return settings.cannotLink.map((rule): CannotLinkConstraint => {
    if (rule.kind === "overlapping-periods") {
      const scope = table.columns.get(rule.scope);
      const start = table.columns.get(rule.start);
      const end = table.columns.get(rule.end);
      const key = new Int32Array(table.size).fill(-1);
      if (scope)
        for (let i = 0; i < table.size; i++)
          if ((scope.codes[i] as number) >= 0 && exclude?.[i] !== 1) key[i] = 0;
      const value = (col: typeof start, i: number): string | null => {
        const c = col ? (col.codes[i] as number) : -1;
        return c < 0 || !col ? null : (col.values[c] as string);
      };
      const differ = (i: number, j: number): boolean => {
        const ei = value(end, i);
        const ej = value(end, j);
        if (ei === null && ej === null) return true;
        const si = value(start, i);
        const sj = value(start, j);
        if (si === null || sj === null) return ei !== null && ei === ej;
        return si < (ej ?? "99999999") && sj < (ei ?? "99999999");
      };
      return { key, differ };
    }
    const { key } = compositeKey(table, rule.same, exclude);
    for (const name of rule.without ?? []) {
      const col = table.columns.get(name);
      if (col) for (let i = 0; i < table.size; i++) if ((col.codes[i] as number) >= 0) key[i] = -1;
    }
    const cols = rule.different.flatMap((name) => {
      const col = table.columns.get(name);
      return col ? [{ col, wild: wild.has(name) }] : [];
    });
    const differ = (i: number, j: number): boolean =>
      cols.some(({ col, wild: w }) => {
        const a = col.codes[i] as number;
        const b = col.codes[j] as number;
        if (a < 0 || b < 0 || a === b) return false;
        return !(w && matchesWithUnknown(col.values[a] as string, col.values[b] as string));
      });
    if (!rule.all) return { key, differ };
    // Every column both hold differs, and at least one is held by both.
    const differAll = (i: number, j: number): boolean => {
      let held = 0;
      for (const { col, wild: w } of cols) {
        const a = col.codes[i] as number;
        const b = col.codes[j] as number;
        if (a < 0 || b < 0) continue;
        held++;
        if (a === b || (w && matchesWithUnknown(col.values[a] as string, col.values[b] as string)))
          return false;
      }
      return held > 0;
    };
    return { key, differ: differAll };
  });
}

/** Whether rows i and j break a cannot-link rule (same key, differing values). */
function forbiddenPair(
  constraints: readonly CannotLinkConstraint[],
  i: number,
  j: number,
): boolean {
  for (const c of constraints) {
    const k = c.key[i] as number;
    if (k >= 0 && k === c.key[j] && c.differ(i, j)) return true;
  }
  return false;
}

/** Runs the whole engine on a table. */
export function runEngine(
  table: LinkTable,
  settings: LinkageSettings,
  options: EngineOptions = {},
): EngineResult {
  const clock = options.clock ?? (() => 0);
  const timings: Record<string, number> = {};
  let t0 = clock();
  const lap = (name: string) => {
    const t = clock();
    timings[name] = t - t0;
    t0 = t;
  };
  const comparisons = compileComparisons(table, settings.comparisons);
  const { idOnly, empty } = identifyingRows(
    table,
    comparisons,
    settings.idColumn,
    settings.weakColumns,
  );
  const exclude = new Uint8Array(table.size);
  for (let i = 0; i < table.size; i++) exclude[i] = idOnly[i] === 1 || empty[i] === 1 ? 1 : 0;

  // Blocking, plus decided pairs the rules did not generate (so their labels reach EM).
  const blocked = blockPairs(table, settings.blockingRules, settings.linkType, exclude);
  const decisions = (options.decisions ?? []).filter(
    (d) => d.a !== d.b && exclude[d.a] !== 1 && exclude[d.b] !== 1,
  );
  const pairKey = (a: number, b: number) => (a < b ? a * table.size + b : b * table.size + a);
  const decided = new Map<number, boolean>();
  for (const d of decisions) decided.set(pairKey(d.a, d.b), d.same);
  let pairs: BlockedPairs = blocked;
  const seen = new Set<number>();
  const labels = new Int8Array(blocked.count + decided.size).fill(-1);
  if (decided.size > 0) {
    for (let p = 0; p < blocked.count; p++) {
      const key = pairKey(blocked.left[p] as number, blocked.right[p] as number);
      const s = decided.get(key);
      if (s !== undefined) {
        labels[p] = s ? 1 : 0;
        seen.add(key);
      }
    }
    const extra = [...decided.entries()].filter(([k]) => !seen.has(k));
    const left = new Int32Array(blocked.count + extra.length);
    const right = new Int32Array(blocked.count + extra.length);
    const rule = new Uint8Array(blocked.count + extra.length);
    left.set(blocked.left);
    right.set(blocked.right);
    rule.set(blocked.rule);
    extra.forEach(([k, s], x) => {
      const p = blocked.count + x;
      left[p] = Math.floor(k / table.size);
      right[p] = k % table.size;
      rule[p] = 0;
      labels[p] = s ? 1 : 0;
    });
    pairs = { left, right, rule, count: left.length, rules: blocked.rules, keys: blocked.keys };
  }
  // Hard constraints (twins, two current registry records) are known non-matches: EM labels too.
  const constraints = cannotLinkConstraints(table, settings, exclude);
  const cl: number[] = [];
  for (const d of decisions) if (!d.same) cl.push(d.a, d.b);
  let labelled = decided.size;
  let forbiddenPairs = 0;
  for (let p = 0; p < pairs.count; p++)
    if (forbiddenPair(constraints, pairs.left[p] as number, pairs.right[p] as number)) {
      forbiddenPairs++;
      if (labels[p] === -1) {
        labels[p] = 0;
        labelled++;
      }
    }
  lap("blocking");

  const C = comparisons.length;
  const levels = new Uint8Array(pairs.count * C);
  computeLevels(comparisons, pairs.left, pairs.right, 0, pairs.count, levels);
  lap("comparisons");

  const model =
    options.model ??
    trainModel(table, settings, comparisons, pairs, levels, {
      exclude,
      labels: labelled > 0 ? labels.subarray(0, pairs.count) : undefined,
    });
  lap("training");

  const weight = scorePairs(model, settings, table, pairs, levels);
  lap("scoring");

  // Edges: reviewers' "same" pairs, pairs at or above the accept threshold, and id joins.
  const ea: number[] = [];
  const eb: number[] = [];
  const ew: number[] = [];
  const ek: number[] = [];
  const ep: number[] = [];
  const acceptBits = Math.log2(settings.thresholds.accept / (1 - settings.thresholds.accept));
  const keepBits = Math.log2(settings.thresholds.review / (1 - settings.thresholds.review));
  const before = options.previousPerson;
  const kept = (a: number, b: number, w: number) => {
    if (!before || w < keepBits) return false;
    const pa = before[a] as number;
    return pa >= 0 && pa === before[b];
  };
  for (let p = 0; p < pairs.count; p++) {
    const lab = labels[p] as number;
    if (lab === 0) continue;
    const w = weight[p] as number;
    const accepted = lab === 1 || w >= acceptBits;
    if (accepted || kept(pairs.left[p] as number, pairs.right[p] as number, w)) {
      ea.push(pairs.left[p] as number);
      eb.push(pairs.right[p] as number);
      ew.push(w);
      ek.push(lab === 1 ? EDGE_MANUAL : accepted ? EDGE_PROBABILISTIC : EDGE_KEPT);
      ep.push(p);
    }
  }
  // Id joins: a row known only by its id joins a backbone row with that id, else any
  // identified row with it, else the first id-only row with it.
  if (settings.idColumn) {
    const id = table.columns.get(settings.idColumn);
    if (id) {
      const anchor = new Int32Array(id.values.length).fill(-1);
      const rank = (i: number) => (table.backbone[i] === 1 ? 0 : idOnly[i] === 1 ? 2 : 1);
      for (let i = 0; i < table.size; i++) {
        const c = id.codes[i] as number;
        if (c < 0 || empty[i] === 1) continue;
        const cur = anchor[c] as number;
        if (cur < 0 || rank(i) < rank(cur)) anchor[c] = i;
      }
      for (let i = 0; i < table.size; i++) {
        if (idOnly[i] !== 1) continue;
        const target = anchor[id.codes[i] as number] as number;
        if (target === i) continue;
        ea.push(i);
        eb.push(target);
        ew.push(Number.POSITIVE_INFINITY);
        ek.push(EDGE_ID);
        ep.push(-1);
      }
    }
  }
  if (options.attachTo)
    options.attachTo.forEach((to, i) => {
      if (to < 0 || to === i) return;
      ea.push(i);
      eb.push(to);
      ew.push(Number.POSITIVE_INFINITY);
      ek.push(EDGE_ATTACH);
      ep.push(-1);
    });
  const edges: Edges = {
    a: Int32Array.from(ea),
    b: Int32Array.from(eb),
    weight: Float64Array.from(ew),
    kind: Uint8Array.from(ek),
    count: ea.length,
  };
  const clFlat = Int32Array.from(cl);
  let clusters = clusterRecords(table.size, edges, table.backbone, clFlat, constraints);
  // A record that resembles two persons almost equally is not linked to either: it goes to
  // review with both candidates (a wrong link would give one child another's records).
  const ambiguous = ambiguousNodes(
    settings,
    pairs,
    weight,
    labels,
    clusters,
    edges,
    table.backbone,
  );
  let finalEdges = edges;
  let finalEdgePair = ep;
  if (ambiguous.some((x) => x === 1)) {
    const keep: number[] = [];
    for (let e = 0; e < edges.count; e++) {
      const held =
        edges.kind[e] === EDGE_PROBABILISTIC &&
        (ambiguous[edges.a[e] as number] === 1 || ambiguous[edges.b[e] as number] === 1);
      if (!held) keep.push(e);
    }
    finalEdges = {
      a: Int32Array.from(keep, (e) => edges.a[e] as number),
      b: Int32Array.from(keep, (e) => edges.b[e] as number),
      weight: Float64Array.from(keep, (e) => edges.weight[e] as number),
      kind: Uint8Array.from(keep, (e) => edges.kind[e] as number),
      count: keep.length,
    };
    finalEdgePair = keep.map((e) => ep[e] as number);
    clusters = clusterRecords(table.size, finalEdges, table.backbone, clFlat, constraints);
  }
  if (options.sourceMask && settings.thresholds.complement !== undefined) {
    const extra = complementEdges(
      settings,
      pairs,
      weight,
      labels,
      clusters,
      ambiguous,
      table.backbone,
      options.sourceMask,
    );
    if (extra.length > 0) {
      const n = finalEdges.count;
      const grow = <T extends Int32Array | Float64Array | Uint8Array>(
        x: T,
        make: (k: number) => T,
      ) => {
        const out = make(n + extra.length);
        out.set(x.subarray(0, n));
        return out;
      };
      const a = grow(finalEdges.a, (k) => new Int32Array(k));
      const b = grow(finalEdges.b, (k) => new Int32Array(k));
      const w = grow(finalEdges.weight, (k) => new Float64Array(k));
      const kind = grow(finalEdges.kind, (k) => new Uint8Array(k));
      extra.forEach((p, i) => {
        a[n + i] = pairs.left[p] as number;
        b[n + i] = pairs.right[p] as number;
        w[n + i] = weight[p] as number;
        kind[n + i] = EDGE_COMPLEMENT;
      });
      finalEdges = { a, b, weight: w, kind, count: n + extra.length };
      finalEdgePair = [...finalEdgePair, ...extra];
      clusters = clusterRecords(table.size, finalEdges, table.backbone, clFlat, constraints);
    }
  }
  lap("clustering");

  const review = reviewPairs(settings, pairs, weight, labels, clusters, ambiguous);
  lap("review");
  return {
    model,
    comparisons,
    blocking: { rules: blocked.rules, pairs: blocked.count },
    pairs: { ...pairs, levels, weight },
    edges: finalEdges,
    edgePair: Int32Array.from(finalEdgePair),
    clusters,
    idOnly,
    empty,
    review,
    cannotLinkPairs: forbiddenPairs + cl.length / 2,
    timings,
  };
}

/**
 * Records (not of the backbone) linked through a pair of weight w while another
 * pair of weight ≥ w − ambiguityBits (and at least the review threshold) leads
 * to a different person: two candidates, nearly equally likely.
 */
function ambiguousNodes(
  settings: LinkageSettings,
  pairs: BlockedPairs,
  weight: Float64Array,
  labels: Int8Array,
  clusters: ClusterResult,
  edges: Edges,
  backbone: Uint8Array,
): Uint8Array {
  const { review, ambiguityBits } = settings.thresholds;
  const reviewBits = Math.log2(review / (1 - review));
  const out = new Uint8Array(clusters.cluster.length);
  const linkWeight = (node: number): number => {
    const e = clusters.linkEdge[node] as number;
    return e >= 0 && edges.kind[e] === EDGE_PROBABILISTIC
      ? (edges.weight[e] as number)
      : Number.POSITIVE_INFINITY;
  };
  for (let p = 0; p < pairs.count; p++) {
    const w = weight[p] as number;
    if (w < reviewBits || (labels[p] as number) >= 0) continue;
    const a = pairs.left[p] as number;
    const b = pairs.right[p] as number;
    if (clusters.cluster[a] === clusters.cluster[b]) continue;
    if (backbone[a] !== 1 && w >= linkWeight(a) - ambiguityBits) out[a] = 1;
    if (backbone[b] !== 1 && w >= linkWeight(b) - ambiguityBits) out[b] = 1;
  }
  return out;
}

/**
 * Complementary persons: the scored pairs (probability at least `thresholds.complement`,
 * below `accept`, undecided) that join a person holding no registry record (A) to one
 * that does (B) when
 *  - A's and B's records come from disjoint sources (B, a registry child, has no 出欠,
 *    健診 or 心の健康 rows; A holds exactly those, under another name): a school's rows
 *    typed before a surname change, or under a 通称, and the child's own registry and
 *    学齢簿 records;
 *  - B is A's best candidate person by at least `ambiguityBits` over any other (any pair
 *    at or above the review threshold counts as a candidate), and A is B's best candidate
 *    by as much among the persons without a registry record whose sources overlap A's;
 *  - no record of either is held back as ambiguous and no cannot-link rule separates them.
 * Each source holds one record set per person, so a registry child with a school age but
 * no school rows and a school child with no registry record are most likely one child;
 * twins and namesakes each hold their own rows and never qualify. Returns pair indices.
 */
function complementEdges(
  settings: LinkageSettings,
  pairs: BlockedPairs,
  weight: Float64Array,
  labels: Int8Array,
  clusters: ClusterResult,
  ambiguous: Uint8Array,
  backbone: Uint8Array,
  sourceMask: Uint32Array,
): number[] {
  const { accept, review, ambiguityBits, complement } = settings.thresholds;
  if (complement === undefined) return [];
  const bits = (p: number) => Math.log2(p / (1 - p));
  const reviewBits = bits(review);
  const acceptBits = bits(accept);
  const minBits = bits(complement);
  const C = clusters.clusterCount;
  const mask = new Uint32Array(C);
  const registry = new Uint8Array(C);
  for (let i = 0; i < clusters.cluster.length; i++) {
    const c = clusters.cluster[i] as number;
    mask[c] = (mask[c] as number) | (sourceMask[i] ?? 0);
    if (backbone[i] === 1) registry[c] = 1;
  }
  // Per cluster: its candidates (other cluster → strongest pair between them).
  const best = new Map<number, Map<number, number>>();
  const note = (from: number, to: number, p: number) => {
    let m = best.get(from);
    if (!m) {
      m = new Map();
      best.set(from, m);
    }
    const cur = m.get(to);
    if (cur === undefined || (weight[p] as number) > (weight[cur] as number)) m.set(to, p);
  };
  for (let p = 0; p < pairs.count; p++) {
    const w = weight[p] as number;
    if (w < reviewBits || (labels[p] as number) >= 0) continue;
    const ca = clusters.cluster[pairs.left[p] as number] as number;
    const cb = clusters.cluster[pairs.right[p] as number] as number;
    if (ca === cb) continue;
    note(ca, cb, p);
    note(cb, ca, p);
  }
  const out: number[] = [];
  for (const [a, cands] of best) {
    if (registry[a] === 1) continue;
    // A's best candidate and its margin over the next.
    let top = -1;
    let topW = Number.NEGATIVE_INFINITY;
    let second = Number.NEGATIVE_INFINITY;
    for (const [c, p] of cands) {
      const w = weight[p] as number;
      if (w > topW) {
        second = topW;
        topW = w;
        top = c;
      } else if (w > second) second = w;
    }
    if (top < 0 || registry[top] !== 1 || topW < minBits || topW >= acceptBits) continue;
    if (topW - second < ambiguityBits) continue;
    if (((mask[a] as number) & (mask[top] as number)) !== 0) continue;
    // B's other candidates without a registry record that hold rows of A's sources.
    let rival = false;
    for (const [c, p] of best.get(top) ?? []) {
      if (c === a || registry[c] === 1) continue;
      if (((mask[c] as number) & (mask[a] as number)) === 0) continue;
      if ((weight[p] as number) > topW - ambiguityBits) rival = true;
    }
    if (rival) continue;
    const p = cands.get(top) as number;
    const l = pairs.left[p] as number;
    const r = pairs.right[p] as number;
    if (ambiguous[l] === 1 || ambiguous[r] === 1 || clusters.separated(l, r)) continue;
    out.push(p);
  }
  return out.sort((x, y) => x - y);
}

/**
 * The review queue: undecided pairs that ended in different persons and either
 * fall in the uncertain band, or touch a record held back as ambiguous.
 */
function reviewPairs(
  settings: LinkageSettings,
  pairs: BlockedPairs,
  weight: Float64Array,
  labels: Int8Array,
  clusters: ClusterResult,
  ambiguous: Uint8Array,
): ReviewPair[] {
  const { accept, review } = settings.thresholds;
  const reviewBits = Math.log2(review / (1 - review));
  const acceptBits = Math.log2(accept / (1 - accept));
  const out: ReviewPair[] = [];
  for (let p = 0; p < pairs.count; p++) {
    const w = weight[p] as number;
    if (w < reviewBits || (labels[p] as number) >= 0) continue;
    const a = pairs.left[p] as number;
    const b = pairs.right[p] as number;
    if (clusters.cluster[a] === clusters.cluster[b]) continue;
    // Twins, overlapping 住民票 or a reviewer's "different" already keep these persons apart.
    if (clusters.separated(a, b)) continue;
    let reason: ReviewPair["reason"] | null = null;
    if (w < acceptBits) reason = "band";
    if (ambiguous[a] === 1 || ambiguous[b] === 1) reason = "ambiguous";
    if (reason) out.push({ a, b, pair: p, weight: w, probability: probabilityOf(w), reason });
  }
  out.sort((x, y) => y.weight - x.weight || x.a - y.a || x.b - y.b);
  // A person decides about a record, not about every weak partner it has: keep, for each
  // record, its strongest uncertain pair per other person (ambiguous pairs are all kept).
  const seen = new Set<string>();
  return out.filter((r) => {
    if (r.reason === "ambiguous") return true;
    const ka = `${r.a}:${clusters.cluster[r.b]}`;
    const kb = `${r.b}:${clusters.cluster[r.a]}`;
    const fresh = !seen.has(ka) || !seen.has(kb);
    seen.add(ka);
    seen.add(kb);
    return fresh;
  });
}
