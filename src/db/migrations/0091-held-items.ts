import { type Kysely, sql } from "kysely";

/**
 * 判定一覧 under load (issue 11): each child's held items of a run as one
 * array on its score_child row, so that a held-item condition (AND / OR /
 * NOT) is one array expression on the row instead of one `EXISTS` probe into
 * score_item per condition per child, and the page's item lists need no
 * second query.
 *
 * - `score_child.items`: the item ids the child holds in the run (sorted),
 *   B01/B02 included — the run views strip them for non-members in SQL, as
 *   before (db/run-view.repository.ts, docs/security.md). Written with the
 *   rest of the row (ensureChildIndex); existing rows are filled here.
 * - A GIN index on it for a condition that alone picks few children.
 * - `score_child_order_idx`: age order inside a run (the `younger`/`older`
 *   tie-breaks and sort=age read it with the person id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE score_child ADD COLUMN items text[]`.execute(db);
  await sql`
    UPDATE score_child c SET items = coalesce((
      SELECT array_agg(i.item_id ORDER BY i.item_id) FROM score_item i
      WHERE i.run_id = c.run_id AND i.person_id = c.person_id), '{}')`.execute(db);
  await sql`ALTER TABLE score_child ALTER COLUMN items SET DEFAULT '{}'`.execute(db);
  await sql`ALTER TABLE score_child ALTER COLUMN items SET NOT NULL`.execute(db);
  await sql`CREATE INDEX score_child_items_idx ON score_child USING gin (items)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS score_child_items_idx`.execute(db);
  await sql`ALTER TABLE score_child DROP COLUMN IF EXISTS items`.execute(db);
}
