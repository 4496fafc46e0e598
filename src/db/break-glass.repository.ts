/**
 * Break-the-glass (issue 12): a user's emergency access to one child outside
 * their scope, with a reason, for a limited time (default 4 hours, setting
 * `break_glass_hours` of the municipality). `breakGlassGrant` is the SQL
 * predicate `childAccess` (child-access.ts) ORs in; the grant never widens
 * 要対協 visibility (that stays with DataScope.council and row-level
 * security). Expiry is decided by the database clock.
 */
import { type RawBuilder, sql } from "kysely";
import type { DataScope } from "../domain/policy/index.ts";
import type { Database } from "./database.ts";

export const DEFAULT_BREAK_GLASS_HOURS = 4;
export const BREAK_GLASS_HOURS_SETTING = "break_glass_hours";

export interface BreakGlassRow {
  id: number;
  userId: number;
  loginName: string;
  personId: string;
  reason: string;
  openedAt: Date;
  expiresAt: Date;
  active: boolean;
}

/** True when the reader holds an unexpired grant for `personId`. */
export function breakGlassGrant(
  scope: Pick<DataScope, "municipalityId" | "userId">,
  personId: RawBuilder<string>,
): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (
    SELECT 1 FROM break_glass g
     WHERE g.municipality_id = ${scope.municipalityId} AND g.user_id = ${scope.userId}
       AND g.person_id = ${personId} AND g.expires_at > now())`;
}

const columns = sql<BreakGlassRow>`id, user_id AS "userId", login_name AS "loginName",
  person_id AS "personId", reason, opened_at AS "openedAt", expires_at AS "expiresAt",
  expires_at > now() AS active`;

export function createBreakGlassRepository(db: Database) {
  return {
    /**
     * Whether a grant may name the person: one of the run's persons with at
     * least one linked row the reader may see. Row-level security hides
     * 要対協 / 一時保護 rows from a non-member's transaction, so a person
     * known only from them is "not found" for a non-member exactly like an id
     * that does not exist or belongs to another municipality (docs/security.md,
     * Break-the-glass).
     */
    async personExists(municipalityId: number, linkRunId: number, personId: string) {
      const r = await sql<{ found: boolean }>`
        SELECT EXISTS (
          SELECT 1 FROM link_person p
           WHERE p.municipality_id = ${municipalityId} AND p.run_id = ${linkRunId}
             AND p.person_id = ${personId}
             AND EXISTS (SELECT 1 FROM link_record lr
                          WHERE lr.municipality_id = p.municipality_id AND lr.run_id = p.run_id
                            AND lr.person_id = p.person_id)) AS found`.execute(db);
      return r.rows[0]?.found === true;
    },

    async open(g: {
      municipalityId: number;
      userId: number;
      loginName: string;
      personId: string;
      reason: string;
      hours: number;
    }): Promise<BreakGlassRow> {
      const r = await sql<BreakGlassRow>`
        INSERT INTO break_glass (municipality_id, user_id, login_name, person_id, reason, expires_at)
        VALUES (${g.municipalityId}, ${g.userId}, ${g.loginName}, ${g.personId}, ${g.reason},
                now() + make_interval(mins => ${Math.round(g.hours * 60)}))
        RETURNING ${columns}`.execute(db);
      return r.rows[0] as BreakGlassRow;
    },

    /** Grants of the municipality, newest first (the coordinating office's report). */
    async list(municipalityId: number, limit: number, userId?: number): Promise<BreakGlassRow[]> {
      const r = await sql<BreakGlassRow>`
        SELECT ${columns} FROM break_glass
         WHERE municipality_id = ${municipalityId}
           ${userId === undefined ? sql`` : sql`AND user_id = ${userId}`}
         ORDER BY opened_at DESC, id DESC LIMIT ${limit}`.execute(db);
      return r.rows;
    },
  };
}
