import { type Kysely, sql } from "kysely";

/**
 * 利用停止 keyed by the person's identity keys too (issue 12). A stop was
 * kept by person id only; person ids hold month to month, but a merge (two
 * ids become one) or a split after a review gives the same child another id,
 * and the stop would no longer match. The stop now also records the
 * 宛名番号 the person had when it was made; a run leaves out every person
 * whose id or any 宛名番号 matches a stop in force (pipeline/score.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE usage_stop ADD COLUMN resident_nos text[] NOT NULL DEFAULT '{}'`.execute(
    db,
  );
  // Stops made before this migration: take the keys from the newest run that has the person.
  await sql`
    UPDATE usage_stop s SET resident_nos = p.resident_nos
      FROM (SELECT DISTINCT ON (municipality_id, person_id) municipality_id, person_id, resident_nos
              FROM link_person ORDER BY municipality_id, person_id, run_id DESC) p
     WHERE p.municipality_id = s.municipality_id AND p.person_id = s.person_id`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE usage_stop DROP COLUMN resident_nos`.execute(db);
}
