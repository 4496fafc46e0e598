import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { type Client, createClient, loginAs } from "../../../../test/http.ts";
import type { ImportReportView, SnapshotView, SourceView } from "../../api-types.ts";
import { type App, createApp } from "../../app.ts";
import { createRateLimiter } from "../../auth/rate-limit.ts";
import type { ApiError } from "../../errors.ts";
import { createLogger } from "../../logger.ts";

let t: TestDatabase;
let app: App;
let owner: Client;

beforeAll(async () => {
  t = await createTestDatabase();
  app = createApp({
    db: t.db,
    databaseUrl: t.url,
    logger: createLogger("silent"),
    limiter: createRateLimiter({ maxFailures: 5, windowMs: 60_000, now: Date.now }),
    now: () => new Date(),
    secureCookies: false,
  });
  owner = await loginAs(app, t.db, "data.owner", ["data_owner"]);
});
afterAll(() => t.drop());

const JUMIN = [
  "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別,続柄,抽出日",
  "1001,501,山田 太郎,ヤマダ タロウ,1985-04-01,1,世帯主,2025-04-01",
  "1002,501,山田 花子,ヤマダ ハナコ,R1.5.1,2,子,2025-04-01",
  "1003,501,<script>alert(1)</script>,ヤマダ,2023-02-30,2,子,2025-04-01",
  "",
].join("\r\n");

async function upload(client: Client, fileName: string, body: string | Uint8Array, query = "") {
  const res = await client.request(
    `/api/imports?fileName=${encodeURIComponent(fileName)}${query}`,
    {
      method: "POST",
      body: typeof body === "string" ? body : Buffer.from(body).toString("latin1"),
      headers: { "Content-Type": "application/octet-stream" },
    },
  );
  return { status: res.status, body: (await res.json()) as ImportReportView | ApiError };
}

/**
 * A refused source: the upload, its dry run and a 手入力 of `manualSource` each
 * answer 200 with a failed report (the file uploads with `message`), and the
 * import list is unchanged.
 */
async function expectRefused(
  client: Client,
  file: { name: string; body: string; message: string },
  manual: { source: string; row: Record<string, string> },
) {
  const before = await owner.json<SnapshotView[]>("/api/imports");
  for (const query of ["&asOf=2025-04-01&dryRun=true", "&asOf=2025-04-01"]) {
    const r = await upload(client, file.name, file.body, query);
    expect(r.status, query).toBe(200);
    const report = r.body as ImportReportView;
    if (report.status !== "failed") throw new Error(`not failed: ${report.status}`);
    expect(report.message).toContain(file.message);
  }
  const typed = await client.json<ImportReportView>("/api/imports/manual", {
    method: "POST",
    body: { source: manual.source, asOf: "2025-04-01", rows: [manual.row] },
  });
  expect(typed.status).toBe(200);
  expect(typed.body.status).toBe("failed");
  const after = await owner.json<SnapshotView[]>("/api/imports");
  expect(after.body).toHaveLength(before.body.length);
}

describe("imports API (PostgreSQL)", () => {
  it("imports an uploaded CSV and reports the bad row with row, column and reason", async () => {
    const r = await upload(owner, "jumin.csv", JUMIN);
    expect(r.status).toBe(200);
    const report = r.body as ImportReportView;
    if (report.status !== "imported") throw new Error(`unexpected ${report.status}`);
    expect(report.sourceId).toBe("jumin");
    expect(report.rowsRead).toBe(3);
    expect(report.rowsStored).toBe(2);
    expect(report.rowsRejected).toBe(1);
    expect(report.rejections[0]).toMatchObject({ row: 3, column: "生年月日", value: "2023-02-30" });
  });

  it("detects the same content uploaded twice", async () => {
    const r = await upload(owner, "jumin.csv", JUMIN);
    expect((r.body as ImportReportView).status).toBe("duplicate");
  });

  it("lists the history and the rejected rows", async () => {
    const list = await owner.json<SnapshotView[]>("/api/imports");
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({
      sourceId: "jumin",
      sourceName: "住民基本台帳",
      rowsStored: 2,
      rowsRejected: 1,
    });
    const rej = await owner.json<{ row: number; errors: { column: string }[] }[]>(
      `/api/imports/${list.body[0]?.id}/rejections`,
    );
    expect(rej.body.map((x) => x.row)).toEqual([3]);
    const sources = await owner.json<SourceView[]>("/api/imports/sources");
    expect(sources.body).toHaveLength(19);
  });

  it("refuses an unknown file with the list of known sources, storing nothing", async () => {
    const r = await upload(owner, "unknown.csv", "a,b\n1,2\n");
    const report = r.body as ImportReportView;
    expect(report.status).toBe("failed");
    if (report.status === "failed") expect(report.details.join(" ")).toContain("jumin");
    expect((await owner.json<SnapshotView[]>("/api/imports")).body).toHaveLength(1);
  });

  it("stores a manual entry marked as manual", async () => {
    const r = await owner.json<ImportReportView>("/api/imports/manual", {
      method: "POST",
      body: {
        source: "sanpu_kenshin",
        asOf: "2025-04-01",
        rows: [{ 母宛名番号: "1001", 健診日: "2025-03-01", EPDS合計点: "11" }],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "imported", rowsStored: 1, rowsRejected: 0 });
    const list = await owner.json<SnapshotView[]>("/api/imports");
    expect(list.body[0]).toMatchObject({ sourceId: "sanpu_kenshin", manual: true });
  });

  it("is closed to roles without data.import", async () => {
    const staff = await loginAs(app, t.db, "staff.member", ["staff"]);
    expect((await staff.json<ApiError>("/api/imports")).status).toBe(403);
    expect((await upload(staff, "jumin.csv", JUMIN)).status).toBe(403);
  });
});

describe("要対協 / 一時保護 sources", () => {
  const YOTAIKYO = [
    "宛名番号,氏名,氏名カナ,生年月日,性別,登録日,終結日,登録種別",
    "2001,青木 亮一,アオキ リョウイチ,2012-08-11,男,2018-12-02,,養護",
    "",
  ].join("\r\n");

  it("a non-member data owner is refused in Japanese (not a 500), audited, and nothing is stored", async () => {
    await expectRefused(
      owner,
      { name: "yotaikyo.csv", body: YOTAIKYO, message: "要対協の構成員だけ" },
      {
        source: "ichiji_hogo",
        row: { 宛名番号: "2001", 氏名: "青木 亮一", 生年月日: "2012-08-11" },
      },
    );
    const audited = await sql<{ n: string }>`
      SELECT count(*) AS n FROM audit_log
       WHERE action = 'import.file' AND detail->>'status' = 'failed'
         AND detail->>'sourceId' IN ('yotaikyo', 'ichiji_hogo')`.execute(t.db);
    expect(Number(audited.rows[0]?.n)).toBeGreaterThanOrEqual(2);
    // A member brings the same file in.
    const member = await loginAs(app, t.db, "data.owner.member", ["data_owner"], { council: true });
    const ok = await upload(member, "yotaikyo.csv", YOTAIKYO, "&asOf=2025-04-01");
    expect((ok.body as ImportReportView).status).toBe("imported");
  });
});

describe("抽出日 in the future", () => {
  it("is refused in Japanese for an upload and for 手入力, storing nothing", async () => {
    const before = await owner.json<SnapshotView[]>("/api/imports");
    const next = new Date(Date.now() + 9 * 3600_000 + 2 * 86_400_000).toISOString().slice(0, 10);
    const r = await upload(
      owner,
      "jumin.csv",
      JUMIN.replaceAll("2025-04-01", "2025-04-02"),
      `&asOf=${next}`,
    );
    expect(r.status).toBe(400);
    expect((r.body as ApiError).error.message).toContain("今日");
    const manual = await owner.json<ApiError>("/api/imports/manual", {
      method: "POST",
      body: {
        source: "sodan_kiroku",
        asOf: "2099-12-01",
        rows: [{ 宛名番号: "1001", 相談日: "2025-04-01", 相談分野: "その他" }],
      },
    });
    expect(manual.status).toBe(400);
    expect(manual.body.error.message).toContain("抽出日（2099-12-01）が今日");
    expect((await owner.json<SnapshotView[]>("/api/imports")).body).toHaveLength(
      before.body.length,
    );
  });
});

describe("抽出日 in the future read from the uploaded file itself", () => {
  it("in its name: the file is refused in Japanese; in its 抽出日 column: those rows are", async () => {
    const before = await owner.json<SnapshotView[]>("/api/imports");
    const next = new Date(Date.now() + 9 * 3600_000 + 2 * 86_400_000).toISOString().slice(0, 10);
    const noColumn = JUMIN.split("\r\n")
      .map((l) => l.replace(/,[^,]*$/, ""))
      .join("\r\n");
    const named = await upload(owner, `jumin_${next}.csv`, noColumn);
    expect(named.status).toBe(200);
    const failed = named.body as ImportReportView;
    expect(failed.status).toBe("failed");
    expect(failed.status === "failed" && failed.message).toContain(
      `ファイル名から読み取った抽出日（${next}）が今日`,
    );
    expect((await owner.json<SnapshotView[]>("/api/imports")).body).toHaveLength(
      before.body.length,
    );
    const column = await upload(owner, "jumin-future.csv", JUMIN.replaceAll("2025-04-01", next));
    const all = column.body as ImportReportView;
    expect(all.status).toBe("failed");
    expect(all.status === "failed" && all.rejections?.[0]?.reason).toContain(
      `抽出日（${next}）が今日`,
    );
  });
});

describe("データ提供: only the account's own sources (0088)", () => {
  const GAKUREI = [
    "宛名番号,氏名,氏名カナ,生年月日,性別,学校名,学年,抽出日",
    "3001,佐藤 一郎,サトウ イチロウ,2015-06-01,男,中央小学校,4,2025-04-01",
    "",
  ].join("\r\n");

  it("the administrator narrows a data owner to 住民基本台帳; other sources are refused in Japanese, audited, nothing stored, and hidden from the history", async () => {
    const admin = await loginAs(app, t.db, "admin.sources", ["admin"]);
    let narrow = await loginAs(app, t.db, "data.owner.jumin", ["data_owner"]);
    const id = Number(
      (
        await sql<{
          id: number;
        }>`SELECT id FROM app_user WHERE login_name = 'data.owner.jumin'`.execute(t.db)
      ).rows[0]?.id,
    );
    // Before narrowing: every source (accounts made before 0088 keep working).
    expect((await narrow.json<SourceView[]>("/api/imports/sources")).body.length).toBeGreaterThan(
      1,
    );

    const bad = await admin.json<ApiError>(`/api/users/${id}/import-sources`, {
      method: "PUT",
      body: { sources: ["jumin", "no_such_source"] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("no_such_source");

    const set = await admin.json<{ importSources: string[] | null }>(
      `/api/users/${id}/import-sources`,
      { method: "PUT", body: { sources: ["jumin"] } },
    );
    expect(set.status).toBe(200);
    expect(set.body.importSources).toEqual(["jumin"]);
    // A privilege changed: the session ended.
    expect((await narrow.json("/api/auth/me")).status).toBe(401);
    narrow = createClient(app);
    expect(
      (
        await narrow.json("/api/auth/login", {
          method: "POST",
          body: { loginName: "data.owner.jumin", password: "data.owner.jumin-password-123" },
        })
      ).status,
    ).toBe(200);

    const sources = await narrow.json<SourceView[]>("/api/imports/sources");
    expect(sources.body.map((s) => s.id)).toEqual(["jumin"]);

    await expectRefused(
      narrow,
      {
        name: "gakurei.csv",
        body: GAKUREI,
        message: "このアカウントが取り込めるデータに含まれていません",
      },
      {
        source: "gakureibo",
        row: { 宛名番号: "3001", 氏名: "佐藤 一郎", 生年月日: "2015-06-01" },
      },
    );
    const refused = await sql<{ n: string }>`
      SELECT count(*) AS n FROM audit_log
       WHERE action = 'import.file' AND actor = 'data.owner.jumin'
         AND detail->>'status' = 'failed' AND detail->>'sourceId' = 'gakureibo'`.execute(t.db);
    expect(Number(refused.rows[0]?.n)).toBe(3);

    // Its own source goes in; another department's imports are not listed, and
    // their rejected rows answer as missing.
    const own = await upload(narrow, "jumin-own.csv", JUMIN.replaceAll("2025-04-01", "2025-05-01"));
    expect((own.body as ImportReportView).status).toBe("imported");
    const other = await upload(owner, "gakurei.csv", GAKUREI);
    const otherReport = other.body as ImportReportView;
    if (otherReport.status !== "imported") throw new Error(`not imported: ${otherReport.status}`);
    const listed = await narrow.json<SnapshotView[]>("/api/imports");
    expect(listed.body.length).toBeGreaterThan(0);
    expect(listed.body.every((s) => s.sourceId === "jumin")).toBe(true);
    const history = await narrow.json<{ sourceId: string }[]>("/api/imports/history");
    expect(history.body.map((h) => h.sourceId)).toEqual(["jumin"]);
    const hidden = await narrow.request(`/api/imports/${otherReport.snapshotId}/rejections`);
    expect(hidden.status).toBe(404);

    const audited = await sql<{ detail: unknown }>`
      SELECT detail FROM audit_log WHERE action = 'user.import_sources'`.execute(t.db);
    expect(audited.rows[0]?.detail).toMatchObject({ before: null, after: ["jumin"] });

    // Back to every source.
    const all = await admin.json<{ importSources: string[] | null }>(
      `/api/users/${id}/import-sources`,
      { method: "PUT", body: { sources: null } },
    );
    expect(all.body.importSources).toBeNull();
  });
});
