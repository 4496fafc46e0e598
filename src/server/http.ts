import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { serve } from "@hono/node-server";
import { startChangeFeed } from "../db/change-feed.repository.ts";
import type { Database } from "../db/database.ts";
import { createApp } from "./app.ts";
import { createPgRateLimiter } from "./auth/rate-limit.ts";
import { URI_TOO_LONG } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { UPLOAD_TIMEOUT_MS } from "./routes/imports/imports.route.ts";
import { webDist } from "./web-build.ts";

/** Said when Node gives up on a request that arrives too slowly. */
const REQUEST_TOO_SLOW =
  "リクエストの受信に時間がかかりすぎたため、処理を中止しました。通信状態を確かめてから、もう一度お試しください。";

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the HTTP server (API + built web app) on host:port; port 0 picks a free one. */
export function startHttpServer(options: {
  db: Database;
  databaseUrl: string;
  logger: Logger;
  port: number;
  host: string;
  secureCookies?: boolean;
  webRoot?: string;
  /**
   * Administrators and coordinators must enrol a second factor (default true).
   * Only browser tests of other features turn it off, to log in with a password;
   * test/e2e/login.browser.test.ts goes through enrolment.
   */
  enforceSecondFactor?: boolean;
  /** How long one upload may take to arrive (default UPLOAD_TIMEOUT_MS, 15 minutes). */
  uploadTimeoutMs?: number;
}): Promise<RunningServer> {
  const uploadTimeoutMs = options.uploadTimeoutMs ?? UPLOAD_TIMEOUT_MS;
  const app = createApp(
    {
      db: options.db,
      databaseUrl: options.databaseUrl,
      logger: options.logger,
      limiter: createPgRateLimiter(options.db, {
        maxFailures: 5,
        windowMs: 15 * 60 * 1000,
        now: Date.now,
      }),
      now: () => new Date(),
      secureCookies: options.secureCookies ?? false,
      enforceSecondFactor: options.enforceSecondFactor ?? true,
      uploadTimeoutMs,
    },
    { webRoot: options.webRoot ?? webDist },
  );
  // The caches of sessions, masking rules, the run head and child answers
  // serve only while this LISTEN connection is up (db/change-bus.ts).
  const feed = startChangeFeed(options.db, options.databaseUrl, {
    onError: (e) =>
      options.logger.warn(
        `変更通知（LISTEN）の接続が切れました。再接続するまでキャッシュを使わずに応答します: ${e instanceof Error ? e.message : String(e)}`,
      ),
  });
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: app.fetch,
        port: options.port,
        hostname: options.host,
        // Node's own limit on a whole request (default 5 minutes) would cut a
        // long upload first with an empty answer: it stays above the upload
        // limit, which answers in Japanese (routes/imports). Every other body
        // is at most 1 MB.
        serverOptions: { requestTimeout: Math.max(300_000, uploadTimeoutMs + 60_000) },
      },
      (info: AddressInfo) => {
        const host =
          options.host === "0.0.0.0" || options.host === "127.0.0.1" ? "localhost" : options.host;
        resolve({
          port: info.port,
          url: `http://${host}:${info.port}`,
          close: async () => {
            await new Promise<void>((r) => server.close(() => r()));
            await feed.stop();
          },
        });
      },
    );
    server.once("error", (e) => {
      feed.stop().catch(() => {});
      reject(e);
    });
    // Node answers a request it cannot parse (a URL or headers past its 16 KB
    // limit: 431; anything else: 400) with an empty body before the app sees
    // it. The same JSON error shape, in Japanese, instead.
    server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === "ECONNRESET" || !socket.writable) {
        socket.destroy();
        return;
      }
      const tooLong = err.code === "HPE_HEADER_OVERFLOW" || err.code === "HPE_URI_TOO_LONG";
      // Node's request timeout (headers not complete in 60 s, or a request
      // past requestTimeout): 408, not "malformed".
      const late = err.code === "ERR_HTTP_REQUEST_TIMEOUT";
      const status = tooLong
        ? "431 Request Header Fields Too Large"
        : late
          ? "408 Request Timeout"
          : "400 Bad Request";
      const body = JSON.stringify({
        error: tooLong
          ? { code: "http_431", message: URI_TOO_LONG, details: [] }
          : late
            ? { code: "timeout", message: REQUEST_TOO_SLOW, details: [] }
            : {
                code: "http_400",
                message: "リクエストの形式が正しくありません。送り直してください。",
                details: [],
              },
      });
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  });
}
