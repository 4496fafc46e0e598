import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { RUN_PARTITIONS } from "./run-partition.ts";
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
    // Tables partitioned per run (0064): two runs' partitions, an older and the newest.
    for (const table of RUN_PARTITIONS.link_run)
      for (const run of [9, 10])
        await sql
          .raw(`CREATE TABLE ${table}_r${run} PARTITION OF ${table} FOR VALUES IN (${run})`)
          .execute(t.db);
    const partitioned = new Set<string>(RUN_PARTITIONS.link_run);
    const plain = FILLED_BY.linkage.filter((table) => !partitioned.has(table));
    for (const table of plain) expect(await analyzed(table)).toBe(false);
    for (const table of RUN_PARTITIONS.link_run) expect(await analyzed(`${table}_r10`)).toBe(false);
    // The run engine calls it inside the run's scope (app role, which may not ANALYZE).
    await withDataScope({ municipalityId: 1, council: true }, () =>
      refreshStatistics(t.db, "linkage"),
    );
    for (const table of plain) expect(await analyzed(table), table).toBe(true);
    // The run just written (the newest partition, run 10 sorting after run 9 as a number),
    // not every earlier run's partition again.
    for (const table of RUN_PARTITIONS.link_run) {
      expect(await analyzed(`${table}_r10`), table).toBe(true);
      expect(await analyzed(`${table}_r9`), table).toBe(false);
    }
    expect(await analyzed("score_item")).toBe(false);
  });
});
