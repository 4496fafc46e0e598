import { sql } from "kysely";
import type { Database } from "./database.ts";

/**
 * What the audit log records: who did what, when, to what. `detail` must never
 * hold names or resident numbers — ids and counts only (the log is read by
 * administrators who are not entitled to the data itself).
 */
export interface AuditEntry {
  municipalityId: number | null;
  actorUserId: number | null;
  actor: string;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditRecord {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
}

export function createAuditRepository(db: Database) {
  return {
    async append(e: AuditEntry): Promise<void> {
      // prev_hash and hash are set by the trigger (0001-foundation); the values
      // given here are placeholders it overwrites.
      await db
        .insertInto("audit_log")
        .values({
          municipality_id: e.municipalityId,
          actor_user_id: e.actorUserId,
          actor: e.actor,
          action: e.action,
          target: e.target ?? null,
          detail: JSON.stringify(e.detail ?? {}),
        })
        .execute();
    },

    async list(options: {
      municipalityId: number;
      limit: number;
      beforeId?: string;
      action?: string;
    }): Promise<AuditRecord[]> {
      let q = db
        .selectFrom("audit_log")
        .select(["id", "at", "actor", "action", "target", "detail"])
        .where((eb) =>
          eb.or([
            eb("municipality_id", "=", options.municipalityId),
            eb("municipality_id", "is", null),
          ]),
        )
        .orderBy("id", "desc")
        .limit(options.limit);
      if (options.beforeId) q = q.where("id", "<", options.beforeId);
      if (options.action) q = q.where("action", "=", options.action);
      return q.execute();
    },

    /**
     * Recomputes the hash chain. Returns the id of the first row whose stored
     * hash or link does not match (tampering, e.g. by a superuser who disabled
     * the triggers), or null when the whole chain is intact.
     */
    async verifyChain(): Promise<{ ok: boolean; rows: number; firstBadId: string | null }> {
      const r = await sql<{ rows: string; first_bad: string | null }>`
        WITH chain AS (
          SELECT a.id, a.hash, a.prev_hash,
                 audit_log_row_digest(a) AS recomputed,
                 coalesce(lag(a.hash) OVER (ORDER BY a.id), '\\x'::bytea) AS expected_prev
          FROM audit_log a
        )
        SELECT count(*)::text AS rows,
               min(id) FILTER (WHERE hash <> recomputed OR prev_hash <> expected_prev)::text AS first_bad
        FROM chain`.execute(db);
      const row = r.rows[0];
      return {
        ok: !row?.first_bad,
        rows: Number(row?.rows ?? 0),
        firstBadId: row?.first_bad ?? null,
      };
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
