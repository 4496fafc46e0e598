/**
 * Rights of the people concerned (issue 12): 利用停止 (stop using a person's
 * data from the next run; the rows are kept) and 開示 (everything held about
 * a person, gathered for one file). Reads go through the caller's scope and
 * row-level security: a non-member of 要対協 gathers no 要対協 fact (those
 * are disclosed, where the law allows, through a council member).
 */

import { sql } from "kysely";
import { COUNCIL_ONLY_ITEMS, type DataScope } from "../domain/policy/index.ts";
import { councilAuditRowVisible } from "./audit.repository.ts";
import { createCorrectionRepository } from "./correction.repository.ts";
import type { Database } from "./database.ts";
import { purgedData } from "./person-retention.repository.ts";

export interface UsageStopRow {
  id: number;
  personId: string;
  reason: string;
  actor: string;
  stoppedAt: Date;
  liftedAt: Date | null;
  liftedBy: string | null;
  liftReason: string | null;
}

const stopColumns = sql<UsageStopRow>`id, person_id AS "personId", reason, actor,
  stopped_at AS "stoppedAt", lifted_at AS "liftedAt", lifted_by AS "liftedBy", lift_reason AS "liftReason"`;

export function createRightsRepository(db: Database) {
  return {
    /**
     * Whether any link run knows this person id. A stop for an id no run ever
     * produced (a typo) would be recorded yet leave the real child in scoring.
     */
    async isKnownPerson(m: number, personId: string): Promise<boolean> {
      const r = await sql<{ known: boolean }>`
        SELECT EXISTS (SELECT 1 FROM link_person
                        WHERE municipality_id = ${m} AND person_id = ${personId}) AS known`.execute(
        db,
      );
      return r.rows[0]?.known === true;
    },

    /** Stops the use of a person's data; undefined when a stop is already in force. */
    async stop(m: number, personId: string, reason: string, actor: string) {
      const r = await sql<UsageStopRow>`
        INSERT INTO usage_stop (municipality_id, person_id, reason, actor, resident_nos)
        VALUES (${m}, ${personId}, ${reason}, ${actor},
                COALESCE((SELECT resident_nos FROM link_person
                           WHERE municipality_id = ${m} AND person_id = ${personId}
                           ORDER BY run_id DESC LIMIT 1), '{}'))
        ON CONFLICT (municipality_id, person_id) WHERE lifted_at IS NULL DO NOTHING
        RETURNING ${stopColumns}`.execute(db);
      return r.rows[0];
    },

    /** Lifts the stop in force (by id, or by a 宛名番号 after a relink); undefined when there is none. */
    async lift(m: number, personId: string, reason: string, actor: string) {
      const r = await sql<UsageStopRow>`
        UPDATE usage_stop SET lifted_at = now(), lifted_by = ${actor}, lift_reason = ${reason}
         WHERE municipality_id = ${m} AND lifted_at IS NULL
           AND (person_id = ${personId}
                OR resident_nos && COALESCE((SELECT resident_nos FROM link_person
                                              WHERE municipality_id = ${m} AND person_id = ${personId}
                                              ORDER BY run_id DESC LIMIT 1), '{}'))
        RETURNING ${stopColumns}`.execute(db);
      return r.rows[0];
    },

    /**
     * The keys of the stops in force: person ids and the 宛名番号 recorded
     * with them (0082). The run leaves out a person matching either, so a
     * stop holds when a merge or split gives the child another id.
     */
    async stoppedKeys(m: number): Promise<{ personIds: Set<string>; residentNos: Set<string> }> {
      const r = await db
        .selectFrom("usage_stop")
        .select(["person_id", "resident_nos"])
        .where("municipality_id", "=", m)
        .where("lifted_at", "is", null)
        .execute();
      return {
        personIds: new Set(r.map((x) => x.person_id)),
        residentNos: new Set(r.flatMap((x) => x.resident_nos)),
      };
    },

    async listStops(m: number, personId?: string): Promise<UsageStopRow[]> {
      const r = await sql<UsageStopRow>`
        SELECT ${stopColumns} FROM usage_stop WHERE municipality_id = ${m}
          ${personId === undefined ? sql`` : sql`AND person_id = ${personId}`}
        ORDER BY stopped_at DESC, id DESC LIMIT 1000`.execute(db);
      return r.rows;
    },

    /** Everything held about one person in the run (開示). Undefined: not a person of the run. */
    async disclosure(
      scope: Pick<DataScope, "municipalityId" | "council">,
      run: { id: number; linkRunId: number },
      personId: string,
    ) {
      const m = scope.municipalityId;
      const identity = await sql<Record<string, unknown>>`
        SELECT person_id AS "personId", resident_nos AS "residentNos", name, name_kana AS "nameKana",
               to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", sex, household_no AS "householdNo", resident
          FROM link_person WHERE municipality_id = ${m} AND run_id = ${run.linkRunId} AND person_id = ${personId}`.execute(
        db,
      );
      if (identity.rows.length === 0) return undefined;
      const records = await sql<Record<string, unknown>>`
        SELECT l.source_id AS "sourceId", l.snapshot_id AS "snapshotId", l.file_name AS "fileName", l.row_no AS "row",
               to_char(r.as_of, 'YYYY-MM-DD') AS "asOf", l.method, ${purgedData("r")} AS data
          FROM link_record l
          JOIN import_row r ON r.municipality_id = l.municipality_id AND r.snapshot_id = l.snapshot_id AND r.row_no = l.row_no
         WHERE l.municipality_id = ${m} AND l.run_id = ${run.linkRunId} AND l.person_id = ${personId}
         ORDER BY l.source_id, r.as_of, l.row_no`.execute(db);
      const hidden = scope.council ? [] : [...COUNCIL_ONLY_ITEMS];
      const items = await sql<Record<string, unknown>>`
        SELECT item_id AS "itemId", evidence FROM score_item
         WHERE municipality_id = ${m} AND run_id = ${run.id} AND person_id = ${personId}
           AND NOT (item_id = ANY(${sql.val(hidden)}::text[]))
         ORDER BY item_id`.execute(db);
      // Scores include 要対協 points: members only (a non-member's copy would reveal them).
      const results = scope.council
        ? (
            await sql<Record<string, unknown>>`
            SELECT difficulty, score, threshold, flagged, total_points AS "totalPoints"
              FROM score_result WHERE municipality_id = ${m} AND run_id = ${run.id} AND person_id = ${personId}
             ORDER BY type_index`.execute(db)
          ).rows
        : null;
      // Who looked at the record, with the audit log's council filter: a
      // non-member's file must not show a 要対協 registration or a council
      // case's views (the file promises no 要対協 fact to a non-member).
      const access = await sql<Record<string, unknown>>`
        SELECT at, actor, action, target, purpose FROM audit_log
         WHERE municipality_id = ${m} AND person_id = ${personId}
           AND ${councilAuditRowVisible} ORDER BY id`.execute(db);
      const breakGlass = await sql<Record<string, unknown>>`
        SELECT login_name AS "loginName", reason, opened_at AS "openedAt", expires_at AS "expiresAt"
          FROM break_glass WHERE municipality_id = ${m} AND person_id = ${personId} ORDER BY id`.execute(
        db,
      );
      return {
        identity: identity.rows[0] as Record<string, unknown>,
        records: records.rows,
        items: items.rows,
        results,
        access: access.rows,
        breakGlass: breakGlass.rows,
        usageStops: await this.listStops(m, personId),
        // 訂正: the whole trail (in force, superseded, withdrawn), old → new with who, when and why.
        corrections: await createCorrectionRepository(db).listForPerson(m, personId),
      };
    },
  };
}
