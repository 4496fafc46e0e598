import { type Kysely, sql } from "kysely";

/**
 * The rows of a run's review and decision keys (issue 15, link store): a small
 * table instead of link_record's `(run_id, profile_key)` index.
 *
 * Only three readers look link_record up by profile key, and only ever for the
 * keys of the run's review items (the review queue's first row and row count
 * of each side, `linkageSummary`'s visible pairs) or of reviewers' decisions
 * (`personsOfKeys`, the contradiction check of a new decision): about 21,000
 * keys on a metro run of 3.1 million rows. The index over every row was built
 * for every run (metro: 1.85 s of the store's backend, 4.6 s with its parallel
 * workers; 0005). `link_key_row` holds, per run, the link_record rows of those
 * keys only, written by the link store in the same pass as link_record.
 *
 * - Which keys: the run's review items' (both sides) and every decision's in
 *   the trail when the store read it. `link_run.decisions_through` is the
 *   highest decision id the store read: a decision recorded after that (while
 *   the run was still being written or scored, on the previous run's queue) is
 *   not covered, and its keys are looked up in link_record itself (a scan of
 *   the run's partition, db/linkage.repository.ts personsOfKeys). The store
 *   reads the trail under a SHARE lock released at once (a rolled-back
 *   savepoint), so no decision with a lower id can commit after the read.
 * - Row security: the standard municipality policy (row-security.ts) and the
 *   same `council_only` policy as link_record: a 要対協 / 一時保護 row is seen
 *   and written in a council scope only.
 * - Keys carry municipality_id (distribution keys, 0096); the foreign key to
 *   link_run includes it when link_run's key already does (a database that
 *   ran 0096 before this migration), else 0096 widens it. Deleting a run
 *   deletes its rows.
 * - Existing runs are filled from link_record (with the index still there),
 *   covering every decision of the trail; then the index is dropped (from the
 *   parent and every run partition: a partition's index is the parent's).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const key = await sql<{ widened: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM pg_constraint k JOIN pg_attribute a
        ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
      WHERE k.conrelid = 'link_run'::regclass AND k.contype = 'p'
        AND a.attname = 'municipality_id') AS widened`.execute(db);
  const run = key.rows[0]?.widened
    ? sql`FOREIGN KEY (run_id, municipality_id) REFERENCES link_run (id, municipality_id) ON DELETE CASCADE`
    : sql`FOREIGN KEY (run_id) REFERENCES link_run (id) ON DELETE CASCADE`;
  await sql`
    CREATE TABLE link_key_row (
      run_id integer NOT NULL,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      profile_key text NOT NULL,
      snapshot_id integer NOT NULL,
      row_no integer NOT NULL,
      source_id text NOT NULL,
      file_name text NOT NULL,
      person_id text,
      CONSTRAINT link_key_row_pkey PRIMARY KEY (run_id, profile_key, snapshot_id, row_no, municipality_id),
      CONSTRAINT link_key_row_run_fkey ${run}
    )`.execute(db);
  await sql`
    CREATE POLICY council_only ON link_key_row AS RESTRICTIVE
    USING (mimamori_scope_council() OR source_id NOT IN ('yotaikyo', 'ichiji_hogo'))
    WITH CHECK (mimamori_scope_council() OR source_id NOT IN ('yotaikyo', 'ichiji_hogo'))`.execute(
    db,
  );
  await sql`ALTER TABLE link_run ADD COLUMN decisions_through integer`.execute(db);
  await sql`
    INSERT INTO link_key_row (run_id, municipality_id, profile_key, snapshot_id, row_no, source_id, file_name, person_id)
    SELECT lr.run_id, lr.municipality_id, lr.profile_key, lr.snapshot_id, lr.row_no, lr.source_id, lr.file_name, lr.person_id
    FROM (SELECT municipality_id, run_id, left_key AS k FROM link_review
          UNION SELECT municipality_id, run_id, right_key FROM link_review
          UNION SELECT r.municipality_id, r.id, d.left_key FROM link_run r
                JOIN link_decision d ON d.municipality_id = r.municipality_id
          UNION SELECT r.municipality_id, r.id, d.right_key FROM link_run r
                JOIN link_decision d ON d.municipality_id = r.municipality_id) keys
    JOIN link_record lr ON lr.municipality_id = keys.municipality_id AND lr.run_id = keys.run_id
      AND lr.profile_key = keys.k`.execute(db);
  await sql`
    UPDATE link_run SET decisions_through = coalesce((SELECT max(id) FROM link_decision), 0)`.execute(
    db,
  );
  await sql`DROP INDEX IF EXISTS link_record_profile_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS link_record_profile_idx ON link_record (run_id, profile_key)`.execute(
    db,
  );
  await sql`ALTER TABLE link_run DROP COLUMN IF EXISTS decisions_through`.execute(db);
  await sql`DROP TABLE IF EXISTS link_key_row`.execute(db);
}
