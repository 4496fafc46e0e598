/**
 * A shallow classification tree (CART: binary splits chosen by the largest
 * decrease in Gini impurity; Breiman et al. 1984) on binary item features.
 * Depth ≤ 3 keeps every path a sentence a conference can read ("受給者証あり
 * かつ 欠席が多い → 12人中5人"); reference/000 §2.6 lists 決定木分析 among
 * the methods whose reasons stay visible.
 */
import type { SparseBinary } from "./logistic.ts";
import { sampleCount } from "./logistic.ts";

export type TreeNode =
  | {
      readonly kind: "leaf";
      readonly n: number;
      readonly positives: number;
      /** positives / n: the share of labelled children in this leaf. */
      readonly probability: number;
    }
  | {
      readonly kind: "split";
      readonly n: number;
      readonly positives: number;
      readonly probability: number;
      /** Feature index (the caller maps it to an item id). */
      readonly feature: number;
      /** Samples holding the feature. */
      readonly yes: TreeNode;
      readonly no: TreeNode;
    };

export interface TreeOptions {
  /** At most 3 (explainability); default 3. */
  readonly maxDepth?: number;
  /** Fewest samples in a leaf; default 10. */
  readonly minLeaf?: number;
  /** Smallest weighted Gini decrease worth a split; default 1e-4 per sample. */
  readonly minGain?: number;
}

export const MAX_TREE_DEPTH = 3;

function gini(n: number, pos: number): number {
  if (n === 0) return 0;
  const p = pos / n;
  return 2 * p * (1 - p);
}

/** Dense 0/1 view: for each sample a Uint8Array over features (trees are trained on modest n). */
function dense(x: SparseBinary): Uint8Array[] {
  const n = sampleCount(x);
  const rows: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Uint8Array(x.features);
    for (let k = x.offsets[i] as number; k < (x.offsets[i + 1] as number); k++) {
      r[x.indices[k] as number] = 1;
    }
    rows.push(r);
  }
  return rows;
}

export function fitTree(x: SparseBinary, y: Uint8Array, options: TreeOptions = {}): TreeNode {
  const maxDepth = Math.min(options.maxDepth ?? MAX_TREE_DEPTH, MAX_TREE_DEPTH);
  const minLeaf = options.minLeaf ?? 10;
  const minGain = options.minGain ?? 1e-4;
  const rows = dense(x);
  const all = rows.map((_, i) => i);

  const grow = (samples: number[], depth: number, used: ReadonlySet<number>): TreeNode => {
    const n = samples.length;
    let pos = 0;
    for (const i of samples) pos += y[i] as number;
    const leaf: TreeNode = { kind: "leaf", n, positives: pos, probability: n === 0 ? 0 : pos / n };
    if (depth >= maxDepth || pos === 0 || pos === n || n < 2 * minLeaf) return leaf;
    // Count, per feature, samples and positives holding it.
    const cnt = new Int32Array(x.features);
    const cntPos = new Int32Array(x.features);
    for (const i of samples) {
      const r = rows[i] as Uint8Array;
      const yi = y[i] as number;
      for (let f = 0; f < x.features; f++) {
        if (r[f]) {
          cnt[f] = (cnt[f] as number) + 1;
          cntPos[f] = (cntPos[f] as number) + yi;
        }
      }
    }
    const parent = n * gini(n, pos);
    let best = -1;
    let bestGain = minGain * n;
    for (let f = 0; f < x.features; f++) {
      if (used.has(f)) continue;
      const n1 = cnt[f] as number;
      const n0 = n - n1;
      if (n1 < minLeaf || n0 < minLeaf) continue;
      const p1 = cntPos[f] as number;
      const gain = parent - n1 * gini(n1, p1) - n0 * gini(n0, pos - p1);
      // Strictly greater: ties go to the lower feature index (deterministic).
      if (gain > bestGain + 1e-12) {
        best = f;
        bestGain = gain;
      }
    }
    if (best < 0) return leaf;
    const yes = samples.filter((i) => (rows[i] as Uint8Array)[best] === 1);
    const no = samples.filter((i) => (rows[i] as Uint8Array)[best] !== 1);
    const nextUsed = new Set(used).add(best);
    return {
      kind: "split",
      n,
      positives: pos,
      probability: pos / n,
      feature: best,
      yes: grow(yes, depth + 1, nextUsed),
      no: grow(no, depth + 1, nextUsed),
    };
  };

  return grow(all, 0, new Set());
}

/** The leaf probability for a sample given its active features. */
export function predictTreeOne(tree: TreeNode, has: (feature: number) => boolean): number {
  let node = tree;
  while (node.kind === "split") node = has(node.feature) ? node.yes : node.no;
  return node.probability;
}

export function predictTree(tree: TreeNode, x: SparseBinary): Float64Array {
  const n = sampleCount(x);
  const out = new Float64Array(n);
  const active = new Set<number>();
  for (let i = 0; i < n; i++) {
    active.clear();
    for (let k = x.offsets[i] as number; k < (x.offsets[i + 1] as number); k++) {
      active.add(x.indices[k] as number);
    }
    out[i] = predictTreeOne(tree, (f) => active.has(f));
  }
  return out;
}

export function treeDepth(tree: TreeNode): number {
  return tree.kind === "leaf" ? 0 : 1 + Math.max(treeDepth(tree.yes), treeDepth(tree.no));
}
