/**
 * Retention of raw rows per person against PostgreSQL (issue 12): a person
 * 18 + N years old, or gone N+1 years, loses their rows' content; a younger
 * one, or one gone N−1 years, does not; an open case keeps its child's rows;
 * a dry run changes nothing and reports the same counts; purge_log and the
 * audit row hold counts only; views of the stored run show 「保存期間の経過に
 * より削除済み」 without failing; the next run does not read a purged row; a
 * second apply purges nothing; another municipality is untouched.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retentionCommand } from "../../src/cli/commands/retention.ts";
import { createCaseRepository } from "../../src/db/case.repository.ts";
import { type ChildRun, createChildRepository } from "../../src/db/child.repository.ts";
import { PURGED_LABEL } from "../../src/db/person-retention.repository.ts";
import { createRightsRepository } from "../../src/db/rights.repository.ts";
import { withDataScope } from "../../src/db/scope.ts";
import type { DataScope } from "../../src/domain/policy/index.ts";
import { BUILT_IN_NAME_POOLS } from "../../src/domain/synth/demo-names.generated.ts";
import type { IsoDate } from "../../src/domain/types.ts";
import { yearsAfter } from "../../src/pipeline/case-retention.ts";
import { importFile, listImportFiles } from "../../src/pipeline/import.ts";
import { runLinkage } from "../../src/pipeline/linkage.ts";
import {
  dueReason,
  type PersonRetentionResult,
  purgePersons,
} from "../../src/pipeline/person-retention.ts";
import { runSynth } from "../../src/pipeline/synth.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type ScoredVillage, scoredVillage } from "../workflow.ts";

const N = 5;
const actor = { userId: null, loginName: "coord.retention" };
let t: TestDatabase;
let v: ScoredVillage;
let other: { municipalityId: number; cleanup(): void };
let linkRunId = 0;
let today = "" as IsoDate;
// The persons of the test, by role.
const p = { adult: "", younger: "", leftLong: "", leftRecent: "", openCase: "" };

interface Person {
  person_id: string;
  birth: string;
}

/** The same synthetic village imported and linked for a second municipality. */
async function linkedVillage(db: TestDatabase, name: string) {
  const asOf = "2024-04-01" as IsoDate;
  const dir = mkdtempSync(join(tmpdir(), "mimamori-person-retention-"));
  runSynth({ profile: "village", seed: 8, out: dir, asOf, names: BUILT_IN_NAME_POOLS });
  const m = (
    await sql<{
      id: number;
    }>`INSERT INTO municipality (name, code) VALUES (${name}, NULL) RETURNING id`.execute(db.db)
  ).rows[0]?.id as number;
  for (const path of await listImportFiles([dir]))
    await importFile(db, path, { municipalityId: m, actor, asOf });
  await runLinkage(db, { municipalityId: m, actor });
  return { municipalityId: m, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const scopeOf = (m: number): DataScope => ({
  municipalityId: m,
  council: true,
  userId: 1,
  children: "all",
  affiliation: null,
});

/** Sets 消除日 on every 住民基本台帳 row of the person in the run (a person who moved out). */
async function leave(personId: string, on: string) {
  await sql`UPDATE import_row ir SET data = jsonb_set(ir.data::jsonb, '{消除日}', to_jsonb(${on}::text))::json
      FROM link_record lr
     WHERE lr.run_id = ${linkRunId} AND lr.person_id = ${personId} AND lr.source_id = 'jumin'
       AND ir.municipality_id = ${v.municipalityId} AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no`.execute(
    t.db,
  );
}

const liveRows = async (personId: string) =>
  (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM link_record lr
       JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
      WHERE lr.run_id = ${linkRunId} AND lr.person_id = ${personId} AND ir.purged_at IS NULL
        AND ir.municipality_id = ${v.municipalityId}
        AND ir.data IS NOT NULL AND ir.raw <> ''`.execute(t.db)
  ).rows[0]?.n ?? 0;

const purgedRows = async (m: number) =>
  (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM import_row
      WHERE municipality_id = ${m} AND purged_at IS NOT NULL`.execute(t.db)
  ).rows[0]?.n ?? 0;

const run = (dryRun: boolean, m = v.municipalityId): Promise<PersonRetentionResult> =>
  withDataScope({ municipalityId: m, council: true }, () =>
    purgePersons(t.db, { municipalityId: m, policy: { years: N }, today, dryRun, actor }),
  );

beforeAll(async () => {
  t = await createTestDatabase();
  v = await scoredVillage(t, "保存町");
  linkRunId = (
    await sql<{
      id: number;
    }>`SELECT max(id) AS id FROM link_run WHERE municipality_id = ${v.municipalityId}`.execute(t.db)
  ).rows[0]?.id as number;
  // Another municipality with the same village (same person ids and dates): it must stay untouched.
  other = await linkedVillage(t, "隣町");
  // Children of their household (続柄 子), oldest first.
  const children = (
    await sql<Person>`
      SELECT DISTINCT p.person_id, to_char(p.birth_date, 'YYYY-MM-DD') AS birth
        FROM link_person p
        JOIN link_record lr ON lr.run_id = p.run_id AND lr.person_id = p.person_id AND lr.source_id = 'jumin'
        JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
       WHERE p.run_id = ${linkRunId} AND ir.data->>'続柄' = '子' AND p.birth_date IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM link_mother_child mc
                          WHERE mc.run_id = p.run_id AND mc.mother_person_id = p.person_id)
       ORDER BY 2, 1`.execute(t.db)
  ).rows.filter((c) => !v.flagged.some((f) => f.personId === c.person_id));
  const oldest = children[0];
  if (!oldest) throw new Error("the village needs children");
  // Today: the oldest child's 18th birthday + N years.
  today = yearsAfter(oldest.birth, 18 + N);
  const younger = children.find((c) => yearsAfter(c.birth, 18 + N) > today);
  const youngest = children.slice(-3);
  const flagged = v.flagged[0];
  if (!younger || youngest.length < 2 || !flagged)
    throw new Error("the village needs more children");
  p.adult = oldest.person_id;
  p.younger = younger.person_id;
  p.leftLong = youngest[0]?.person_id as string;
  p.leftRecent = youngest[1]?.person_id as string;
  p.openCase = flagged.personId;
  await leave(p.leftLong, yearsAfter(today, -(N + 1)));
  await leave(p.leftRecent, yearsAfter(today, -(N - 1)));
  await leave(p.openCase, yearsAfter(today, -(N + 1)));
  const repo = createCaseRepository(t.db);
  await withDataScope({ municipalityId: v.municipalityId, council: true }, async () => {
    const list = await repo.ensureList(scopeOf(v.municipalityId), actor, "2024-04", v.runId);
    await repo.addEntries(scopeOf(v.municipalityId), actor, list.id, [
      { personId: p.openCase, difficulty: flagged.difficulty },
    ]);
  });
}, 600_000);

afterAll(async () => {
  await t?.drop();
  v?.cleanup();
  other?.cleanup();
});

describe("retention of raw rows per person", () => {
  it("judges by the 18th birthday or the day of leaving, never an open case or a stop", () => {
    const base = {
      birthDate: "2000-02-29" as IsoDate,
      leftOn: null,
      openCase: false,
      usageStop: false,
      guardianOfMinor: false,
    };
    expect(dueReason(base, { years: 5 }, "2023-02-28" as IsoDate)).toBe("adult");
    expect(dueReason(base, { years: 5 }, "2023-02-27" as IsoDate)).toBeNull();
    expect(
      dueReason({ ...base, guardianOfMinor: true }, { years: 5 }, "2030-01-01" as IsoDate),
    ).toBeNull();
    const left = { ...base, birthDate: "2015-01-01" as IsoDate, leftOn: "2020-04-01" as IsoDate };
    expect(dueReason(left, { years: 5 }, "2025-04-01" as IsoDate)).toBe("left");
    expect(
      dueReason({ ...left, openCase: true }, { years: 5 }, "2030-01-01" as IsoDate),
    ).toBeNull();
    expect(
      dueReason({ ...left, usageStop: true }, { years: 5 }, "2030-01-01" as IsoDate),
    ).toBeNull();
  });

  let dry: PersonRetentionResult;
  it("a dry run changes nothing", async () => {
    for (const [role, id] of Object.entries(p))
      expect([role, await liveRows(id)]).not.toEqual([role, 0]);
    dry = await run(true);
    expect(dry.dryRun).toBe(true);
    expect(dry.linkRunId).toBe(linkRunId);
    expect(dry.purgedPersons).toBeGreaterThanOrEqual(2);
    expect(dry.byReason.left).toBeGreaterThanOrEqual(1);
    expect(dry.keptOpenCase).toBe(1);
    expect(await purgedRows(v.municipalityId)).toBe(0);
    const logs = await sql`SELECT 1 FROM purge_log WHERE kind = 'persons'`.execute(t.db);
    expect(logs.rows).toHaveLength(0);
  });

  it("erases the rows of the due persons only, with the dry run's counts, and logs counts only", async () => {
    const otherBefore = await sql<{ h: string }>`
      SELECT md5(string_agg(raw || coalesce(data::text, ''), '|' ORDER BY snapshot_id, row_no)) AS h
        FROM import_row WHERE municipality_id = ${other.municipalityId}`.execute(t.db);
    const r = await run(false);
    expect(r.purgedPersons).toBe(dry.purgedPersons);
    expect(r.rows).toEqual(dry.rows);
    expect(r.byReason).toEqual(dry.byReason);
    expect(await liveRows(p.adult)).toBe(0);
    expect(await liveRows(p.leftLong)).toBe(0);
    expect(await liveRows(p.younger)).toBeGreaterThan(0);
    expect(await liveRows(p.leftRecent)).toBeGreaterThan(0);
    expect(await liveRows(p.openCase)).toBeGreaterThan(0);
    const total = Object.values(r.rows).reduce((a, x) => a + x, 0);
    expect(await purgedRows(v.municipalityId)).toBe(total);
    // Another municipality: not a row changed.
    expect(await purgedRows(other.municipalityId)).toBe(0);
    const otherAfter = await sql<{ h: string }>`
      SELECT md5(string_agg(raw || coalesce(data::text, ''), '|' ORDER BY snapshot_id, row_no)) AS h
        FROM import_row WHERE municipality_id = ${other.municipalityId}`.execute(t.db);
    expect(otherAfter.rows[0]?.h).toBe(otherBefore.rows[0]?.h);
    // Counts only: no person id, name or resident number in the log or the audit row.
    const log = await sql<{ counts: unknown; policy: unknown }>`
      SELECT counts, policy FROM purge_log WHERE kind = 'persons'`.execute(t.db);
    expect(log.rows).toHaveLength(1);
    expect(log.rows[0]?.counts).toMatchObject({ persons: r.purgedPersons, rows: r.rows });
    const audit = await sql<{ detail: unknown; person_id: string | null; target: string | null }>`
      SELECT detail, person_id, target FROM audit_log WHERE action = 'retention.persons'`.execute(
      t.db,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]?.person_id).toBeNull();
    expect(audit.rows[0]?.target).toBeNull();
    const names = (
      await sql<{ name: string | null; resident_nos: string[] }>`
        SELECT name, resident_nos FROM link_person WHERE run_id = ${linkRunId}
           AND person_id = ANY(${[p.adult, p.leftLong]})`.execute(t.db)
    ).rows;
    const written = JSON.stringify([log.rows, audit.rows[0]?.detail]);
    for (const id of [p.adult, p.leftLong]) expect(written).not.toContain(id);
    for (const n of names) {
      if (n.name) expect(written).not.toContain(n.name);
      for (const no of n.resident_nos) expect(written).not.toContain(`"${no}"`);
    }
  });

  it("a view and the 開示 of the stored run show the purged row without failing", async () => {
    const m = v.municipalityId;
    const scope = scopeOf(m);
    await withDataScope({ municipalityId: m, council: true }, async () => {
      const run = { scoreRunId: v.runId, linkRunId, asOf: "2024-04-01" } as ChildRun;
      const records = await createChildRepository(t.db).records(scope, run, p.adult);
      expect(records.length).toBeGreaterThan(0);
      for (const rec of records) expect(rec.data).toEqual({ 状態: PURGED_LABEL });
      const disclosure = await createRightsRepository(t.db).disclosure(
        scope,
        { id: v.runId, linkRunId },
        p.leftLong,
      );
      expect(JSON.stringify(disclosure)).toContain(PURGED_LABEL);
      const kept = await createChildRepository(t.db).records(scope, run, p.younger);
      expect(JSON.stringify(kept)).not.toContain(PURGED_LABEL);
    });
  });

  it("a second apply purges nothing more", async () => {
    const before = await purgedRows(v.municipalityId);
    const r = await run(false);
    expect(r.purgedPersons).toBe(0);
    expect(r.rows).toEqual({});
    expect(await purgedRows(v.municipalityId)).toBe(before);
  });

  it("the next run neither links nor scores from a purged row", async () => {
    await runLinkage(t, { municipalityId: v.municipalityId, actor });
    const leaked = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM link_record lr
        JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
       WHERE lr.run_id = (SELECT max(id) FROM link_run WHERE municipality_id = ${v.municipalityId})
         AND ir.purged_at IS NOT NULL`.execute(t.db);
    expect(leaked.rows[0]?.n).toBe(0);
    const linked = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM link_record
       WHERE run_id = (SELECT max(id) FROM link_run WHERE municipality_id = ${v.municipalityId})`.execute(
      t.db,
    );
    expect(linked.rows[0]?.n).toBeGreaterThan(0);
  }, 300_000);

  it("the CLI saves the years, shows them in a dry run and changes nothing", async () => {
    await sql`UPDATE municipality SET code = '139998' WHERE id = ${v.municipalityId}`.execute(t.db);
    const before = await purgedRows(v.municipalityId);
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const code = await retentionCommand.run(
        ["--persons", "--years", "7", "--save", "--dry-run"],
        { databaseUrl: t.url, home: tmpdir(), municipality: "139998" } as Parameters<
          typeof retentionCommand.run
        >[1],
      );
      expect(code).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const out = writes.join("");
    expect(out).toMatch(/保存期間（今回保存した設定）: .*から 7 年後/);
    expect(out).toMatch(/削除の対象: \d+ 人/);
    expect(out).toContain("--dry-run のため");
    const stored = await sql<{ years: number }>`
      SELECT years FROM person_retention_setting WHERE municipality_id = ${v.municipalityId}`.execute(
      t.db,
    );
    expect(stored.rows[0]?.years).toBe(7);
    expect(await purgedRows(v.municipalityId)).toBe(before);
    const audit =
      await sql`SELECT 1 FROM audit_log WHERE action = 'retention.person_policy'`.execute(t.db);
    expect(audit.rows).toHaveLength(1);
  });
});
