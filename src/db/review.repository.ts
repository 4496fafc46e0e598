import { sql } from "kysely";
import type { Waterfall } from "../domain/linkage/explain.ts";
import { COUNCIL_ONLY_SOURCES, type DataScope } from "../domain/policy/index.ts";
import type { Database } from "./database.ts";

/** One side of a pair to decide: a sample source row of that profile. */
export interface ReviewSide {
  readonly key: string;
  readonly personId: string | null;
  readonly sourceId: string | null;
  readonly fileName: string | null;
  readonly rowNo: number | null;
  /** Normalised values of the sample row (氏名, 氏名カナ, 生年月日, 性別, 住所, 学校名 …). */
  readonly data: Readonly<Record<string, unknown>> | null;
  /** How many source rows share this profile in the run. */
  readonly rows: number;
}

export interface ReviewPair {
  readonly left: ReviewSide;
  readonly right: ReviewSide;
  readonly probability: number;
  readonly weight: number;
  readonly reason: string;
  readonly explanation: Waterfall;
  /** A decision already recorded for this pair (applied from the next run on). */
  readonly decision: { same: boolean; decidedBy: string; decidedAt: Date } | null;
}

export function createReviewRepository(db: Database) {
  return {
    /**
     * The pairs the latest linkage run left for a person to decide, most likely
     * matches first. For a reader who is not a council member, rows of 要対協 /
     * 一時保護 sources are left out of each side (sample row and row count), and a
     * pair with a side made only of such rows is not listed at all: its existence
     * would reveal the fact.
     */
    async listPairs(
      scope: Pick<DataScope, "municipalityId" | "council">,
      runId: number,
      limit: number,
    ): Promise<ReviewPair[]> {
      const municipalityId = scope.municipalityId;
      const hidden = scope.council ? [] : [...COUNCIL_ONLY_SOURCES];
      const visible = hidden.length ? sql`lr.source_id <> ALL(${hidden}::text[])` : sql`true`;
      const r = await sql<{
        left_key: string;
        right_key: string;
        left_person: string | null;
        right_person: string | null;
        weight: number;
        probability: number;
        reason: string;
        explanation: Waterfall;
        l_source: string | null;
        l_file: string | null;
        l_row: number | null;
        l_data: Record<string, unknown> | null;
        l_rows: number;
        r_source: string | null;
        r_file: string | null;
        r_row: number | null;
        r_data: Record<string, unknown> | null;
        r_rows: number;
        same: boolean | null;
        decided_by: string | null;
        decided_at: Date | null;
      }>`
        SELECT v.left_key, v.right_key, v.left_person, v.right_person, v.weight, v.probability,
               v.reason, v.explanation,
               l.source_id AS l_source, l.file_name AS l_file, l.row_no AS l_row, l.data AS l_data, l.n AS l_rows,
               r.source_id AS r_source, r.file_name AS r_file, r.row_no AS r_row, r.data AS r_data, r.n AS r_rows,
               d.same, d.decided_by, d.decided_at
        FROM link_review v
        LEFT JOIN LATERAL (
          SELECT lr.source_id, lr.file_name, lr.row_no, ir.data, count(*) OVER ()::int AS n
          FROM link_record lr
          LEFT JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
          WHERE lr.run_id = v.run_id AND lr.profile_key = v.left_key AND ${visible}
          ORDER BY lr.source_id = 'jumin' DESC, lr.source_id, lr.row_no
          LIMIT 1
        ) l ON true
        LEFT JOIN LATERAL (
          SELECT lr.source_id, lr.file_name, lr.row_no, ir.data, count(*) OVER ()::int AS n
          FROM link_record lr
          LEFT JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
          WHERE lr.run_id = v.run_id AND lr.profile_key = v.right_key AND ${visible}
          ORDER BY lr.source_id = 'jumin' DESC, lr.source_id, lr.row_no
          LIMIT 1
        ) r ON true
        LEFT JOIN link_decision d ON d.municipality_id = v.municipality_id
          AND d.left_key = least(v.left_key, v.right_key) AND d.right_key = greatest(v.left_key, v.right_key)
        WHERE v.municipality_id = ${municipalityId} AND v.run_id = ${runId}
          AND (${scope.council}::boolean OR (l.source_id IS NOT NULL AND r.source_id IS NOT NULL))
        ORDER BY (d.same IS NOT NULL), v.probability DESC, v.left_key, v.right_key
        LIMIT ${limit}`.execute(db);
      return r.rows.map((x) => ({
        left: side(x.left_key, x.left_person, x.l_source, x.l_file, x.l_row, x.l_data, x.l_rows),
        right: side(x.right_key, x.right_person, x.r_source, x.r_file, x.r_row, x.r_data, x.r_rows),
        probability: x.probability,
        weight: x.weight,
        reason: x.reason,
        explanation: x.explanation,
        decision:
          x.same === null
            ? null
            : {
                same: x.same,
                decidedBy: x.decided_by ?? "",
                decidedAt: x.decided_at ?? new Date(0),
              },
      }));
    },

    /** Whether the pair is one the run asked about (decisions are accepted only for those). */
    async isPendingPair(
      scope: Pick<DataScope, "municipalityId" | "council">,
      runId: number,
      leftKey: string,
      rightKey: string,
    ): Promise<boolean> {
      const municipalityId = scope.municipalityId;
      if (!scope.council) {
        // A pair the reader cannot list cannot be decided by them either.
        const pairs = await this.listPairsOf(scope, runId, leftKey, rightKey);
        if (!pairs) return false;
      }
      const r = await db
        .selectFrom("link_review")
        .select("run_id")
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", runId)
        .where((eb) =>
          eb.or([
            eb.and([eb("left_key", "=", leftKey), eb("right_key", "=", rightKey)]),
            eb.and([eb("left_key", "=", rightKey), eb("right_key", "=", leftKey)]),
          ]),
        )
        .executeTakeFirst();
      return r !== undefined;
    },

    /** Whether both profiles of a pair have a row the reader may see. */
    async listPairsOf(
      scope: Pick<DataScope, "municipalityId" | "council">,
      runId: number,
      leftKey: string,
      rightKey: string,
    ): Promise<boolean> {
      const hidden = scope.council ? [] : [...COUNCIL_ONLY_SOURCES];
      const r = await db
        .selectFrom("link_record")
        .select((eb) => eb.fn.count<string>("profile_key").distinct().as("n"))
        .where("municipality_id", "=", scope.municipalityId)
        .where("run_id", "=", runId)
        .where("profile_key", "in", [leftKey, rightKey])
        .$if(hidden.length > 0, (q) => q.where("source_id", "not in", hidden))
        .executeTakeFirstOrThrow();
      return Number(r.n) === (leftKey === rightKey ? 1 : 2);
    },
  };
}

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
