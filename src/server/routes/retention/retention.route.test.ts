/**
 * 保存期間の設定 over the API (issue 12): the three retention settings in one
 * place (the one route since /api/case-retention was merged into it), read
 * through the repository the CLI uses; saving needs a reason and
 * settings.manage, is audited with before/after, leaves the others alone, and
 * the saved case setting drives `retention --cases`.
 */
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/db.ts";
import { type Client, createTestApp, loginAs } from "../../../../test/http.ts";
import { retentionCommand } from "../../../cli/commands/retention.ts";
import { createMunicipalityRepository } from "../../../db/municipality.repository.ts";
import { createPersonRetentionRepository } from "../../../db/person-retention.repository.ts";
import { createRetentionRepository } from "../../../db/retention.repository.ts";
import type { App } from "../../app.ts";

let t: TestDatabase;
let app: App;
let coordinator: Client;

interface Settings {
  snapshots: { keepSnapshots: number; keepMonths: number | null; stored: boolean };
  cases: { closedYears: number; untilAge: number | null; stored: boolean };
  persons: { years: number; stored: boolean; updatedBy: string | null };
}

beforeAll(async () => {
  t = await createTestDatabase();
  app = await createTestApp(t.db, t.url);
  coordinator = await loginAs(app, t.db, "ret-sokatsu", ["coordinator"]);
});
afterAll(() => t?.drop());

describe("/api/retention", () => {
  it("shows the defaults, saves what is given with a reason, and audits before and after", async () => {
    const first = await coordinator.json<Settings>("/api/retention");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      snapshots: { keepSnapshots: 1, keepMonths: 13, stored: false },
      cases: { closedYears: 5, untilAge: 18, stored: false },
      persons: { years: 5, stored: false },
    });
    const noReason = await coordinator.json("/api/retention", {
      method: "PUT",
      body: { persons: { years: 7 } },
    });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain("変更の理由を入力してください");
    const saved = await coordinator.json<Settings>("/api/retention", {
      method: "PUT",
      body: {
        persons: { years: 7 },
        snapshots: { keepSnapshots: 2, keepMonths: null },
        reason: "条例改正",
      },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      snapshots: { keepSnapshots: 2, keepMonths: null, stored: true },
      cases: { closedYears: 5, stored: false },
      persons: { years: 7, stored: true, updatedBy: "ret-sokatsu" },
    });
    // The CLI's repositories read the same rows.
    const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
    expect((await createPersonRetentionRepository(t.db).getSetting(m.id))?.years).toBe(7);
    expect((await createRetentionRepository(t.db).getPolicy(m.id))?.keepSnapshots).toBe(2);
    const row = await t.db
      .selectFrom("audit_log")
      .select(["actor", "detail"])
      .where("action", "=", "retention.settings")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      actor: "ret-sokatsu",
      detail: {
        note: "条例改正",
        before: { persons: { years: 5 } },
        after: { persons: { years: 7 }, snapshots: { keepSnapshots: 2, keepMonths: null } },
      },
    });
  });

  it("saves the closed-case setting that retention --cases applies, refusing bad values in Japanese", async () => {
    const bad = await coordinator.json<{ error: { message: string } }>("/api/retention", {
      method: "PUT",
      body: { cases: { closedYears: -1, untilAge: 18 }, reason: "規程の改正" },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("終結から残す年数は 0 以上にしてください");
    const saved = await coordinator.json<Settings>("/api/retention", {
      method: "PUT",
      body: { cases: { closedYears: 10, untilAge: null }, reason: "文書管理規程の改正" },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.cases).toMatchObject({ closedYears: 10, untilAge: null, stored: true });
    expect(await cliCasePolicy()).toEqual({ closedYears: 10, untilAge: null });
  });

  it("refuses an empty change and roles without settings.manage", async () => {
    const empty = await coordinator.json("/api/retention", {
      method: "PUT",
      body: { reason: "なし" },
    });
    expect(empty.status).toBe(400);
    const staff = await loginAs(app, t.db, "ret-tanto", ["staff"]);
    expect((await staff.json("/api/retention")).status).toBe(403);
    const auditor = await loginAs(app, t.db, "ret-kansa", ["auditor"]);
    expect(
      (
        await auditor.json("/api/retention", {
          method: "PUT",
          body: { persons: { years: 1 }, reason: "x" },
        })
      ).status,
    ).toBe(403);
  });
});

/** The case policy `retention --cases --dry-run` would apply (it reads the stored setting). */
async function cliCasePolicy(): Promise<{ closedYears: number; untilAge: number | null }> {
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
