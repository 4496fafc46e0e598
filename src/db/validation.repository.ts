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

    /**
     * The items each child of a scoring run holds: ids only. The report needs
     * which items are held, not why — reading the evidence JSON of every held
     * item (the run store's `streamItems`) was most of its item read.
     */
    async heldItems(municipalityId: number, runId: number): Promise<Map<string, string[]>> {
      const rows = await db
        .selectFrom("score_item")
        .select(["person_id", "item_id"])
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", runId)
        .orderBy("person_id")
        .orderBy("item_id")
        .execute();
      const out = new Map<string, string[]>();
      for (const r of rows) {
        const held = out.get(r.person_id);
        if (held) held.push(r.item_id);
        else out.set(r.person_id, [r.item_id]);
      }
      return out;
    },

    /** Per child of a scoring run and type: whether the type applied and flagged (nothing else). */
    async resultFlags(
      municipalityId: number,
      runId: number,
    ): Promise<{ personId: string; difficulty: string; applicable: boolean; flagged: boolean }[]> {
      const rows = await db
        .selectFrom("score_result")
        .select(["person_id", "difficulty", "applicable", "flagged"])
        .where("municipality_id", "=", municipalityId)
        .where("run_id", "=", runId)
        .orderBy("person_id")
        .orderBy("type_index")
        .execute();
      return rows.map((r) => ({
        personId: r.person_id,
        difficulty: r.difficulty,
        applicable: r.applicable,
        flagged: r.flagged,
      }));
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
