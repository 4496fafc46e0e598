/**
 * Login throttling: after `maxFailures` failed logins for the same key (login
 * name + client address) within `windowMs`, further attempts are refused until
 * the window has passed. In memory: it protects one server process, which is
 * what mimamori runs; a restart clears it (documented in docs/security.md).
 */
export interface RateLimiter {
  /** Milliseconds until the key may try again, or 0 when allowed now. */
  retryAfter(key: string): number;
  fail(key: string): void;
  succeed(key: string): void;
}

export function createRateLimiter(options: {
  maxFailures: number;
  windowMs: number;
  now: () => number;
}): RateLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const cutoff = options.now() - options.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };
  return {
    retryAfter(key) {
      const list = recent(key);
      if (list.length < options.maxFailures) return 0;
      return Math.max(
        0,
        (list[list.length - options.maxFailures] as number) + options.windowMs - options.now(),
      );
    },
    fail(key) {
      const list = recent(key);
      list.push(options.now());
      failures.set(key, list);
      // Bound memory under a flood of distinct keys.
      if (failures.size > 100_000) failures.delete(failures.keys().next().value as string);
    },
    succeed(key) {
      failures.delete(key);
    },
  };
}
