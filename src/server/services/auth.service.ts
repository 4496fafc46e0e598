import { createHash, randomBytes } from "node:crypto";
import { createAuditRepository } from "../../db/audit.repository.ts";
import type { Database } from "../../db/database.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { createSessionRepository } from "../../db/session.repository.ts";
import { createUserRepository, type UserRow } from "../../db/user.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { checkPassword } from "../../domain/password-policy.ts";
import { isRole, permissionsOf } from "../../domain/roles.ts";
import type { CurrentUser } from "../api-types.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "../auth/password.ts";
import type { RateLimiter } from "../auth/rate-limit.ts";

/** Idle timeout of a session; each request extends it. */
export const SESSION_IDLE_MS = 60 * 60 * 1000;

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface AuthDeps {
  db: Database;
  limiter: RateLimiter;
  now: () => Date;
}

export interface LoginResult {
  token: string;
  csrfToken: string;
  user: CurrentUser;
}

const INVALID_LOGIN = "ログイン名またはパスワードが正しくありません。";

export async function toCurrentUser(db: Database, u: UserRow): Promise<CurrentUser> {
  const m = await createMunicipalityRepository(db).findById(u.municipalityId);
  const roles = u.roles.filter(isRole);
  return {
    id: u.id,
    loginName: u.loginName,
    displayName: u.displayName,
    roles,
    permissions: permissionsOf(roles),
    council: u.council,
    affiliation: u.affiliation,
    mustChangePassword: u.mustChangePassword,
    municipality: { id: u.municipalityId, name: m?.name ?? "" },
    lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
  };
}

/** Checks credentials (throttled), opens a session, writes the audit trail. */
export async function login(
  deps: AuthDeps,
  input: { loginName: string; password: string; clientAddress: string },
): Promise<LoginResult> {
  const users = createUserRepository(deps.db);
  const audit = createAuditRepository(deps.db);
  const key = `${input.loginName.toLowerCase()}|${input.clientAddress}`;
  const wait = deps.limiter.retryAfter(key);
  if (wait > 0) {
    throw new MimamoriError(
      "rate_limited",
      `ログインの失敗が続いたため、一時的にログインを停止しています。約 ${Math.ceil(wait / 60000)} 分後に再度お試しください。`,
    );
  }
  const user = await users.findByLogin(input.loginName);
  const ok = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyPassword(await dummyPasswordHash(), input.password).then(() => false);
  if (!user || !ok || user.disabled) {
    deps.limiter.fail(key);
    await audit.append({
      municipalityId: user?.municipalityId ?? null,
      actorUserId: user?.id ?? null,
      actor: user?.loginName ?? "(不明)",
      action: "auth.login_failed",
      clientAddress: input.clientAddress,
      detail: { reason: !user ? "unknown_user" : user.disabled ? "disabled" : "bad_password" },
    });
    throw new MimamoriError("unauthenticated", INVALID_LOGIN);
  }
  deps.limiter.succeed(key);
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(32).toString("base64url");
  const now = deps.now();
  await createSessionRepository(deps.db).insert({
    tokenHash: hashToken(token),
    userId: user.id,
    csrfToken,
    expiresAt: new Date(now.getTime() + SESSION_IDLE_MS),
  });
  await users.touchLogin(user.id);
  await audit.append({
    municipalityId: user.municipalityId,
    actorUserId: user.id,
    actor: user.loginName,
    action: "auth.login",
    clientAddress: input.clientAddress,
  });
  return { token, csrfToken, user: await toCurrentUser(deps.db, user) };
}

export async function logout(deps: AuthDeps, token: string, user: UserRow): Promise<void> {
  await createSessionRepository(deps.db).delete(hashToken(token));
  await createAuditRepository(deps.db).append({
    municipalityId: user.municipalityId,
    actorUserId: user.id,
    actor: user.loginName,
    action: "auth.logout",
  });
}

/** Changes the user's own password; ends their other sessions. */
export async function changePassword(
  deps: AuthDeps,
  input: { user: UserRow; token: string; currentPassword: string; newPassword: string },
): Promise<void> {
  const { user } = input;
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new MimamoriError("invalid_input", "現在のパスワードが正しくありません。");
  }
  const problems = checkPassword(input.newPassword, {
    loginName: user.loginName,
    currentPassword: input.currentPassword,
  });
  if (problems.length)
    throw new MimamoriError(
      "invalid_input",
      "新しいパスワードが条件を満たしていません。",
      problems,
    );
  await createUserRepository(deps.db).setPassword(
    user.id,
    await hashPassword(input.newPassword),
    false,
  );
  await createSessionRepository(deps.db).deleteForUser(user.id, hashToken(input.token));
  await createAuditRepository(deps.db).append({
    municipalityId: user.municipalityId,
    actorUserId: user.id,
    actor: user.loginName,
    action: "auth.password_changed",
  });
}
