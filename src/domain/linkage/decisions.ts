/**
 * Reviewers' decisions as a trail (issue 15). Every decision is a row that is
 * never changed; undoing one is a new row that reverses it. The decisions in
 * force are, per pair of profile keys, the newest row unless it is an undo.
 *
 * A new decision is refused when it contradicts the decisions in force (or
 * the persons of the current run): "same" for two records already declared
 * different, directly or through others declared the same as them; "different"
 * for two records declared (or linked as) one person; a second decision on a
 * pair already decided (undo it first). The reason is for the reviewer, in
 * Japanese, and says what to do.
 */
import { UnionFind } from "./cluster.ts";
import type { ReviewDecision } from "./types.ts";

export interface DecisionRow {
  readonly id: number;
  readonly leftKey: string;
  readonly rightKey: string;
  readonly same: boolean;
  /** "decide", or "undo" (reverses `reversesId`). */
  readonly action: "decide" | "undo";
  readonly reversesId: number | null;
  readonly leftAnchors: readonly string[];
  readonly rightAnchors: readonly string[];
}

/** A pair's keys in storage order (left < right). */
export function orderedPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

/** The decisions in force: per pair, the newest row, unless it undoes the one before. */
export function decisionsInForce<T extends DecisionRow>(trail: readonly T[]): T[] {
  const newest = new Map<string, T>();
  for (const d of [...trail].sort((x, y) => x.id - y.id)) {
    const [l, r] = orderedPair(d.leftKey, d.rightKey);
    newest.set(`${l}|${r}`, d);
  }
  return [...newest.values()].filter((d) => d.action === "decide").sort((x, y) => x.id - y.id);
}

/** As the linkage takes them. */
export function asReviewDecisions(rows: readonly DecisionRow[]): ReviewDecision[] {
  return rows.map((d) => ({
    left: d.leftKey,
    right: d.rightKey,
    same: d.same,
    leftAnchors: d.leftAnchors,
    rightAnchors: d.rightAnchors,
  }));
}

/**
 * Why `proposed` cannot be recorded, or null. `personOf` gives a profile key's person in
 * the current run (null when the key is not in it): records of one person count as
 * declared the same.
 */
export function contradiction(
  inForce: readonly DecisionRow[],
  proposed: { readonly leftKey: string; readonly rightKey: string; readonly same: boolean },
  personOf: (key: string) => string | null,
): string | null {
  if (proposed.leftKey === proposed.rightKey)
    return "同じ記録どうしは判断できません。画面を再読み込みしてください。";
  const [l, r] = orderedPair(proposed.leftKey, proposed.rightKey);
  const existing = inForce.find((d) => {
    const [a, b] = orderedPair(d.leftKey, d.rightKey);
    return a === l && b === r;
  });
  if (existing)
    return `この組はすでに「${existing.same ? "同一人物" : "別人"}」と判断されています。変えるときは、先にその判断を取り消してください。`;
  // Nodes: profile keys and persons; "same" decisions and person membership join them.
  const index = new Map<string, number>();
  const node = (k: string) => {
    let i = index.get(k);
    if (i === undefined) {
      i = index.size;
      index.set(k, i);
    }
    return i;
  };
  const keys = new Set<string>([l, r]);
  for (const d of inForce) {
    keys.add(d.leftKey);
    keys.add(d.rightKey);
  }
  for (const k of keys) node(`k:${k}`);
  const persons = new Map<string, string>();
  for (const k of keys) {
    const p = personOf(k);
    if (p !== null) {
      persons.set(k, p);
      node(`p:${p}`);
    }
  }
  const uf = new UnionFind(index.size);
  for (const [k, p] of persons) uf.union(node(`k:${k}`), node(`p:${p}`));
  for (const d of inForce) if (d.same) uf.union(node(`k:${d.leftKey}`), node(`k:${d.rightKey}`));
  const a = uf.find(node(`k:${l}`));
  const b = uf.find(node(`k:${r}`));
  if (!proposed.same) {
    if (a === b)
      return "この2つの記録は、これまでの「同一人物」の判断により同じ人物として結ばれています。別人とするには、先にその判断を取り消してください。";
    return null;
  }
  for (const d of inForce) {
    if (d.same) continue;
    const x = uf.find(node(`k:${d.leftKey}`));
    const y = uf.find(node(`k:${d.rightKey}`));
    if ((x === a && y === b) || (x === b && y === a))
      return "この2人は、これまでに「別人」と判断された記録を含んでいます（双子やきょうだいの可能性があります）。同一人物とするには、先にその「別人」の判断を取り消してください。";
  }
  // The union itself must not join two records declared different (that were apart before).
  const apart = inForce.filter(
    (d) => !d.same && uf.find(node(`k:${d.leftKey}`)) !== uf.find(node(`k:${d.rightKey}`)),
  );
  uf.union(a, b);
  for (const d of apart)
    if (uf.find(node(`k:${d.leftKey}`)) === uf.find(node(`k:${d.rightKey}`)))
      return "この2人を同一人物とすると、これまでに「別人」と判断された記録どうしが同じ人物になります。先にその判断を取り消してください。";
  return null;
}
