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
  let cookie = "";
  const client: Client = {
    csrf: "",
    async request(path, init = {}) {
      const method = init.method ?? "GET";
      const headers: Record<string, string> = { Origin: origin, ...init.headers };
      if (cookie) headers.Cookie = cookie;
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
      const set = res.headers.get("set-cookie");
      if (set) {
        const pair = set.split(";")[0] ?? "";
        cookie = pair.endsWith("=") ? "" : pair;
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
