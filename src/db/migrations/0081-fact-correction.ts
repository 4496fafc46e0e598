import { type Kysely, sql } from "kysely";

/**
 * 訂正 (issue 12, rights of the people concerned). What a 訂正請求 under the
 * 個人情報保護法 (§90–) can ask for is the correction of a *fact* that is not
 * true ("事実でない"); an assessment (a score, a judgment of the conference) is
 * not a fact and is not corrected, it is recomputed. The facts mimamori holds
 * are the cells of the imported source rows (a 健診 marked 未受診 that was
 * taken, a wrong 世帯 flag); every item and score is derived from them. So a
 * correction names one cell of one stored row: the row is never changed (the
 * original stays, as the department supplied it), the correction is an
 * overlay that the next run reads (pipeline/score.ts readPopulation), and the
 * trail — who, when, why, old → new, and a later withdrawal — is kept here
 * and given out in 開示.
 *
 * A correction is visible exactly when its row's snapshot is (a RESTRICTIVE
 * policy on the snapshot, whose own policy hides 要対協 and 一時保護 files from
 * non-members), on top of the standard municipality policy. Retention that
 * deletes a snapshot deletes its corrections with it (they hold its values).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE fact_correction (
      id serial PRIMARY KEY,
      municipality_id integer NOT NULL REFERENCES municipality(id),
      snapshot_id integer NOT NULL REFERENCES import_snapshot(id) ON DELETE CASCADE,
      row_no integer NOT NULL,
      source_id text NOT NULL,
      person_id text NOT NULL,
      field text NOT NULL,
      old_value jsonb,
      new_value jsonb,
      reason text NOT NULL CHECK (length(reason) >= 4),
      actor text NOT NULL,
      corrected_at timestamptz NOT NULL DEFAULT now(),
      withdrawn_at timestamptz,
      withdrawn_by text,
      withdraw_reason text
    )`.execute(db);
  // One correction in force per cell; a new one for the same cell supersedes
  // (the repository withdraws the old one in the same transaction).
  await sql`CREATE UNIQUE INDEX fact_correction_active_idx
      ON fact_correction (municipality_id, snapshot_id, row_no, field) WHERE withdrawn_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX fact_correction_person_idx ON fact_correction (municipality_id, person_id)`.execute(
    db,
  );
  await sql`
    CREATE POLICY snapshot_visible ON fact_correction AS RESTRICTIVE
    USING (snapshot_id IN (SELECT id FROM import_snapshot))
    WITH CHECK (snapshot_id IN (SELECT id FROM import_snapshot))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE fact_correction`.execute(db);
}
