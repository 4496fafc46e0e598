/**
 * The schema stays ready to distribute by municipality_id (issue 12,
 * migration 0096, src/db/distribution.ts): read from the catalog of a freshly
 * migrated database, so a table or key added by any migration is checked.
 */
import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GLOBAL_TABLES, REFERENCE_TABLES } from "../src/db/distribution.ts";
import { migrations } from "../src/db/migrations/index.ts";
import { applyRowSecurity } from "../src/db/row-security.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

interface TableRow {
  table: string;
  municipal: boolean;
  nullable: boolean;
}
interface ConstraintRow {
  table: string;
  name: string;
  kind: string;
  columns: string[];
  ref_table: string | null;
  ref_columns: string[] | null;
}

async function catalog(db = t.db) {
  const tables = (
    await sql<TableRow>`
      SELECT c.relname AS table, a.attname IS NOT NULL AS municipal,
             coalesce(NOT a.attnotnull, false) AS nullable
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'municipality_id' AND NOT a.attisdropped
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      ORDER BY 1`.execute(db)
  ).rows;
  const constraints = (
    await sql<ConstraintRow>`
      SELECT c.relname AS table, k.conname AS name, k.contype::text AS kind,
             array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o) AS columns,
             r.relname AS ref_table,
             CASE WHEN k.contype = 'f' THEN
               array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                     JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o) END AS ref_columns
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class r ON r.oid = k.confrelid
      WHERE n.nspname = current_schema() AND k.contype IN ('p', 'u', 'f')
      UNION ALL
      -- unique indexes backing no constraint (partial ones, for instance)
      SELECT t.relname, i.relname, 'i',
             array(SELECT coalesce(a.attname::text, '(expression)') FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(n, o)
                   LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n
                   WHERE u.o <= x.indnkeyatts ORDER BY u.o),
             NULL, NULL
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND x.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
      ORDER BY 1, 2`.execute(db)
  ).rows;
  return { tables, constraints };
}

const KIND = { p: "primary key", u: "unique key", i: "unique index", f: "foreign key" } as const;
const FIX =
  "add municipality_id as the last column (see migration 0096 and docs/ARCHITECTURE.md「分散の準備」)";

describe("distribution by municipality_id", () => {
  it("every table is municipal (has municipality_id) or listed as reference/global with a reason", async () => {
    const { tables } = await catalog();
    const unlisted = tables
      .filter((r) => !r.municipal && !(r.table in GLOBAL_TABLES) && !(r.table in REFERENCE_TABLES))
      .map(
        (r) =>
          `${r.table}: no municipality_id column. Give it municipality_id (NOT NULL, in its keys) or, if it truly serves the whole server, list it with its reason in src/db/distribution.ts GLOBAL_TABLES`,
      );
    expect(unlisted).toEqual([]);
    // The lists name no table that is gone or that turned municipal.
    const names = new Set(tables.map((r) => r.table));
    const stale = [
      ...Object.keys(GLOBAL_TABLES).filter(
        (n) => !names.has(n) || tables.find((r) => r.table === n)?.municipal,
      ),
      ...Object.keys(REFERENCE_TABLES).filter((n) => !names.has(n)),
    ];
    expect(stale, "src/db/distribution.ts lists tables that are gone or now municipal").toEqual([]);
  });

  it("municipality_id is NOT NULL in every distributed table", async () => {
    const { tables } = await catalog();
    const nullable = tables
      .filter((r) => r.municipal && r.nullable && !(r.table in REFERENCE_TABLES))
      .map((r) => `${r.table}.municipality_id is nullable: a distribution column must be NOT NULL`);
    expect(nullable).toEqual([]);
  });

  it("every primary key, unique key, unique index and foreign key of a distributed table carries municipality_id", async () => {
    const { tables, constraints } = await catalog();
    const distributed = new Set(
      tables.filter((r) => r.municipal && !(r.table in REFERENCE_TABLES)).map((r) => r.table),
    );
    const problems: string[] = [];
    for (const k of constraints) {
      const kind = KIND[k.kind as keyof typeof KIND];
      const from = distributed.has(k.table);
      if (k.kind !== "f") {
        if (from && !k.columns.includes("municipality_id"))
          problems.push(
            `${k.table}: ${kind} ${k.name} (${k.columns.join(", ")}) lacks municipality_id: ${FIX}`,
          );
        continue;
      }
      const ref = k.ref_table ?? "";
      const to = distributed.has(ref);
      if (!to) {
        // References to reference tables are fine from anywhere; a distributed
        // table cannot reference a table that lives only on the coordinator.
        if (from && !(ref in REFERENCE_TABLES))
          problems.push(
            `${k.table}: foreign key ${k.name} references ${ref}, which is neither distributed nor a reference table (src/db/distribution.ts)`,
          );
        continue;
      }
      if (!from) {
        problems.push(
          `${k.table}: foreign key ${k.name} references the municipal table ${ref} from a table without municipality_id: give ${k.table} municipality_id`,
        );
        continue;
      }
      const i = k.columns.indexOf("municipality_id");
      if (i < 0 || k.ref_columns?.[i] !== "municipality_id")
        problems.push(
          `${k.table}: foreign key ${k.name} (${k.columns.join(", ")}) → ${ref} (${(k.ref_columns ?? []).join(", ")}) must match municipality_id to municipality_id: ${FIX}`,
        );
    }
    expect(problems).toEqual([]);
  });

  it("the check sees a key without municipality_id (a table made for the test)", async () => {
    await sql`CREATE TABLE zz_probe (id serial PRIMARY KEY, municipality_id integer NOT NULL)`.execute(
      t.db,
    );
    try {
      const { constraints } = await catalog();
      const probe = constraints.find((k) => k.table === "zz_probe" && k.kind === "p");
      expect(probe?.columns).toEqual(["id"]);
    } finally {
      await sql`DROP TABLE zz_probe`.execute(t.db);
    }
  });

  it("migration 0096 is the last one run", async () => {
    const { migrations } = await import("../src/db/migrations/index.ts");
    const names = Object.keys(migrations);
    expect(names.at(-1), "keep 0096-distribution-keys at the end of migrations/index.ts").toBe(
      "0096-distribution-keys",
    );
  });

  it("a municipal table newer than 0096 has municipality_id in its own keys without 0096", async () => {
    // 0096 runs once: on a database that already ran it, a table that a
    // later-merged migration adds is not widened (even one numbered before
    // 0096). So such a table must carry municipality_id in its primary and
    // unique keys, and in foreign keys to other such tables, by itself.
    // (A foreign key to a table below cannot: before 0096 their keys are narrow.)
    const bare = await createTestDatabase({ migrate: false });
    try {
      const { "0096-distribution-keys": _, ...rest } = migrations;
      const { error } = await new Migrator({
        db: bare.db,
        provider: { getMigrations: async () => rest },
        allowUnorderedMigrations: true,
      }).migrateToLatest();
      if (error) throw error;
      await applyRowSecurity(bare.db);
      const { tables, constraints } = await catalog(bare.db);
      const newer = new Set(
        tables
          .filter(
            (r) => r.municipal && !(r.table in REFERENCE_TABLES) && !WIDENED_BY_0096.has(r.table),
          )
          .map((r) => r.table),
      );
      const problems = constraints
        .filter((k) => newer.has(k.table) && (k.kind !== "f" || newer.has(k.ref_table ?? "")))
        .filter((k) => !k.columns.includes("municipality_id"))
        .map(
          (k) =>
            `${k.table}: ${KIND[k.kind as keyof typeof KIND]} ${k.name} (${k.columns.join(", ")}) lacks municipality_id; 0096 will not widen it on a database that already ran 0096: write it with municipality_id as its last column`,
        );
      expect(problems).toEqual([]);
    } finally {
      await bare.drop();
    }
  });
});

/** The municipal tables that existed when 0096 was written (it widened their keys). */
const WIDENED_BY_0096 = new Set([
  "break_glass",
  "case_event",
  "case_retention_setting",
  "child_case",
  "conference",
  "fact_correction",
  "follow_up",
  "gaiji_table",
  "home_flagged",
  "home_flagged_run",
  "import_replacement",
  "import_row",
  "import_snapshot",
  "link_decision",
  "link_id_counter",
  "link_identity",
  "link_mother_child",
  "link_person",
  "link_person_event",
  "link_record",
  "link_review",
  "link_run",
  "mail_outbox",
  "masking_rule_version",
  "municipality_setting",
  "notification",
  "person_retention_setting",
  "person_search_key",
  "pseudonym_key",
  "purge_log",
  "result_evaluation",
  "retention_policy",
  "review_list",
  "review_list_entry",
  "rule_version",
  "run_job",
  "score_child",
  "score_item",
  "score_result",
  "score_run",
  "sheet_request",
  "sheet_template",
  "source_declaration",
  "support_action",
  "support_plan",
  "usage_stop",
]);
