/**
 * Rule versions with effective dates: a municipality changes thresholds or
 * items (the 2024 report recommends a yearly review, reference/000 §2.11
 * 「毎年度見直しを行う仕組み・時期を設けるとよい」), and each run uses the
 * version in force on its as-of date. Diffs show what changed between two
 * versions, path by path.
 */
import { MimamoriError } from "../errors.ts";
import type { IsoDate } from "../types.ts";
import type { RuleSet } from "./rules.ts";

export interface RuleVersion {
  readonly id: string;
  /** In force from this date until the next version's date. */
  readonly effectiveFrom: IsoDate;
  /** Why it changed (Japanese, for the record). */
  readonly note: string;
  readonly rules: RuleSet;
}

/** The version in force on `date`: the latest effectiveFrom ≤ date (ties: the later in the list). */
export function ruleVersionAt(versions: readonly RuleVersion[], date: IsoDate): RuleVersion {
  let best: RuleVersion | undefined;
  for (const v of versions) {
    if (v.effectiveFrom > date) continue;
    if (!best || v.effectiveFrom >= best.effectiveFrom) best = v;
  }
  if (!best) {
    throw new MimamoriError(
      "not_found",
      `${date} 時点で有効な規則の版がありません。適用開始日が ${date} 以前の版を登録してください。`,
    );
  }
  return best;
}

export interface Change {
  /** Dotted path; array elements with an id are addressed by it (`types[abuse].threshold`). */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** The key that identifies an array element across versions, if it has one. */
function keyOf(v: unknown): string | undefined {
  if (v === null || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  for (const k of ["id", "itemId", "difficulty"]) {
    if (typeof o[k] === "string") return o[k] as string;
  }
  return undefined;
}

function diffValues(a: unknown, b: unknown, path: string, out: Change[]): void {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const keyed = a.every((x) => keyOf(x) !== undefined) && b.every((x) => keyOf(x) !== undefined);
    if (keyed) {
      const am = new Map(a.map((x) => [keyOf(x) as string, x]));
      const bm = new Map(b.map((x) => [keyOf(x) as string, x]));
      for (const [k, x] of am) {
        if (!bm.has(k)) out.push({ path: `${path}[${k}]`, before: x, after: undefined });
        else diffValues(x, bm.get(k), `${path}[${k}]`, out);
      }
      for (const [k, x] of bm)
        if (!am.has(k)) out.push({ path: `${path}[${k}]`, before: undefined, after: x });
      return;
    }
    if (a.length !== b.length || a.some((x, i) => JSON.stringify(x) !== JSON.stringify(b[i]))) {
      out.push({ path, before: a, after: b });
    }
    return;
  }
  if (
    a !== null &&
    b !== null &&
    typeof a === "object" &&
    typeof b === "object" &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
    for (const k of keys) diffValues(ao[k], bo[k], path === "" ? k : `${path}.${k}`, out);
    return;
  }
  out.push({ path, before: a, after: b });
}

/** What changed from `a` to `b`, in path order. */
export function diffRuleSets(a: RuleSet, b: RuleSet): Change[] {
  const out: Change[] = [];
  diffValues(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)), "", out);
  return out;
}
