/**
 * Account rules (issue 12), as data the services and docs/security.md share.
 * Sources: NISC「政府機関等の対策基準策定のためのガイドライン」(令和5年度版)
 * 7.1.1 主体認証機能 — multi-factor authentication for administrators, limits on
 * repeated authentication failures — and NIST SP 800-63B for the password
 * rules (length over composition, no periodic expiry). See docs/security.md.
 */

/** Idle timeout: each request extends the session up to this. */
export const SESSION_IDLE_MS = 60 * 60 * 1000;
/** Absolute lifetime of a session, however active (a working day). */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
/** Exports and break-the-glass need a password entered within this long. */
export const REAUTH_MAX_AGE_MS = 10 * 60 * 1000;
/** Between a correct password and the second factor. */
export const LOGIN_CHALLENGE_MS = 5 * 60 * 1000;
/** Wrong codes allowed on one login challenge before it is discarded. */
export const LOGIN_CHALLENGE_MAX_ATTEMPTS = 5;
/** Consecutive wrong passwords that lock an account, and for how long. */
export const LOCKOUT_FAILURES = 10;
export const LOCKOUT_MS = 15 * 60 * 1000;

/**
 * Roles that must use a second factor: system administrators and the
 * coordinating office (総括管理), who can reach every account or every case.
 */
export const SECOND_FACTOR_ROLES: readonly string[] = ["admin", "coordinator"];

export function requiresSecondFactor(roles: readonly string[]): boolean {
  return roles.some((r) => SECOND_FACTOR_ROLES.includes(r));
}
