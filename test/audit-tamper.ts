/**
 * What someone with superuser rights can do to the audit log behind the
 * triggers' back — the attacks `mimamori audit verify` must detect.
 */
import { sql } from "kysely";
import type { TestDatabase } from "./db.ts";

/** Runs `statement` with the append-only triggers disabled, as a superuser could. */
export async function withTriggersDisabled(t: TestDatabase, statement: () => Promise<unknown>) {
  await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(t.db);
  try {
    await statement();
  } finally {
    await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(t.db);
  }
}

/** What a superuser could do: delete the n-th row and recompute every later hash. */
export async function rebuildChainWithout(t: TestDatabase, nth: number): Promise<void> {
  await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(t.db);
  await sql`DELETE FROM audit_log WHERE id = (SELECT id FROM audit_log ORDER BY id OFFSET ${nth - 1} LIMIT 1)`.execute(
    t.db,
  );
  const ids = await sql<{
    id: string;
  }>`SELECT a.id::text AS id FROM audit_log a ORDER BY a.id`.execute(t.db);
  let prev = "\\x";
  for (const { id } of ids.rows) {
    await sql`UPDATE audit_log SET prev_hash = ${prev}::bytea WHERE id = ${id}::bigint`.execute(
      t.db,
    );
    await sql`UPDATE audit_log a SET hash = audit_log_row_digest(a) WHERE id = ${id}::bigint`.execute(
      t.db,
    );
    const h = await sql<{
      h: string;
    }>`SELECT '\\x' || encode(hash, 'hex') AS h FROM audit_log WHERE id = ${id}::bigint`.execute(
      t.db,
    );
    prev = h.rows[0]?.h as string;
  }
  await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(t.db);
}
