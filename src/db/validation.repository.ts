/**
 * Read-only queries of the validation report (issue 7) over the scoring
 * tables (0004-scoring): the sources of a linkage run, and the flag counts of every run for
 * the funnel over time. Nothing here writes.
 */
import { sql } from "kysely";
import type { IsoDate } from "../domain/types.ts";
import type { Database } from "./database.ts";

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

    /** Per run and type: children the type applied to, flagged, and listed (flagged, not excluded). */
    async flagCountsPerRun(municipalityId: number): Promise<RunFlagCountRow[]> {
      const rows = await db
        .selectFrom("score_result as r")
        .innerJoin("score_run as s", (j) =>
          j.onRef("s.id", "=", "r.run_id").onRef("s.municipality_id", "=", "r.municipality_id"),
        )
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
