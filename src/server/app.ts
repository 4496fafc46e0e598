import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { MimamoriError } from "../domain/errors.ts";
import type { AppDeps, AppEnv } from "./app-env.ts";
import { sessionMiddleware } from "./auth/middleware.ts";
import { type ApiError, mapError } from "./errors.ts";
import { registerApiDocument } from "./openapi/document.ts";
import { auditRefusal, createRouter } from "./openapi/route.ts";
import { API_ROUTERS } from "./routes/index.ts";

export interface AppOptions {
  /** Folder of the built web app (web/dist); when absent only the API is served. */
  webRoot?: string;
}

/** The HTTP application: security headers, session, API routes, then the web app. */
export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const app = new Hono<AppEnv>();
  app.onError((err, c) => mapError(err, c, deps.logger));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
      referrerPolicy: "same-origin",
    }),
  );
  app.use(async (c, next) => {
    c.set("deps", deps);
    const started = performance.now();
    await next();
    // Method, path and status only: never bodies, names or query strings.
    deps.logger.info(
      {
        method: c.req.method,
        path: c.req.routePath,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        user: c.get("session")?.user.id,
      },
      "request",
    );
  });

  const api = createRouter().basePath("/api");
  const smallBodies = bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => {
      throw new MimamoriError("invalid_input", "送信されたデータが大きすぎます。");
    },
  });
  // File uploads stream to disk under their own limit (routes/imports); every
  // other request body is small JSON.
  api.use((c, next) =>
    c.req.method === "POST" && c.req.path === "/api/imports" ? next() : smallBodies(c, next),
  );
  api.use(noNulCharacters());
  api.use(sessionMiddleware());
  // Origin check for every state-changing API request (including login, which
  // has no session yet and so no CSRF token). After the session is known, so
  // that a signed-in user's refusal is audited.
  api.use(sameOriginOnly());
  for (const [path, router] of API_ROUTERS) api.route(path, router);
  registerApiDocument(api);
  const allowedMethods = methodsByPath(api.routes);
  api.all("*", (c) => {
    // A path the API has, asked with another method: 405 with Allow (RFC 9110
    // §15.5.6), so a script learns what to send instead of "no such API".
    const allow = allowedMethods(c.req.path);
    if (allow.length === 0) throw new MimamoriError("not_found", "指定された API はありません。");
    return c.json<ApiError>(
      {
        error: {
          code: "method_not_allowed",
          message: `この API は ${c.req.method} では呼び出せません。使える方法: ${allow.join(", ")}。`,
          details: [],
        },
      },
      405,
      { Allow: allow.join(", ") },
    );
  });
  app.route("/", api);

  const webRoot = options.webRoot;
  if (webRoot && existsSync(join(webRoot, "index.html"))) {
    const indexHtml = readFileSync(join(webRoot, "index.html"), "utf8");
    app.use("/assets/*", serveStatic({ root: webRoot }));
    app.get("/favicon.svg", serveStatic({ root: webRoot, path: "favicon.svg" }));
    // Client-side routes all return the app shell.
    app.get("*", (c) => c.html(indexHtml));
  } else {
    app.get("*", (c) =>
      c.text(
        "Web 画面がビルドされていません。npm start（または npm run build:web）を実行してください。",
        503,
      ),
    );
  }
  // Outside /api only GET opens anything (the app shell, its files): another
  // method there is no page at all. Hono's own answer would be English.
  app.notFound((c) => c.text("このアドレスには、この方法で開けるページはありません。", 404));
  return app;
}

export type App = ReturnType<typeof createApp>;

/**
 * The methods each API path answers, read from the router's own table once it
 * is complete (first call): the catch-all and middleware (method ALL, paths
 * ending in *) are left out. Hono serves HEAD through GET, so GET implies HEAD.
 * `:name` matches one path segment, as in Hono's router.
 */
export function methodsByPath(
  routes: readonly { method: string; path: string }[],
): (path: string) => string[] {
  let table: { pattern: RegExp; methods: Set<string> }[] | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const r of routes) {
      if (r.method === "ALL" || r.path.endsWith("*")) continue;
      const methods = byPath.get(r.path) ?? new Set<string>();
      methods.add(r.method);
      if (r.method === "GET") methods.add("HEAD");
      byPath.set(r.path, methods);
    }
    return [...byPath].map(([path, methods]) => ({
      pattern: new RegExp(
        `^${path
          .split("/")
          .map((part) =>
            part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
          )
          .join("/")}$`,
      ),
      methods,
    }));
  };
  return (path) => {
    table ??= build();
    const allowed = new Set<string>();
    for (const t of table) if (t.pattern.test(path)) for (const m of t.methods) allowed.add(m);
    const order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
    return [...allowed].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  };
}

/**
 * Refuses state-changing requests whose Origin is another site. Browsers send
 * Origin on every POST; hono's csrf() only checks form content types, and login
 * has no session (so no CSRF token) yet. Requests without Origin (scripts,
 * curl) are let through: they cannot carry a victim's cookies.
 */
function sameOriginOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== new URL(c.req.url).origin) {
        if (c.get("session")) await auditRefusal(c, { reason: "cross_site" });
        throw new MimamoriError("forbidden", "別のサイトからの操作は受け付けられません。");
      }
    }
    await next();
  };
}

/** Said when a query or JSON body holds U+0000 (PostgreSQL text cannot store it). */
export const NUL_REFUSED =
  "送信された内容に使えない文字（NUL 文字、U+0000）が含まれています。その文字を除いてから送り直してください。";

/**
 * Refuses a NUL character in query parameters and JSON bodies with a Japanese
 * 400. PostgreSQL text cannot hold U+0000, so such a value used to reach the
 * database and answer 500 (search, 判定一覧 filters, case notes, sheet answers,
 * user names). Uploads are checked by the importer (a NUL byte is not text).
 */
function noNulCharacters(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const [key, values] of Object.entries(c.req.queries())) {
      if (key.includes("\0") || values.some((v) => v.includes("\0"))) {
        throw new MimamoriError("invalid_input", NUL_REFUSED);
      }
    }
    // An upload's body is a file streamed by its route (c.req.raw.body): never read here.
    const upload = c.req.method === "POST" && c.req.path === "/api/imports";
    if (!upload && /^application\/json/i.test(c.req.header("content-type") ?? "")) {
      const text = await c.req.text();
      if (text.includes("\\u0000") || text.includes("\0")) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined; // the route's own parser answers broken JSON
        }
        if (holdsNul(parsed)) throw new MimamoriError("invalid_input", NUL_REFUSED);
      }
    }
    await next();
  };
}

function holdsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\0");
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => k.includes("\0") || holdsNul(v));
  }
  return false;
}
