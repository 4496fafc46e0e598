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
      // Set-based (one pass per table, joined by person), not a subquery per person.
      const r = await sql<RetentionPerson>`
        WITH runs AS (
          SELECT id FROM link_run WHERE municipality_id = ${m} AND completed_at IS NOT NULL
        ), p AS (
          SELECT person_id, birth_date, household_no FROM link_person
           WHERE municipality_id = ${m} AND run_id = ${runId}
        ), jumin AS (
          SELECT lr.person_id,
                 CASE WHEN bool_and(coalesce(ir.data->>'消除日', '') <> '')
                      THEN max(ir.data->>'消除日') END AS left_on,
                 bool_or(coalesce(ir.data->>'続柄', '') <> '子') AS not_child
            FROM link_record lr
            JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
           WHERE lr.municipality_id = ${m} AND lr.run_id = ${runId} AND lr.source_id = 'jumin'
             AND ir.data IS NOT NULL AND lr.person_id IS NOT NULL
           GROUP BY lr.person_id
        ), minors AS (
          SELECT person_id, household_no FROM p
           WHERE birth_date IS NOT NULL AND birth_date + interval '18 years' > ${today}::date
        ), minor_households AS (
          SELECT household_no, count(*) AS n FROM minors WHERE household_no IS NOT NULL GROUP BY household_no
        ), mothers AS (
          SELECT DISTINCT mc.mother_person_id AS person_id FROM link_mother_child mc
            JOIN minors k ON k.person_id = mc.child_person_id
           WHERE mc.run_id = ${runId} AND mc.municipality_id = ${m} AND mc.mother_person_id IS NOT NULL
        ), live AS (
          SELECT person_id, jsonb_object_agg(source_id, n) AS rows FROM (
            SELECT lr.person_id, lr.source_id, count(DISTINCT (lr.snapshot_id, lr.row_no))::int AS n
              FROM link_record lr
              JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
             WHERE lr.municipality_id = ${m} AND lr.run_id IN (SELECT id FROM runs)
               AND ir.purged_at IS NULL AND lr.person_id IS NOT NULL
             GROUP BY lr.person_id, lr.source_id) x
           GROUP BY person_id
        ), open_cases AS (
          SELECT DISTINCT person_id FROM child_case WHERE municipality_id = ${m} AND state <> 'closed'
        ), stops AS (
          SELECT DISTINCT person_id FROM usage_stop WHERE municipality_id = ${m} AND lifted_at IS NULL
        )
        SELECT p.person_id AS "personId", to_char(p.birth_date, 'YYYY-MM-DD') AS "birthDate",
               j.left_on AS "leftOn",
               (oc.person_id IS NOT NULL) AS "openCase",
               (st.person_id IS NOT NULL) AS "usageStop",
               (mo.person_id IS NOT NULL
                OR (coalesce(j.not_child, false)
                    -- another minor of the household than the person
                    AND coalesce(mh.n, 0) > (CASE WHEN mi.person_id IS NULL THEN 0 ELSE 1 END))) AS "guardianOfMinor",
               l.rows
          FROM p
          JOIN live l ON l.person_id = p.person_id
          LEFT JOIN jumin j ON j.person_id = p.person_id
          LEFT JOIN open_cases oc ON oc.person_id = p.person_id
          LEFT JOIN stops st ON st.person_id = p.person_id
          LEFT JOIN mothers mo ON mo.person_id = p.person_id
          LEFT JOIN minor_households mh ON mh.household_no = p.household_no
          LEFT JOIN minors mi ON mi.person_id = p.person_id
         ORDER BY p.person_id`.execute(db);
      return r.rows;
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
