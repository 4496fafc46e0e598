/**
 * One child's scores as a waterfall (issue 11 こども詳細): for each difficulty
 * type of the run, the items of its rule the child holds, the points or weight
 * each adds, and the evidence behind it (source, file, row, 抽出日, the value
 * against the criterion). Pure: the repository supplies the stored results,
 * the held items and the run's rule set.
 *
 * 要対協 facts (items B01, B02) reach council members only: for anyone else
 * they are left out, and a count or weighted score is shown as the sum of the
 * visible items — otherwise the gap between score and items would reveal the
 * fact. A model score (a probability) cannot be taken apart that way and is
 * not shown to non-members.
 */
import type { Evidence } from "../items/evidence.ts";
import { DIFFICULTY_NAMES, type DifficultyId } from "./difficulties.ts";
import type { RuleSet } from "./rules.ts";

export interface WaterfallItem {
  readonly itemId: string;
  readonly name: string;
  /** Points this item adds (1 for `count`, its weight for `weighted`, null for `model`). */
  readonly points: number | null;
  /** Running total after this item (null for `model`). */
  readonly cumulative: number | null;
  readonly evidence: Evidence;
}

export interface TypeWaterfall {
  readonly difficulty: string;
  readonly label: string;
  readonly method: string;
  readonly applicable: boolean;
  /** Null when withheld (a model score shown to a non-member). */
  readonly score: number | null;
  readonly threshold: number;
  readonly flagged: boolean | null;
  readonly excludedBy: readonly string[];
  readonly items: readonly WaterfallItem[];
  /** Rule items the child does not hold (ids), so a reader sees what was checked. */
  readonly notHeld: readonly string[];
}

export interface StoredScore {
  readonly difficulty: string;
  readonly applicable: boolean;
  readonly score: number;
  readonly threshold: number;
  readonly flagged: boolean;
  readonly excludedBy: readonly string[];
}

export function buildScoreWaterfalls(
  rules: RuleSet,
  scores: readonly StoredScore[],
  held: ReadonlyMap<string, Evidence>,
  visibleItem: (itemId: string) => boolean,
): TypeWaterfall[] {
  const names = new Map(rules.catalog.items.map((i) => [i.id, i.name]));
  return scores.map((s) => {
    const rule = rules.types.find((t) => t.difficulty === s.difficulty);
    const method = rule?.method ?? "count";
    const ruleItems = (rule?.items ?? []).filter((i) => visibleItem(i.itemId));
    let total = 0;
    const items: WaterfallItem[] = [];
    const notHeld: string[] = [];
    for (const ri of ruleItems) {
      const ev = held.get(ri.itemId);
      if (!ev) {
        notHeld.push(ri.itemId);
        continue;
      }
      const points = method === "model" ? null : method === "weighted" ? ri.weight : 1;
      if (points !== null) total += points;
      items.push({
        itemId: ri.itemId,
        name: names.get(ri.itemId) ?? ri.itemId,
        points,
        cumulative: points === null ? null : total,
        evidence: ev,
      });
    }
    const hiddenAny = ruleItems.length !== (rule?.items.length ?? 0);
    const recomputed = hiddenAny && method !== "model";
    const score = !hiddenAny ? s.score : recomputed ? (s.applicable ? total : 0) : null;
    return {
      difficulty: s.difficulty,
      label: DIFFICULTY_NAMES[s.difficulty as DifficultyId] ?? s.difficulty,
      method,
      applicable: s.applicable,
      score,
      threshold: s.threshold,
      flagged: score === null ? null : hiddenAny ? s.applicable && score >= s.threshold : s.flagged,
      excludedBy: s.excludedBy,
      items,
      notHeld,
    };
  });
}
