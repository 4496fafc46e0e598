/**
 * A tiny cookie-keeping client for API tests against `app.request` (no socket):
 * it sends Origin like a browser does and the CSRF token once logged in.
 */
import type { App } from "../src/server/app.ts";

export interface Client {
  request(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  json<T>(
    path: string,
    init?: { method?: string; body?: unknown },
  ): Promise<{ status: number; body: T }>;
  csrf: string;
}

export function createClient(app: App, origin = "http://localhost"): Client {
  // A cookie jar by name: login answers may clear one cookie and set another.
  const jar = new Map<string, string>();
  const client: Client = {
    csrf: "",
    async request(path, init = {}) {
      const method = init.method ?? "GET";
      const headers: Record<string, string> = { Origin: origin, ...init.headers };
      if (jar.size) headers.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      if (init.body !== undefined) headers["Content-Type"] = "application/json";
      if (method !== "GET" && client.csrf && headers["X-CSRF-Token"] === undefined)
        headers["X-CSRF-Token"] = client.csrf;
      const res = await app.request(`${origin}${path}`, {
        method,
        headers,
        body:
          init.body === undefined
            ? undefined
            : typeof init.body === "string"
              ? init.body
              : JSON.stringify(init.body),
      });
      for (const set of res.headers.getSetCookie()) {
        const pair = set.split(";")[0] ?? "";
        const i = pair.indexOf("=");
        const name = pair.slice(0, i);
        const value = pair.slice(i + 1);
        if (value === "" || /max-age=0/i.test(set)) jar.delete(name);
        else jar.set(name, value);
      }
      return res;
    },
    async json(path, init) {
      const res = await client.request(path, init);
      const text = await res.text();
      const body = text ? JSON.parse(text) : undefined;
      if (body && typeof body === "object" && "csrfToken" in body)
        client.csrf = (body as { csrfToken: string }).csrfToken;
      return { status: res.status, body };
    },
  };
  return client;
}

/**
 * Creates a user with `roles` whose password is already set (no forced change)
 * and returns a client logged in as that user.
 */
export async function loginAs(
  app: App,
  db: import("../src/db/database.ts").Database,
  loginName: string,
  roles: import("../src/domain/policy/index.ts").Role[],
  options: { council?: boolean; affiliation?: string | null; municipalityId?: number } = {},
): Promise<Client> {
  const { createMunicipalityRepository } = await import("../src/db/municipality.repository.ts");
  const { createUserRepository } = await import("../src/db/user.repository.ts");
  const { hashPassword } = await import("../src/server/auth/password.ts");
  const m = await createMunicipalityRepository(db).ensureDefault("テスト町");
  const password = `${loginName}-password-123`;
  await createUserRepository(db).insert({
    municipalityId: options.municipalityId ?? m.id,
    loginName,
    displayName: loginName,
    passwordHash: await hashPassword(password),
    roles,
    mustChangePassword: false,
    council: options.council ?? false,
    affiliation: options.affiliation ?? null,
  });
  const client = createClient(app);
  const r = await client.json("/api/auth/login", { method: "POST", body: { loginName, password } });
  if (r.status !== 200) throw new Error(`login as ${loginName} failed: ${r.status}`);
  return client;
}

/** An app over `db` with quiet logs and a generous login throttle (API tests). */
export async function createTestApp(
  db: import("../src/db/database.ts").Database,
  url: string,
): Promise<App> {
  const { createApp } = await import("../src/server/app.ts");
  const { createRateLimiter } = await import("../src/server/auth/rate-limit.ts");
  const { createLogger } = await import("../src/server/logger.ts");
  return createApp({
    db,
    databaseUrl: url,
    logger: createLogger("silent"),
    limiter: createRateLimiter({ maxFailures: 1000, windowMs: 60_000, now: Date.now }),
    now: () => new Date(),
    secureCookies: false,
  });
}
