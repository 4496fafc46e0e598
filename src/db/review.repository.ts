/**
 * The 名寄せ review queue (issue 15): one item per pair of persons a run left
 * undecided, in keyset pages ordered by how many rows a decision settles,
 * filterable by source, school and probability band; progress per run
 * (month); the decision in force on each item.
 *
 * Security: 要対協 (yotaikyo) and 一時保護 (ichiji_hogo) rows are facts for
 * council members only. Every read takes a scope `{ municipalityId, council }`;
 * without `council`, those rows are never chosen as a side's sample row, never
 * counted in a side's rows, never listed among an item's sources, cannot be
 * filtered on, and an item one of whose sides is known only from such rows is
 * not listed at all (its mere existence would tell that the child is known to
 * the council).
 */
import { sql } from "kysely";
import type { Waterfall } from "../domain/linkage/explain.ts";
import { COUNCIL_ONLY_SOURCES, type DataScope } from "../domain/policy/index.ts";
import type { Database } from "./database.ts";
import { purgedData } from "./person-retention.repository.ts";

/** Who is asking: their municipality, and whether they are a 要対協 council member. */
export type ReviewScope = Pick<DataScope, "municipalityId" | "council">;

/** One side of a pair to decide: a sample source row of that profile. */
export interface ReviewSide {
  readonly key: string;
  readonly personId: string | null;
  readonly sourceId: string | null;
  readonly fileName: string | null;
  readonly rowNo: number | null;
  /** Normalised values of the sample row (氏名, 氏名カナ, 生年月日, 性別, 住所, 学校名 …). */
  readonly data: Readonly<Record<string, unknown>> | null;
  /** How many source rows (the caller may see) share this profile in the run. */
  readonly rows: number;
}

export interface ReviewPair {
  readonly left: ReviewSide;
  readonly right: ReviewSide;
  readonly probability: number;
  readonly weight: number;
  readonly reason: string;
  readonly explanation: Waterfall;
  /** Combinations of the two persons' records this item stands for. */
  readonly pairs: number;
  /** Rows one decision settles (要対協 / 一時保護 rows not counted). */
  readonly rowsResolved: number;
  readonly sources: readonly string[];
  readonly schools: readonly string[];
  /** The decision in force on this pair, if any. */
  readonly decision: {
    id: number;
    same: boolean;
    decidedBy: string;
    decidedAt: Date;
  } | null;
}

/** Filters and page of the queue. */
export interface QueueQuery {
  readonly limit: number;
  /** Opaque cursor of the previous page's last item. */
  readonly after?: string | null;
  readonly source?: string | null;
  readonly school?: string | null;
  readonly minProbability?: number | null;
  readonly maxProbability?: number | null;
  /** "pending" (default): without a decision in force; "decided"; "all". */
  readonly status?: "pending" | "decided" | "all";
}

export interface QueuePage {
  readonly items: ReviewPair[];
  /** Cursor for the next page, or null at the end. */
  readonly next: string | null;
}

/** Review progress of one run (one month's extract). */
export interface ReviewProgress {
  readonly runId: number;
  readonly asOf: string;
  readonly items: number;
  readonly decided: number;
  readonly same: number;
  readonly different: number;
  readonly pending: number;
}

interface Cursor {
  rows: number;
  probability: number;
  left: string;
  right: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), "utf8").toString("base64url");
}

function decodeCursor(s: string): Cursor | null {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Cursor;
    if (
      typeof c.rows === "number" &&
      typeof c.probability === "number" &&
      typeof c.left === "string" &&
      typeof c.right === "string"
    )
      return c;
  } catch {
    // fall through
  }
  return null;
}

export function createReviewRepository(db: Database) {
  const restricted: string[] = [...COUNCIL_ONLY_SOURCES];
  return {
    /** One page of the queue a run left for a person to decide. */
    async listQueue(scope: ReviewScope, runId: number, q: QueryWithDefaults): Promise<QueuePage> {
      const status = q.status ?? "pending";
      const after = q.after ? decodeCursor(q.after) : null;
      // A non-council user cannot filter on a council-only source (nothing matches).
      if (!scope.council && q.source && restricted.includes(q.source))
        return { items: [], next: null };
      const council = scope.council;
      const r = await sql<{
        left_key: string;
        right_key: string;
        left_person: string | null;
        right_person: string | null;
        weight: number;
        probability: number;
        reason: string;
        explanation: Waterfall;
        pairs: number;
        rows: number;
        sources: string[];
        schools: string[];
        d_id: number | null;
        d_action: string | null;
        same: boolean | null;
        decided_by: string | null;
        decided_at: Date | null;
        l_source: string | null;
        l_file: string | null;
        l_row: number | null;
        l_data: Record<string, unknown> | null;
        l_rows: number | null;
        r_source: string | null;
        r_file: string | null;
        r_row: number | null;
        r_data: Record<string, unknown> | null;
        r_rows: number | null;
      }>`
        WITH page AS (
          SELECT v.*, d.id AS d_id, d.action AS d_action, d.same, d.decided_by, d.decided_at
          FROM link_review v
          LEFT JOIN LATERAL (
            SELECT x.id, x.action, x.same, x.decided_by, x.decided_at
            FROM link_decision x
            WHERE x.municipality_id = v.municipality_id
              AND x.left_key = least(v.left_key, v.right_key)
              AND x.right_key = greatest(v.left_key, v.right_key)
            ORDER BY x.id DESC LIMIT 1
          ) d ON true
          WHERE v.municipality_id = ${scope.municipalityId} AND v.run_id = ${runId}
            ${council ? sql`` : sql`AND NOT (cardinality(v.left_sources) > 0 AND v.left_sources <@ ${restricted}::text[]) AND NOT (cardinality(v.right_sources) > 0 AND v.right_sources <@ ${restricted}::text[])`}
            ${q.source ? sql`AND ${q.source} = ANY (v.sources)` : sql``}
            ${q.school ? sql`AND ${q.school} = ANY (v.schools)` : sql``}
            ${q.minProbability != null ? sql`AND v.probability >= ${q.minProbability}` : sql``}
            ${q.maxProbability != null ? sql`AND v.probability <= ${q.maxProbability}` : sql``}
            ${status === "pending" ? sql`AND (d.action IS NULL OR d.action = 'undo')` : status === "decided" ? sql`AND d.action = 'decide'` : sql``}
            ${
              after
                ? sql`AND (v.rows < ${after.rows}
                      OR (v.rows = ${after.rows} AND v.probability < ${after.probability})
                      OR (v.rows = ${after.rows} AND v.probability = ${after.probability}
                          AND (v.left_key, v.right_key) > (${after.left}, ${after.right})))`
                : sql``
            }
          ORDER BY v.rows DESC, v.probability DESC, v.left_key, v.right_key
          LIMIT ${q.limit + 1}
        )
        SELECT p.left_key, p.right_key, p.left_person, p.right_person, p.weight, p.probability,
               p.reason, p.explanation, p.pairs, p.rows, p.sources, p.schools,
               p.d_id, p.d_action, p.same, p.decided_by, p.decided_at,
               l.source_id AS l_source, l.file_name AS l_file, l.row_no AS l_row, l.data AS l_data, l.n AS l_rows,
               r.source_id AS r_source, r.file_name AS r_file, r.row_no AS r_row, r.data AS r_data, r.n AS r_rows
        FROM page p
        LEFT JOIN LATERAL (
          SELECT lr.source_id, lr.file_name, lr.row_no, ${purgedData("ir")} AS data, count(*) OVER ()::int AS n
          FROM link_key_row lr
          LEFT JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
          WHERE lr.municipality_id = p.municipality_id AND lr.run_id = p.run_id AND lr.profile_key = p.left_key
            ${council ? sql`` : sql`AND lr.source_id <> ALL (${restricted}::text[])`}
          ORDER BY lr.source_id = 'jumin' DESC, lr.source_id, lr.row_no
          LIMIT 1
        ) l ON true
        LEFT JOIN LATERAL (
          SELECT lr.source_id, lr.file_name, lr.row_no, ${purgedData("ir")} AS data, count(*) OVER ()::int AS n
          FROM link_key_row lr
          LEFT JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
          WHERE lr.municipality_id = p.municipality_id AND lr.run_id = p.run_id AND lr.profile_key = p.right_key
            ${council ? sql`` : sql`AND lr.source_id <> ALL (${restricted}::text[])`}
          ORDER BY lr.source_id = 'jumin' DESC, lr.source_id, lr.row_no
          LIMIT 1
        ) r ON true
        -- A side with no row the reader may see is not shown (runs stored before 0020 too).
        WHERE ${council}::boolean OR (l.source_id IS NOT NULL AND r.source_id IS NOT NULL)
        ORDER BY p.rows DESC, p.probability DESC, p.left_key, p.right_key`.execute(db);
      const rows = r.rows.slice(0, q.limit);
      const last = rows.at(-1);
      const next =
        r.rows.length > q.limit && last
          ? encodeCursor({
              rows: last.rows,
              probability: last.probability,
              left: last.left_key,
              right: last.right_key,
            })
          : null;
      return {
        next,
        items: rows.map((x) => ({
          left: side(x.left_key, x.left_person, x.l_source, x.l_file, x.l_row, x.l_data, x.l_rows),
          right: side(
            x.right_key,
            x.right_person,
            x.r_source,
            x.r_file,
            x.r_row,
            x.r_data,
            x.r_rows,
          ),
          probability: x.probability,
          weight: x.weight,
          reason: x.reason,
          explanation: x.explanation,
          pairs: x.pairs,
          rowsResolved: x.rows,
          sources: council ? x.sources : x.sources.filter((s) => !restricted.includes(s)),
          schools: x.schools,
          decision:
            x.d_action === "decide" && x.same !== null && x.d_id !== null
              ? {
                  id: x.d_id,
                  same: x.same,
                  decidedBy: x.decided_by ?? "",
                  decidedAt: x.decided_at ?? new Date(0),
                }
              : null,
        })),
      };
    },

    /** The first `limit` items of the queue, pending and decided (the old list view). */
    async listPairs(scope: ReviewScope, runId: number, limit: number): Promise<ReviewPair[]> {
      return (await this.listQueue(scope, runId, { limit, status: "all" })).items;
    },

    /**
     * The item of a run for a pair of profile keys (either order), with what a decision
     * stores: the anchors and persons of both sides. Undefined when the run did not ask
     * about the pair, or when the scope may not see it.
     */
    async findItem(
      scope: ReviewScope,
      runId: number,
      leftKey: string,
      rightKey: string,
    ): Promise<
      | {
          leftKey: string;
          rightKey: string;
          leftAnchors: string[];
          rightAnchors: string[];
          leftPerson: string | null;
          rightPerson: string | null;
        }
      | undefined
    > {
      const r = await db
        .selectFrom("link_review")
        .select([
          "left_key",
          "right_key",
          "left_anchors",
          "right_anchors",
          "left_person",
          "right_person",
          "left_sources",
          "right_sources",
        ])
        .where("municipality_id", "=", scope.municipalityId)
        .where("run_id", "=", runId)
        .where((eb) =>
          eb.or([
            eb.and([eb("left_key", "=", leftKey), eb("right_key", "=", rightKey)]),
            eb.and([eb("left_key", "=", rightKey), eb("right_key", "=", leftKey)]),
          ]),
        )
        .executeTakeFirst();
      if (!r) return undefined;
      const hidden = (s: string[]) => s.length > 0 && s.every((x) => restricted.includes(x));
      if (!scope.council && (hidden(r.left_sources) || hidden(r.right_sources))) return undefined;
      return {
        leftKey: r.left_key,
        rightKey: r.right_key,
        leftAnchors: r.left_anchors,
        rightAnchors: r.right_anchors,
        leftPerson: r.left_person,
        rightPerson: r.right_person,
      };
    },

    /** Whether the pair is one the run asked about and the scope may see. */
    async isPendingPair(
      scope: ReviewScope,
      runId: number,
      leftKey: string,
      rightKey: string,
    ): Promise<boolean> {
      return (await this.findItem(scope, runId, leftKey, rightKey)) !== undefined;
    },

    /**
     * Progress per run (one month's extract each), newest first: items asked, decided
     * (same / different) and pending, counting the decision in force on each item.
     */
    async progress(scope: ReviewScope): Promise<ReviewProgress[]> {
      const r = await sql<{
        run_id: number;
        as_of: string;
        items: number;
        same: number;
        different: number;
      }>`
        SELECT lr.id AS run_id, to_char(lr.as_of, 'YYYY-MM-DD') AS as_of,
               count(v.left_key)::int AS items,
               count(*) FILTER (WHERE d.action = 'decide' AND d.same)::int AS same,
               count(*) FILTER (WHERE d.action = 'decide' AND NOT d.same)::int AS different
        FROM link_run lr
        LEFT JOIN link_review v ON v.municipality_id = lr.municipality_id AND v.run_id = lr.id
          ${scope.council ? sql`` : sql`AND NOT (cardinality(v.left_sources) > 0 AND v.left_sources <@ ${restricted}::text[]) AND NOT (cardinality(v.right_sources) > 0 AND v.right_sources <@ ${restricted}::text[])`}
        LEFT JOIN LATERAL (
          SELECT x.action, x.same FROM link_decision x
          WHERE x.municipality_id = lr.municipality_id
            AND x.left_key = least(v.left_key, v.right_key)
            AND x.right_key = greatest(v.left_key, v.right_key)
          ORDER BY x.id DESC LIMIT 1
        ) d ON true
        WHERE lr.municipality_id = ${scope.municipalityId}
        GROUP BY lr.id, lr.as_of
        ORDER BY lr.as_of DESC, lr.id DESC`.execute(db);
      return r.rows.map((x) => ({
        runId: x.run_id,
        asOf: x.as_of,
        items: x.items,
        decided: x.same + x.different,
        same: x.same,
        different: x.different,
        pending: x.items - x.same - x.different,
      }));
    },
  };
}

type QueryWithDefaults = QueueQuery;

function side(
  key: string,
  personId: string | null,
  sourceId: string | null,
  fileName: string | null,
  rowNo: number | null,
  data: Record<string, unknown> | null,
  rows: number | null,
): ReviewSide {
  return { key, personId, sourceId, fileName, rowNo, data, rows: rows ?? 0 };
}
