/**
 * User administration (issue 16): disable, re-enable, reset a password (a
 * one-time temporary password), change roles, end sessions. Every change is
 * audited; disabling, a password reset and a role change end the user's
 * sessions at once (auth/middleware.ts also refuses a disabled user's
 * session on its next request). An administrator cannot lock themselves out,
 * nor leave the municipality without an enabled administrator.
 */
import { createAuditRepository } from "../../db/audit.repository.ts";
import type { Database } from "../../db/database.ts";
import { createUserRepository, type UserRow } from "../../db/user.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { findLayout } from "../../domain/layouts.ts";
import type { Role } from "../../domain/policy/index.ts";
import { loadSources } from "../../pipeline/sources.ts";
import { hashPassword } from "../auth/password.ts";
import { endSessions, resetSecondFactor } from "./account.service.ts";
import { generateTemporaryPassword } from "./user.service.ts";

export interface AdminActor {
  readonly id: number;
  readonly loginName: string;
  readonly municipalityId: number;
}

interface Input {
  readonly actor: AdminActor;
  readonly userId: number;
  readonly clientAddress?: string | null;
}

/** The target user, in the actor's municipality only (others answer as missing). */
async function target(db: Database, input: Input): Promise<UserRow> {
  const user = await createUserRepository(db).findById(input.userId);
  if (!user || user.municipalityId !== input.actor.municipalityId) {
    throw new MimamoriError(
      "not_found",
      "指定された利用者はいません。一覧を再読み込みしてください。",
    );
  }
  return user;
}

async function enabledAdmins(db: Database, municipalityId: number): Promise<UserRow[]> {
  const users = await createUserRepository(db).list(municipalityId);
  return users.filter((u) => !u.disabled && u.roles.includes("admin"));
}

async function audit(
  db: Database,
  input: Input,
  action: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await createAuditRepository(db).append({
    municipalityId: input.actor.municipalityId,
    actorUserId: input.actor.id,
    actor: input.actor.loginName,
    action,
    target: `user:${input.userId}`,
    clientAddress: input.clientAddress ?? null,
    detail,
  });
}

/** Disables an account and ends its sessions. */
export async function disableUser(db: Database, input: Input): Promise<UserRow> {
  const user = await target(db, input);
  if (user.id === input.actor.id) {
    throw new MimamoriError(
      "invalid_input",
      "自分自身のアカウントは無効にできません。別の管理者に依頼してください。",
    );
  }
  if (user.roles.includes("admin") && !user.disabled) {
    const admins = await enabledAdmins(db, input.actor.municipalityId);
    if (admins.length <= 1) {
      throw new MimamoriError(
        "invalid_input",
        "有効な管理者が 1 人もいなくなるため、無効にできません。先に別の管理者を追加してください。",
      );
    }
  }
  await createUserRepository(db).setDisabled(user.id, true);
  await audit(db, input, "user.disable");
  await endSessions(
    { db },
    { actor: input.actor, user, reason: "disabled", clientAddress: input.clientAddress ?? null },
  );
  return (await target(db, input)) as UserRow;
}

/** Re-enables an account (its password is unchanged; no session is restored). */
export async function enableUser(db: Database, input: Input): Promise<UserRow> {
  const user = await target(db, input);
  await createUserRepository(db).setDisabled(user.id, false);
  await audit(db, input, "user.enable");
  return target(db, input);
}

/**
 * Replaces the password with a one-time temporary password (shown once to
 * the administrator; the user must change it at the next login) and ends
 * the user's sessions.
 */
export async function resetPassword(
  db: Database,
  input: Input,
): Promise<{ user: UserRow; temporaryPassword: string }> {
  const user = await target(db, input);
  const temporaryPassword = generateTemporaryPassword();
  await createUserRepository(db).setPassword(user.id, await hashPassword(temporaryPassword), true);
  await audit(db, input, "user.password_reset");
  await endSessions(
    { db },
    { actor: input.actor, user, reason: "admin", clientAddress: input.clientAddress ?? null },
  );
  return { user: await target(db, input), temporaryPassword };
}

/** Changes roles, 要対協 membership and 所属; the user's sessions end (privileges changed). */
export async function changeRoles(
  db: Database,
  input: Input & {
    readonly roles: readonly Role[];
    readonly council: boolean;
    readonly affiliation: string | null;
  },
): Promise<UserRow> {
  const user = await target(db, input);
  if (input.roles.length === 0) {
    throw new MimamoriError("invalid_input", "役割を 1 つ以上選んでください。");
  }
  const losesAdmin = user.roles.includes("admin") && !input.roles.includes("admin");
  if (losesAdmin && user.id === input.actor.id) {
    throw new MimamoriError(
      "invalid_input",
      "自分自身の管理者の役割は外せません。別の管理者に依頼してください。",
    );
  }
  if (losesAdmin && !user.disabled) {
    const admins = await enabledAdmins(db, input.actor.municipalityId);
    if (admins.length <= 1) {
      throw new MimamoriError(
        "invalid_input",
        "有効な管理者が 1 人もいなくなるため、管理者の役割は外せません。",
      );
    }
  }
  await createUserRepository(db).setRoles(user.id, {
    roles: input.roles,
    council: input.council,
    affiliation: input.affiliation,
  });
  await audit(db, input, "user.roles", {
    before: { roles: user.roles, council: user.council, affiliation: user.affiliation },
    after: { roles: input.roles, council: input.council, affiliation: input.affiliation },
  });
  await endSessions(
    { db },
    {
      actor: input.actor,
      user,
      reason: "roles_changed",
      clientAddress: input.clientAddress ?? null,
    },
  );
  return target(db, input);
}

/**
 * Sets the sources a データ提供 account may import (issue 12: its own
 * department's data only); null: every source. Unknown ids are refused; the
 * user's sessions end (a privilege changed) and the change is audited.
 */
export async function setImportSources(
  db: Database,
  input: Input & { readonly sources: readonly string[] | null },
): Promise<UserRow> {
  const user = await target(db, input);
  let sources: string[] | null = null;
  if (input.sources !== null) {
    const known = await loadSources(db, input.actor.municipalityId);
    const unknown = input.sources.filter((id) => !findLayout(id, known));
    if (unknown.length > 0) {
      throw new MimamoriError(
        "invalid_input",
        `取り込めるデータに、登録されていないデータの種類が含まれています（${unknown.join("、")}）。一覧から選んでください。`,
      );
    }
    sources = [...new Set(input.sources)].sort();
  }
  await createUserRepository(db).setImportSources(user.id, sources);
  await audit(db, input, "user.import_sources", {
    before: user.importSources ?? null,
    after: sources,
  });
  await endSessions(
    { db },
    {
      actor: input.actor,
      user,
      reason: "roles_changed",
      clientAddress: input.clientAddress ?? null,
    },
  );
  return target(db, input);
}

/** Ends every session of a user now (e.g. a lost or shared computer). */
export async function endUserSessions(db: Database, input: Input): Promise<number> {
  const user = await target(db, input);
  return endSessions(
    { db },
    { actor: input.actor, user, reason: "admin", clientAddress: input.clientAddress ?? null },
  );
}

/**
 * Resets a user's second factor (lost or replaced phone; issue 12): the
 * secret and recovery codes are removed, the user must enrol a new one at
 * the next login (any role), and their sessions end. A reason is required
 * and audited. Administrators change their own factor in their settings
 * (with re-authentication), not here.
 */
export async function resetUserSecondFactor(
  db: Database,
  input: Input & { readonly reason: string },
): Promise<{ user: UserRow; sessionsEnded: number }> {
  const user = await target(db, input);
  if (user.id === input.actor.id) {
    throw new MimamoriError(
      "invalid_input",
      "自分の二要素認証はここではリセットできません。「二要素認証の設定」で変更するか、別の管理者に依頼してください。",
    );
  }
  const sessionsEnded = await resetSecondFactor(
    { db },
    {
      actor: input.actor,
      user,
      reason: input.reason,
      clientAddress: input.clientAddress ?? null,
    },
  );
  return { user, sessionsEnded };
}
