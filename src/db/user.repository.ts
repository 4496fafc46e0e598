import type { Database } from "./database.ts";
import type { SessionRow } from "./session.repository.ts";

export interface UserRow {
  id: number;
  municipalityId: number;
  loginName: string;
  displayName: string;
  passwordHash: string;
  roles: string[];
  mustChangePassword: boolean;
  disabled: boolean;
  lastLoginAt: Date | null;
  /** The login before the latest one (「最終ログイン」 as the user sees it). */
  previousLoginAt: Date | null;
  council: boolean;
  affiliation: string | null;
  /** The sources a データ提供 account may import; null: every source (0088). */
  importSources?: string[] | null;
  /** Optional mail address (0061-mail); read by the account lists, not by the session lookup. */
  email?: string | null;
}

const columns = [
  "id",
  "municipality_id",
  "login_name",
  "display_name",
  "password_hash",
  "roles",
  "must_change_password",
  "disabled",
  "last_login_at",
  "previous_login_at",
  "council",
  "affiliation",
  "import_sources",
  "email",
] as const;

type Raw = {
  id: number;
  municipality_id: number;
  login_name: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  must_change_password: boolean;
  disabled: boolean;
  last_login_at: Date | null;
  previous_login_at: Date | null;
  council: boolean;
  affiliation: string | null;
  import_sources: string[] | null;
  email?: string | null;
};

const toUser = (r: Raw): UserRow => ({
  id: r.id,
  municipalityId: r.municipality_id,
  loginName: r.login_name,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  roles: r.roles,
  mustChangePassword: r.must_change_password,
  disabled: r.disabled,
  lastLoginAt: r.last_login_at,
  previousLoginAt: r.previous_login_at,
  council: r.council,
  affiliation: r.affiliation,
  importSources: r.import_sources,
  ...(r.email !== undefined ? { email: r.email } : {}),
});

export function createUserRepository(db: Database) {
  return {
    /**
     * The live session for a token hash with its user, in one statement (the
     * session middleware runs it on every request; two lookups cost two
     * scoped transactions). Idle- or absolutely expired sessions and sessions
     * whose user is gone are absent, as with session.find + findById.
     */
    async findBySession(
      tokenHash: string,
      now: Date,
    ): Promise<{ session: SessionRow; user: UserRow } | undefined> {
      const r = await db
        .selectFrom("session as s")
        .innerJoin("app_user as u", "u.id", "s.user_id")
        .select([
          "u.id",
          "u.municipality_id",
          "u.login_name",
          "u.display_name",
          "u.password_hash",
          "u.roles",
          "u.must_change_password",
          "u.disabled",
          "u.last_login_at",
          "u.previous_login_at",
          "u.council",
          "u.affiliation",
          "u.import_sources",
          "s.csrf_token",
          "s.expires_at",
          "s.absolute_expires_at",
          "s.authenticated_at",
        ])
        .where("s.token_hash", "=", tokenHash)
        .where("s.expires_at", ">", now)
        .where("s.absolute_expires_at", ">", now)
        .executeTakeFirst();
      if (!r) return undefined;
      return {
        session: {
          userId: r.id,
          csrfToken: r.csrf_token,
          expiresAt: r.expires_at,
          absoluteExpiresAt: r.absolute_expires_at,
          authenticatedAt: r.authenticated_at,
        },
        user: toUser(r),
      };
    },

    async count(): Promise<number> {
      const r = await db
        .selectFrom("app_user")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async findByLogin(loginName: string): Promise<UserRow | undefined> {
      const r = await db
        .selectFrom("app_user")
        .select(columns)
        .where("login_name", "=", loginName)
        .executeTakeFirst();
      return r ? toUser(r) : undefined;
    },

    async findById(id: number): Promise<UserRow | undefined> {
      const r = await db
        .selectFrom("app_user")
        .select(columns)
        .where("id", "=", id)
        .executeTakeFirst();
      return r ? toUser(r) : undefined;
    },

    async list(municipalityId: number): Promise<UserRow[]> {
      const rows = await db
        .selectFrom("app_user")
        .select(columns)
        .where("municipality_id", "=", municipalityId)
        .orderBy("login_name")
        .execute();
      return rows.map(toUser);
    },

    async insert(user: {
      municipalityId: number;
      loginName: string;
      displayName: string;
      passwordHash: string;
      roles: readonly string[];
      mustChangePassword: boolean;
      council?: boolean;
      affiliation?: string | null;
    }): Promise<UserRow> {
      const r = await db
        .insertInto("app_user")
        .values({
          municipality_id: user.municipalityId,
          login_name: user.loginName,
          display_name: user.displayName,
          password_hash: user.passwordHash,
          roles: [...user.roles],
          must_change_password: user.mustChangePassword,
          council: user.council ?? false,
          affiliation: user.affiliation ?? null,
        })
        .onConflict((oc) => oc.column("login_name").doNothing())
        .returning(columns)
        .executeTakeFirst();
      if (!r) throw new DuplicateLoginError(user.loginName);
      return toUser(r);
    },

    async setPassword(id: number, passwordHash: string, mustChange: boolean): Promise<void> {
      await db
        .updateTable("app_user")
        .set({
          password_hash: passwordHash,
          must_change_password: mustChange,
          password_changed_at: new Date(),
        })
        .where("id", "=", id)
        .execute();
    },

    /** Disables or re-enables an account (user administration, issue 16). */
    async setDisabled(id: number, disabled: boolean): Promise<void> {
      await db.updateTable("app_user").set({ disabled }).where("id", "=", id).execute();
    },

    /** Replaces an account's roles, 要対協 membership and 所属 (user administration). */
    /** The sources a データ提供 account may import (null: every source). */
    async setImportSources(id: number, sources: readonly string[] | null): Promise<void> {
      await db
        .updateTable("app_user")
        .set({ import_sources: sources === null ? null : [...sources] })
        .where("id", "=", id)
        .execute();
    },

    async setRoles(
      id: number,
      v: { roles: readonly string[]; council: boolean; affiliation: string | null },
    ): Promise<void> {
      await db
        .updateTable("app_user")
        .set({ roles: [...v.roles], council: v.council, affiliation: v.affiliation })
        .where("id", "=", id)
        .execute();
    },

    /**
     * Records a login: the former last login becomes the previous one (what
     * 「最終ログイン」 shows), and returns the account as it is now.
     */
    async touchLogin(id: number, at = new Date()): Promise<UserRow | undefined> {
      const r = await db
        .updateTable("app_user")
        .set((eb) => ({ previous_login_at: eb.ref("last_login_at"), last_login_at: at }))
        .where("id", "=", id)
        .returning(columns)
        .executeTakeFirst();
      return r ? toUser(r) : undefined;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

export class DuplicateLoginError extends Error {
  constructor(readonly loginName: string) {
    super(`login name already exists: ${loginName}`);
  }
}
