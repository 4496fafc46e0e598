/**
 * The per-municipality case-retention setting (issue 12): 総括管理 reads the
 * default, saves a setting with a reason (zod refuses bad values in
 * Japanese), the change is audited, staff is refused, and
 * `retention --cases` uses the stored setting when given no option.
 */
import { tmpdir } from "node:os";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { createTestApp, loginAs } from "../../../../test/http.ts";
import { retentionCommand } from "../../../cli/commands/retention.ts";
import type { App } from "../../app.ts";

let t: TestDatabase;
let app: App;

beforeAll(async () => {
  t = await createTestDatabase();
  app = await createTestApp(t.db, t.appUrl);
});

afterAll(() => t?.drop());

type Setting = {
  closedYears: number;
  untilAge: number | null;
  stored: boolean;
  updatedBy: string | null;
};

async function cliPolicy(): Promise<{ closedYears: number; untilAge: number | null }> {
  const writes: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    writes.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await retentionCommand.run(["--cases", "--dry-run", "--json"], {
      databaseUrl: t.url,
      home: tmpdir(),
    } as Parameters<typeof retentionCommand.run>[1]);
    expect(code).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(writes.join("")).policy;
}

describe("終結ケースの保存期間の設定", () => {
  it("starts at the default, is saved with a reason and audited, and drives retention --cases", async () => {
    const coord = await loginAs(app, t.db, "coord", ["coordinator"]);
    const first = await coord.json<Setting>("/api/case-retention");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ closedYears: 5, untilAge: 18, stored: false });
    expect(await cliPolicy()).toEqual({ closedYears: 5, untilAge: 18 });

    const bad = await coord.json<{ error: { message: string } }>("/api/case-retention", {
      method: "PUT",
      body: { closedYears: -1, untilAge: 18, note: "規程の改正" },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("0 以上にしてください");
    const noReason = await coord.json("/api/case-retention", {
      method: "PUT",
      body: { closedYears: 10, untilAge: null, note: " " },
    });
    expect(noReason.status).toBe(400);

    const saved = await coord.json<Setting>("/api/case-retention", {
      method: "PUT",
      body: { closedYears: 10, untilAge: null, note: "文書管理規程の改正" },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      closedYears: 10,
      untilAge: null,
      stored: true,
      updatedBy: "coord",
    });
    expect((await coord.json<Setting>("/api/case-retention")).body.closedYears).toBe(10);

    const audit = await sql<{ detail: { note: string; after: object } }>`
      SELECT detail FROM audit_log WHERE action = 'retention.case_policy'`.execute(t.db);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]?.detail.note).toBe("文書管理規程の改正");
    expect(audit.rows[0]?.detail.after).toEqual({ closedYears: 10, untilAge: null });

    expect(await cliPolicy()).toEqual({ closedYears: 10, untilAge: null });
  });

  it("is refused to staff", async () => {
    const staff = await loginAs(app, t.db, "staff1", ["staff"]);
    expect((await staff.json("/api/case-retention")).status).toBe(403);
    const put = await staff.json("/api/case-retention", {
      method: "PUT",
      body: { closedYears: 1, untilAge: null, note: "x" },
    });
    expect(put.status).toBe(403);
  });
});
