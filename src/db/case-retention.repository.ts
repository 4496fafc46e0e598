/**
 * Retention per case (issue 12, migration 0083): the closed cases with the
 * dates their retention is judged by, and their deletion with every row that
 * depends on them. The dependent tables are found from the foreign keys (so a
 * table the workflow adds later that refers to a case is purged too, not left
 * to block the delete); counts only are returned and logged.
 */
import { type RawBuilder, sql } from "kysely";
import type { Database } from "./database.ts";

export interface ClosedCase {
  id: number;
  personId: string;
  /** The day the case was (last) closed, Japan time. */
  closedOn: string;
  /** The child's 生年月日 from the newest 名寄せ run that has them; null: unknown. */
  birthDate: string | null;
}

interface ForeignKey {
  table: string;
  /** The referencing columns, in the key's order (municipality_id among them since 0096). */
  columns: string[];
  /** The referenced columns, paired with `columns`. */
  referenced: string[];
}

type Tx = Parameters<Parameters<ReturnType<Database["transaction"]>["execute"]>[0]>[0];

/** Every foreign key into `table` from another table, single- or multi-column. */
async function referencing(trx: Tx, table: string): Promise<ForeignKey[]> {
  const r = await sql<ForeignKey>`
    SELECT k.conrelid::regclass::text AS "table",
           array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n
                  ORDER BY u.o) AS columns,
           array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                   JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n
                  ORDER BY u.o) AS referenced
      FROM pg_constraint k
     WHERE k.contype = 'f' AND k.confrelid = ${table}::regclass AND k.conrelid <> k.confrelid
     ORDER BY 1, k.conname`.execute(trx);
  return r.rows;
}

/**
 * Deletes the rows of `table` that `where` selects, dependents first (each
 * foreign key followed with all its columns: since migration 0096 they are
 * (…, municipality_id) pairs); adds to `counts`. `where` names columns of
 * `table` only, unqualified, so it nests as the subquery of a dependent's
 * delete.
 */
async function deleteWithDependents(
  trx: Tx,
  table: string,
  where: RawBuilder<unknown>,
  counts: Record<string, number>,
  depth = 0,
): Promise<void> {
  if (depth > 5) throw new Error(`purge: foreign keys nest too deep at ${table}`);
  for (const fk of await referencing(trx, table)) {
    const child = sql`(${sql.join(fk.columns.map((c) => sql.ref(c)))}) IN (SELECT ${sql.join(
      fk.referenced.map((c) => sql.ref(c)),
    )} FROM ${sql.table(table)} WHERE ${where})`;
    await deleteWithDependents(trx, fk.table, child, counts, depth + 1);
  }
  const r = await sql`DELETE FROM ${sql.table(table)} WHERE ${where}`.execute(trx);
  counts[table] = (counts[table] ?? 0) + Number(r.numAffectedRows ?? 0);
}

/** The municipality's stored case-retention setting (migration 0084). */
export interface StoredCaseRetention {
  closedYears: number;
  untilAge: number | null;
  updatedAt: Date;
  actor: string;
}

export function createCaseRetentionRepository(db: Database) {
  return {
    async getSetting(m: number): Promise<StoredCaseRetention | undefined> {
      const r = await db
        .selectFrom("case_retention_setting")
        .select(["closed_years", "until_age", "updated_at", "actor"])
        .where("municipality_id", "=", m)
        .executeTakeFirst();
      return (
        r && {
          closedYears: r.closed_years,
          untilAge: r.until_age,
          updatedAt: r.updated_at,
          actor: r.actor,
        }
      );
    },

    async saveSetting(
      m: number,
      setting: { closedYears: number; untilAge: number | null },
      actor: string,
    ): Promise<StoredCaseRetention> {
      const r = await db
        .insertInto("case_retention_setting")
        .values({
          municipality_id: m,
          closed_years: setting.closedYears,
          until_age: setting.untilAge,
          actor,
        })
        .onConflict((oc) =>
          oc.column("municipality_id").doUpdateSet({
            closed_years: setting.closedYears,
            until_age: setting.untilAge,
            actor,
            updated_at: sql`now()`,
          }),
        )
        .returning(["closed_years", "until_age", "updated_at", "actor"])
        .executeTakeFirstOrThrow();
      return {
        closedYears: r.closed_years,
        untilAge: r.until_age,
        updatedAt: r.updated_at,
        actor: r.actor,
      };
    },

    async closedCases(m: number): Promise<ClosedCase[]> {
      const r = await sql<ClosedCase>`
        SELECT c.id, c.person_id AS "personId",
               to_char(COALESCE((SELECT max(e.at) FROM case_event e
                                  WHERE e.case_id = c.id AND e.to_state = 'closed'), c.updated_at)
                       AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD') AS "closedOn",
               (SELECT to_char(p.birth_date, 'YYYY-MM-DD') FROM link_person p
                 WHERE p.municipality_id = c.municipality_id AND p.person_id = c.person_id
                 ORDER BY p.run_id DESC LIMIT 1) AS "birthDate"
          FROM child_case c
         WHERE c.municipality_id = ${m} AND c.state = 'closed'
         ORDER BY c.id`.execute(db);
      return r.rows;
    },

    /**
     * Deletes the cases and every row depending on them in one transaction
     * (the append-only case trail allows it only here), records the counts
     * in purge_log, and returns them per table.
     */
    async purge(
      m: number,
      caseIds: readonly number[],
      log: { actor: string; policy: object },
    ): Promise<Record<string, number>> {
      return db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('mimamori.purge', 'on', true)`.execute(trx);
        const counts: Record<string, number> = {};
        // Only this municipality's closed cases, whatever the caller passed.
        const ids = (
          await sql<{ id: number }>`SELECT id FROM child_case
             WHERE municipality_id = ${m} AND state = 'closed' AND id = ANY(${sql.val(caseIds)})`.execute(
            trx,
          )
        ).rows.map((x) => x.id);
        if (ids.length > 0)
          await deleteWithDependents(
            trx,
            "child_case",
            sql`municipality_id = ${m} AND id = ANY(${sql.val(ids)})`,
            counts,
          );
        await sql`INSERT INTO purge_log (municipality_id, actor, kind, policy, counts)
                  VALUES (${m}, ${log.actor}, 'cases', ${JSON.stringify(log.policy)}::jsonb,
                          ${JSON.stringify(counts)}::jsonb)`.execute(trx);
        return counts;
      });
    },
  };
}
