import type { Database } from "./database.ts";

export interface SessionRow {
  userId: number;
  csrfToken: string;
  expiresAt: Date;
}

export function createSessionRepository(db: Database) {
  return {
    async insert(s: {
      tokenHash: string;
      userId: number;
      csrfToken: string;
      expiresAt: Date;
    }): Promise<void> {
      await db
        .insertInto("session")
        .values({
          token_hash: s.tokenHash,
          user_id: s.userId,
          csrf_token: s.csrfToken,
          expires_at: s.expiresAt,
        })
        .execute();
    },

    /** The live session for a token hash; expired ones are treated as absent. */
    async find(tokenHash: string, now: Date): Promise<SessionRow | undefined> {
      const r = await db
        .selectFrom("session")
        .select(["user_id", "csrf_token", "expires_at"])
        .where("token_hash", "=", tokenHash)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      return r
        ? { userId: r.user_id, csrfToken: r.csrf_token, expiresAt: r.expires_at }
        : undefined;
    },

    async extend(tokenHash: string, now: Date, expiresAt: Date): Promise<void> {
      await db
        .updateTable("session")
        .set({ last_seen_at: now, expires_at: expiresAt })
        .where("token_hash", "=", tokenHash)
        .execute();
    },

    async delete(tokenHash: string): Promise<void> {
      await db.deleteFrom("session").where("token_hash", "=", tokenHash).execute();
    },

    /** Ends every session of a user except, optionally, one (after a password change). */
    async deleteForUser(userId: number, keepTokenHash?: string): Promise<void> {
      let q = db.deleteFrom("session").where("user_id", "=", userId);
      if (keepTokenHash) q = q.where("token_hash", "!=", keepTokenHash);
      await q.execute();
    },

    async deleteExpired(now: Date): Promise<void> {
      await db.deleteFrom("session").where("expires_at", "<=", now).execute();
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
