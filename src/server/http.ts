import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { serve } from "@hono/node-server";
import { startChangeFeed } from "../db/change-feed.repository.ts";
import type { Database } from "../db/database.ts";
import { createApp } from "./app.ts";
import { createPgRateLimiter } from "./auth/rate-limit.ts";
import { URI_TOO_LONG } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { webDist } from "./web-build.ts";

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
}): Promise<RunningServer> {
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
      { fetch: app.fetch, port: options.port, hostname: options.host },
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
      const status = tooLong ? "431 Request Header Fields Too Large" : "400 Bad Request";
      const body = JSON.stringify({
        error: tooLong
          ? { code: "http_431", message: URI_TOO_LONG, details: [] }
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
