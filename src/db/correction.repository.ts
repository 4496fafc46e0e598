/**
 * 訂正 (issue 12): corrections of single cells of stored source rows
 * (migration 0081). The row itself is never changed; a correction is an
 * overlay with its trail (who, when, why, old → new), superseded by a later
 * correction of the same cell or withdrawn, never deleted. The next run
 * reads the corrections in force (pipeline/score.ts readPopulation).
 * Visibility follows the row's snapshot (row-level security): a non-member
 * of 要対協 neither sees nor makes corrections of 要対協 / 一時保護 rows.
 */
import { sql } from "kysely";
import type { Value } from "../domain/validate.ts";
import type { Database } from "./database.ts";

export interface CorrectionRow {
  id: number;
  snapshotId: number;
  rowNo: number;
  sourceId: string;
  personId: string;
  field: string;
  oldValue: Value;
  newValue: Value;
  reason: string;
  actor: string;
  correctedAt: Date;
  withdrawnAt: Date | null;
  withdrawnBy: string | null;
  withdrawReason: string | null;
}

/** A linked row of a person in a 名寄せ run, as imported (no correction applied). */
export interface PersonRow {
  snapshotId: number;
  rowNo: number;
  sourceId: string;
  fileName: string;
  asOf: string | null;
  data: Record<string, Value>;
}

const columns = sql<CorrectionRow>`id, snapshot_id AS "snapshotId", row_no AS "rowNo",
  source_id AS "sourceId", person_id AS "personId", field, old_value AS "oldValue",
  new_value AS "newValue", reason, actor, corrected_at AS "correctedAt",
  withdrawn_at AS "withdrawnAt", withdrawn_by AS "withdrawnBy", withdraw_reason AS "withdrawReason"`;

export const rowKey = (snapshotId: number, rowNo: number) => `${snapshotId}#${rowNo}`;

export function createCorrectionRepository(db: Database) {
  return {
    /** The rows linked to a person in a 名寄せ run (what a correction can name). */
    async personRows(m: number, linkRunId: number, personId: string): Promise<PersonRow[]> {
      const r = await sql<PersonRow>`
        SELECT l.snapshot_id AS "snapshotId", l.row_no AS "rowNo", l.source_id AS "sourceId",
               l.file_name AS "fileName", to_char(r.as_of, 'YYYY-MM-DD') AS "asOf", r.data
          FROM link_record l
          JOIN import_row r ON r.municipality_id = l.municipality_id AND r.snapshot_id = l.snapshot_id AND r.row_no = l.row_no
         WHERE l.municipality_id = ${m} AND l.run_id = ${linkRunId} AND l.person_id = ${personId}
           AND r.data IS NOT NULL
         ORDER BY l.source_id, r.as_of, l.snapshot_id, l.row_no`.execute(db);
      return r.rows;
    },

    /**
     * Records a correction of one cell, superseding the one in force (if
     * any) in the same transaction. `oldValue` is the value in force before
     * (the row's, or the previous correction's). Undefined: the value is
     * already the one asked for.
     */
    async correct(input: {
      municipalityId: number;
      row: PersonRow;
      personId: string;
      field: string;
      newValue: Value;
      reason: string;
      actor: string;
    }): Promise<CorrectionRow | undefined> {
      const { municipalityId: m, row } = input;
      return db.transaction().execute(async (trx) => {
        const current = await sql<{ id: number; newValue: Value }>`
          SELECT id, new_value AS "newValue" FROM fact_correction
           WHERE municipality_id = ${m} AND snapshot_id = ${row.snapshotId} AND row_no = ${row.rowNo}
             AND field = ${input.field} AND withdrawn_at IS NULL
           FOR UPDATE`.execute(trx);
        const before = current.rows[0];
        const oldValue = before ? before.newValue : (row.data[input.field] ?? null);
        if (oldValue === input.newValue) return undefined;
        if (before) {
          await sql`UPDATE fact_correction SET withdrawn_at = now(), withdrawn_by = ${input.actor},
                      withdraw_reason = ${`新しい訂正で置き換え: ${input.reason}`}
                     WHERE id = ${before.id}`.execute(trx);
        }
        const r = await sql<CorrectionRow>`
          INSERT INTO fact_correction (municipality_id, snapshot_id, row_no, source_id, person_id,
                                       field, old_value, new_value, reason, actor)
          VALUES (${m}, ${row.snapshotId}, ${row.rowNo}, ${row.sourceId}, ${input.personId},
                  ${input.field}, ${JSON.stringify(oldValue)}::jsonb,
                  ${JSON.stringify(input.newValue)}::jsonb, ${input.reason}, ${input.actor})
          RETURNING ${columns}`.execute(trx);
        return r.rows[0] as CorrectionRow;
      });
    },

    /** Withdraws a correction in force (the row's own value holds again); undefined when none. */
    async withdraw(m: number, id: number, reason: string, actor: string) {
      const r = await sql<CorrectionRow>`
        UPDATE fact_correction SET withdrawn_at = now(), withdrawn_by = ${actor}, withdraw_reason = ${reason}
         WHERE municipality_id = ${m} AND id = ${id} AND withdrawn_at IS NULL
        RETURNING ${columns}`.execute(db);
      return r.rows[0];
    },

    /** The whole trail of a person's corrections (in force, superseded and withdrawn), oldest first. */
    async listForPerson(m: number, personId: string): Promise<CorrectionRow[]> {
      const r = await sql<CorrectionRow>`
        SELECT ${columns} FROM fact_correction WHERE municipality_id = ${m} AND person_id = ${personId}
         ORDER BY id LIMIT 5000`.execute(db);
      return r.rows;
    },

    /**
     * The database's clock (ISO): a run takes it just before reading the
     * corrections in force, so a correction is applied by the run exactly
     * when it was made before this time and not withdrawn before it.
     */
    async readTime(): Promise<string> {
      const r = await sql<{ at: string }>`
        SELECT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`.execute(
        db,
      );
      return r.rows[0]?.at as string;
    },

    /** Corrections in force by row (`rowKey`): field → corrected value. */
    async inForce(m: number): Promise<Map<string, Record<string, Value>>> {
      const r = await sql<{ snapshotId: number; rowNo: number; field: string; newValue: Value }>`
        SELECT snapshot_id AS "snapshotId", row_no AS "rowNo", field, new_value AS "newValue"
          FROM fact_correction WHERE municipality_id = ${m} AND withdrawn_at IS NULL`.execute(db);
      const out = new Map<string, Record<string, Value>>();
      for (const c of r.rows) {
        const k = rowKey(c.snapshotId, c.rowNo);
        out.set(k, { ...(out.get(k) ?? {}), [c.field]: c.newValue });
      }
      return out;
    },
  };
}
