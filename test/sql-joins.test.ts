/**
 * Every join between municipal tables in the repositories carries
 * municipality_id (test/sql-joins.ts; issue 12, docs/ARCHITECTURE.md「分散の準備」).
 * The municipal tables come from the catalog of a migrated database.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFERENCE_TABLES } from "../src/db/distribution.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";
import { findJoins } from "./sql-joins.ts";

let t: TestDatabase;
let municipal: Set<string>;
beforeAll(async () => {
  t = await createTestDatabase();
  const r = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'municipality_id' AND NOT a.attisdropped
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`.execute(t.db);
  municipal = new Set(r.rows.map((x) => x.name).filter((n) => !(n in REFERENCE_TABLES)));
});
afterAll(async () => {
  await t?.drop();
});

const DIR = join(import.meta.dirname, "..", "src", "db");

describe("joins between municipal tables carry municipality_id", () => {
  it("in every repository", () => {
    const findings = readdirSync(DIR)
      .filter((f) => f.endsWith(".repository.ts"))
      .flatMap((f) => findJoins(`src/db/${f}`, readFileSync(join(DIR, f), "utf8"), municipal))
      .map(
        (f) =>
          `${f.file}:${f.line} join of ${f.table} without municipality_id — add "AND x.municipality_id = y.municipality_id" (or list it in test/sql-joins.ts ALLOWED with a reason): ${f.text}`,
      );
    expect(findings).toEqual([]);
  });

  it("the check finds a raw and a Kysely join without it, and accepts them with it", () => {
    const m = new Set(["score_result", "score_run", "link_person"]);
    const bad = `sql\`SELECT 1 FROM score_result r JOIN score_run s ON s.id = r.run_id WHERE 1\`;
      db.selectFrom("score_result as r").innerJoin("link_person as p", (j) => j.onRef("p.person_id", "=", "r.person_id"));
      db.selectFrom("score_result as r").innerJoin("score_run as s", "s.id", "r.run_id");`;
    expect(findJoins("x.repository.ts", bad, m).map((f) => f.table)).toEqual([
      "score_run",
      "link_person",
      "score_run",
    ]);
    const good = `sql\`SELECT 1 FROM score_result r JOIN score_run s ON s.id = r.run_id AND s.municipality_id = r.municipality_id WHERE 1\`;
      db.selectFrom("score_result as r").innerJoin("link_person as p", (j) => j.onRef("p.person_id", "=", "r.person_id").onRef("p.municipality_id", "=", "r.municipality_id"));
      sql\`SELECT 1 FROM score_result r JOIN municipality mu ON mu.id = r.municipality_id\`;`;
    expect(findJoins("x.repository.ts", good, m)).toEqual([]);
  });
});
