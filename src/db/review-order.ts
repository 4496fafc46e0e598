import { type RawBuilder, sql } from "kysely";
import { type RuleSet, type TieBreakKey, tieBreakOf } from "../domain/scoring/rules.ts";

/**
 * The review priority order as SQL, in one place: 判定一覧 (run-view.repository.ts)
 * and the home page's 優先して確認するこども (child.repository.ts `topFlagged`)
 * both sort with it, so two children with the same score stand in the same
 * order on both screens. The order is the one of domain/scoring/score.ts
 * `compareForReview`: score ↓, then the type's tie-break keys
 * (TypeRule.tieBreak; default total points ↓, then the younger child — age
 * in completed years on the run's as-of date), then person id ↑.
 */
export interface ReviewOrderColumns {
  readonly score: RawBuilder<unknown>;
  /** Whether the score can be NULL (a non-member's model-scored type): NULLs go last. */
  readonly scoreNullable: boolean;
  readonly totalPoints: RawBuilder<unknown>;
  /** Completed years on the run's as-of date (score_child.age). */
  readonly age: RawBuilder<unknown>;
  readonly personId: RawBuilder<unknown>;
}

function keySql(c: ReviewOrderColumns, k: TieBreakKey): RawBuilder<unknown> {
  switch (k) {
    case "total_points":
      return sql`${c.totalPoints} DESC`;
    case "younger":
      return sql`${c.age} ASC NULLS LAST`;
    case "older":
      return sql`${c.age} DESC NULLS LAST`;
  }
}

/** The same key as an ascending number (for keys that differ per row's type). */
function ascendingKey(c: ReviewOrderColumns, k: TieBreakKey): RawBuilder<unknown> {
  return k === "younger" ? sql`${c.age}` : sql`-(${k === "older" ? c.age : c.totalPoints})`;
}

/** Review priority of one type's rows, with that type's tie-break keys. */
export function reviewOrderSql(
  c: ReviewOrderColumns,
  keys: readonly TieBreakKey[],
): RawBuilder<unknown> {
  return sql.join([
    c.scoreNullable ? sql`${c.score} DESC NULLS LAST` : sql`${c.score} DESC`,
    ...keys.map((k) => keySql(c, k)),
    c.personId,
  ]);
}

/**
 * Review priority of rows of several types (the home page lists each child
 * once, under its best type): each row is broken by its own type's
 * tie-break, so the children of one type keep 判定一覧's order among
 * themselves. When every type has the same tie-break (the default) this is
 * reviewOrderSql itself; otherwise the i-th key is chosen per row by its
 * type, as an ascending number (ties across types of different keys are
 * ordered by that number, then person id: deterministic, not meaningful).
 */
export function mixedReviewOrderSql(
  c: ReviewOrderColumns & { readonly difficulty: RawBuilder<unknown> },
  rules: Pick<RuleSet, "types">,
): RawBuilder<unknown> {
  const byType = rules.types.map((t) => ({ d: t.difficulty, keys: tieBreakOf(t) }));
  const first = byType[0]?.keys ?? tieBreakOf(undefined);
  if (byType.every((t) => t.keys.join() === first.join())) return reviewOrderSql(c, first);
  const n = Math.max(...byType.map((t) => t.keys.length));
  const keys: RawBuilder<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const whens = byType
      .filter((t) => t.keys[i] !== undefined)
      .map((t) => sql`WHEN ${t.d}::text THEN ${ascendingKey(c, t.keys[i] as TieBreakKey)}`);
    if (whens.length)
      keys.push(sql`CASE ${c.difficulty} ${sql.join(whens, sql` `)} END ASC NULLS LAST`);
  }
  return sql.join([
    c.scoreNullable ? sql`${c.score} DESC NULLS LAST` : sql`${c.score} DESC`,
    ...keys,
    c.personId,
  ]);
}
