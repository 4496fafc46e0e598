import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { withDataScope } from "./scope.ts";
import { FILLED_BY, refreshStatistics } from "./statistics.repository.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

/** pg_class.reltuples is -1 until a table is first analyzed (PostgreSQL ≥ 14). */
async function analyzed(table: string): Promise<boolean> {
  const r = await sql<{
    n: number;
  }>`SELECT reltuples AS n FROM pg_class WHERE relname = ${table}`.execute(t.db);
  return (r.rows[0]?.n ?? -1) >= 0;
}

describe("refreshStatistics", () => {
  it("analyzes the tables a stage fills, also from inside a request's data scope", async () => {
    for (const table of FILLED_BY.linkage) expect(await analyzed(table)).toBe(false);
    // The run engine calls it inside the run's scope (app role, which may not ANALYZE).
    await withDataScope({ municipalityId: 1, council: true }, () =>
      refreshStatistics(t.db, "linkage"),
    );
    for (const table of FILLED_BY.linkage) expect(await analyzed(table)).toBe(true);
    expect(await analyzed("score_item")).toBe(false);
  });
});
