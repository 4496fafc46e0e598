/**
 * Changing rules as the coordinating office does (issue 14, 総括管理): a
 * patch on the rule version in force — items added to or removed from the
 * catalog, per type the method, threshold, weights — instead of a whole rule
 * set written by hand; what a change would flag before it is saved
 * (`previewCounts`, against the monthly capacity); who enters and who
 * leaves when a past run is scored with another version (`compareRuns`).
 * Pure: the pipeline (pipeline/rules.ts) reads the population and stores.
 */
import { z } from "zod";
import { MimamoriError } from "../errors.ts";
import type { ItemDef } from "../items/catalog.ts";
import { itemDefSchema } from "../items/schema.ts";
import type { PersonId } from "../linkage/types.ts";
import { japaneseIssueMessage } from "../zod-messages.ts";
import { DIFFICULTY_IDS, DIFFICULTY_NAMES, type DifficultyId } from "./difficulties.ts";
import {
  type Capacity,
  type Method,
  type RuleSet,
  TIE_BREAK_KEYS,
  type TieBreakKey,
  type TypeRule,
} from "./rules.ts";
import { FLAGGED, type ScoredRun } from "./score.ts";

export interface TypePatch {
  readonly enabled?: boolean;
  readonly method?: Method;
  readonly threshold?: number;
  /** itemId → weight (added when the type lacks the item); null removes the item from the type. */
  readonly weights?: Readonly<Record<string, number | null>>;
  /** Why (kept as the basis of items the patch adds to the type). */
  readonly basis?: string;
  /** The order of children with equal scores (TypeRule.tieBreak). */
  readonly tieBreak?: readonly TieBreakKey[];
}

export interface RulePatch {
  /** The new version's label. */
  readonly version: string;
  /** Items added to the catalog, or replacing the item with the same id. */
  readonly items?: readonly ItemDef[];
  /** Item ids removed from the catalog (and from every type). */
  readonly removeItems?: readonly string[];
  readonly types?: Readonly<Partial<Record<DifficultyId, TypePatch>>>;
  readonly capacity?: Partial<Capacity>;
}

const typePatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  method: z.enum(["count", "weighted", "model"]).optional(),
  threshold: z.number().finite().optional(),
  weights: z.record(z.string(), z.number().finite().nullable()).optional(),
  basis: z.string().optional(),
  tieBreak: z.array(z.enum(TIE_BREAK_KEYS)).optional(),
});

export const rulePatchSchema = z.strictObject({
  version: z.string().min(1),
  items: z.array(itemDefSchema).optional(),
  removeItems: z.array(z.string()).optional(),
  types: z.partialRecord(z.enum(DIFFICULTY_IDS), typePatchSchema).optional(),
  capacity: z
    .strictObject({
      perMonth: z.number().int().min(1).optional(),
      unit: z.enum(["children", "households"]).optional(),
    })
    .optional(),
});

/** A patch from untrusted data (the shape only; the result is checked as any rule set is). */
export function parseRulePatch(value: unknown): RulePatch {
  const parsed = rulePatchSchema.safeParse(value);
  if (!parsed.success) {
    throw new MimamoriError(
      "invalid_input",
      "規則の変更の形が正しくありません。次の箇所を直してください。",
      parsed.error.issues.map((i) => `${i.path.join(".") || "(全体)"}: ${japaneseIssueMessage(i)}`),
    );
  }
  return parsed.data as RulePatch;
}

/**
 * The rule set `patch` makes of `base`. The catalog's version changes with
 * its items (a model trained on the old catalog then asks to be retrained).
 * Throws when the patch names a type or item that does not exist.
 */
export function applyRulePatch(base: RuleSet, patch: RulePatch): RuleSet {
  const problems: string[] = [];
  const removed = new Set(patch.removeItems ?? []);
  const known = new Set(base.catalog.items.map((i) => i.id));
  for (const id of removed)
    if (!known.has(id)) problems.push(`removeItems: 項目 ${id} は今の規則にありません。`);
  const replacing = new Map((patch.items ?? []).map((i) => [i.id, i]));
  const items = base.catalog.items
    .filter((i) => !removed.has(i.id))
    .map((i) => replacing.get(i.id) ?? i);
  for (const i of patch.items ?? []) if (!known.has(i.id)) items.push(i);
  const catalogChanged = removed.size > 0 || replacing.size > 0;
  const ids = new Set(items.map((i) => i.id));

  const types: TypeRule[] = base.types.map((t) => {
    const p = patch.types?.[t.difficulty];
    let rule: TypeRule = { ...t, items: t.items.filter((it) => !removed.has(it.itemId)) };
    if (!p) return rule;
    const list = [...rule.items];
    for (const [itemId, w] of Object.entries(p.weights ?? {})) {
      const at = list.findIndex((it) => it.itemId === itemId);
      if (w === null) {
        if (at < 0)
          problems.push(
            `${DIFFICULTY_NAMES[t.difficulty]}: 項目 ${itemId} はこの種類の規則にありません。`,
          );
        else list.splice(at, 1);
      } else if (at >= 0) list[at] = { ...(list[at] as TypeRule["items"][number]), weight: w };
      else {
        if (!ids.has(itemId))
          problems.push(
            `${DIFFICULTY_NAMES[t.difficulty]}: 項目 ${itemId} がデータ項目にありません。`,
          );
        list.push({ itemId, weight: w, basis: p.basis ?? `規則の版 ${patch.version} で追加` });
      }
    }
    rule = {
      ...rule,
      items: list,
      ...(p.enabled === undefined ? {} : { enabled: p.enabled }),
      ...(p.method === undefined ? {} : { method: p.method }),
      ...(p.threshold === undefined ? {} : { threshold: p.threshold }),
      ...(p.tieBreak === undefined ? {} : { tieBreak: [...p.tieBreak] }),
    };
    return rule;
  });
  for (const d of Object.keys(patch.types ?? {})) {
    if (!base.types.some((t) => t.difficulty === d))
      problems.push(`types: 困難の種類「${d}」の規則がありません。`);
  }
  if (problems.length > 0) {
    throw new MimamoriError(
      "invalid_input",
      "規則の変更に誤りがあります。次の箇所を直してください。",
      problems,
    );
  }
  return {
    ...base,
    version: patch.version,
    catalog: {
      version: catalogChanged ? `${base.catalog.version}+${patch.version}` : base.catalog.version,
      items,
    },
    types,
    capacity: { ...base.capacity, ...(patch.capacity ?? {}) },
  };
}

export interface FlagCount {
  readonly difficulty: DifficultyId;
  readonly threshold: number;
  /** Children flagged (score ≥ threshold). */
  readonly children: number;
  /** Distinct 世帯 of those children (a child without one counts as its own). */
  readonly households: number;
}

/** How many children and households each enabled type flags in a scored run. */
export function flagCounts(run: ScoredRun): FlagCount[] {
  const T = run.difficulties.length;
  return run.difficulties.map((difficulty, t) => {
    let children = 0;
    const households = new Set<string>();
    run.children.forEach((c, i) => {
      if (((run.flags[i * T + t] as number) & FLAGGED) === 0) return;
      children++;
      households.add(c.householdNo ?? `person:${c.personId}`);
    });
    return {
      difficulty,
      threshold: run.thresholds[t] as number,
      children,
      households: households.size,
    };
  });
}

export interface PreviewLine {
  readonly difficulty: DifficultyId;
  readonly before: FlagCount | null;
  readonly after: FlagCount | null;
  /** The monthly review capacity of the new rules, in its unit. */
  readonly capacity: Capacity;
  /** The new count in the capacity's unit divided by the capacity (1 = one month of reviews). */
  readonly monthsOfWork: number | null;
}

/** Per type: what the saved rules flag and what the changed ones would, against capacity. */
export function previewCounts(before: ScoredRun, after: ScoredRun): PreviewLine[] {
  const a = new Map(flagCounts(before).map((c) => [c.difficulty, c]));
  const b = new Map(flagCounts(after).map((c) => [c.difficulty, c]));
  const capacity = after.rules.capacity;
  const order = [...new Set([...after.difficulties, ...before.difficulties])];
  return order.map((d) => {
    const next = b.get(d) ?? null;
    const n = next === null ? null : capacity.unit === "children" ? next.children : next.households;
    return {
      difficulty: d,
      before: a.get(d) ?? null,
      after: next,
      capacity,
      monthsOfWork: n === null ? null : n / capacity.perMonth,
    };
  });
}

export interface RunComparison {
  readonly difficulty: DifficultyId;
  /** Flagged with the other version and not with the run's own. */
  readonly entering: readonly PersonId[];
  /** Flagged with the run's own version and not with the other. */
  readonly leaving: readonly PersonId[];
  readonly staying: number;
}

function flaggedSet(run: ScoredRun, d: DifficultyId): Set<PersonId> {
  const t = run.difficulties.indexOf(d);
  const out = new Set<PersonId>();
  if (t < 0) return out;
  const T = run.difficulties.length;
  run.children.forEach((c, i) => {
    if (((run.flags[i * T + t] as number) & FLAGGED) !== 0) out.add(c.personId);
  });
  return out;
}

/** Who enters and who leaves each type's flagged list going from run `a` to run `b`. */
export function compareRuns(a: ScoredRun, b: ScoredRun): RunComparison[] {
  const order = [...new Set([...a.difficulties, ...b.difficulties])];
  return order.map((d) => {
    const x = flaggedSet(a, d);
    const y = flaggedSet(b, d);
    const entering = [...y].filter((p) => !x.has(p)).sort();
    const leaving = [...x].filter((p) => !y.has(p)).sort();
    return { difficulty: d, entering, leaving, staying: y.size - entering.length };
  });
}
