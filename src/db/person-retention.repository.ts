/**
 * Retention of raw rows per person (issue 12, migration 0085): the facts the
 * plan needs about each person of the newest published 名寄せ run, and the
 * erasure of their rows' content. A purged row keeps its key so that stored
 * runs (link_record, link_mother_child, score evidence, views) stay
 * consistent; its raw text and normalised values are gone. Counts only are
 * returned and logged, never a person id.
 */
import { sql } from "kysely";
import type { IsoDate } from "../domain/types.ts";
import type { Database } from "./database.ts";

/** What a view shows in place of a purged row's values. */
export const PURGED_LABEL = "保存期間の経過により削除済み";

/**
 * The row's normalised values for a view, or `{"状態": PURGED_LABEL}` for a
 * row whose content retention erased (`alias`: the import_row alias).
 */
export function purgedData(alias: string) {
  return sql<Record<string, unknown> | null>`CASE WHEN ${sql.ref(`${alias}.purged_at`)} IS NOT NULL
    THEN json_build_object('状態', ${PURGED_LABEL}::text) ELSE ${sql.ref(`${alias}.data`)} END`;
}

/** A person of the newest run who still has rows with content. */
export interface RetentionPerson {
  personId: string;
  /** 生年月日 of the run's person; null: unknown. */
  birthDate: IsoDate | null;
  /** The latest 消除日 of their 住民基本台帳 rows, when every one of them has one (left). */
  leftOn: IsoDate | null;
  /** In a case that is not closed (its evidence must stay). */
  openCase: boolean;
  /** Under an active 利用停止 (kept only as required, excluded from runs anyway). */
  usageStop: boolean;
  /** The parent side of a household or mother–child line with a child under 18 on `today`. */
  guardianOfMinor: boolean;
  /** Their rows with content, per source, across every stored run's records. */
  rows: Record<string, number>;
}

export interface StoredPersonRetention {
  years: number;
  updatedAt: Date;
  actor: string;
}

export function createPersonRetentionRepository(db: Database) {
  return {
    async getSetting(m: number): Promise<StoredPersonRetention | undefined> {
      const r = await db
        .selectFrom("person_retention_setting")
        .select(["years", "updated_at", "actor"])
        .where("municipality_id", "=", m)
        .executeTakeFirst();
      return r && { years: r.years, updatedAt: r.updated_at, actor: r.actor };
    },

    async saveSetting(m: number, years: number, actor: string): Promise<void> {
      await db
        .insertInto("person_retention_setting")
        .values({ municipality_id: m, years, actor })
        .onConflict((oc) =>
          oc.column("municipality_id").doUpdateSet({ years, actor, updated_at: sql`now()` }),
        )
        .execute();
    },

    /** The newest published (completed) 名寄せ run of the municipality. */
    async newestRun(m: number): Promise<number | undefined> {
      const r = await sql<{ id: number | null }>`
        SELECT max(id) AS id FROM link_run WHERE municipality_id = ${m} AND completed_at IS NOT NULL`.execute(
        db,
      );
      return r.rows[0]?.id ?? undefined;
    },

    /**
     * Every person of run `runId` with at least one linked row that still has
     * content (in any stored run of the municipality: person ids carry over
     * between runs), with the facts retention decides by.
     */
    async persons(m: number, runId: number, today: IsoDate): Promise<RetentionPerson[]> {
      // One simple pass per table, joined here by person: a single SQL with
      // materialised CTEs joined to each other went quadratic (nested loops)
      // on freshly COPYed tables the planner had no statistics for.
      const people = await sql<{ id: string; birth: string | null; household: string | null }>`
        SELECT person_id AS id, to_char(birth_date, 'YYYY-MM-DD') AS birth, household_no AS household
          FROM link_person WHERE municipality_id = ${m} AND run_id = ${runId}`.execute(db);
      const live = await sql<{ id: string; source: string; n: number }>`
        SELECT lr.person_id AS id, lr.source_id AS source, count(DISTINCT (lr.snapshot_id, lr.row_no))::int AS n
          FROM link_record lr
          JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
         WHERE lr.municipality_id = ${m} AND ir.purged_at IS NULL AND lr.person_id IS NOT NULL
           AND lr.run_id IN (SELECT id FROM link_run WHERE municipality_id = ${m} AND completed_at IS NOT NULL)
         GROUP BY 1, 2`.execute(db);
      const jumin = await sql<{ id: string; left_on: string | null; not_child: boolean }>`
        SELECT lr.person_id AS id,
               CASE WHEN bool_and(coalesce(ir.data->>'消除日', '') <> '')
                    THEN max(ir.data->>'消除日') END AS left_on,
               bool_or(coalesce(ir.data->>'続柄', '') <> '子') AS not_child
          FROM link_record lr
          JOIN import_row ir ON ir.municipality_id = lr.municipality_id AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
         WHERE lr.municipality_id = ${m} AND lr.run_id = ${runId} AND lr.source_id = 'jumin'
           AND ir.data IS NOT NULL AND lr.person_id IS NOT NULL
         GROUP BY 1`.execute(db);
      const lines = await sql<{ mother: string; child: string }>`
        SELECT DISTINCT mother_person_id AS mother, child_person_id AS child FROM link_mother_child
         WHERE municipality_id = ${m} AND run_id = ${runId} AND mother_person_id IS NOT NULL`.execute(
        db,
      );
      const open = await sql<{ id: string }>`
        SELECT DISTINCT person_id AS id FROM child_case WHERE municipality_id = ${m} AND state <> 'closed'`.execute(
        db,
      );
      const stops = await sql<{ id: string }>`
        SELECT DISTINCT person_id AS id FROM usage_stop WHERE municipality_id = ${m} AND lifted_at IS NULL`.execute(
        db,
      );
      const rows = new Map<string, Record<string, number>>();
      for (const x of live.rows) {
        const r = rows.get(x.id) ?? {};
        r[x.source] = x.n;
        rows.set(x.id, r);
      }
      const juminOf = new Map(jumin.rows.map((x) => [x.id, x]));
      // A minor on `today`: born after today − 18 years (a 02-29 birthday counts
      // as a minor one day longer: the guardian is kept, never purged early).
      const adultBorn = `${String(Number(today.slice(0, 4)) - 18).padStart(4, "0")}${today.slice(4)}`;
      const minors = new Set(
        people.rows.filter((x) => x.birth !== null && x.birth > adultBorn).map((x) => x.id),
      );
      const minorsPerHousehold = new Map<string, number>();
      for (const x of people.rows)
        if (x.household !== null && minors.has(x.id))
          minorsPerHousehold.set(x.household, (minorsPerHousehold.get(x.household) ?? 0) + 1);
      const mothersOfMinors = new Set(
        lines.rows.filter((l) => minors.has(l.child)).map((l) => l.mother),
      );
      const openSet = new Set(open.rows.map((x) => x.id));
      const stopSet = new Set(stops.rows.map((x) => x.id));
      return people.rows
        .filter((x) => rows.has(x.id))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((x) => {
          const j = juminOf.get(x.id);
          const otherMinors =
            (x.household === null ? 0 : (minorsPerHousehold.get(x.household) ?? 0)) -
            (minors.has(x.id) ? 1 : 0);
          return {
            personId: x.id,
            birthDate: x.birth as IsoDate | null,
            leftOn: (j?.left_on ?? null) as IsoDate | null,
            openCase: openSet.has(x.id),
            usageStop: stopSet.has(x.id),
            guardianOfMinor:
              mothersOfMinors.has(x.id) || ((j?.not_child ?? false) && otherMinors > 0),
            rows: rows.get(x.id) ?? {},
          };
        });
    },

    /**
     * Erases the content of every row linked to `personIds` in any stored run
     * of the municipality (raw '', data and errors NULL, purged_at now) and
     * deletes the 訂正 overlays of those rows (they hold the old and new
     * values). Records the counts in purge_log. Call inside a transaction.
     */
    async purge(
      m: number,
      personIds: readonly string[],
      log: { actor: string; policy: object; persons: number },
    ): Promise<{ rows: Record<string, number>; corrections: number }> {
      if (personIds.length === 0) return { rows: {}, corrections: 0 };
      const erased = await sql<{ source_id: string; n: number }>`
        WITH target AS (
          SELECT DISTINCT lr.snapshot_id, lr.row_no, lr.source_id
            FROM link_record lr
           WHERE lr.municipality_id = ${m} AND lr.person_id = ANY(${sql.val(personIds)}::text[])
             AND lr.run_id IN (SELECT id FROM link_run WHERE municipality_id = ${m}
                                AND completed_at IS NOT NULL)
        ), done AS (
          UPDATE import_row ir SET raw = '', data = NULL, errors = NULL, purged_at = now()
            FROM target t
           WHERE ir.municipality_id = ${m} AND ir.snapshot_id = t.snapshot_id
             AND ir.row_no = t.row_no AND ir.purged_at IS NULL
          RETURNING t.source_id
        )
        SELECT source_id, count(*)::int AS n FROM done GROUP BY source_id ORDER BY source_id`.execute(
        db,
      );
      const corrections = await sql`
        DELETE FROM fact_correction f USING import_row ir
         WHERE f.municipality_id = ${m} AND ir.snapshot_id = f.snapshot_id AND ir.row_no = f.row_no
           AND ir.purged_at IS NOT NULL`.execute(db);
      const rows = Object.fromEntries(erased.rows.map((x) => [x.source_id, x.n]));
      const counts = {
        persons: log.persons,
        rows,
        corrections: Number(corrections.numAffectedRows ?? 0),
      };
      await sql`INSERT INTO purge_log (municipality_id, actor, kind, policy, counts)
                VALUES (${m}, ${log.actor}, 'persons', ${JSON.stringify(log.policy)}::jsonb,
                        ${JSON.stringify(counts)}::jsonb)`.execute(db);
      return { rows, corrections: counts.corrections };
    },
  };
}
