import type { Database } from "../db/database.ts";
import type { MaskingRuleSet } from "../db/masking.repository.ts";
import type { UserRow } from "../db/user.repository.ts";
import type { Actor, DataScope, RoleMasking } from "../domain/policy/index.ts";
import type { RateLimiter } from "./auth/rate-limit.ts";
import type { Logger } from "./logger.ts";

/** What every request handler can reach (Hono context variables). */
export interface AppDeps {
  db: Database;
  /** Connection string of `db` (imports open their own connection for COPY). */
  databaseUrl: string;
  logger: Logger;
  limiter: RateLimiter;
  now: () => Date;
  /** Set Secure on cookies (behind HTTPS). */
  secureCookies: boolean;
  /**
   * Refuse a session to administrators and coordinators until they have a
   * second factor (issue 12). The server always sets it; test harnesses that
   * build deps by hand may leave it off to log in with a password only.
   */
  enforceSecondFactor?: boolean;
  /** Upload limit in bytes (default MAX_UPLOAD_BYTES, 2 GB; tests lower it to prove the refusal). */
  maxUploadBytes?: number;
  /**
   * How long one upload may take to arrive, in ms (default UPLOAD_TIMEOUT_MS,
   * 15 minutes; `serve --upload-timeout-minutes`, docs/operations.md). A slower
   * body is cut off with a Japanese 408 so a trickling client cannot hold a
   * connection and a temporary file forever.
   */
  uploadTimeoutMs?: number;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    session:
      | {
          token: string;
          csrfToken: string;
          user: UserRow;
          /** When the password was last entered in this session (re-authentication, issue 12). */
          authenticatedAt?: Date;
        }
      | undefined;
    /** The signed-in user as the policy module sees them (set with the session). */
    actor: Actor | undefined;
    /** The data scope of this request's repository queries (domain/policy scopeOf). */
    scope: DataScope | undefined;
    /** The masking rules of this request, once read (server/openapi/identity.ts). */
    masking: { set: MaskingRuleSet; forms: RoleMasking } | undefined;
  };
}
