import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createAuditRepository } from "./audit.repository.ts";
import { createMunicipalityRepository } from "./municipality.repository.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("audit log (PostgreSQL)", () => {
  it("appends rows in a hash chain that verifies", async () => {
    const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
    const audit = createAuditRepository(t.db);
    for (let i = 0; i < 5; i++) {
      await audit.append({
        municipalityId: m.id,
        actorUserId: null,
        actor: "system",
        action: "test",
        detail: { i },
      });
    }
    const rows = await audit.list({ municipalityId: m.id, limit: 10 });
    expect(rows.map((r) => (r.detail as { i: number }).i)).toEqual([4, 3, 2, 1, 0]);
    expect(await audit.verifyChain()).toEqual({ ok: true, rows: 5, firstBadId: null });
  });

  it("refuses UPDATE, DELETE and TRUNCATE", async () => {
    await expect(sql`UPDATE audit_log SET actor = 'x'`.execute(t.db)).rejects.toThrow(/追記のみ/);
    await expect(sql`DELETE FROM audit_log`.execute(t.db)).rejects.toThrow(/追記のみ/);
    await expect(sql`TRUNCATE audit_log`.execute(t.db)).rejects.toThrow(/追記のみ/);
  });

  it("detects a row edited behind the triggers' back", async () => {
    const audit = createAuditRepository(t.db);
    // A superuser can disable triggers; the chain still shows the edit.
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`.execute(t.db);
    await sql`UPDATE audit_log SET actor = 'someone-else' WHERE id = (SELECT min(id) + 2 FROM audit_log)`.execute(
      t.db,
    );
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`.execute(t.db);
    const result = await audit.verifyChain();
    expect(result.ok).toBe(false);
    const min = await sql<{ id: string }>`SELECT min(id)::text AS id FROM audit_log`.execute(t.db);
    expect(result.firstBadId).toBe(String(Number(min.rows[0]?.id) + 2));
  });
});
