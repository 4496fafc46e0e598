import { createHash, randomBytes } from "node:crypto";
import { createAccountRepository } from "../../db/account.repository.ts";
import { createAuditRepository } from "../../db/audit.repository.ts";
import { feedCacheOf } from "../../db/change-bus.ts";
import type { Database } from "../../db/database.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { createSessionRepository } from "../../db/session.repository.ts";
import { createUserRepository, type UserRow } from "../../db/user.repository.ts";
import {
  LOCKOUT_FAILURES,
  LOCKOUT_MS,
  LOGIN_CHALLENGE_MS,
  requiresSecondFactor,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
} from "../../domain/account-policy.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { checkPassword } from "../../domain/password-policy.ts";
import { isRole, permissionsOf } from "../../domain/roles.ts";
import type { CurrentUser } from "../api-types.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "../auth/password.ts";
import type { RateLimiter } from "../auth/rate-limit.ts";

export { SESSION_IDLE_MS };

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface AuthDeps {
  db: Database;
  limiter: RateLimiter;
  now: () => Date;
  /** Administrators and coordinators must enrol a second factor before a session opens. */
  enforceSecondFactor?: boolean;
}

export interface LoginResult {
  token: string;
  csrfToken: string;
  user: CurrentUser;
}

const INVALID_LOGIN = "ログイン名またはパスワードが正しくありません。";

export async function toCurrentUser(db: Database, u: UserRow): Promise<CurrentUser> {
  // The municipality's name, asked for by every page load (/api/auth/me): kept
  // until a municipality changes here or elsewhere (topic `municipality`, 0071).
  const m = await feedCacheOf<{ name: string }>(db, "municipality-name", {
    topics: ["municipality"],
    capacity: 1_000,
  }).get(String(u.municipalityId), () =>
    createMunicipalityRepository(db).findById(u.municipalityId),
  );
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
    // The login before this session's (the current login is not news to the user).
    lastLoginAt: u.previousLoginAt ? u.previousLoginAt.toISOString() : null,
  };
}

/** The outcome of a correct password: a session, or a second step first. */
export type LoginOutcome =
  | ({ kind: "session" } & LoginResult)
  | {
      kind: "challenge";
      /** What must be done before a session opens: enter a TOTP code, or enrol one (required roles). */
      secondFactor: "totp" | "enrol";
      challengeToken: string;
      csrfToken: string;
    };

/**
 * Checks credentials — throttled per login name and address and locked per
 * account, both in PostgreSQL — and writes the audit trail. A user with a
 * second factor, or whose role requires one, gets a short-lived challenge
 * instead of a session (completed by account.service#completeLoginChallenge).
 * A session presented with the login request is ended (no session fixation).
 */
export async function beginLogin(
  deps: AuthDeps,
  input: { loginName: string; password: string; clientAddress: string; previousToken?: string },
): Promise<LoginOutcome> {
  const users = createUserRepository(deps.db);
  const accounts = createAccountRepository(deps.db);
  const audit = createAuditRepository(deps.db);
  if (input.previousToken) {
    await createSessionRepository(deps.db).delete(hashToken(input.previousToken));
  }
  const key = `${input.loginName.toLowerCase()}|${input.clientAddress}`;
  const wait = await deps.limiter.retryAfter(key);
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
  const now = deps.now();
  const lockedUntil = user ? await accounts.lockedUntil(user.id) : null;
  const locked = lockedUntil !== null && lockedUntil > now;
  if (!user || !ok || user.disabled || locked) {
    await deps.limiter.fail(key);
    let lockedNow = false;
    if (user && !ok && !locked) {
      const count = await accounts.registerBadPassword(
        user.id,
        LOCKOUT_FAILURES,
        new Date(now.getTime() + LOCKOUT_MS),
      );
      lockedNow = count >= LOCKOUT_FAILURES;
    }
    await audit.append({
      municipalityId: user?.municipalityId ?? null,
      actorUserId: user?.id ?? null,
      actor: user?.loginName ?? "(不明)",
      action: "auth.login_failed",
      clientAddress: input.clientAddress,
      detail: {
        reason: !user
          ? "unknown_user"
          : user.disabled
            ? "disabled"
            : locked
              ? "locked"
              : "bad_password",
        ...(lockedNow ? { locked: true } : {}),
      },
    });
    // The same answer whatever the reason: it must not reveal which names exist or are locked.
    throw new MimamoriError("unauthenticated", INVALID_LOGIN);
  }
  await deps.limiter.succeed(key);
  await accounts.resetBadPasswords(user.id);
  const totp = await accounts.totpState(user.id);
  // An administrator's reset (totp_must_enrol) makes any account enrol again.
  const mustEnrol =
    totp.mustEnrol || ((deps.enforceSecondFactor ?? false) && requiresSecondFactor(user.roles));
  if (totp.secret || mustEnrol) {
    const challengeToken = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(32).toString("base64url");
    const secondFactor = totp.secret ? "totp" : "enrol";
    await accounts.createChallenge({
      tokenHash: hashToken(challengeToken),
      userId: user.id,
      csrfToken,
      kind: secondFactor,
      clientAddress: input.clientAddress,
      expiresAt: new Date(now.getTime() + LOGIN_CHALLENGE_MS),
    });
    await audit.append({
      municipalityId: user.municipalityId,
      actorUserId: user.id,
      actor: user.loginName,
      action: "auth.password_ok",
      clientAddress: input.clientAddress,
      detail: { next: secondFactor },
    });
    return { kind: "challenge", secondFactor, challengeToken, csrfToken };
  }
  return { kind: "session", ...(await openSession(deps, user, input.clientAddress, "password")) };
}

/** Opens a session for an authenticated user: new token, idle and absolute expiry, audit row. */
export async function openSession(
  deps: AuthDeps,
  user: UserRow,
  clientAddress: string,
  method: "password" | "totp" | "recovery_code" | "enrolment",
): Promise<LoginResult> {
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(32).toString("base64url");
  const now = deps.now();
  await createSessionRepository(deps.db).insert({
    tokenHash: hashToken(token),
    userId: user.id,
    csrfToken,
    expiresAt: new Date(now.getTime() + SESSION_IDLE_MS),
    absoluteExpiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
    authenticatedAt: now,
    clientAddress,
  });
  const touched = (await createUserRepository(deps.db).touchLogin(user.id, now)) ?? user;
  await createAuditRepository(deps.db).append({
    municipalityId: user.municipalityId,
    actorUserId: user.id,
    actor: user.loginName,
    action: "auth.login",
    clientAddress,
    detail: { method },
  });
  return { token, csrfToken, user: await toCurrentUser(deps.db, touched) };
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
