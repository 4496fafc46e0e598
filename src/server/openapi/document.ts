/**
 * The API's own description: `GET /api/openapi.json` (generated from the zod
 * schemas every route validates with) and a browsable reference at `/api/docs`
 * served from the `swagger-ui-dist` package on this machine — no CDN, so it
 * works in a closed network.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { policyRoute } from "./route.ts";

const OPENAPI_INFO = {
  openapi: "3.0.3",
  info: {
    title: "mimamori API",
    version: "1",
    description:
      'こどもデータ連携システム mimamori の HTTP API。ログインは POST /api/auth/login（Cookie と csrfToken）。状態を変える要求には X-CSRF-Token ヘッダーが必要です。各操作に必要な権限は x-mimamori-policy に記載しています。エラーは {"error": {"code", "message"}}（日本語）。見せられない記録は存在しない記録と同じく 404 を返します。ある API のパスに記載のない方法で要求すると 405 を返し、Allow ヘッダーに使える方法を示します。',
  },
  servers: [{ url: "/" }],
};

const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, { file: string; type: string }> = {
  "swagger-ui.css": { file: "swagger-ui.css", type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { file: "swagger-ui-bundle.js", type: "text/javascript; charset=utf-8" },
  "swagger-ui-standalone-preset.js": {
    file: "swagger-ui-standalone-preset.js",
    type: "text/javascript; charset=utf-8",
  },
};

const DOCS_HTML = `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>mimamori API リファレンス</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/swagger-ui-standalone-preset.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>`;

// validatorUrl null: Swagger UI would otherwise send the document to an outside validator.
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});`;

/** Registers the document and the reference on the /api router (after every other route). */
export function registerApiDocument(api: OpenAPIHono<AppEnv>): void {
  api.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "mimamori_session",
    description:
      "POST /api/auth/login が設定するセッション Cookie。状態を変える要求には X-CSRF-Token ヘッダー（ログインの応答の csrfToken）も必要です。",
  });
  api.openapi(
    policyRoute("public", {
      method: "get",
      path: "/openapi.json",
      tags: ["API"],
      summary: "この API の OpenAPI 文書",
      responses: {
        200: {
          description: "OpenAPI 3 文書",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    }),
    (c) => c.json(apiDocument(api), 200),
  );
  api.openapi(
    policyRoute("public", {
      method: "get",
      path: "/docs",
      tags: ["API"],
      summary: "API リファレンス（ブラウザで閲覧）",
      responses: {
        200: { description: "HTML", content: { "text/html": { schema: z.string() } } },
      },
    }),
    (c) => {
      relaxStylesForSwagger(c);
      return c.html(DOCS_HTML);
    },
  );
  api.openapi(
    policyRoute("public", {
      method: "get",
      path: "/docs/{asset}",
      tags: ["API"],
      summary: "API リファレンスの静的ファイル",
      request: {
        params: z.object({
          asset: z.enum(["init.js", ...Object.keys(ASSETS)] as [string, ...string[]]),
        }),
      },
      responses: {
        200: { description: "CSS / JavaScript", content: { "text/plain": { schema: z.string() } } },
      },
    }),
    (c) => {
      const { asset } = c.req.valid("param");
      c.header("Cache-Control", "public, max-age=3600");
      if (asset === "init.js") {
        return c.text(INIT_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" });
      }
      // The enum above admits only the keys of ASSETS and init.js.
      const a = ASSETS[asset] as { file: string; type: string };
      return c.text(readAsset(a.file), 200, { "Content-Type": a.type });
    },
  );
}

let cached: unknown;
/** The document (generated once: routes do not change while the process runs). */
export function apiDocument(api: OpenAPIHono<AppEnv>): Record<string, unknown> {
  cached ??= api.getOpenAPIDocument(OPENAPI_INFO);
  return cached as Record<string, unknown>;
}

const assetCache = new Map<string, string>();
function readAsset(file: string): string {
  let b = assetCache.get(file);
  if (!b) {
    b = readFileSync(join(swaggerDir, file), "utf8");
    assetCache.set(file, b);
  }
  return b;
}

/** Swagger UI sets inline style attributes; allowed on its page only. */
function relaxStylesForSwagger(c: { header(name: string, value: string): void }): void {
  c.header(
    "Content-Security-Policy",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  );
}
