import type { Database } from "./database.ts";

export interface SessionRow {
  userId: number;
  csrfToken: string;
  expiresAt: Date;
  /** The absolute end (read with the user: the session cache checks it on every reuse). */
  absoluteExpiresAt?: Date;
  /** When the user last entered their password (or second factor) in this session. */
  authenticatedAt: Date;
}

export function createSessionRepository(db: Database) {
  return {
    async insert(s: {
      tokenHash: string;
      userId: number;
      csrfToken: string;
      expiresAt: Date;
      /** Absolute end however active the session is (default: the database's 12 hours). */
      absoluteExpiresAt?: Date;
      authenticatedAt?: Date;
      clientAddress?: string | null;
    }): Promise<void> {
      await db
        .insertInto("session")
        .values({
          token_hash: s.tokenHash,
          user_id: s.userId,
          csrf_token: s.csrfToken,
          expires_at: s.expiresAt,
          ...(s.absoluteExpiresAt ? { absolute_expires_at: s.absoluteExpiresAt } : {}),
          ...(s.authenticatedAt ? { authenticated_at: s.authenticatedAt } : {}),
          client_address: s.clientAddress ?? null,
        })
        .execute();
    },

    /**
     * Replaces a session's token by a new one (rotation after re-authentication
     * or a change of privilege): the old cookie stops working at once.
     */
    async rotate(
      oldTokenHash: string,
      next: { tokenHash: string; csrfToken: string; authenticatedAt?: Date },
    ): Promise<boolean> {
      const r = await db
        .updateTable("session")
        .set({
          token_hash: next.tokenHash,
          csrf_token: next.csrfToken,
          ...(next.authenticatedAt ? { authenticated_at: next.authenticatedAt } : {}),
        })
        .where("token_hash", "=", oldTokenHash)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Open sessions of a user (for the administrator's view; no token hashes). */
    async listForUser(
      userId: number,
      now: Date,
    ): Promise<{ createdAt: Date; lastSeenAt: Date; clientAddress: string | null }[]> {
      const rows = await db
        .selectFrom("session")
        .select(["created_at", "last_seen_at", "client_address"])
        .where("user_id", "=", userId)
        .where("expires_at", ">", now)
        .where("absolute_expires_at", ">", now)
        .orderBy("created_at")
        .execute();
      return rows.map((r) => ({
        createdAt: r.created_at,
        lastSeenAt: r.last_seen_at,
        clientAddress: r.client_address,
      }));
    },

    /** The live session for a token hash; idle-expired and absolutely expired ones are absent. */
    async find(tokenHash: string, now: Date): Promise<SessionRow | undefined> {
      const r = await db
        .selectFrom("session")
        .select(["user_id", "csrf_token", "expires_at", "authenticated_at"])
        .where("token_hash", "=", tokenHash)
        .where("expires_at", ">", now)
        .where("absolute_expires_at", ">", now)
        .executeTakeFirst();
      return r
        ? {
            userId: r.user_id,
            csrfToken: r.csrf_token,
            expiresAt: r.expires_at,
            authenticatedAt: r.authenticated_at,
          }
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
    async deleteForUser(userId: number, keepTokenHash?: string): Promise<number> {
      let q = db.deleteFrom("session").where("user_id", "=", userId);
      if (keepTokenHash) q = q.where("token_hash", "!=", keepTokenHash);
      const r = await q.executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async deleteExpired(now: Date): Promise<void> {
      await db
        .deleteFrom("session")
        .where((eb) => eb.or([eb("expires_at", "<=", now), eb("absolute_expires_at", "<=", now)]))
        .execute();
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
