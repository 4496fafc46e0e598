import { type Kysely, sql } from "kysely";
import { hash64 } from "../../domain/linkage/random.ts";

/**
 * Durable 名寄せ decisions and person ids (issue 15).
 *
 * - `link_identity`: one row per anchor ever seen (domain/linkage/japanese.ts
 *   `profileAnchors`) with the person id it last belonged to, and
 *   `link_id_counter` the next fresh number: the person-id state grows with
 *   persons, not with runs (it replaces `link_run.assignment`, a JSON copy of
 *   every earlier profile in every run).
 * - `link_person_event`: the splits and merges of earlier persons a run made,
 *   explained.
 * - `link_decision` becomes an append-only trail: a decision carries the
 *   anchors of both sides (so it follows the records when a profile changes),
 *   the run and persons it was made on; a reversal is a new row (`action`
 *   'undo', `reverses_id`); rows are never updated or deleted (trigger).
 * - `link_review`: one item per pair of persons, with the anchors of both
 *   sides, how many record combinations and rows it stands for, its sources
 *   and schools (queue filters) and the sources of each side (so that a side
 *   known only from 要対協 / 一時保護 rows is not shown to non-council users).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("link_identity")
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("municipality.id"))
    .addColumn("anchor", "text", (c) => c.notNull())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("link_identity_pkey", ["municipality_id", "anchor"])
    .execute();
  await db.schema
    .createTable("link_id_counter")
    .addColumn("municipality_id", "integer", (c) => c.primaryKey().references("municipality.id"))
    .addColumn("next_seq", "integer", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("link_person_event")
    .addColumn("run_id", "integer", (c) =>
      c.notNull().references("link_run.id").onDelete("cascade"),
    )
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("other_person_id", "text", (c) => c.notNull())
    .addColumn("shared", "integer", (c) => c.notNull())
    .addColumn("cause", "text", (c) => c.notNull())
    .addColumn("explanation", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("link_person_event_run_idx")
    .on("link_person_event")
    .columns(["run_id", "person_id"])
    .execute();

  await sql`ALTER TABLE link_run ALTER COLUMN assignment DROP NOT NULL`.execute(db);

  await sql`ALTER TABLE link_decision DROP CONSTRAINT link_decision_pair_key`.execute(db);
  await sql`
    ALTER TABLE link_decision
      ADD COLUMN action text NOT NULL DEFAULT 'decide',
      ADD COLUMN reverses_id integer REFERENCES link_decision (id),
      ADD COLUMN left_anchors text[] NOT NULL DEFAULT '{}',
      ADD COLUMN right_anchors text[] NOT NULL DEFAULT '{}',
      ADD COLUMN run_id integer,
      ADD COLUMN left_person text,
      ADD COLUMN right_person text`.execute(db);
  await db.schema
    .createIndex("link_decision_pair_idx")
    .on("link_decision")
    .columns(["municipality_id", "left_key", "right_key", "id"])
    .execute();
  await sql`
    CREATE FUNCTION link_decision_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'link_decision is an append-only trail: record a reversal as a new row';
    END $$ LANGUAGE plpgsql`.execute(db);
  await sql`
    CREATE TRIGGER link_decision_append_only BEFORE UPDATE OR DELETE ON link_decision
    FOR EACH ROW EXECUTE FUNCTION link_decision_append_only()`.execute(db);

  await sql`
    ALTER TABLE link_review
      ADD COLUMN left_anchors text[] NOT NULL DEFAULT '{}',
      ADD COLUMN right_anchors text[] NOT NULL DEFAULT '{}',
      ADD COLUMN pairs integer NOT NULL DEFAULT 1,
      ADD COLUMN rows integer NOT NULL DEFAULT 0,
      ADD COLUMN sources text[] NOT NULL DEFAULT '{}',
      ADD COLUMN schools text[] NOT NULL DEFAULT '{}',
      ADD COLUMN left_sources text[] NOT NULL DEFAULT '{}',
      ADD COLUMN right_sources text[] NOT NULL DEFAULT '{}'`.execute(db);
  // The queue's order: rows a decision settles, then probability, then the keys (keyset pages).
  await sql`
    CREATE INDEX link_review_queue_idx
    ON link_review (run_id, rows DESC, probability DESC, left_key, right_key)`.execute(db);

  // Carry the newest run's 宛名番号 → person id and counter into the new state, so that
  // registry persons keep their ids across the upgrade. (Profile keys of the old format are
  // not anchors; persons known only to a school may get a new id once, recorded as usual.)
  const latest = await sql<{ municipality_id: number; id: number; assignment: unknown }>`
    SELECT DISTINCT ON (municipality_id) municipality_id, id, assignment
    FROM link_run ORDER BY municipality_id, id DESC`.execute(db);
  for (const r of latest.rows) {
    const a = r.assignment as {
      nextSeq?: number;
      byResidentNo?: Record<string, string>;
    } | null;
    if (!a || typeof a.nextSeq !== "number") continue;
    await sql`INSERT INTO link_id_counter (municipality_id, next_seq) VALUES (${r.municipality_id}, ${a.nextSeq})`.execute(
      db,
    );
    const entries = Object.entries(a.byResidentNo ?? {});
    for (let i = 0; i < entries.length; i += 5000) {
      const chunk = entries.slice(i, i + 5000).flatMap(([no, person]) => [
        [`r1${hash64(no)}`, person],
        [`r0${hash64(no)}`, person],
      ]);
      await sql`
        INSERT INTO link_identity (municipality_id, anchor, person_id, run_id)
        SELECT ${r.municipality_id}, a, p, ${r.id}
        FROM unnest(${chunk.map((c) => c[0])}::text[], ${chunk.map((c) => c[1])}::text[]) AS t(a, p)
        ON CONFLICT DO NOTHING`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS link_review_queue_idx`.execute(db);
  await sql`
    ALTER TABLE link_review
      DROP COLUMN left_anchors, DROP COLUMN right_anchors, DROP COLUMN pairs, DROP COLUMN rows,
      DROP COLUMN sources, DROP COLUMN schools, DROP COLUMN left_sources, DROP COLUMN right_sources`.execute(
    db,
  );
  await sql`DROP TRIGGER IF EXISTS link_decision_append_only ON link_decision`.execute(db);
  await sql`DROP FUNCTION IF EXISTS link_decision_append_only()`.execute(db);
  await sql`DROP INDEX IF EXISTS link_decision_pair_idx`.execute(db);
  await sql`
    ALTER TABLE link_decision
      DROP COLUMN action, DROP COLUMN reverses_id, DROP COLUMN left_anchors,
      DROP COLUMN right_anchors, DROP COLUMN run_id, DROP COLUMN left_person, DROP COLUMN right_person`.execute(
    db,
  );
  await db.schema.dropTable("link_person_event").execute();
  await db.schema.dropTable("link_id_counter").execute();
  await db.schema.dropTable("link_identity").execute();
}
