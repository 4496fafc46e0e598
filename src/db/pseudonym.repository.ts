/**
 * The pseudonymised analyst export's reads (issue 12): the municipality's
 * HMAC key (created on first use) and, per child of a scoring run, the
 * fields that may leave in pseudonymised form. 要対協 items (B01, B02) are
 * left out for non-members in SQL, like every other read (docs/security.md).
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { COUNCIL_ONLY_ITEMS, type DataScope } from "../domain/policy/index.ts";
import type { Database } from "./database.ts";

export interface PseudonymisableChild {
  personId: string;
  householdNo: string | null;
  birthDate: string | null;
  sex: string | null;
  items: string[];
}

export function createPseudonymRepository(db: Database) {
  return {
    /** The municipality's key; made (32 random bytes) the first time it is needed. */
    async key(municipalityId: number): Promise<Buffer> {
      await db
        .insertInto("pseudonym_key")
        .values({ municipality_id: municipalityId, key: randomBytes(32) })
        .onConflict((oc) => oc.column("municipality_id").doNothing())
        .execute();
      const r = await db
        .selectFrom("pseudonym_key")
        .select("key")
        .where("municipality_id", "=", municipalityId)
        .executeTakeFirstOrThrow();
      return r.key;
    },

    /** Children of the scoring run (persons with a score), in person order and pages. */
    async *children(
      scope: Pick<DataScope, "municipalityId" | "council">,
      run: { id: number; linkRunId: number },
      pageSize = 5_000,
    ): AsyncGenerator<PseudonymisableChild[]> {
      let after = "";
      const hidden = scope.council ? [] : [...COUNCIL_ONLY_ITEMS];
      while (true) {
        const rows = await db
          .selectFrom("link_person as p")
          .select([
            "p.person_id",
            "p.household_no",
            sql<string | null>`to_char(p.birth_date, 'YYYY-MM-DD')`.as("birth_date"),
            "p.sex",
            sql<string[]>`coalesce((
              SELECT array_agg(i.item_id ORDER BY i.item_id) FROM score_item i
               WHERE i.municipality_id = p.municipality_id AND i.run_id = ${run.id}
                 AND i.person_id = p.person_id
                 AND NOT (i.item_id = ANY(${sql.val(hidden)}::text[]))), '{}')`.as("items"),
          ])
          .where("p.municipality_id", "=", scope.municipalityId)
          .where("p.run_id", "=", run.linkRunId)
          .where("p.person_id", ">", after)
          .where(({ exists, selectFrom }) =>
            exists(
              selectFrom("score_result as r")
                .select(sql`1`.as("one"))
                .whereRef("r.person_id", "=", "p.person_id")
                .where("r.municipality_id", "=", scope.municipalityId)
                .where("r.run_id", "=", run.id),
            ),
          )
          .orderBy("p.person_id")
          .limit(pageSize)
          .execute();
        if (rows.length === 0) return;
        yield rows.map((r) => ({
          personId: r.person_id,
          householdNo: r.household_no,
          birthDate: r.birth_date,
          sex: r.sex,
          items: r.items,
        }));
        after = (rows.at(-1) as (typeof rows)[number]).person_id;
        if (rows.length < pageSize) return;
      }
    },
  };
}
