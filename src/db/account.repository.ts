import { sql, type Transaction } from "kysely";
import type { Database } from "./database.ts";
import type { DB } from "./schema.ts";

/** One account for the periodic review (棚卸): who has which access, and is it still used. */
export interface AccountInventoryRow {
  id: number;
  loginName: string;
  displayName: string;
  roles: string[];
  /** The school or nursery of an 所属 account, or null. */
  affiliation: string | null;
  /** A 要対協 member (sees council facts). */
  council: boolean;
  disabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  passwordChangedAt: Date | null;
  mustChangePassword: boolean;
  secondFactor: boolean;
  lockedUntil: Date | null;
  activeSessions: number;
}

/** Replaces a user's recovery codes (only their hashes are stored), inside a transaction. */
async function writeRecoveryCodes(
  trx: Transaction<DB>,
  userId: number,
  codeHashes: readonly string[],
): Promise<void> {
  await trx.deleteFrom("user_recovery_code").where("user_id", "=", userId).execute();
  if (codeHashes.length) {
    await trx
      .insertInto("user_recovery_code")
      .values(codeHashes.map((h) => ({ user_id: userId, code_hash: h })))
      .execute();
  }
}

/**
 * Account security state in PostgreSQL: inventory, lockout, throttling, TOTP,
 * recovery codes and login challenges. In the database (not in memory) so that
 * a restart neither unlocks an account nor resets a throttle.
 */
export function createAccountRepository(db: Database) {
  return {
    async inventory(municipalityId: number, now = new Date()): Promise<AccountInventoryRow[]> {
      const rows = await db
        .selectFrom("app_user as u")
        .select([
          "u.id",
          "u.login_name",
          "u.display_name",
          "u.roles",
          "u.affiliation",
          "u.council",
          "u.disabled",
          "u.created_at",
          "u.last_login_at",
          "u.password_changed_at",
          "u.must_change_password",
          "u.totp_enabled_at",
          "u.locked_until",
        ])
        .select((eb) =>
          eb
            .selectFrom("session as s")
            .whereRef("s.user_id", "=", "u.id")
            .where("s.expires_at", ">", now)
            .where("s.absolute_expires_at", ">", now)
            .select(eb.fn.countAll<string>().as("n"))
            .as("sessions"),
        )
        .where("u.municipality_id", "=", municipalityId)
        .orderBy("u.login_name")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        loginName: r.login_name,
        displayName: r.display_name,
        roles: r.roles,
        affiliation: r.affiliation,
        council: r.council,
        disabled: r.disabled,
        createdAt: r.created_at,
        lastLoginAt: r.last_login_at,
        passwordChangedAt: r.password_changed_at,
        mustChangePassword: r.must_change_password,
        secondFactor: r.totp_enabled_at !== null,
        lockedUntil: r.locked_until && r.locked_until > now ? r.locked_until : null,
        activeSessions: Number(r.sessions ?? 0),
      }));
    },

    // ---- throttling (per login name + address) ----

    /** Failures for `key` since `since`, and the oldest of them (to say when to retry). */
    async recentFailures(
      key: string,
      since: Date,
    ): Promise<{ count: number; oldest: Date | null }> {
      const r = await db
        .selectFrom("login_failure")
        .select((eb) => [eb.fn.countAll<string>().as("n"), eb.fn.min("at").as("oldest")])
        .where("key", "=", key)
        .where("at", ">", since)
        .executeTakeFirst();
      return { count: Number(r?.n ?? 0), oldest: (r?.oldest as Date | null) ?? null };
    },

    async recordFailure(key: string, at: Date, forgetBefore: Date): Promise<void> {
      await db.insertInto("login_failure").values({ key, at }).execute();
      // Old rows are useless: keep the table small.
      await db.deleteFrom("login_failure").where("at", "<=", forgetBefore).execute();
    },

    async clearFailures(key: string): Promise<void> {
      await db.deleteFrom("login_failure").where("key", "=", key).execute();
    },

    // ---- lockout (per account) ----

    /** Counts a failed password for the account; locks it until `lockUntil` at `limit`. Returns the new count. */
    async registerBadPassword(userId: number, limit: number, lockUntil: Date): Promise<number> {
      const r = await db
        .updateTable("app_user")
        .set((eb) => ({ failed_login_count: eb("failed_login_count", "+", 1) }))
        .where("id", "=", userId)
        .returning("failed_login_count")
        .executeTakeFirst();
      const count = r?.failed_login_count ?? 0;
      if (count >= limit) {
        await db
          .updateTable("app_user")
          .set({ locked_until: lockUntil, failed_login_count: 0 })
          .where("id", "=", userId)
          .execute();
      }
      return count;
    },

    async resetBadPasswords(userId: number): Promise<void> {
      await db
        .updateTable("app_user")
        .set({ failed_login_count: 0, locked_until: null })
        .where("id", "=", userId)
        .execute();
    },

    async lockedUntil(userId: number): Promise<Date | null> {
      const r = await db
        .selectFrom("app_user")
        .select("locked_until")
        .where("id", "=", userId)
        .executeTakeFirst();
      return r?.locked_until ?? null;
    },

    // ---- TOTP ----

    async totpState(userId: number): Promise<{
      secret: string | null;
      pendingSecret: string | null;
      lastStep: number | null;
      /** An administrator reset the second factor: enrol at the next login (0066). */
      mustEnrol: boolean;
    }> {
      const r = await db
        .selectFrom("app_user")
        .select(["totp_secret", "totp_pending_secret", "totp_last_step", "totp_must_enrol"])
        .where("id", "=", userId)
        .executeTakeFirst();
      return {
        secret: r?.totp_secret ?? null,
        pendingSecret: r?.totp_pending_secret ?? null,
        lastStep: r?.totp_last_step === null || r === undefined ? null : Number(r.totp_last_step),
        mustEnrol: r?.totp_must_enrol ?? false,
      };
    },

    async setPendingTotp(userId: number, secret: string): Promise<void> {
      await db
        .updateTable("app_user")
        .set({ totp_pending_secret: secret })
        .where("id", "=", userId)
        .execute();
    },

    /** Makes the pending secret the account's second factor and replaces the recovery codes. */
    async enableTotp(
      userId: number,
      input: { secret: string; step: number; recoveryCodeHashes: readonly string[]; at: Date },
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("app_user")
          .set({
            totp_secret: input.secret,
            totp_pending_secret: null,
            totp_enabled_at: input.at,
            totp_last_step: String(input.step),
            totp_must_enrol: false,
          })
          .where("id", "=", userId)
          .execute();
        await writeRecoveryCodes(trx, userId, input.recoveryCodeHashes);
      });
    },

    /** Removes the second factor (an administrator's reset); the user enrols again. */
    /** Removes the second factor; `mustEnrol`: the user enrols again at the next login (a reset). */
    async disableTotp(userId: number, options: { mustEnrol?: boolean } = {}): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("app_user")
          .set({
            totp_secret: null,
            totp_pending_secret: null,
            totp_enabled_at: null,
            totp_last_step: null,
            totp_must_enrol: options.mustEnrol ?? false,
          })
          .where("id", "=", userId)
          .execute();
        await trx.deleteFrom("user_recovery_code").where("user_id", "=", userId).execute();
      });
    },

    /**
     * Records `step` as used if it is newer than the last used one; false when
     * the code (or an older one) was already used — a replayed code.
     */
    /** New recovery codes for an enrolled user (the old ones stop working). */
    async replaceRecoveryCodes(userId: number, codeHashes: readonly string[]): Promise<void> {
      await db.transaction().execute((trx) => writeRecoveryCodes(trx, userId, codeHashes));
    },

    async claimTotpStep(userId: number, step: number): Promise<boolean> {
      const r = await db
        .updateTable("app_user")
        .set({ totp_last_step: String(step) })
        .where("id", "=", userId)
        .where((eb) =>
          eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", String(step))]),
        )
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Uses a recovery code once; false when unknown or already used. */
    async spendRecoveryCode(userId: number, codeHash: string, at: Date): Promise<boolean> {
      const r = await db
        .updateTable("user_recovery_code")
        .set({ used_at: at })
        .where("user_id", "=", userId)
        .where("code_hash", "=", codeHash)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async unusedRecoveryCodes(userId: number): Promise<number> {
      const r = await db
        .selectFrom("user_recovery_code")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("user_id", "=", userId)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },

    // ---- login challenges ----

    async createChallenge(c: {
      tokenHash: string;
      userId: number;
      csrfToken: string;
      kind: "totp" | "enrol";
      clientAddress: string | null;
      expiresAt: Date;
    }): Promise<void> {
      // One open challenge per user: a new login replaces the previous one.
      await db.deleteFrom("login_challenge").where("user_id", "=", c.userId).execute();
      await db
        .insertInto("login_challenge")
        .values({
          token_hash: c.tokenHash,
          user_id: c.userId,
          csrf_token: c.csrfToken,
          kind: c.kind,
          client_address: c.clientAddress,
          expires_at: c.expiresAt,
        })
        .execute();
    },

    async findChallenge(
      tokenHash: string,
      now: Date,
    ): Promise<
      { userId: number; csrfToken: string; kind: "totp" | "enrol"; attempts: number } | undefined
    > {
      const r = await db
        .selectFrom("login_challenge")
        .select(["user_id", "csrf_token", "kind", "attempts"])
        .where("token_hash", "=", tokenHash)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      return r
        ? { userId: r.user_id, csrfToken: r.csrf_token, kind: r.kind, attempts: r.attempts }
        : undefined;
    },

    async countChallengeAttempt(tokenHash: string): Promise<number> {
      const r = await db
        .updateTable("login_challenge")
        .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
        .where("token_hash", "=", tokenHash)
        .returning("attempts")
        .executeTakeFirst();
      return r?.attempts ?? Number.MAX_SAFE_INTEGER;
    },

    async deleteChallenge(tokenHash: string): Promise<void> {
      await db.deleteFrom("login_challenge").where("token_hash", "=", tokenHash).execute();
    },

    async deleteChallengesForUser(userId: number): Promise<void> {
      await db.deleteFrom("login_challenge").where("user_id", "=", userId).execute();
    },

    async deleteExpiredChallenges(now: Date): Promise<void> {
      await sql`DELETE FROM login_challenge WHERE expires_at <= ${now}`.execute(db);
    },
  };
}

export type AccountRepository = ReturnType<typeof createAccountRepository>;
