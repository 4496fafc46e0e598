/**
 * Read-only queries of the validation report (issue 7) over the scoring
 * tables (0004-scoring): one chosen run, and the flag counts of every run for
 * the funnel over time. Nothing here writes.
 */
import { sql } from "kysely";
import type { IsoDate, SourceId } from "../domain/types.ts";
import type { Value } from "../domain/validate.ts";
import type { Database } from "./database.ts";
import type { LinkedStoredRow } from "./scoring.repository.ts";

export interface ScoreRunRef {
  readonly id: number;
  readonly linkRunId: number;
  readonly ruleVersionId: number;
  readonly ruleVersion: string;
  readonly asOf: IsoDate;
  readonly difficulties: readonly string[];
}

export interface RunFlagCountRow {
  readonly runId: number;
  readonly asOf: IsoDate;
  readonly difficulty: string;
  readonly applicable: number;
  readonly flagged: number;
  readonly listed: number;
}

export function createValidationRepository(db: Database) {
  return {
    /** A scoring run by id, or the newest when `runId` is undefined. */
    async findScoreRun(
      municipalityId: number,
      runId: number | undefined,
    ): Promise<ScoreRunRef | undefined> {
      let q = db
        .selectFrom("score_run as s")
        .innerJoin("rule_version as v", "v.id", "s.rule_version_id")
        .select([
          "s.id",
          "s.link_run_id",
          "s.rule_version_id",
          "v.label",
          sql<string>`to_char(s.as_of, 'YYYY-MM-DD')`.as("as_of"),
          "s.difficulties",
        ])
        .where("s.municipality_id", "=", municipalityId);
      if (runId !== undefined) q = q.where("s.id", "=", runId);
      const r = await q.orderBy("s.id", "desc").limit(1).executeTakeFirst();
      if (!r) return undefined;
      return {
        id: r.id,
        linkRunId: r.link_run_id,
        ruleVersionId: r.rule_version_id,
        ruleVersion: r.label,
        asOf: r.as_of as IsoDate,
        difficulties: r.difficulties,
      };
    },

    /** The sources a linkage run holds rows of. */
    async sourcesOfLinkRun(municipalityId: number, linkRunId: number): Promise<string[]> {
      const rows = await db
        .selectFrom("link_record")
        .select("source_id")
        .distinct()
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", linkRunId)
        .execute();
      return rows.map((r) => r.source_id);
    },

    /**
     * The stored rows of a linkage run from the given sources only, with their
     * persons, in (snapshot, row) pages — the scoring repository's
     * streamLinkedRows restricted to what the validation attributes read.
     */
    async *streamLinkedRowsOf(
      municipalityId: number,
      linkRunId: number,
      sources: readonly string[],
      pageSize = 20_000,
    ): AsyncGenerator<LinkedStoredRow[]> {
      let after: { snapshot: number; row: number } | null = null;
      while (true) {
        let q = db
          .selectFrom("link_record as l")
          .innerJoin("import_row as r", (j) =>
            j.onRef("r.snapshot_id", "=", "l.snapshot_id").onRef("r.row_no", "=", "l.row_no"),
          )
          .select([
            "l.snapshot_id",
            "l.row_no",
            "l.source_id",
            "l.file_name",
            "l.person_id",
            sql<string>`to_char(r.as_of, 'YYYY-MM-DD')`.as("as_of"),
            "r.data",
          ])
          .where("l.municipality_id", "=", municipalityId)
          .where("l.run_id", "=", linkRunId)
          .where("l.source_id", "in", [...sources])
          .where("r.data", "is not", null);
        if (after)
          q = q.where(sql<boolean>`(l.snapshot_id, l.row_no) > (${after.snapshot}, ${after.row})`);
        const page = await q.orderBy("l.snapshot_id").orderBy("l.row_no").limit(pageSize).execute();
        if (page.length === 0) break;
        yield page.map((r) => ({
          snapshotId: r.snapshot_id,
          rowNo: r.row_no,
          sourceId: r.source_id as SourceId,
          fileName: r.file_name,
          personId: r.person_id,
          asOf: r.as_of as IsoDate,
          data: r.data as Record<string, Value>,
        }));
        const last = page.at(-1) as (typeof page)[number];
        after = { snapshot: last.snapshot_id, row: last.row_no };
        if (page.length < pageSize) break;
      }
    },

    /** Per run and type: children the type applied to, flagged, and listed (flagged, not excluded). */
    async flagCountsPerRun(municipalityId: number): Promise<RunFlagCountRow[]> {
      const rows = await db
        .selectFrom("score_result as r")
        .innerJoin("score_run as s", "s.id", "r.run_id")
        .select([
          "r.run_id",
          sql<string>`to_char(s.as_of, 'YYYY-MM-DD')`.as("as_of"),
          "r.difficulty",
          sql<string>`count(*) filter (where r.applicable)`.as("applicable"),
          sql<string>`count(*) filter (where r.flagged)`.as("flagged"),
          sql<string>`count(*) filter (where r.flagged and cardinality(r.excluded_by) = 0)`.as(
            "listed",
          ),
        ])
        .where("r.municipality_id", "=", municipalityId)
        .groupBy(["r.run_id", "s.as_of", "r.difficulty"])
        .orderBy("r.run_id")
        .orderBy("r.difficulty")
        .execute();
      return rows.map((r) => ({
        runId: r.run_id,
        asOf: r.as_of as IsoDate,
        difficulty: r.difficulty,
        applicable: Number(r.applicable),
        flagged: Number(r.flagged),
        listed: Number(r.listed),
      }));
    },
  };
}

export type ValidationRepository = ReturnType<typeof createValidationRepository>;
