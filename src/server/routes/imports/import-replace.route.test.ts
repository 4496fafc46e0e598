/**
 * Issue 16 through the API: a broken or all-rejected upload replaces nothing;
 * a replacement needs a preview and a confirmation; it can be undone; the
 * history tells what happened; rejected rows download as a guarded CSV; a
 * zod failure answers in Japanese.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { type Client, loginAs } from "../../../../test/http.ts";
import type { ImportHistoryView, ImportReportView, SourceView } from "../../api-types.ts";
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
  owner = await loginAs(app, t.db, "data.owner2", ["data_owner"]);
});
afterAll(() => t.drop());

const HEADER = "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別,続柄";
const GOOD = `${HEADER}\n1001,501,山田 太郎,ヤマダ タロウ,1985-04-01,1,世帯主\n1002,501,山田 花子,ヤマダ ハナコ,R1.5.1,2,子\n`;
const GOOD2 = `${GOOD}1003,501,山田 次郎,ヤマダ ジロウ,R3.5.1,1,子\n`;
const ALL_BAD = `${HEADER}\n1001,501,山田 太郎,,だめ,1,世帯主\n1002,501,=cmd|' /C calc'!A0,,?,2,子\n`;

async function upload(fileName: string, body: string, query = "") {
  const res = await owner.request(
    `/api/imports?fileName=${encodeURIComponent(fileName)}&asOf=2025-04-01${query}`,
    { method: "POST", body, headers: { "Content-Type": "application/octet-stream" } },
  );
  return { status: res.status, body: (await res.json()) as ImportReportView & ApiError };
}
const history = async () =>
  (await owner.json<ImportHistoryView>("/api/imports/history?source=jumin")).body[0];

describe("uploads that would lose or replace data (PostgreSQL)", () => {
  let firstId = 0;
  let secondId = 0;

  it("a file whose rows are all rejected replaces nothing and says so in Japanese", async () => {
    const first = await upload("jumin.csv", GOOD);
    if (first.body.status !== "imported") throw new Error(JSON.stringify(first.body));
    firstId = first.body.snapshotId;
    const bad = await upload("jumin.csv", ALL_BAD, "&confirmReplace=");
    expect(bad.status).toBe(200);
    expect(bad.body.status).toBe("failed");
    if (bad.body.status !== "failed") return;
    expect(bad.body.message).toContain("すべてがエラーのため、取り込んでいません");
    expect(bad.body.rejections).toHaveLength(2);
    const h = await history();
    expect(h?.versions.map((v) => [v.id, v.current])).toEqual([[firstId, true]]);
  });

  it("a broken CSV replaces nothing", async () => {
    const broken = await upload("jumin.csv", `${HEADER}\n1001,"501,山田\n`);
    expect(broken.body.status).toBe("failed");
    expect((await history())?.versions).toHaveLength(1);
  });

  it("a replacement is shown first (dry run), refused without confirmation, then done when confirmed", async () => {
    const dry = await upload("jumin.csv", GOOD2, "&dryRun=true");
    if (dry.body.status !== "preview") throw new Error(JSON.stringify(dry.body));
    expect(dry.body.reason).toBe("dry_run");
    expect(dry.body.wouldReplace.map((x) => [x.id, x.rowsStored])).toEqual([[firstId, 2]]);
    const unconfirmed = await upload("jumin.csv", GOOD2);
    if (unconfirmed.body.status !== "preview") throw new Error(JSON.stringify(unconfirmed.body));
    expect(unconfirmed.body.reason).toBe("confirmation_needed");
    expect((await history())?.versions).toHaveLength(1);

    const confirmed = await upload("jumin.csv", GOOD2, `&confirmReplace=${firstId}`);
    if (confirmed.body.status !== "imported") throw new Error(JSON.stringify(confirmed.body));
    secondId = confirmed.body.snapshotId;
    expect(confirmed.body.replaced.map((x) => x.id)).toEqual([firstId]);
    const h = await history();
    expect(h?.versions[0]).toMatchObject({ id: secondId, current: true, canUndo: true });
    expect(h?.versions[0]?.replaced[0]).toMatchObject({ snapshotId: firstId, kind: "replace" });
    expect(h?.versions[1]).toMatchObject({ id: firstId, current: false, replacedBy: secondId });
  });

  it("undo restores the replaced version; the history shows who undid it", async () => {
    const r = await owner.json<{ restored: { id: number }[] }>(`/api/imports/${secondId}/undo`, {
      method: "POST",
    });
    expect(r.status).toBe(200);
    expect(r.body.restored.map((x) => x.id)).toEqual([firstId]);
    const h = await history();
    expect(h?.versions.find((v) => v.id === firstId)?.current).toBe(true);
    expect(h?.versions[0]?.replaced[0]?.undoneBy).toBe("data.owner2");
    const again = await owner.json<ApiError>(`/api/imports/${secondId}/undo`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("元に戻せません");
  });

  it("rejected rows download as a formula-guarded CSV, audited", async () => {
    const partly = await upload(
      "jumin_b.csv",
      `${GOOD}1004,501,=HYPERLINK("x"),,だめ,1,子\n`,
      "&confirmReplace=",
    );
    if (partly.body.status !== "imported") throw new Error(JSON.stringify(partly.body));
    const res = await owner.request(`/api/imports/${partly.body.snapshotId}/rejections.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM: Excel reads UTF-8
    const text = bytes.subarray(3).toString("utf8");
    expect(text.startsWith("データ行,ファイルの行,エラーの内容,")).toBe(true);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["target"])
      .where("action", "=", "import.rejections.download")
      .execute();
    expect(audit).toEqual([{ target: `import_snapshot:${partly.body.snapshotId}` }]);
  });

  it("the form's layouts: 抽出日 asked once (not a column), 性別 and yes/no as choices", async () => {
    const sources = await owner.json<SourceView[]>("/api/imports/sources");
    const jumin = sources.body.find((s) => s.id === "jumin");
    expect(jumin?.columns.map((c) => c.name)).not.toContain("抽出日");
    expect(jumin?.columns.find((c) => c.name === "性別")?.options).toEqual(["男", "女", "不明"]);
    const nyuyoji = sources.body.find((s) => s.id === "nyuyoji_kenshin");
    expect(nyuyoji?.columns.find((c) => c.name === "要フォロー")?.options).toEqual([
      "はい",
      "いいえ",
    ]);
  });

  it("a zod failure answers in Japanese, never zod's English", async () => {
    const res = await owner.request("/api/imports/history?source=X!");
    expect(res.status).toBe(400);
    const body = (await res.json()) as ApiError;
    for (const d of [body.error.message, ...body.error.details])
      expect(d).toMatch(/[ぁ-んァ-ン一-龥]/);
    const res2 = await owner.request("/api/imports/abc/rejections.csv");
    const body2 = (await res2.json()) as ApiError;
    expect(body2.error.details.join(" ")).not.toMatch(/expected|received|Invalid/);
  });
});
