/**
 * Account security services (issue 12): the second step of login (TOTP or a
 * recovery code), TOTP enrolment, re-authentication before exports and
 * break-the-glass, and ending sessions. Routes stay thin and call these.
 */
import { randomBytes } from "node:crypto";
import { createAccountRepository } from "../../db/account.repository.ts";
import { createAuditRepository } from "../../db/audit.repository.ts";
import { createSessionRepository } from "../../db/session.repository.ts";
import { createUserRepository, type UserRow } from "../../db/user.repository.ts";
import {
  LOGIN_CHALLENGE_MAX_ATTEMPTS,
  REAUTH_MAX_AGE_MS,
  requiresSecondFactor,
} from "../../domain/account-policy.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { verifyPassword } from "../auth/password.ts";
import {
  hashRecoveryCode,
  looksLikeRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  totpUri,
  verifyTotp,
} from "../auth/totp.ts";
import { type AuthDeps, hashToken, type LoginResult, openSession } from "./auth.service.ts";

const CHALLENGE_GONE =
  "ログインの手続きの有効期限が切れました。もう一度ログイン名とパスワードを入力してください。";
const BAD_CODE =
  "確認コードが正しくありません。認証アプリに表示されている 6 桁の数字を入力してください。";

async function challengeUser(
  deps: AuthDeps,
  challengeToken: string,
  csrfToken: string | undefined,
  kind: "totp" | "enrol",
): Promise<UserRow> {
  const accounts = createAccountRepository(deps.db);
  const challenge = await accounts.findChallenge(hashToken(challengeToken), deps.now());
  if (!challenge || challenge.kind !== kind)
    throw new MimamoriError("unauthenticated", CHALLENGE_GONE);
  if (csrfToken !== challenge.csrfToken) {
    throw new MimamoriError(
      "forbidden",
      "画面の有効期限が切れました。ページを再読み込みしてから、もう一度操作してください。",
    );
  }
  const user = await createUserRepository(deps.db).findById(challenge.userId);
  if (!user || user.disabled) {
    await accounts.deleteChallenge(hashToken(challengeToken));
    throw new MimamoriError("unauthenticated", CHALLENGE_GONE);
  }
  return user;
}

/** Counts a wrong code; the challenge is discarded after too many. */
async function wrongCode(
  deps: AuthDeps,
  challengeToken: string,
  user: UserRow,
  clientAddress: string,
): Promise<never> {
  const accounts = createAccountRepository(deps.db);
  const attempts = await accounts.countChallengeAttempt(hashToken(challengeToken));
  await createAuditRepository(deps.db).append({
    municipalityId: user.municipalityId,
    actorUserId: user.id,
    actor: user.loginName,
    action: "auth.second_factor_failed",
    clientAddress,
    detail: { attempts },
  });
  if (attempts >= LOGIN_CHALLENGE_MAX_ATTEMPTS) {
    await accounts.deleteChallenge(hashToken(challengeToken));
    throw new MimamoriError("unauthenticated", CHALLENGE_GONE);
  }
  throw new MimamoriError("invalid_input", BAD_CODE);
}

/**
 * Checks a TOTP code (never the same step twice) or an unused recovery code
 * for `user`; returns which one matched, or null.
 */
async function checkSecondFactor(
  deps: AuthDeps,
  user: UserRow,
  code: string,
): Promise<"totp" | "recovery_code" | null> {
  const accounts = createAccountRepository(deps.db);
  const state = await accounts.totpState(user.id);
  if (!state.secret) return null;
  const step = verifyTotp(state.secret, code, deps.now());
  if (step !== null) return (await accounts.claimTotpStep(user.id, step)) ? "totp" : null;
  if (looksLikeRecoveryCode(code)) {
    const used = await accounts.spendRecoveryCode(user.id, hashRecoveryCode(code), deps.now());
    return used ? "recovery_code" : null;
  }
  return null;
}

/** The second step of login: a TOTP code or a recovery code opens the session. */
export async function completeLoginChallenge(
  deps: AuthDeps,
  input: {
    challengeToken: string;
    csrfToken: string | undefined;
    code: string;
    clientAddress: string;
  },
): Promise<LoginResult & { recoveryCodesLeft: number }> {
  const user = await challengeUser(deps, input.challengeToken, input.csrfToken, "totp");
  const method = await checkSecondFactor(deps, user, input.code);
  if (!method) return wrongCode(deps, input.challengeToken, user, input.clientAddress);
  const accounts = createAccountRepository(deps.db);
  await accounts.deleteChallenge(hashToken(input.challengeToken));
  const session = await openSession(deps, user, input.clientAddress, method);
  return { ...session, recoveryCodesLeft: await accounts.unusedRecoveryCodes(user.id) };
}

export interface Enrolment {
  /** Base32 secret, shown once for typing into an authenticator app. */
  secret: string;
  /** otpauth:// URI (what a QR code would carry). */
  uri: string;
}

/**
 * Starts TOTP enrolment: a new secret, kept pending until a code from it is
 * confirmed. For a logged-in user (`user`) or during login (`challengeToken`,
 * when the role requires a second factor the account does not have yet).
 */
export async function startEnrolment(
  deps: AuthDeps,
  who: { user: UserRow } | { challengeToken: string; csrfToken: string | undefined },
): Promise<Enrolment> {
  const user =
    "user" in who
      ? who.user
      : await challengeUser(deps, who.challengeToken, who.csrfToken, "enrol");
  const secret = newTotpSecret();
  await createAccountRepository(deps.db).setPendingTotp(user.id, secret);
  return { secret, uri: totpUri(secret, user.loginName) };
}

/**
 * Confirms enrolment with a code from the new secret: the secret becomes the
 * account's second factor, ten recovery codes are issued (shown once; only
 * their hashes are kept), the user's other sessions end. During login it also
 * opens the session.
 */
export async function confirmEnrolment(
  deps: AuthDeps,
  who: { user: UserRow; token: string } | { challengeToken: string; csrfToken: string | undefined },
  input: { code: string; clientAddress: string },
): Promise<{ recoveryCodes: string[]; session: LoginResult | null }> {
  const user =
    "user" in who
      ? who.user
      : await challengeUser(deps, who.challengeToken, who.csrfToken, "enrol");
  const accounts = createAccountRepository(deps.db);
  const state = await accounts.totpState(user.id);
  if (!state.pendingSecret) {
    throw new MimamoriError("invalid_input", "先に二要素認証の登録を開始してください。");
  }
  const step = verifyTotp(state.pendingSecret, input.code, deps.now());
  if (step === null) {
    if ("challengeToken" in who)
      return wrongCode(deps, who.challengeToken, user, input.clientAddress);
    throw new MimamoriError("invalid_input", BAD_CODE);
  }
  const recoveryCodes = newRecoveryCodes();
  await accounts.enableTotp(user.id, {
    secret: state.pendingSecret,
    step,
    recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode),
    at: deps.now(),
  });
  await createSessionRepository(deps.db).deleteForUser(
    user.id,
    "token" in who ? hashToken(who.token) : undefined,
  );
  await createAuditRepository(deps.db).append({
    municipalityId: user.municipalityId,
    actorUserId: user.id,
    actor: user.loginName,
    action: "auth.second_factor_enrolled",
    clientAddress: input.clientAddress,
  });
  if ("challengeToken" in who) {
    await accounts.deleteChallenge(hashToken(who.challengeToken));
    return {
      recoveryCodes,
      session: await openSession(deps, user, input.clientAddress, "enrolment"),
    };
  }
  return { recoveryCodes, session: null };
}

/**
 * Checks the user's own password and, when the account has a second factor,
 * a current code (TOTP or an unused recovery code): throttled per user and
 * each failure audited (`auth.reauth_failed`). Re-authentication and every
 * change of one's own second factor start here.
 */
async function checkOwnCredentials(
  deps: AuthDeps,
  input: { user: UserRow; password: string; code?: string | undefined; clientAddress: string },
): Promise<void> {
  const { user } = input;
  const key = `reauth|${user.id}`;
  const wait = await deps.limiter.retryAfter(key);
  if (wait > 0) {
    throw new MimamoriError(
      "rate_limited",
      `失敗が続いたため、約 ${Math.ceil(wait / 60000)} 分後に再度お試しください。`,
    );
  }
  const passwordOk = await verifyPassword(user.passwordHash, input.password);
  const needsCode = (await createAccountRepository(deps.db).totpState(user.id)).secret !== null;
  const codeOk =
    !needsCode || (input.code ? (await checkSecondFactor(deps, user, input.code)) !== null : false);
  if (!passwordOk || !codeOk) {
    await deps.limiter.fail(key);
    await createAuditRepository(deps.db).append({
      municipalityId: user.municipalityId,
      actorUserId: user.id,
      actor: user.loginName,
      action: "auth.reauth_failed",
      clientAddress: input.clientAddress,
    });
    throw new MimamoriError(
      "invalid_input",
      needsCode
        ? "パスワードまたは確認コードが正しくありません。認証アプリの今のコード（または未使用の回復コード）を入力してください。"
        : "パスワードが正しくありません。",
    );
  }
  await deps.limiter.succeed(key);
}

/**
 * Re-authentication: the password (and a second-factor code when the account
 * has one) again; the session gets a new token (rotation) and a fresh
 * authentication time, which exports and break-the-glass require.
 */
export async function reauthenticate(
  deps: AuthDeps,
  input: { user: UserRow; token: string; password: string; code?: string; clientAddress: string },
): Promise<{ token: string; csrfToken: string }> {
  const { user } = input;
  await checkOwnCredentials(deps, input);
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(32).toString("base64url");
  const rotated = await createSessionRepository(deps.db).rotate(hashToken(input.token), {
    tokenHash: hashToken(token),
    csrfToken,
    authenticatedAt: deps.now(),
  });
  if (!rotated) throw new MimamoriError("unauthenticated", "ログインしてください。");
  await createAuditRepository(deps.db).append({
    municipalityId: user.municipalityId,
    actorUserId: user.id,
    actor: user.loginName,
    action: "auth.reauth",
    clientAddress: input.clientAddress,
  });
  return { token, csrfToken };
}

/** What a change of one's own second factor asks first (re-authentication). */
export interface OwnCredentials {
  user: UserRow;
  password: string;
  code?: string | undefined;
  clientAddress: string;
}

/**
 * Starts enrolling a (new) second factor while logged in: the password and,
 * when one is enrolled, a current code first — a stolen session alone must
 * not replace the factor. The old factor stays until the new one is confirmed.
 */
export async function startOwnEnrolment(deps: AuthDeps, who: OwnCredentials): Promise<Enrolment> {
  await checkOwnCredentials(deps, who);
  return startEnrolment(deps, { user: who.user });
}

/** Ten new recovery codes (shown once) after re-authentication; the old ones stop working. */
export async function regenerateRecoveryCodes(
  deps: AuthDeps,
  who: OwnCredentials,
): Promise<string[]> {
  const accounts = createAccountRepository(deps.db);
  if ((await accounts.totpState(who.user.id)).secret === null) {
    throw new MimamoriError(
      "invalid_input",
      "二要素認証が登録されていません。先に認証アプリを登録してください。",
    );
  }
  await checkOwnCredentials(deps, who);
  const codes = newRecoveryCodes();
  await accounts.replaceRecoveryCodes(who.user.id, codes.map(hashRecoveryCode));
  await createAuditRepository(deps.db).append({
    municipalityId: who.user.municipalityId,
    actorUserId: who.user.id,
    actor: who.user.loginName,
    action: "auth.recovery_codes_regenerated",
    target: `user:${who.user.id}`,
    clientAddress: who.clientAddress,
  });
  return codes;
}

/**
 * Turns one's own second factor off after re-authentication — only where the
 * roles do not require one (admin and 総括管理 always need it) and no reset
 * is waiting for a new enrolment. The user's other sessions end.
 */
export async function turnOffOwnSecondFactor(
  deps: AuthDeps,
  who: OwnCredentials & { token: string },
): Promise<void> {
  const accounts = createAccountRepository(deps.db);
  const state = await accounts.totpState(who.user.id);
  if (state.secret === null) {
    throw new MimamoriError("invalid_input", "二要素認証は登録されていません。");
  }
  if (requiresSecondFactor(who.user.roles) || state.mustEnrol) {
    throw new MimamoriError(
      "forbidden",
      "この役割では二要素認証を止められません（システム管理者と総括管理は必須です）。認証アプリを替えるときは「新しい認証アプリを登録」を使ってください。",
    );
  }
  await checkOwnCredentials(deps, who);
  await accounts.disableTotp(who.user.id);
  await createSessionRepository(deps.db).deleteForUser(who.user.id, hashToken(who.token));
  await createAuditRepository(deps.db).append({
    municipalityId: who.user.municipalityId,
    actorUserId: who.user.id,
    actor: who.user.loginName,
    action: "auth.second_factor_disabled",
    target: `user:${who.user.id}`,
    clientAddress: who.clientAddress,
  });
}

/**
 * Exports and break-the-glass call this first: the session's password entry
 * must be recent. The error code tells the web app to ask for the password.
 */
export function requireRecentAuth(authenticatedAt: Date | undefined, now: Date): void {
  if (!authenticatedAt || now.getTime() - authenticatedAt.getTime() > REAUTH_MAX_AGE_MS) {
    throw new MimamoriError(
      "forbidden",
      "この操作の前に、本人確認のためパスワードを再入力してください。",
      ["reauth_required"],
    );
  }
}

/**
 * Ends every session of a user: when the account is disabled, its roles
 * change (privilege change: the next request must log in again), or an
 * administrator ends them. Audited with the reason.
 */
export async function endSessions(
  deps: Pick<AuthDeps, "db">,
  input: {
    actor: { id: number | null; loginName: string; municipalityId: number };
    user: Pick<UserRow, "id" | "loginName">;
    reason: "disabled" | "roles_changed" | "admin" | "second_factor_reset";
    clientAddress?: string | null;
  },
): Promise<number> {
  const ended = await createSessionRepository(deps.db).deleteForUser(input.user.id);
  await createAccountRepository(deps.db).deleteChallengesForUser(input.user.id);
  await createAuditRepository(deps.db).append({
    municipalityId: input.actor.municipalityId,
    actorUserId: input.actor.id,
    actor: input.actor.loginName,
    action: "auth.sessions_ended",
    target: `user:${input.user.id}`,
    clientAddress: input.clientAddress ?? null,
    detail: { reason: input.reason, sessions: ended },
  });
  return ended;
}

/**
 * An administrator removes a user's second factor (lost phone): the secret
 * and recovery codes go, the account must enrol a new one at the next login
 * (`totp_must_enrol`, whatever the role — so admin and 総括管理 cannot skip
 * it), and every session of theirs ends. Audited with the reason.
 */
export async function resetSecondFactor(
  deps: Pick<AuthDeps, "db">,
  input: {
    actor: { id: number | null; loginName: string; municipalityId: number };
    user: Pick<UserRow, "id" | "loginName">;
    reason?: string;
    clientAddress?: string | null;
  },
): Promise<number> {
  await createAccountRepository(deps.db).disableTotp(input.user.id, { mustEnrol: true });
  await createAuditRepository(deps.db).append({
    municipalityId: input.actor.municipalityId,
    actorUserId: input.actor.id,
    actor: input.actor.loginName,
    action: "auth.second_factor_reset",
    target: `user:${input.user.id}`,
    clientAddress: input.clientAddress ?? null,
    ...(input.reason === undefined ? {} : { detail: { reason: input.reason } }),
  });
  return endSessions(deps, { ...input, reason: "second_factor_reset" });
}
