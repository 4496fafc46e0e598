import { createAccountRepository } from "../../db/account.repository.ts";
import type { Database } from "../../db/database.ts";

/**
 * Login throttling: after `maxFailures` failed logins for the same key (login
 * name + client address) within `windowMs`, further attempts are refused until
 * the window has passed. The server uses the PostgreSQL store
 * (`createPgRateLimiter`), so neither a restart nor a second process resets
 * it; the in-memory one is for tests that need no database.
 */
export interface RateLimiter {
  /** Milliseconds until the key may try again, or 0 when allowed now. */
  retryAfter(key: string): Promise<number>;
  fail(key: string): Promise<void>;
  succeed(key: string): Promise<void>;
}

export interface RateLimitOptions {
  maxFailures: number;
  windowMs: number;
  now: () => number;
}

/** Failures kept in PostgreSQL (table login_failure, 0046-accounts). */
export function createPgRateLimiter(db: Database, options: RateLimitOptions): RateLimiter {
  const accounts = createAccountRepository(db);
  return {
    async retryAfter(key) {
      const now = options.now();
      const r = await accounts.recentFailures(key, new Date(now - options.windowMs));
      if (r.count < options.maxFailures || !r.oldest) return 0;
      return Math.max(1, r.oldest.getTime() + options.windowMs - now);
    },
    async fail(key) {
      const now = options.now();
      await accounts.recordFailure(key, new Date(now), new Date(now - options.windowMs));
    },
    async succeed(key) {
      await accounts.clearFailures(key);
    },
  };
}

/** In memory: one process, lost on restart. Tests only. */
export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const cutoff = options.now() - options.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };
  return {
    async retryAfter(key) {
      const list = recent(key);
      if (list.length < options.maxFailures) return 0;
      return Math.max(
        0,
        (list[list.length - options.maxFailures] as number) + options.windowMs - options.now(),
      );
    },
    async fail(key) {
      const list = recent(key);
      list.push(options.now());
      failures.set(key, list);
      if (failures.size > 100_000) failures.delete(failures.keys().next().value as string);
    },
    async succeed(key) {
      failures.delete(key);
    },
  };
}
