/**
 * The web app's views of a scoring run (issue 11): 判定一覧 (filtered, sorted
 * and paged in SQL), ルール詳細 (children × rule items of one type), the
 * dashboard's counts, and the list's CSV export as a stream of pages. Every
 * read takes the reader's DataScope: for a reader who is not a 要対協 member,
 * items B01/B02 are removed from what they see AND from what the scores say
 * (see `resultsCte` and docs/security.md "判定一覧と要対協").
 */

import { type RawBuilder, sql } from "kysely";
import {
  COUNCIL_ONLY_ITEMS,
  COUNCIL_ONLY_SOURCES,
  type DataScope,
} from "../domain/policy/index.ts";
import { councilExclusionReasons } from "../domain/scoring/council-exclusions.ts";
import type { ItemCondition } from "../domain/scoring/item-filter.ts";
import { type RuleSet, tieBreakOf } from "../domain/scoring/rules.ts";
import type { Database } from "./database.ts";
import { reviewOrderSql } from "./review-order.ts";
import { withDataScope } from "./scope.ts";
import { viewCacheOf, viewKey } from "./view-cache.ts";

/** Largest page of 判定一覧 (documented in the API). */
export const MAX_LIST_PAGE = 200;
/**
 * 判定一覧 walks the flagged children in priority order when at least this
 * many times offset + limit of them match (see `list`).
 */
export const WALK_DENSITY = 10;
/** Largest ルール詳細 matrix (rows); past it the reader is asked to narrow the filter. */
export const MAX_MATRIX_ROWS = 20_000;

/** What a list can be filtered by (all optional but the type). */
export interface ListFilter {
  readonly typeIndex: number;
  readonly flagged?: boolean;
  readonly scoreMin?: number;
  readonly scoreMax?: number;
  readonly affiliation?: string;
  readonly grade?: string;
  readonly ageMin?: number;
  readonly ageMax?: number;
  readonly items?: ItemCondition;
  /**
   * Already supported or decided (exclusion filters and conference decisions of
   * score_result.excluded_by). The workflow (cases) adds its own states here.
   */
  readonly supported?: boolean;
  /**
   * Persons left out: those under a 利用停止 recorded since the run
   * (child.repository.ts stoppedPersons), so that 判定一覧, its count, ルール
   * 詳細 and the export leave them out at once (issue 11). Part of the view
   * cache's key.
   */
  readonly excluded?: readonly string[];
}

export type ListSort = "priority" | "age" | "affiliation";

/** The run as the views need it (rules for the 要対協 adjustment). */
export interface RunForView {
  readonly id: number;
  readonly linkRunId: number;
  readonly asOf: string;
  readonly difficulties: readonly string[];
  readonly rules: RuleSet;
  readonly snapshotIds: readonly number[];
}

export interface ListRow {
  readonly personId: string;
  readonly name: string | null;
  readonly nameKana: string | null;
  readonly birthDate: string | null;
  readonly age: number | null;
  readonly affiliation: string | null;
  readonly grade: string | null;
  readonly householdNo: string | null;
  readonly score: number | null;
  readonly threshold: number;
  readonly flagged: boolean;
  readonly applicable: boolean;
  readonly totalPoints: number;
  readonly excludedBy: readonly string[];
  readonly items: readonly string[];
}

/**
 * The run's results as the reader may see them, as CTEs ending in `res`.
 * Council members: score_result as stored. Others: the score without the
 * points of B01/B02 (count: 1 each, weighted: its weight), flagged again
 * against the threshold, total points without them, and exclusion reasons of
 * 要対協 sources removed. A `model` type's probability cannot be recomputed
 * without the items, so its score is hidden (null) and a child holding B01/B02
 * is not shown as flagged in it.
 */
/**
 * Runs a query built on {@link resultsCte} for a non-member with the 要対協 rows
 * visible to PostgreSQL (row-level security would otherwise hide the B01/B02
 * rows the adjustment subtracts, and the unadjusted score would reveal them).
 * The query itself leaves every 要対協 fact out of what it returns.
 */
function adjusting<T>(scope: DataScope, run: () => Promise<T>): Promise<T> {
  return scope.council
    ? run()
    : withDataScope({ municipalityId: scope.municipalityId, council: true }, run);
}

function resultsCte(scope: DataScope, run: RunForView): RawBuilder<unknown> {
  const where = sql`r.run_id = ${run.id} AND r.municipality_id = ${scope.municipalityId}`;
  if (scope.council) {
    return sql`res AS (
      SELECT r.person_id, r.type_index, r.applicable, r.score, r.threshold, r.flagged,
             r.total_points, r.excluded_by
      FROM score_result r WHERE ${where})`;
  }
  const wt: number[] = [];
  const wi: string[] = [];
  const ww: number[] = [];
  const modelTypes: number[] = [];
  run.difficulties.forEach((d, t) => {
    const rule = run.rules.types.find((x) => x.difficulty === d);
    if (!rule) return;
    if (rule.method === "model") {
      modelTypes.push(t);
      return;
    }
    for (const it of rule.items)
      if (COUNCIL_ONLY_ITEMS.includes(it.itemId)) {
        wt.push(t);
        wi.push(it.itemId);
        ww.push(rule.method === "count" ? 1 : it.weight);
      }
  });
  // By id and by name: score_result.excluded_by holds names (domain/scoring/council-exclusions.ts).
  const hiddenReasons = councilExclusionReasons(run.rules);
  return sql`ci AS (
      SELECT person_id, item_id FROM score_item
      WHERE run_id = ${run.id} AND municipality_id = ${scope.municipalityId}
        AND item_id = ANY(${[...COUNCIL_ONLY_ITEMS]}::text[])
    ), w AS (
      SELECT * FROM unnest(${wt}::int[], ${wi}::text[], ${ww}::float8[]) AS w(type_index, item_id, weight)
    ), adj AS (
      SELECT ci.person_id, w.type_index, sum(w.weight) AS points
      FROM ci JOIN w ON w.item_id = ci.item_id GROUP BY 1, 2
    ), cnt AS (
      SELECT person_id, count(*)::int AS n FROM ci GROUP BY 1
    ), res AS (
      SELECT r.person_id, r.type_index, r.applicable,
        CASE WHEN r.type_index = ANY(${modelTypes}::int[]) THEN NULL
             WHEN r.applicable THEN round((r.score - coalesce(a.points, 0))::numeric, 9)::float8
             ELSE r.score END AS score,
        r.threshold,
        CASE WHEN r.type_index = ANY(${modelTypes}::int[]) THEN r.flagged AND cnt.n IS NULL
             WHEN r.applicable THEN round((r.score - coalesce(a.points, 0))::numeric, 9) >= r.threshold
             ELSE false END AS flagged,
        r.total_points - coalesce(cnt.n, 0) AS total_points,
        ARRAY(SELECT x FROM unnest(r.excluded_by) x WHERE x <> ALL(${hiddenReasons}::text[])) AS excluded_by
      FROM score_result r
      LEFT JOIN adj a ON a.person_id = r.person_id AND a.type_index = r.type_index
      LEFT JOIN cnt ON cnt.person_id = r.person_id
      WHERE ${where})`;
}

/**
 * SQL for a held-item condition on the child's held items (score_child.items,
 * migration 0091): one array expression per item on the row, item ids bound.
 * Non-members cannot name B01/B02 (buildFilter refuses), so the array's
 * council items are never tested for them.
 */
function conditionSql(c: ItemCondition): RawBuilder<boolean> {
  switch (c.kind) {
    case "item":
      return sql<boolean>`c.items @> ARRAY[${c.itemId}]::text[]`;
    case "not":
      return sql<boolean>`NOT (${conditionSql(c.operand)})`;
    default:
      return sql<boolean>`(${sql.join(
        c.operands.map((o) => conditionSql(o)),
        sql.raw(c.kind === "and" ? " AND " : " OR "),
      )})`;
  }
}

function whereSql(f: ListFilter): RawBuilder<boolean> {
  const parts: RawBuilder<boolean>[] = [sql<boolean>`res.type_index = ${f.typeIndex}`];
  if (f.flagged !== undefined) parts.push(sql<boolean>`res.flagged = ${f.flagged}`);
  if (f.scoreMin !== undefined) parts.push(sql<boolean>`res.score >= ${f.scoreMin}`);
  if (f.scoreMax !== undefined) parts.push(sql<boolean>`res.score <= ${f.scoreMax}`);
  if (f.affiliation !== undefined) parts.push(sql<boolean>`c.affiliation = ${f.affiliation}`);
  if (f.grade !== undefined) parts.push(sql<boolean>`c.grade = ${f.grade}`);
  if (f.ageMin !== undefined) parts.push(sql<boolean>`c.age >= ${f.ageMin}`);
  if (f.ageMax !== undefined) parts.push(sql<boolean>`c.age <= ${f.ageMax}`);
  if (f.supported !== undefined)
    parts.push(
      f.supported
        ? sql<boolean>`cardinality(res.excluded_by) > 0`
        : sql<boolean>`cardinality(res.excluded_by) = 0`,
    );
  if (f.items) parts.push(conditionSql(f.items));
  if (f.excluded?.length)
    parts.push(sql<boolean>`res.person_id <> ALL(${[...f.excluded]}::text[])`);
  return sql<boolean>`${sql.join(parts, sql.raw(" AND "))}`;
}

/**
 * Review priority of the listed type: score, then the type's tie-break
 * (TypeRule.tieBreak), then person id — the shared order of review-order.ts,
 * which the home page uses too.
 */
function priorityOf(scope: DataScope, run: RunForView, typeIndex: number): RawBuilder<unknown> {
  const rule = run.rules.types.find((t) => t.difficulty === run.difficulties[typeIndex]);
  // A member's score is score_result.score (NOT NULL): plain DESC matches
  // score_result_order_idx; a non-member's adjusted score can be null (model types).
  return reviewOrderSql(
    {
      score: sql.raw("res.score"),
      scoreNullable: !scope.council,
      totalPoints: sql.raw("res.total_points"),
      age: sql.raw("c.age"),
      personId: sql.raw("res.person_id"),
    },
    tieBreakOf(rule),
  );
}

function orderSql(
  sort: ListSort,
  households: boolean,
  priority: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const main =
    sort === "age"
      ? sql`c.age ASC NULLS LAST, ${priority}`
      : sort === "affiliation"
        ? sql`c.affiliation ASC NULLS LAST, ${priority}`
        : priority;
  // Households together: the household of the highest-priority child first.
  return households
    ? sql`hh.best DESC NULLS LAST, coalesce(c.household_no, res.person_id), ${main}`
    : main;
}

interface Facets {
  affiliations: { value: string; n: number }[];
  grades: { value: string; n: number }[];
}
/** Facets per database, then per municipality and run (see `facets`). */
const facetCache = new WeakMap<Database, Map<string, Facets>>();

export function createRunViewRepository(db: Database) {
  /** How many children match a filter. */
  async function count(scope: DataScope, run: RunForView, f: ListFilter): Promise<number> {
    const key = viewKey(scope, run.id, "count", f);
    const cache = viewCacheOf(db);
    const hit = cache.get(key) as number | undefined;
    if (hit !== undefined) return hit;
    const r = await adjusting(scope, () =>
      sql<{ n: number }>`
      WITH ${resultsCte(scope, run)}
      SELECT count(*)::int AS n FROM res
      JOIN score_child c ON c.run_id = ${run.id} AND c.person_id = res.person_id
      WHERE ${whereSql(f)}`.execute(db),
    );
    const n = r.rows[0]?.n ?? 0;
    cache.set(key, n);
    return n;
  }

  return {
    /**
     * Writes the run's score_child rows once (age on the as-of date, 所属 of the
     * newest linked row naming one, 学年 of the newest row naming one — looked
     * up apart, as a newer row can name the school with its 学年 cell blank —
     * 世帯番号), in SQL. Concurrent
     * first readers serialise on the run row.
     */
    async ensureChildIndex(
      municipalityId: number,
      run: RunForView,
      affiliationColumns: readonly { source: string; column: string; grade: string | null }[],
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const r = await sql<{ done: boolean }>`
          SELECT children_indexed_at IS NOT NULL AS done FROM score_run
          WHERE id = ${run.id} AND municipality_id = ${municipalityId} FOR UPDATE`.execute(trx);
        if (!r.rows[0] || r.rows[0].done) return;
        const src = affiliationColumns.map((a) => a.source);
        // A blank cell is no value (NULLIF): a source whose 学年 column is empty
        // (心の健康チェック in the demo) must not hide the 学齢簿's.
        const affil = affiliationColumns.length
          ? sql`NULLIF(CASE ${sql.join(
              affiliationColumns.map(
                (a) => sql`WHEN l.source_id = ${a.source} THEN ir.data->>${a.column}`,
              ),
              sql.raw(" "),
            )} END, '')`
          : sql`NULL`;
        const gradeSources = affiliationColumns.filter((a) => a.grade);
        const grade = gradeSources.length
          ? sql`NULLIF(CASE ${sql.join(
              gradeSources.map(
                (a) => sql`WHEN l.source_id = ${a.source} THEN ir.data->>${a.grade}`,
              ),
              sql.raw(" "),
            )} END, '')`
          : sql`NULL`;
        const gradeSrc = gradeSources.map((a) => a.source);
        await sql`
          INSERT INTO score_child (run_id, municipality_id, person_id, age, affiliation, grade, household_no, items)
          SELECT ${run.id}, ${municipalityId}, k.person_id,
                 date_part('year', age(${run.asOf}::date, p.birth_date))::smallint,
                 a.affiliation, g.grade, p.household_no,
                 coalesce((SELECT array_agg(i.item_id ORDER BY i.item_id) FROM score_item i
                           WHERE i.run_id = ${run.id} AND i.person_id = k.person_id), '{}')
          FROM (SELECT DISTINCT person_id FROM score_result WHERE run_id = ${run.id}) k
          LEFT JOIN link_person p ON p.run_id = ${run.linkRunId} AND p.person_id = k.person_id
          LEFT JOIN LATERAL (
            SELECT ${affil} AS affiliation
            FROM link_record l
            JOIN import_row ir ON ir.municipality_id = l.municipality_id AND ir.snapshot_id = l.snapshot_id AND ir.row_no = l.row_no
            WHERE l.run_id = ${run.linkRunId} AND l.person_id = k.person_id
              AND l.source_id = ANY(${src}::text[]) AND ${affil} IS NOT NULL
            ORDER BY ir.as_of DESC NULLS LAST, l.snapshot_id DESC, l.row_no DESC
            LIMIT 1
          ) a ON true
          LEFT JOIN LATERAL (
            SELECT ${grade} AS grade
            FROM link_record l
            JOIN import_row ir ON ir.municipality_id = l.municipality_id AND ir.snapshot_id = l.snapshot_id AND ir.row_no = l.row_no
            WHERE l.run_id = ${run.linkRunId} AND l.person_id = k.person_id
              AND l.source_id = ANY(${gradeSrc}::text[]) AND ${grade} IS NOT NULL
            ORDER BY ir.as_of DESC NULLS LAST, l.snapshot_id DESC, l.row_no DESC
            LIMIT 1
          ) g ON true`.execute(trx);
        await sql`UPDATE score_run SET children_indexed_at = now() WHERE id = ${run.id}`.execute(
          trx,
        );
      });
    },

    /**
     * One page of 判定一覧 and the total matching the filter. The page and the
     * total are two statements: the page is read in priority order and stops
     * after offset + limit rows (an index range scan of the type's scores for
     * a council member's priority order), the total is counted once per
     * filter. Both are kept in the view cache (below): a published run's
     * results never change.
     */
    async list(
      scope: DataScope,
      run: RunForView,
      f: ListFilter,
      page: { sort: ListSort; households: boolean; offset: number; limit: number },
    ): Promise<{ total: number; rows: ListRow[] }> {
      // Pages of the screen are cached; the export's large pages are not (memory bound).
      const cacheable = page.limit <= MAX_LIST_PAGE;
      const key = viewKey(scope, run.id, "list", { f, page });
      const cache = viewCacheOf(db);
      const hit = cacheable
        ? (cache.get(key) as { total: number; rows: ListRow[] } | undefined)
        : undefined;
      if (hit) return hit;
      // The route caps pages at MAX_LIST_PAGE; the export reads larger pages.
      const limit = page.limit;
      const hidden = scope.council ? [] : [...COUNCIL_ONLY_ITEMS];
      const hh = page.households
        ? sql`LEFT JOIN (
            SELECT c2.household_no, max(r2.score) AS best FROM res r2
            JOIN score_child c2 ON c2.run_id = ${run.id} AND c2.person_id = r2.person_id
            WHERE r2.type_index = ${f.typeIndex} AND c2.household_no IS NOT NULL GROUP BY 1
          ) hh ON hh.household_no = c.household_no`
        : sql`CROSS JOIN (SELECT NULL::float8 AS best) hh`;
      const order = orderSql(page.sort, page.households, priorityOf(scope, run, f.typeIndex));
      // Walking the type's flagged children in priority order (score_result_order_idx)
      // and fetching each child row by key stops after offset + limit matches; the
      // planner cannot know that held items and scores go together, so it
      // scanned all of score_child instead (metro: 300,000 rows, ~100 ms of each
      // of three processes per page). The walk is chosen only when it is short:
      // flagged children (at most one type's flags) and matches dense enough
      // (the count, needed for the total anyway, is read first and cached) that
      // about (offset + limit) × flagged / matches ≤ a tenth of the flags are read.
      const walk =
        page.sort === "priority" &&
        !page.households &&
        f.flagged === true &&
        (await count(scope, run, f)) >= (page.offset + limit) * WALK_DENSITY;
      const children = walk
        ? sql`JOIN LATERAL (
            SELECT * FROM score_child c0
             WHERE c0.run_id = ${run.id} AND c0.municipality_id = ${scope.municipalityId}
               AND c0.person_id = res.person_id
            OFFSET 0) c ON true`
        : sql`JOIN score_child c ON c.run_id = ${run.id} AND c.person_id = res.person_id`;
      const r = await adjusting(scope, () =>
        sql<{
          person_id: string;
          name: string | null;
          name_kana: string | null;
          birth_date: string | null;
          age: number | null;
          affiliation: string | null;
          grade: string | null;
          household_no: string | null;
          score: number | null;
          threshold: number;
          flagged: boolean;
          applicable: boolean;
          total_points: number;
          excluded_by: string[];
          items: string[];
        }>`
        WITH ${resultsCte(scope, run)}, pg AS (
          SELECT res.person_id, c.age, c.affiliation, c.grade, c.household_no, res.score,
                 res.threshold, res.flagged, res.applicable, res.total_points, res.excluded_by,
                 ${
                   hidden.length
                     ? sql`ARRAY(SELECT x FROM unnest(c.items) x WHERE x <> ALL(${hidden}::text[]))`
                     : sql`c.items`
                 } AS items,
                 row_number() OVER (ORDER BY ${order}) AS ord
          FROM res
          ${children}
          ${hh}
          WHERE ${whereSql(f)}
          ORDER BY ${order}
          LIMIT ${limit} OFFSET ${page.offset}
        )
        -- Names only for the page: joining link_person before the sort hashed every person of the run.
        SELECT pg.*, p.name, p.name_kana, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date
        FROM pg
        LEFT JOIN link_person p ON p.run_id = ${run.linkRunId} AND p.person_id = pg.person_id
        ORDER BY pg.ord`.execute(db),
      );
      // A short first page is the whole result: no count needed.
      const total =
        page.offset === 0 && r.rows.length < limit ? r.rows.length : await count(scope, run, f);
      const result = {
        total,
        rows: r.rows.map((x) => ({
          personId: x.person_id,
          name: x.name,
          nameKana: x.name_kana,
          birthDate: x.birth_date,
          age: x.age,
          affiliation: x.affiliation,
          grade: x.grade,
          householdNo: x.household_no,
          score: x.score,
          threshold: x.threshold,
          flagged: x.flagged,
          applicable: x.applicable,
          totalPoints: x.total_points,
          excludedBy: x.excluded_by,
          items: x.items,
        })),
      };
      if (cacheable) cache.set(key, result);
      return result;
    },

    count,

    /**
     * The ids of every child a filter matches, unordered (an export records
     * them as disclosed before it writes a line, issue 12). One column of the
     * filtered set: for a city's 30,000 children about 1 MB of strings.
     */
    async personIds(scope: DataScope, run: RunForView, f: ListFilter): Promise<string[]> {
      const r = await adjusting(scope, () =>
        sql<{ person_id: string }>`
        WITH ${resultsCte(scope, run)}
        SELECT res.person_id FROM res
        JOIN score_child c ON c.run_id = ${run.id} AND c.person_id = res.person_id
        WHERE ${whereSql(f)}`.execute(db),
      );
      return r.rows.map((x) => x.person_id);
    },

    /** Filter choices: 所属 and 学年 with counts (children of the run). */
    async facets(scope: DataScope, runId: number): Promise<Facets> {
      // A run's child index is written once: its facets never change.
      const key = `${scope.municipalityId}:${runId}`;
      let perDb = facetCache.get(db);
      if (!perDb) {
        perDb = new Map();
        facetCache.set(db, perDb);
      }
      const cached = perDb.get(key);
      if (cached) return cached;
      const a = await sql<{ value: string; n: number }>`
        SELECT affiliation AS value, count(*)::int AS n FROM score_child
        WHERE run_id = ${runId} AND municipality_id = ${scope.municipalityId} AND affiliation IS NOT NULL
        GROUP BY 1 ORDER BY 1`.execute(db);
      const g = await sql<{ value: string; n: number }>`
        SELECT grade AS value, count(*)::int AS n FROM score_child
        WHERE run_id = ${runId} AND municipality_id = ${scope.municipalityId} AND grade IS NOT NULL
        GROUP BY 1 ORDER BY 1`.execute(db);
      const facets = { affiliations: a.rows, grades: g.rows };
      perDb.set(key, facets);
      if (perDb.size > 16) perDb.delete(perDb.keys().next().value as string);
      return facets;
    },

    /**
     * ルール詳細: the children matching the filter (priority order) × the
     * type's rule items; hits as one string per row ("1" hit, "0" not) in the
     * order of `items`. Row totals are the hits; column totals come from SQL.
     */
    async matrix(
      scope: DataScope,
      run: RunForView,
      f: ListFilter,
      itemIds: readonly string[],
    ): Promise<{
      total: number;
      rows: { personId: string; name: string | null; score: number | null; hits: string }[];
      columnTotals: number[];
    }> {
      const r = await adjusting(scope, () =>
        sql<{
          person_id: string;
          name: string | null;
          score: number | null;
          held: string[] | null;
          total: number;
        }>`
        WITH ${resultsCte(scope, run)}
        SELECT res.person_id, p.name, res.score, count(*) OVER ()::int AS total,
          ARRAY(SELECT x FROM unnest(c.items) x WHERE x = ANY(${[...itemIds]}::text[])) AS held
        FROM res
        JOIN score_child c ON c.run_id = ${run.id} AND c.person_id = res.person_id
        LEFT JOIN link_person p ON p.run_id = ${run.linkRunId} AND p.person_id = res.person_id
        WHERE ${whereSql(f)}
        ORDER BY ${priorityOf(scope, run, f.typeIndex)}
        LIMIT ${MAX_MATRIX_ROWS}`.execute(db),
      );
      const cols = await adjusting(scope, () =>
        sql<{ item_id: string; n: number }>`
        WITH ${resultsCte(scope, run)}
        SELECT i.item_id, count(*)::int AS n FROM res
        JOIN score_child c ON c.run_id = ${run.id} AND c.person_id = res.person_id
        JOIN score_item i ON i.run_id = ${run.id} AND i.person_id = res.person_id
          AND i.item_id = ANY(${[...itemIds]}::text[])
        WHERE ${whereSql(f)}
        GROUP BY 1`.execute(db),
      );
      const byItem = new Map(cols.rows.map((x) => [x.item_id, x.n]));
      return {
        total: r.rows[0]?.total ?? 0,
        rows: r.rows.map((x) => {
          const held = new Set(x.held ?? []);
          return {
            personId: x.person_id,
            name: x.name,
            score: x.score,
            hits: itemIds.map((id) => (held.has(id) ? "1" : "0")).join(""),
          };
        }),
        columnTotals: itemIds.map((id) => byItem.get(id) ?? 0),
      };
    },

    /**
     * Per type: children scored, flagged, flagged and not excluded (the review
     * list); `excluded` persons (利用停止 in force) are not counted.
     */
    async typeCounts(
      scope: DataScope,
      run: RunForView,
      /** Persons left out: those under a 利用停止 since the run (stoppedPersons), as 判定一覧 does. */
      excluded: readonly string[] = [],
    ): Promise<
      { typeIndex: number; children: number; applicable: number; flagged: number; listed: number }[]
    > {
      const r = await adjusting(scope, () =>
        sql<{
          type_index: number;
          children: number;
          applicable: number;
          flagged: number;
          listed: number;
        }>`
        WITH ${resultsCte(scope, run)}
        SELECT type_index, count(*)::int AS children,
               count(*) FILTER (WHERE applicable)::int AS applicable,
               count(*) FILTER (WHERE flagged)::int AS flagged,
               count(*) FILTER (WHERE flagged AND cardinality(excluded_by) = 0)::int AS listed
        FROM res
        ${excluded.length ? sql`WHERE res.person_id <> ALL(${[...excluded]}::text[])` : sql``}
        GROUP BY 1 ORDER BY 1`.execute(db),
      );
      return r.rows.map((x) => ({
        typeIndex: x.type_index,
        children: x.children,
        applicable: x.applicable,
        flagged: x.flagged,
        listed: x.listed,
      }));
    },

    /** Every source of the run's snapshots: file, 抽出日, rows stored and rejected (non-members: 要対協 sources left out). */
    async freshness(
      scope: DataScope,
      snapshotIds: readonly number[],
    ): Promise<
      {
        sourceId: string;
        fileName: string;
        asOf: string | null;
        rowsStored: number;
        rowsRejected: number;
        importedAt: Date;
      }[]
    > {
      const hidden = scope.council ? [] : [...COUNCIL_ONLY_SOURCES];
      const r = await sql<{
        source_id: string;
        file_name: string;
        as_of: string | null;
        rows_stored: number;
        rows_rejected: number;
        imported_at: Date;
      }>`
        SELECT source_id, file_name, to_char(as_of, 'YYYY-MM-DD') AS as_of, rows_stored,
               rows_rejected, imported_at
        FROM import_snapshot
        WHERE municipality_id = ${scope.municipalityId} AND id = ANY(${[...snapshotIds]}::int[])
          AND source_id <> ALL(${hidden}::text[])
        ORDER BY source_id, id`.execute(db);
      return r.rows.map((x) => ({
        sourceId: x.source_id,
        fileName: x.file_name,
        asOf: x.as_of,
        rowsStored: x.rows_stored,
        rowsRejected: x.rows_rejected,
        importedAt: x.imported_at,
      }));
    },

    /** The linkage run: linked rows by method, and review pairs still undecided. */
    async linkageSummary(
      scope: DataScope,
      linkRunId: number,
    ): Promise<{ methods: { method: string; rows: number }[]; openPairs: number }> {
      const hidden = scope.council ? [] : [...COUNCIL_ONLY_SOURCES];
      const m = await sql<{ method: string; rows: number }>`
        SELECT method, count(*)::int AS rows FROM link_record
        WHERE run_id = ${linkRunId} AND municipality_id = ${scope.municipalityId}
          AND source_id <> ALL(${hidden}::text[])
        GROUP BY 1 ORDER BY 2 DESC`.execute(db);
      // A pair whose side is made only of 要対協 rows is not counted for non-members (its existence reveals it).
      const visible = hidden.length
        ? sql`AND EXISTS (SELECT 1 FROM link_key_row lr WHERE lr.municipality_id = v.municipality_id AND lr.run_id = v.run_id AND lr.profile_key = v.left_key AND lr.source_id <> ALL(${hidden}::text[]))
              AND EXISTS (SELECT 1 FROM link_key_row lr WHERE lr.municipality_id = v.municipality_id AND lr.run_id = v.run_id AND lr.profile_key = v.right_key AND lr.source_id <> ALL(${hidden}::text[]))`
        : sql``;
      const p = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM link_review v
        LEFT JOIN link_decision d ON d.municipality_id = v.municipality_id
          AND d.left_key = least(v.left_key, v.right_key) AND d.right_key = greatest(v.left_key, v.right_key)
        WHERE v.run_id = ${linkRunId} AND v.municipality_id = ${scope.municipalityId}
          AND d.id IS NULL ${visible}`.execute(db);
      return { methods: m.rows, openPairs: p.rows[0]?.n ?? 0 };
    },

    /** The completed runs before this one (newest first, at most `limit`). */
    async previousRuns(
      municipalityId: number,
      runId: number,
      limit: number,
    ): Promise<{ id: number; asOf: string }[]> {
      const r = await sql<{ id: number; as_of: string }>`
        SELECT id, to_char(as_of, 'YYYY-MM-DD') AS as_of FROM score_run
        WHERE municipality_id = ${municipalityId} AND id < ${runId} AND completed_at IS NOT NULL
        ORDER BY id DESC LIMIT ${limit}`.execute(db);
      return r.rows.map((x) => ({ id: x.id, asOf: x.as_of }));
    },

    /** A municipality setting (JSON) or undefined. */
    async setting(municipalityId: number, key: string): Promise<unknown> {
      const r = await db
        .selectFrom("municipality_setting")
        .select("value")
        .where("municipality_id", "=", municipalityId)
        .where("key", "=", key)
        .executeTakeFirst();
      return r?.value;
    },

    async saveSetting(municipalityId: number, key: string, value: unknown, actor: string) {
      await sql`INSERT INTO municipality_setting (municipality_id, key, value, actor)
        VALUES (${municipalityId}, ${key}, ${JSON.stringify(value)}::jsonb, ${actor})
        ON CONFLICT (municipality_id, key) DO UPDATE SET value = EXCLUDED.value,
          actor = EXCLUDED.actor, updated_at = now()`.execute(db);
    },
  };
}

export type RunViewRepository = ReturnType<typeof createRunViewRepository>;
