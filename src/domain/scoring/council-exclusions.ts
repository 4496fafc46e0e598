/**
 * Exclusion reasons that are 要対協 facts (issue 11 security): an exclusion
 * filter of the rule set that reads a council-only source (要対協で進行管理中
 * reads yotaikyo). score_result.excluded_by, review_list_entry.exclusions and
 * the candidate check hold an exclusion by its id OR by its name (scoring
 * stores names, the workflow ids), so both are recognised here. Every path
 * that returns exclusion reasons, or counts made from them, to a reader who
 * is not a 要対協 member removes these first (docs/security.md 「除外理由と要対協」).
 */
import { COUNCIL_ONLY_SOURCES } from "../policy/index.ts";
import { DEFAULT_EXCLUSIONS, type RuleSet } from "./rules.ts";

function readsCouncilSource(criterion: unknown): boolean {
  const src = (criterion as { source?: unknown } | null)?.source;
  return typeof src === "string" && COUNCIL_ONLY_SOURCES.includes(src);
}

/**
 * Ids and names of the exclusions that are council facts: those of the rule
 * set and, always, those of the built-in defaults (a run's stored reasons may
 * come from an older rule set than the one at hand).
 */
export function councilExclusionReasons(rules: Pick<RuleSet, "exclusions"> | undefined): string[] {
  const out = new Set<string>();
  for (const e of [...DEFAULT_EXCLUSIONS, ...(rules?.exclusions ?? [])])
    if (readsCouncilSource(e.criterion)) {
      out.add(e.id);
      out.add(e.name);
    }
  return [...out];
}

/** The reasons the reader may see: all for a member, without the council ones otherwise. */
export function visibleExclusionReasons(
  scope: { readonly council: boolean },
  rules: Pick<RuleSet, "exclusions"> | undefined,
  reasons: readonly string[],
): string[] {
  if (scope.council) return [...reasons];
  const hidden = new Set(councilExclusionReasons(rules));
  return reasons.filter((r) => !hidden.has(r));
}
