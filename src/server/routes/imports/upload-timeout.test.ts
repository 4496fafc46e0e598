/**
 * A slow upload (slow-loris: a body trickled a few bytes at a time) is cut off
 * after the overall upload limit with a Japanese 408, the connection closed,
 * nothing imported and no temporary file left (newcomer's finding, session 8:
 * such an upload held a connection forever). Against the real HTTP server
 * (startHttpServer) and a raw socket, as a client on a bad line would send it.
 */
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { createMunicipalityRepository } from "../../../db/municipality.repository.ts";
import { createUserRepository } from "../../../db/user.repository.ts";
import { hashPassword } from "../../auth/password.ts";
import { type RunningServer, startHttpServer } from "../../http.ts";
import { createLogger } from "../../logger.ts";

let t: TestDatabase;
let server: RunningServer;

const LIMIT_MS = 2_000;

beforeAll(async () => {
  t = await createTestDatabase();
  const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
  await createUserRepository(t.db).insert({
    municipalityId: m.id,
    loginName: "data.owner",
    displayName: "データ提供",
    passwordHash: await hashPassword("data-owner-password-123"),
    roles: ["data_owner"],
    mustChangePassword: false,
    council: false,
    affiliation: null,
  });
  server = await startHttpServer({
    db: t.db,
    databaseUrl: t.url,
    logger: createLogger("silent"),
    port: 0,
    host: "127.0.0.1",
    uploadTimeoutMs: LIMIT_MS,
  });
});
afterAll(async () => {
  await server?.close();
  await t?.drop();
});

const uploads = () => readdirSync(tmpdir()).filter((f) => f.startsWith("mimamori-upload-"));

describe("upload time limit", () => {
  it("cuts off a trickled upload with a Japanese 408, closes the connection and imports nothing", async () => {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: server.url },
      body: JSON.stringify({ loginName: "data.owner", password: "data-owner-password-123" }),
    });
    expect(login.status).toBe(200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = (login.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    const before = new Set(uploads());

    const { port } = new URL(server.url);
    const socket = connect(Number(port), "127.0.0.1");
    const answer = new Promise<{ text: string; closedAfterMs: number }>((resolve, reject) => {
      let text = "";
      const started = Date.now();
      socket.on("data", (d) => {
        text += d.toString("utf8");
      });
      socket.on("close", () => resolve({ text, closedAfterMs: Date.now() - started }));
      socket.on("error", reject);
    });
    // Headers at once, announcing 1 MB; then one byte every 200 ms, forever.
    socket.write(
      "POST /api/imports?fileName=jumin.csv HTTP/1.1\r\n" +
        `Host: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nX-CSRF-Token: ${csrfToken}\r\n` +
        "Content-Type: application/octet-stream\r\nContent-Length: 1048576\r\n\r\n宛名番号",
    );
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write("1");
    }, 200);
    try {
      const { text, closedAfterMs } = await answer;
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as {
        error: { code: string; message: string };
      };
      expect(body.error.code).toBe("timeout");
      expect(body.error.message).toContain("ファイルの受信が 2 秒以内に終わらなかった");
      expect(body.error.message).toContain("何も取り込んでいません");
      // Cut off at the limit, not by Node's own request timeout (minutes).
      expect(closedAfterMs).toBeGreaterThanOrEqual(LIMIT_MS - 100);
      expect(closedAfterMs).toBeLessThan(LIMIT_MS + 15_000);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    const stored = await t.db
      .selectFrom("import_snapshot")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(0);
    expect(uploads().filter((f) => !before.has(f))).toEqual([]);
  });
});
