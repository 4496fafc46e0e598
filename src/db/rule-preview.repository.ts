/**
 * 試算 of a rule change, child by child (issue 11, rules page): who a new
 * version or threshold would newly flag (入る) and who would drop out (外れる)
 * per difficulty type, on a stored run's held items, in SQL. Each child's
 * score is recomputed from `score_child.items` under the run's own rules
 * ("before") and the changed ones ("after"), so both sides are computed the
 * same way; `applicable` (ages) is the run's, as a patch cannot change ages.
 *
 * 要対協: for a reader who is not a council member, B01/B02 are taken out of
 * the held items on BOTH sides (count: 1 each, weighted: their weight), as
 * the run views do (run-view.repository.ts `resultsCte`): a move that only
 * B01/B02 would cause never shows, and a `model` type's stored probability is
 * not used for a child holding B01/B02 (not flagged on either side).
 */
import { sql } from "kysely";
import { COUNCIL_ONLY_ITEMS, type DataScope } from "../domain/policy/index.ts";
import type { Database } from "./database.ts";
import { withDataScope } from "./scope.ts";

/** Largest page of a move list (documented in the API). */
export const MAX_MOVE_PAGE = 100;

/** One side of one type: how its score is made and where it flags. */
export interface MoveSide {
  readonly method: "count" | "weighted" | "model";
  readonly threshold: number;
  /** count: the items (weight ignored, 1 each); weighted: item weights; model: unused (stored score). */
  readonly items: readonly { readonly itemId: string; readonly weight: number }[];
}

/** A type of the run (its index in score_result) with its two sides. */
export interface MoveType {
  readonly typeIndex: number;
  readonly before: MoveSide;
  readonly after: MoveSide;
}

export type MoveDirection = "entering" | "leaving";

export interface MoveRow {
  readonly personId: string;
  readonly name: string | null;
  readonly nameKana: string | null;
  readonly age: number | null;
  readonly affiliation: string | null;
  readonly scoreBefore: number | null;
  readonly scoreAfter: number | null;
}

export interface MoveCounts {
  readonly typeIndex: number;
  readonly entering: number;
  readonly leaving: number;
}

function sideArrays(types: readonly MoveType[]) {
  const t: number[] = [];
  const side: number[] = [];
  const item: string[] = [];
  const weight: number[] = [];
  for (const ty of types)
    ([ty.before, ty.after] as const).forEach((s, k) => {
      if (s.method === "model") return;
      for (const it of s.items) {
        t.push(ty.typeIndex);
        side.push(k);
        item.push(it.itemId);
        weight.push(s.method === "count" ? 1 : it.weight);
      }
    });
  return { t, side, item, weight };
}

export function createRulePreviewRepository(db: Database) {
  /**
   * The moves CTE `mv` (person_id, type_index, score_before, score_after,
   * before_flagged, after_flagged) for the listed types of a run.
   */
  function movesCte(scope: DataScope, runId: number, types: readonly MoveType[]) {
    const municipalityId = scope.municipalityId;
    const hidden = scope.council ? [] : [...COUNCIL_ONLY_ITEMS];
    const a = sideArrays(types);
    const th = {
      t: types.map((x) => x.typeIndex),
      b: types.map((x) => x.before.threshold),
      a: types.map((x) => x.after.threshold),
      bm: types.map((x) => x.before.method === "model"),
      am: types.map((x) => x.after.method === "model"),
    };
    const score = (model: string, points: string) =>
      sql.raw(`CASE
        WHEN NOT r.applicable THEN NULL
        WHEN th.${model} THEN CASE WHEN hc.person_id IS NULL THEN r.score END
        ELSE round(coalesce(p.${points}, 0)::numeric, 9)::float8 END`);
    return sql`spec AS (
        SELECT * FROM unnest(${a.t}::int[], ${a.side}::int[], ${a.item}::text[], ${a.weight}::float8[])
          AS s(type_index, side, item_id, weight)
      ), th AS (
        SELECT * FROM unnest(${th.t}::int[], ${th.b}::float8[], ${th.a}::float8[], ${th.bm}::bool[], ${th.am}::bool[])
          AS th(type_index, before_threshold, after_threshold, before_model, after_model)
      ), held AS (
        SELECT c.person_id, x AS item_id
        FROM score_child c CROSS JOIN LATERAL unnest(c.items) x
        WHERE c.run_id = ${runId} AND c.municipality_id = ${municipalityId}
          AND x <> ALL(${hidden}::text[])
      ), pts AS (
        SELECT h.person_id, s.type_index,
               sum(s.weight) FILTER (WHERE s.side = 0) AS b,
               sum(s.weight) FILTER (WHERE s.side = 1) AS a
        FROM held h JOIN spec s ON s.item_id = h.item_id GROUP BY 1, 2
      ), hc AS (
        -- Children whose stored model probability a non-member may not use.
        SELECT c.person_id FROM score_child c
        WHERE c.run_id = ${runId} AND c.municipality_id = ${municipalityId}
          AND c.items && ${hidden}::text[]
      ), sc AS (
        SELECT r.person_id, r.type_index, th.before_threshold, th.after_threshold,
               ${score("before_model", "b")} AS score_before,
               ${score("after_model", "a")} AS score_after
        FROM score_result r
        JOIN th ON th.type_index = r.type_index
        LEFT JOIN pts p ON p.person_id = r.person_id AND p.type_index = r.type_index
        LEFT JOIN hc ON hc.person_id = r.person_id
        WHERE r.run_id = ${runId} AND r.municipality_id = ${municipalityId}
      ), mv AS (
        SELECT person_id, type_index, score_before, score_after,
               coalesce(score_before >= before_threshold, false) AS before_flagged,
               coalesce(score_after >= after_threshold, false) AS after_flagged
        FROM sc
      )`;
  }

  /**
   * Runs with the 要対協 rows visible to PostgreSQL for a non-member: the
   * query itself takes B01/B02 out (see the file comment), and must see them
   * to know which model scores it may not use.
   */
  function adjusting<T>(scope: DataScope, run: () => Promise<T>): Promise<T> {
    return scope.council
      ? run()
      : withDataScope({ municipalityId: scope.municipalityId, council: true }, run);
  }

  return {
    /** Per type: how many children the change newly flags and how many it drops. */
    async countMoves(
      scope: DataScope,
      runId: number,
      types: readonly MoveType[],
    ): Promise<MoveCounts[]> {
      if (types.length === 0) return [];
      const r = await adjusting(scope, () =>
        sql<{ type_index: number; entering: number; leaving: number }>`
          WITH ${movesCte(scope, runId, types)}
          SELECT type_index,
                 count(*) FILTER (WHERE after_flagged AND NOT before_flagged)::int AS entering,
                 count(*) FILTER (WHERE before_flagged AND NOT after_flagged)::int AS leaving
          FROM mv GROUP BY type_index`.execute(db),
      );
      const byType = new Map(r.rows.map((x) => [x.type_index, x]));
      return types.map((ty) => ({
        typeIndex: ty.typeIndex,
        entering: byType.get(ty.typeIndex)?.entering ?? 0,
        leaving: byType.get(ty.typeIndex)?.leaving ?? 0,
      }));
    },

    /**
     * One page of the children one type's change moves in one direction:
     * highest new score first for 入る, highest old score first for 外れる,
     * then person id. Names only for the page.
     */
    async listMoves(
      scope: DataScope,
      run: { readonly id: number; readonly linkRunId: number },
      type: MoveType,
      direction: MoveDirection,
      page: { readonly offset: number; readonly limit: number },
    ): Promise<MoveRow[]> {
      const which =
        direction === "entering"
          ? sql`after_flagged AND NOT before_flagged`
          : sql`before_flagged AND NOT after_flagged`;
      const order =
        direction === "entering"
          ? sql`mv.score_after DESC NULLS LAST, mv.person_id`
          : sql`mv.score_before DESC NULLS LAST, mv.person_id`;
      const r = await adjusting(scope, () =>
        sql<{
          person_id: string;
          name: string | null;
          name_kana: string | null;
          age: number | null;
          affiliation: string | null;
          score_before: number | null;
          score_after: number | null;
        }>`
          WITH ${movesCte(scope, run.id, [type])}, pg AS (
            SELECT mv.person_id, mv.score_before, mv.score_after, c.age, c.affiliation,
                   row_number() OVER (ORDER BY ${order}) AS ord
            FROM mv JOIN score_child c ON c.run_id = ${run.id} AND c.person_id = mv.person_id
            WHERE ${which}
            ORDER BY ${order}
            LIMIT ${page.limit} OFFSET ${page.offset}
          )
          SELECT pg.*, p.name, p.name_kana FROM pg
          LEFT JOIN link_person p ON p.run_id = ${run.linkRunId} AND p.person_id = pg.person_id
          ORDER BY pg.ord`.execute(db),
      );
      return r.rows.map((x) => ({
        personId: x.person_id,
        name: x.name,
        nameKana: x.name_kana,
        age: x.age,
        affiliation: x.affiliation,
        scoreBefore: x.score_before,
        scoreAfter: x.score_after,
      }));
    },
  };
}
