/**
 * Retention per case against PostgreSQL (issue 12): closed cases are deleted
 * with their whole trail once both the years after closing and the child's
 * 18th birthday have passed; a closed case of a younger child and an open
 * case stay; a dry run deletes nothing; the purge records counts only; the
 * case trail still refuses every other delete.
 */
import { tmpdir } from "node:os";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retentionCommand } from "../../src/cli/commands/retention.ts";
import { createCaseRepository } from "../../src/db/case.repository.ts";
import { withDataScope } from "../../src/db/scope.ts";
import type { DataScope } from "../../src/domain/policy/index.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import {
  DEFAULT_CASE_RETENTION,
  purgeableFrom,
  purgeCases,
  yearsAfter,
} from "../../src/pipeline/case-retention.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type ScoredVillage, scoredVillage } from "../workflow.ts";

let t: TestDatabase;
let v: ScoredVillage;
const actor = { userId: null, loginName: "coord.retention" };
let older = "";
let younger = "";
let open = "";
let olderBirth = "";
let youngerBirth = "";

beforeAll(async () => {
  t = await createTestDatabase();
  v = await scoredVillage(t, "保存町");
  // Flagged children with their birth dates: an older and a younger one.
  const born = await sql<{ person_id: string; birth: string }>`
    SELECT p.person_id, to_char(p.birth_date, 'YYYY-MM-DD') AS birth FROM link_person p
     WHERE p.person_id = ANY(${v.flagged.map((f) => f.personId)}) AND p.birth_date IS NOT NULL
       AND p.run_id = (SELECT max(id) FROM link_run)
     ORDER BY p.birth_date, p.person_id`.execute(t.db);
  const rows = born.rows;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const middle = rows[Math.floor(rows.length / 2)];
  if (!first || !last || !middle || first.birth.slice(0, 4) >= last.birth.slice(0, 4))
    throw new Error("the village needs flagged children of different ages");
  older = first.person_id;
  olderBirth = first.birth;
  younger = last.person_id;
  youngerBirth = last.birth;
  open = middle.person_id;
  const scope: DataScope = {
    municipalityId: v.municipalityId,
    council: true,
    userId: 1,
    children: "all",
    affiliation: null,
  };
  const repo = createCaseRepository(t.db);
  await withDataScope({ municipalityId: v.municipalityId, council: true }, async () => {
    const list = await repo.ensureList(scope, actor, "2024-04", v.runId);
    const difficulty = (id: string) => v.flagged.find((f) => f.personId === id)?.difficulty ?? "";
    const entries = await repo.addEntries(
      scope,
      actor,
      list.id,
      [older, younger, open].map((personId) => ({ personId, difficulty: difficulty(personId) })),
    );
    for (const e of entries)
      if (e.personId !== open)
        await repo.act(scope, actor, e.caseId, { kind: "close" }, { reason: "支援不要と判断" });
  });
}, 300_000);

afterAll(async () => {
  await t?.drop();
  v?.cleanup();
});

// The case tables are read with SQL (they are not in the Kysely schema; the case repository uses SQL).
const caseOf = async (personId: string) =>
  (
    await sql<{ id: number; state: string }>`SELECT id, state FROM child_case
       WHERE person_id = ${personId}`.execute(t.db)
  ).rows;

describe("retention per case", () => {
  it("keeps a closed case until both the years after closing and the 18th birthday have passed", () => {
    const c = { id: 1, personId: "P1", closedOn: "2024-05-01", birthDate: "2020-02-29" };
    expect(purgeableFrom(c, DEFAULT_CASE_RETENTION)).toBe("2038-02-28");
    expect(purgeableFrom({ ...c, birthDate: "2000-01-01" }, DEFAULT_CASE_RETENTION)).toBe(
      "2029-05-01",
    );
    expect(purgeableFrom({ ...c, birthDate: null }, DEFAULT_CASE_RETENTION)).toBe("2029-05-01");
    expect(purgeableFrom(c, { closedYears: 1, untilAge: null })).toBe("2025-05-01");
  });

  it("a dry run deletes nothing and says how many would go", async () => {
    const closedOn = new Date().toISOString().slice(0, 10);
    // The day the older child's closed case is due, but the younger child's is not.
    const today = yearsAfter(closedOn, 6);
    expect(yearsAfter(olderBirth, 18) <= today).toBe(true);
    expect(yearsAfter(youngerBirth, 18) > today).toBe(true);
    const r = await withDataScope({ municipalityId: v.municipalityId, council: true }, () =>
      purgeCases(t.db, {
        municipalityId: v.municipalityId,
        policy: DEFAULT_CASE_RETENTION,
        today,
        dryRun: true,
        actor,
      }),
    );
    expect(r).toMatchObject({ closedCases: 2, purgedCases: 1, counts: {}, dryRun: true });
    expect(await caseOf(older)).toHaveLength(1);
  });

  it("deletes the due case with its trail and list entry, keeps the others, and logs counts only", async () => {
    const today = yearsAfter(new Date().toISOString().slice(0, 10), 6) as IsoDate;
    const [target] = await caseOf(older);
    const eventsBefore = (
      await sql<{ id: number }>`SELECT id FROM case_event WHERE case_id = ${target?.id}`.execute(
        t.db,
      )
    ).rows;
    expect(eventsBefore.length).toBeGreaterThan(1);
    // The trail refers to its case by (case_id, municipality_id) since
    // migration 0096: the purge must follow multi-column keys, not only
    // single-column ones (it once did, and left such dependents to block it).
    const keys = await sql<{ columns: number }>`
      SELECT cardinality(conkey)::int AS columns FROM pg_constraint
       WHERE contype = 'f' AND conrelid = 'case_event'::regclass
         AND confrelid = 'child_case'::regclass`.execute(t.db);
    expect(keys.rows).toEqual([{ columns: 2 }]);
    const r = await withDataScope({ municipalityId: v.municipalityId, council: true }, () =>
      purgeCases(t.db, {
        municipalityId: v.municipalityId,
        policy: DEFAULT_CASE_RETENTION,
        today,
        dryRun: false,
        actor,
      }),
    );
    expect(r.purgedCases).toBe(1);
    expect(r.counts).toMatchObject({
      child_case: 1,
      case_event: eventsBefore.length,
      review_list_entry: 1,
    });
    expect(await caseOf(older)).toEqual([]);
    expect((await caseOf(younger)).map((c) => c.state)).toEqual(["closed"]);
    expect((await caseOf(open)).map((c) => c.state)).not.toEqual(["closed"]);
    expect(await caseOf(open)).toHaveLength(1);

    const log = await t.db.selectFrom("purge_log").selectAll().execute();
    expect(log).toHaveLength(1);
    const logged = JSON.stringify(log[0]);
    expect(logged).toContain('"child_case":1');
    for (const id of [older, younger, open]) expect(logged).not.toContain(id);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["detail", "person_id"])
      .where("action", "=", "retention.cases")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.person_id).toBeNull();
    expect(JSON.stringify(audit[0]?.detail)).not.toContain(older);
  });

  it("the CLI (`retention --cases --dry-run`) reports the counts in Japanese and deletes nothing", async () => {
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const code = await retentionCommand.run(["--cases", "--dry-run", "--closed-years", "0"], {
        databaseUrl: t.url,
        home: tmpdir(),
      } as Parameters<typeof retentionCommand.run>[1]);
      expect(code).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(writes.join("")).toMatch(/削除の対象: \d+ 件 \/ 終結ケース 1 件/);
    expect(await caseOf(younger)).toHaveLength(1);
  });

  it("the case trail still refuses a delete outside the purge", async () => {
    await expect(sql`DELETE FROM case_event`.execute(t.db)).rejects.toThrow(/append-only/);
  });
});
