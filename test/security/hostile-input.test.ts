/**
 * Hostile input and request forgery (issue 12 acceptance), against PostgreSQL
 * through the API:
 * - `<script>` and SQL in names (an imported file), search terms, filters and
 *   file names are stored and answered as plain data; no table is harmed;
 * - path traversal in an upload's file name is refused;
 * - an oversized upload and an .xlsx zip bomb are refused with a Japanese
 *   message and nothing is stored;
 * - every state-changing route refuses a request without the session's CSRF
 *   token, and a cross-site Origin;
 * - session fixation: a session id chosen before login is never the one used
 *   after it;
 * - re-authentication before exports: an export long after the password was
 *   entered answers 403 `reauth_required` (audited) until POST /api/auth/reauth.
 */
import { deflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { type App, createApp } from "../../src/server/app.ts";
import { hashPassword } from "../../src/server/auth/password.ts";
import { createRateLimiter } from "../../src/server/auth/rate-limit.ts";
import { createLogger } from "../../src/server/logger.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";

let t: TestDatabase;
let app: App;
let clock = Date.now();
const ORIGIN = "http://localhost";

/** A logged-in session for raw requests (binary bodies). */
interface Raw {
  cookie: string;
  csrf: string;
  send(
    path: string,
    init?: { method?: string; body?: BodyInit; headers?: Record<string, string> },
  ): Promise<Response>;
}

async function user(loginName: string, roles: string[]): Promise<string> {
  const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
  const password = `${loginName}-password-123`;
  await createUserRepository(t.db).insert({
    municipalityId: m.id,
    loginName,
    displayName: loginName,
    passwordHash: await hashPassword(password),
    roles: roles as never,
    mustChangePassword: false,
    council: false,
    affiliation: null,
  });
  return password;
}

async function login(loginName: string, password: string, cookie = ""): Promise<Raw> {
  const res = await app.request(`${ORIGIN}/api/auth/login`, {
    method: "POST",
    headers: {
      Origin: ORIGIN,
      "Content-Type": "application/json",
      ...(cookie ? { Cookie: cookie } : {}),
    },
    body: JSON.stringify({ loginName, password }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { csrfToken: string };
  const set = res.headers.getSetCookie().find((s) => s.startsWith("mimamori_session="));
  const raw: Raw = {
    cookie: (set ?? "").split(";")[0] ?? "",
    csrf: body.csrfToken,
    async send(path, init = {}) {
      const method = init.method ?? "GET";
      return app.request(`${ORIGIN}${path}`, {
        method,
        headers: {
          Origin: ORIGIN,
          Cookie: raw.cookie,
          ...(method === "GET" ? {} : { "X-CSRF-Token": raw.csrf }),
          ...init.headers,
        },
        body: init.body,
      });
    },
  };
  return raw;
}

let ownerPassword = "";
let coordPassword = "";

beforeAll(async () => {
  t = await createTestDatabase();
  app = createApp({
    db: t.db,
    databaseUrl: t.url,
    logger: createLogger("silent"),
    limiter: createRateLimiter({ maxFailures: 1000, windowMs: 60_000, now: Date.now }),
    now: () => new Date(clock),
    secureCookies: false,
    maxUploadBytes: 64 * 1024,
  });
  ownerPassword = await user("owner.h", ["data_owner"]);
  coordPassword = await user("coord.h", ["coordinator"]);
});
afterAll(() => t?.drop());

const HOSTILE_NAME = "<script>alert(1)</script>";
const SQL = "'; DROP TABLE import_row; --";
/** A file name may not hold "/" (path), so the markup attack uses an attribute. */
const HOSTILE_FILE = "<img src=x onerror=alert(1)>'; DROP TABLE import_snapshot; --.csv";
const JUMIN = [
  "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別,続柄,抽出日",
  `1001,501,${HOSTILE_NAME},ヤマダ タロウ,1985-04-01,1,世帯主,2025-04-01`,
  `1002,501,"${SQL}",ヤマダ ハナコ,2019-05-01,2,子,2025-04-01`,
  "",
].join("\r\n");

async function count(table: "import_snapshot" | "import_row"): Promise<number> {
  const r = await t.db
    .selectFrom(table)
    .select((e) => e.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A zip whose one entry inflates 64 MB of zeros from ~64 KB (ratio ~1000). */
function zipBomb(): Buffer {
  const name = Buffer.from("xl/worksheets/sheet1.xml");
  const plain = Buffer.alloc(64 * 1024 ** 2, 0x20);
  const packed = deflateRawSync(plain, { level: 9 });
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(plain.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(packed.length, 20);
  central.writeUInt32LE(plain.length, 24);
  central.writeUInt16LE(name.length, 28);
  const cdOffset = local.length + name.length + packed.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + name.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, packed, central, name, eocd]);
}

describe("hostile input", () => {
  it("stores <script> and SQL in names as plain data; no table is harmed", async () => {
    const owner = await login("owner.h", ownerPassword);
    const res = await owner.send(`/api/imports?fileName=${encodeURIComponent(HOSTILE_FILE)}`, {
      method: "POST",
      body: JUMIN,
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { status: string; fileName: string };
    expect(report.status).toBe("imported");
    expect(report.fileName).toBe(HOSTILE_FILE);
    // JSON carries the text as data; the stored rows hold it literally.
    const rows = await t.db.selectFrom("import_row").select("data").execute();
    const names = rows.map((r) => (r.data as Record<string, string>).氏名);
    expect(names).toContain(HOSTILE_NAME);
    expect(names).toContain(SQL);
    expect(await count("import_row")).toBe(2);
  });

  it("answers SQL and <script> in search terms and filters as plain data", async () => {
    const coord = await login("coord.h", coordPassword);
    for (const q of [SQL, "' OR '1'='1", HOSTILE_NAME, "1001; DELETE FROM person"]) {
      const r = await coord.send(`/api/search?q=${encodeURIComponent(q)}`);
      // No run yet: a Japanese 404, or an empty answer — never a 500.
      expect([200, 404]).toContain(r.status);
      const text = await r.text();
      expect(text).not.toMatch(/syntax error|postgres|at character/i);
    }
    const f = await coord.send(`/api/runs/latest/children?type=${encodeURIComponent(SQL)}`);
    expect(f.status).toBeLessThan(500);
    expect(await count("import_row")).toBe(2);
  });

  it("refuses path traversal in an upload's file name, storing nothing", async () => {
    const owner = await login("owner.h", ownerPassword);
    const before = await count("import_snapshot");
    for (const name of [
      "../../etc/passwd",
      "..\\..\\windows\\win.ini",
      "/tmp/x.csv",
      // Shown as "juminsc v.csv"-like text: a name that reads as another in the history.
      "jumin\u202Evsc.csv",
      "jumin\u2066.csv",
      "a\tb.csv",
      "..",
    ]) {
      const res = await owner.send(`/api/imports?fileName=${encodeURIComponent(name)}`, {
        method: "POST",
        body: JUMIN,
        headers: { "Content-Type": "application/octet-stream" },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { message: string; details: string[] } };
      expect(JSON.stringify(body.error)).toContain("ファイル名に使えない文字");
    }
    expect(await count("import_snapshot")).toBe(before);
  });

  it("refuses an oversized upload with a Japanese message and stores nothing", async () => {
    const owner = await login("owner.h", ownerPassword);
    const before = await count("import_snapshot");
    const big = `${JUMIN}${"1003,502,大きい,オオキイ,2019-05-01,2,子,2025-04-01\r\n".repeat(3000)}`;
    const res = await owner.send("/api/imports?fileName=big.csv", {
      method: "POST",
      body: big,
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/ファイルが大きすぎます（上限 0?\.?\d* ?[MG]B）/);
    expect(await count("import_snapshot")).toBe(before);
  });

  it("refuses an .xlsx zip bomb before unpacking it, storing nothing", async () => {
    const app2 = createApp({
      db: t.db,
      databaseUrl: t.url,
      logger: createLogger("silent"),
      limiter: createRateLimiter({ maxFailures: 1000, windowMs: 60_000, now: Date.now }),
      now: () => new Date(clock),
      secureCookies: false,
    });
    const saved = app;
    app = app2;
    try {
      const owner = await login("owner.h", ownerPassword);
      const before = await count("import_snapshot");
      const bomb = zipBomb();
      expect(bomb.length).toBeLessThan(1024 ** 2);
      const res = await owner.send("/api/imports?fileName=bomb.xlsx", {
        method: "POST",
        body: new Blob([new Uint8Array(bomb)]),
        headers: { "Content-Type": "application/octet-stream" },
      });
      expect(res.status).toBe(200);
      const report = (await res.json()) as { status: string; error?: { message: string } };
      expect(report.status).toBe("failed");
      expect(JSON.stringify(report)).toContain(
        "Excel ファイルの中身が大きすぎるため取り込みません",
      );
      expect(await count("import_snapshot")).toBe(before);
    } finally {
      app = saved;
    }
  });
});

describe("broken workbooks", () => {
  it("a .xlsx whose sheet data is broken or cut short answers at once in Japanese and stores nothing", async () => {
    const { default: ExcelJS } = await import("exceljs");
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("jumin");
    ws.addRow(["宛名番号", "世帯番号", "氏名", "氏名カナ", "生年月日", "性別", "続柄", "抽出日"]);
    for (let i = 0; i < 1000; i++)
      ws.addRow([5000 + i, 900, `見守 ${i}`, "ミマモリ", "2019-05-01", "1", "子", "2025-04-01"]);
    const good = Buffer.from(await wb.xlsx.writeBuffer());
    expect(good.length).toBeLessThan(64 * 1024); // under this app's upload limit
    const sheetAt = good.indexOf("xl/worksheets/sheet1.xml") + 200;
    const flipped = Buffer.from(good);
    for (let i = sheetAt; i < sheetAt + 400; i++) flipped[i] = (flipped[i] as number) ^ 0x55;
    const owner = await login("owner.h", ownerPassword);
    const before = await count("import_snapshot");
    for (const [body, expected] of [
      [flipped, "圧縮されたデータが途中で壊れています"],
      [good.subarray(0, good.length - 40), "ファイルが途中で切れています"],
    ] as const) {
      const res = await Promise.race([
        owner.send("/api/imports?fileName=jumin.xlsx", {
          method: "POST",
          body: new Blob([new Uint8Array(body)]),
          headers: { "Content-Type": "application/octet-stream" },
        }),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("the upload did not answer within 20 s")), 20_000),
        ),
      ]);
      expect(res.status).toBe(200);
      const report = (await res.json()) as { status: string; message: string; details?: string[] };
      expect(report.status).toBe("failed");
      expect(JSON.stringify(report)).toContain(expected);
      expect(JSON.stringify(report)).not.toMatch(/FILE_ENDED|invalid distance|Cannot read/);
    }
    expect(await count("import_snapshot")).toBe(before);
  }, 60_000);
});

describe("request forgery and sessions", () => {
  it("refuses every state-changing route without the CSRF token, and from another site", async () => {
    const doc = (await (await app.request(`${ORIGIN}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const coord = await login("coord.h", coordPassword);
    const changing = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== "get" && m !== "head")
        .map((m) => ({ method: m.toUpperCase(), path: path.replace(/\{[^}]+\}/g, "1") })),
    );
    expect(changing.length).toBeGreaterThan(10);
    const snapshots = await count("import_snapshot");
    for (const op of changing) {
      const noToken = await app.request(`${ORIGIN}/api${op.path}`, {
        method: op.method,
        headers: { Origin: ORIGIN, Cookie: coord.cookie, "Content-Type": "application/json" },
        body: "{}",
      });
      expect(noToken.status, `${op.method} ${op.path} without token`).toBe(403);
      const crossSite = await coord.send(`/api${op.path}`, {
        method: op.method,
        headers: { Origin: "https://evil.example", "Content-Type": "application/json" },
        body: "{}",
      });
      expect(crossSite.status, `${op.method} ${op.path} cross-site`).toBe(403);
    }
    expect(await count("import_snapshot")).toBe(snapshots);
    // Every refusal of the signed-in user is audited (issue 12: every denial),
    // with the path and why: one without the token, one from another site.
    const denied = await t.db
      .selectFrom("audit_log")
      .select(["actor", "detail"])
      .where("action", "=", "authz.denied")
      .where("actor", "=", "coord.h")
      .execute();
    const reasons = (why: string) =>
      denied.filter((d) => (d.detail as { reason?: string }).reason === why);
    expect(reasons("csrf").length).toBeGreaterThanOrEqual(changing.length);
    expect(reasons("cross_site").length).toBeGreaterThanOrEqual(changing.length);
    expect(((reasons("csrf")[0]?.detail ?? {}) as { route?: string }).route).toMatch(/^\/api\//);
  });

  it("never keeps a session id chosen before login (fixation)", async () => {
    const planted = "mimamori_session=attacker-chosen-value";
    const s = await login("coord.h", coordPassword, planted);
    expect(s.cookie).toMatch(/^mimamori_session=/);
    expect(s.cookie).not.toBe(planted);
    const me = await app.request(`${ORIGIN}/api/auth/me`, { headers: { Cookie: planted } });
    expect(me.status).toBe(401);
    expect((await s.send("/api/auth/me")).status).toBe(200);
  });
});

describe("re-authentication before exports", () => {
  it("asks for the password again 10 minutes after it was entered, audits the refusal, and lets the export through after /auth/reauth", async () => {
    clock = Date.now();
    const coord = await login("coord.h", coordPassword);
    clock += 11 * 60 * 1000;
    const res = await coord.send("/api/runs/latest/children/export", {
      method: "POST",
      body: JSON.stringify({ purpose: "ケース会議の資料" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { message: string; details: string[] } };
    expect(body.error.details).toContain("reauth_required");
    expect(body.error.message).toContain("パスワードを再入力してください");
    const denied = (
      await createAuditRepository(t.db).list({
        municipalityId: (await createMunicipalityRepository(t.db).ensureDefault("テスト町")).id,
        limit: 50,
      })
    ).find(
      (r) =>
        r.action === "authz.denied" &&
        (r.detail as { reason?: string })?.reason === "reauth_required",
    );
    expect(denied?.actor).toBe("coord.h");

    const wrong = await coord.send("/api/auth/reauth", {
      method: "POST",
      body: JSON.stringify({ password: "wrong-password" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(wrong.status).toBe(400);
    const ok = await coord.send("/api/auth/reauth", {
      method: "POST",
      body: JSON.stringify({ password: coordPassword }),
      headers: { "Content-Type": "application/json" },
    });
    expect(ok.status).toBe(200);
    coord.csrf = ((await ok.json()) as { csrfToken: string }).csrfToken;
    coord.cookie =
      (ok.headers.getSetCookie().find((x) => x.startsWith("mimamori_session=")) ?? "").split(
        ";",
      )[0] ?? "";
    const again = await coord.send("/api/runs/latest/children/export", {
      method: "POST",
      body: JSON.stringify({ purpose: "ケース会議の資料" }),
      headers: { "Content-Type": "application/json" },
    });
    // Past the re-authentication: no run is stored in this database, so the
    // export says there is no result (not the password prompt).
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { details: string[] } }).error.details).not.toContain(
      "reauth_required",
    );
  });
});

describe("malformed requests answer in Japanese", () => {
  const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;
  async function errorOf(res: Response): Promise<{ code: string; message: string }> {
    const text = await res.text();
    expect(text, "a body, not an empty answer").not.toBe("");
    return (JSON.parse(text) as { error: { code: string; message: string } }).error;
  }

  it("a broken JSON body: 400 with a Japanese message", async () => {
    const res = await app.request(`${ORIGIN}/api/auth/login`, {
      method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "application/json" },
      body: '{"loginName": "x", ',
    });
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e.message).toMatch(japanese);
    expect(e.message).toContain("JSON");
  });

  it("a JSON route sent another Content-Type: 415 with a Japanese message", async () => {
    const res = await app.request(`${ORIGIN}/api/auth/login`, {
      method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "text/plain" },
      body: JSON.stringify({ loginName: "x", password: "y" }),
    });
    expect(res.status).toBe(415);
    const e = await errorOf(res);
    expect(e.message).toMatch(japanese);
    expect(e.message).toContain("application/json");
  });

  it("判定一覧 with scoreMin above scoreMax: 400 in Japanese, not an empty list", async () => {
    const coord = await login("coord.h", coordPassword);
    for (const path of [
      "/api/runs/latest/children?scoreMin=5&scoreMax=2",
      "/api/runs/latest/matrix?scoreMin=5&scoreMax=2",
      "/api/runs/latest/children?ageMin=12&ageMax=3",
    ]) {
      const res = await coord.send(path);
      expect(res.status, path).toBe(400);
      const e = await errorOf(res);
      expect(e.message).toMatch(japanese);
      expect(JSON.stringify(e)).toMatch(/下限.*上限/);
    }
  });

  it("a NUL character in a query or a JSON body: 400 in Japanese, not a 500 from PostgreSQL", async () => {
    const coord = await login("coord.h", coordPassword);
    for (const path of [
      "/api/search?q=%E5%9C%9F%E4%BA%95%00",
      "/api/runs/latest/children?affiliation=%00",
      "/api/runs/latest/children?grade=4%00",
    ]) {
      const res = await coord.send(path);
      expect(res.status, path).toBe(400);
      const e = await errorOf(res);
      expect(e.code).toBe("invalid_input");
      expect(e.message).toContain("NUL");
    }
    const bodies: [string, unknown][] = [
      ["/api/auth/login", { loginName: "coord\u0000.h", password: "x" }],
      ["/api/review-lists", { month: "2026-12", note: { "a\u0000": "b" } }],
    ];
    for (const [path, body] of bodies) {
      const res = await coord.send(path, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "Content-Type": "application/json" },
      });
      expect(res.status, path).toBe(400);
      expect((await errorOf(res)).message).toContain("NUL");
    }
    // An escaped backslash before "u0000" is plain text, not a NUL.
    const plain = await coord.send("/api/auth/login", {
      method: "POST",
      body: JSON.stringify({ loginName: "coord\\u0000.h", password: "x" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(plain.status).toBe(401);
  });

  it("an id or page size that is not plain digits (1e3, 0x10, 1.0, ' 1', 01): 400 on every route, never read as another number", async () => {
    const doc = (await (await app.request(`${ORIGIN}/api/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { parameters?: { in: string; name: string; schema?: { type?: string } }[] }>
      >;
    };
    const coord = await login("coord.h", coordPassword);
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const ints = (op.parameters ?? []).filter(
          (p) => p.in === "path" && p.schema?.type === "integer",
        );
        if (ints.length === 0) continue;
        for (const bad of ["1e3", "0x10", "1.0", "%201", "01"]) {
          let url = path;
          for (const p of (op.parameters ?? []).filter((q) => q.in === "path")) {
            url = url.replace(`{${p.name}}`, ints.includes(p) ? bad : "1");
          }
          const res = await coord.send(url, {
            method: method.toUpperCase(),
            ...(method === "get"
              ? {}
              : { body: "{}", headers: { "Content-Type": "application/json" } }),
          });
          // 403 when the coordinator lacks the route's permission (checked first).
          expect([400, 403], `${method} ${url}`).toContain(res.status);
          const e = await errorOf(res);
          expect(e.message, `${method} ${url}`).toMatch(japanese);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    const r = await coord.send("/api/cases/1e3");
    expect(r.status).toBe(400);
    expect(JSON.stringify(await errorOf(r))).toContain("ケースの指定が正しくありません");
    for (const q of ["limit=1e1", "limit=0x10", "offset=1.5", "limit="]) {
      const s = await coord.send(`/api/search?q=${encodeURIComponent("山田")}&${q}`);
      expect(s.status, q).toBe(400);
      expect(JSON.stringify(await errorOf(s)), q).toMatch(
        /件数は [01] から \d+ までの整数で指定してください/,
      );
    }
    // Decimal bounds too: a score bound of 0x10 was read as 16, an empty one as 0.
    for (const q of ["scoreMin=0x10", "scoreMin=", "ageMax=1e1", "scoreMax=Infinity"]) {
      const s = await coord.send(`/api/runs/latest/children?${q}`);
      expect(s.status, q).toBe(400);
      expect(JSON.stringify(await errorOf(s)), q).toMatch(/の数値で指定してください/);
    }
    for (const q of ["minProbability=0x1", "maxProbability="]) {
      const s = await coord.send(`/api/linkage/queue?${q}`);
      expect(s.status, q).toBe(400);
      expect(JSON.stringify(await errorOf(s)), q).toContain("確率は 0 から 1 の間の数値");
    }
  });

  it("a date that is not on the calendar (2026-02-30): 400 in Japanese, not a 500", async () => {
    const owner = await login("owner.h", ownerPassword);
    const res = await owner.send("/api/imports?fileName=jumin.csv&asOf=2026-02-30", {
      method: "POST",
      body: JUMIN,
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await errorOf(res))).toContain("存在しない日付です（2026-02-30）");
    const auditorPassword = await user("auditor.h", ["auditor"]);
    const auditor = await login("auditor.h", auditorPassword);
    for (const q of ["from=2026-02-30", "to=2025-04-31", "from=2026-02-29"]) {
      const r = await auditor.send(`/api/audit?${q}`);
      expect(r.status, q).toBe(400);
      expect(JSON.stringify(await errorOf(r))).toContain("存在しない日付です");
    }
    expect((await auditor.send("/api/audit?from=2024-02-29")).status).toBe(200);
  });

  it("a 45 KB URL: 431 with a Japanese body from the real server", async () => {
    const { startHttpServer } = await import("../../src/server/http.ts");
    const server = await startHttpServer({
      db: t.db,
      databaseUrl: t.url,
      logger: createLogger("silent"),
      port: 0,
      host: "127.0.0.1",
    });
    try {
      const res = await fetch(`${server.url}/api/auth/me?q=${"a".repeat(45 * 1024)}`);
      expect(res.status).toBe(431);
      const text = await res.text();
      expect(text).toMatch(japanese);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect((JSON.parse(text) as { error: { message: string } }).error.message).toContain(
        "長すぎ",
      );
    } finally {
      await server.close();
    }
  });
});
