import { type Kysely, sql } from "kysely";

/**
 * The home page's 基準以上のこども (issue 13 benchmark): a published scoring
 * run's flagged children in priority order (visible score, total points,
 * older first), computed once per run and reader kind instead of on every
 * home page (~100 ms of database time over every flagged row of the run).
 *
 * - `home_flagged`: one row per child the run flags, with its best type and
 *   position. `council` says which reader kind the order is for: a 要対協
 *   member's (every item counts) or a non-member's (B01/B02 points taken
 *   off, model-scored types counting them left out). The member's order and
 *   scores are council-only facts: a RESTRICTIVE policy shows and accepts
 *   `council` rows only in a member's transaction, so a non-member's query
 *   cannot read them whatever it says.
 * - `home_flagged_run`: which (run, reader kind) orders are written. The
 *   first reader writes both tables in one transaction (db/child.repository.ts
 *   `topFlagged`); concurrent first readers wait on the marker's key.
 *
 * Names and the reader's child access are not stored: they are joined and
 * checked on every read. Deleting a run deletes its rows (foreign keys).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE home_flagged_run (
      run_id integer NOT NULL REFERENCES score_run (id) ON DELETE CASCADE,
      municipality_id integer NOT NULL REFERENCES municipality (id),
      council boolean NOT NULL,
      filled_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, council)
    )`.execute(db);
  await sql`
    CREATE TABLE home_flagged (
      run_id integer NOT NULL,
      municipality_id integer NOT NULL,
      council boolean NOT NULL,
      pos integer NOT NULL,
      person_id text NOT NULL,
      difficulty text NOT NULL,
      score double precision NOT NULL,
      threshold double precision NOT NULL,
      total_points integer NOT NULL,
      PRIMARY KEY (run_id, council, pos),
      FOREIGN KEY (run_id, council) REFERENCES home_flagged_run (run_id, council) ON DELETE CASCADE
    )`.execute(db);
  for (const table of ["home_flagged_run", "home_flagged"]) {
    await sql`
      CREATE POLICY council_only ON ${sql.id(table)} AS RESTRICTIVE
      USING (mimamori_scope_council() OR NOT council)
      WITH CHECK (mimamori_scope_council() OR NOT council)`.execute(db);
  }
  // The standard municipality policy, RLS and the app role's grants are added
  // by applyRowSecurity after every migration run (row-security.ts).
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS home_flagged`.execute(db);
  await sql`DROP TABLE IF EXISTS home_flagged_run`.execute(db);
}
