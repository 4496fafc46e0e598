/**
 * Labels a municipality trains models on (issue 14) that come from the
 * screening workflow: children whose case was decided 要支援 at a conference.
 * Council (要対協) cases are left out unless the scope is a council member's —
 * in SQL, besides row-level security, so a label set never reveals one.
 */
import { sql } from "kysely";
import type { DataScope } from "../domain/policy/index.ts";
import type { Database } from "./database.ts";

export function createModelLabelRepository(db: Database) {
  return {
    /**
     * Person ids (durable, as in child_case) whose case's standing decision is
     * 要支援 (`last_decision`, the projection of case_event that corrections
     * update), and how many decided cases there are in all.
     */
    async conferenceSupport(
      scope: Pick<DataScope, "municipalityId" | "council">,
    ): Promise<{ positives: string[]; decided: number }> {
      const r = await sql<{ person_id: string; last_decision: string }>`
        SELECT person_id, last_decision FROM child_case
         WHERE municipality_id = ${scope.municipalityId}
           AND last_decision IS NOT NULL
           AND (${scope.council}::boolean OR NOT council)
         ORDER BY person_id`.execute(db);
      return {
        positives: r.rows.filter((x) => x.last_decision === "要支援").map((x) => x.person_id),
        decided: r.rows.length,
      };
    },
  };
}
