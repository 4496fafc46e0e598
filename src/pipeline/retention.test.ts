import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createAuditRepository } from "../db/audit.repository.ts";
import { createImportRepository } from "../db/import.repository.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import type { RetentionRun, RetentionSnapshot } from "../db/retention.repository.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import { type ImportReport, importFile } from "./import.ts";
import { applyRetention, monthsBefore, planRetention } from "./retention.ts";

const d = (s: string) => s as IsoDate;

function snap(
  id: number,
  sourceId: string,
  asOf: string | null,
  extra: Partial<RetentionSnapshot> = {},
): RetentionSnapshot {
  return {
    id,
    sourceId: sourceId as SourceId,
    version: id,
    fileName: `${sourceId}_${id}.csv`,
    asOf: asOf as IsoDate | null,
    importedOn: d("2024-04-10"),
    rows: 10 * id,
    supersededBy: null,
    manual: false,
    ...extra,
  };
}

describe("monthsBefore", () => {
  it("counts calendar months and clamps the day to the month's end", () => {
    expect(monthsBefore(d("2024-04-15"), 13)).toBe("2023-03-15");
    expect(monthsBefore(d("2024-03-31"), 1)).toBe("2024-02-29");
    expect(monthsBefore(d("2023-03-31"), 1)).toBe("2023-02-28");
    expect(monthsBefore(d("2024-01-10"), 1)).toBe("2023-12-10");
    expect(monthsBefore(d("2024-05-01"), 0)).toBe("2024-05-01");
  });
});

describe("planRetention", () => {
  const today = d("2025-04-15");
  const jumin = [
    snap(1, "jumin", "2023-04-01"),
    snap(2, "jumin", "2023-10-01"),
    snap(3, "jumin", "2024-04-01"),
    snap(4, "jumin", "2025-04-01"),
  ];

  it("keeps the newest N per source and those within M months; deletes the rest", () => {
    const p = planRetention({
      snapshots: jumin,
      runs: [],
      policy: { keepSnapshots: 1, keepMonths: 13 },
      today,
      withRuns: false,
    });
    expect(p.cutoff).toBe("2024-03-15");
    expect(p.deleted.map((s) => s.id)).toEqual([1, 2]);
    const byCount = planRetention({
      snapshots: jumin,
      runs: [],
      policy: { keepSnapshots: 3, keepMonths: null },
      today,
      withRuns: false,
    });
    expect(byCount.deleted.map((s) => s.id)).toEqual([1]);
  });

  it("always keeps what a run uses now, however old, per source", () => {
    const p = planRetention({
      snapshots: [...jumin, snap(5, "yotaikyo", "2019-04-01"), snap(6, "yotaikyo", "2018-04-01")],
      runs: [],
      policy: { keepSnapshots: 1, keepMonths: 0 },
      today,
      withRuns: false,
    });
    expect(p.deleted.map((s) => s.id)).toEqual([1, 2, 3, 6]);
    // Several files of one source with the newest 抽出日 (one per school) are all current.
    const schools = planRetention({
      snapshots: [
        snap(1, "shukketsu", "2025-04-01"),
        snap(2, "shukketsu", "2025-04-01"),
        snap(3, "shukketsu", "2024-04-01"),
      ],
      runs: [],
      policy: { keepSnapshots: 1, keepMonths: 0 },
      today,
      withRuns: false,
    });
    expect(schools.deleted.map((s) => s.id)).toEqual([3]);
  });

  it("keeps snapshots a stored run read, naming the runs, unless the runs go too", () => {
    const runs: RetentionRun[] = [
      { kind: "link", id: 7, linkRunId: null, snapshotIds: [2] },
      { kind: "score", id: 8, linkRunId: 7, snapshotIds: [2] },
      { kind: "link", id: 9, linkRunId: null, snapshotIds: [3] },
      { kind: "score", id: 10, linkRunId: 9, snapshotIds: [3] },
    ];
    const policy = { keepSnapshots: 1, keepMonths: 0 };
    const kept = planRetention({ snapshots: jumin, runs, policy, today, withRuns: false });
    expect(kept.deleted.map((s) => s.id)).toEqual([1]);
    expect(kept.kept.map((k) => [k.snapshot.id, k.reason])).toEqual([
      [2, { kind: "runs", linkRunIds: [7], scoreRunIds: [8] }],
      [3, { kind: "runs", linkRunIds: [9], scoreRunIds: [10] }],
    ]);
    expect(kept.linkRunIds).toEqual([]);
    // With the runs: the newest linkage run (9) and its scoring run stay, and hold snapshot 3.
    const gone = planRetention({ snapshots: jumin, runs, policy, today, withRuns: true });
    expect(gone.deleted.map((s) => s.id)).toEqual([1, 2]);
    expect(gone.linkRunIds).toEqual([7]);
    expect(gone.scoreRunIds).toEqual([8]);
    expect(gone.kept.map((k) => k.snapshot.id)).toEqual([3]);
  });

  it("keeps a snapshot that supersedes a kept one, so the older does not become current again", () => {
    const snapshots = [
      snap(1, "jumin", "2023-04-01", { supersededBy: 2 }),
      snap(2, "jumin", "2023-04-01"),
      snap(3, "jumin", "2025-04-01"),
    ];
    const p = planRetention({
      snapshots,
      runs: [{ kind: "link", id: 1, linkRunId: null, snapshotIds: [1] }],
      policy: { keepSnapshots: 1, keepMonths: 0 },
      today,
      withRuns: false,
    });
    expect(p.deleted).toEqual([]);
    expect(p.kept.map((k) => [k.snapshot.id, k.reason.kind])).toEqual([
      [1, "runs"],
      [2, "supersedes_kept"],
    ]);
  });

  it("dates a snapshot without 抽出日 by its import day", () => {
    const p = planRetention({
      snapshots: [snap(1, "jumin", null), snap(2, "jumin", "2025-04-01")],
      runs: [],
      policy: { keepSnapshots: 1, keepMonths: 13 },
      today: d("2025-04-15"),
      withRuns: false,
    });
    expect(p.deleted.map((s) => s.id)).toEqual([]);
    const later = planRetention({
      snapshots: [snap(1, "jumin", null), snap(2, "jumin", "2026-06-01")],
      runs: [],
      policy: { keepSnapshots: 1, keepMonths: 13 },
      today: d("2026-06-15"),
      withRuns: false,
    });
    expect(later.deleted.map((s) => s.id)).toEqual([1]);
  });
});

describe("applyRetention (PostgreSQL)", () => {
  let t: TestDatabase;
  let municipalityId: number;
  const dir = mkdtempSync(join(tmpdir(), "mimamori-retention-"));
  const actor = { userId: null, loginName: "test" };

  beforeAll(async () => {
    t = await createTestDatabase();
    municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト市")).id;
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function importKaigo(asOf: string, rows: number): Promise<number> {
    const path = join(dir, `kaigo_nintei_${asOf}.csv`);
    const lines = ["宛名番号,要介護度"];
    for (let i = 0; i < rows; i++)
      lines.push(`${asOf.replaceAll("-", "")}${i},要介護${(i % 5) + 1}`);
    writeFileSync(path, lines.join("\n"));
    const r: ImportReport = await importFile(t, path, {
      municipalityId,
      actor,
      asOf: d(asOf),
    });
    if (r.status !== "imported") throw new Error(JSON.stringify(r));
    return r.snapshotId;
  }

  async function addRuns(snapshotIds: number[]): Promise<{ link: number; score: number }> {
    const link = await t.db
      .insertInto("link_run")
      .values({
        municipality_id: municipalityId,
        as_of: "2024-01-01",
        snapshot_ids: snapshotIds,
        settings: "{}",
        model: "{}",
        assignment: "{}",
        stats: "{}",
        actor: "test",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const rule = await t.db
      .insertInto("rule_version")
      .values({
        municipality_id: municipalityId,
        label: `r${link.id}`,
        effective_from: "2020-01-01",
        rules: "{}",
        actor: "test",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const score = await t.db
      .insertInto("score_run")
      .values({
        municipality_id: municipalityId,
        link_run_id: link.id,
        rule_version_id: rule.id,
        as_of: "2024-01-01",
        snapshot_ids: snapshotIds,
        code_version: "test",
        catalog_version: "test",
        difficulties: [],
        stats: "{}",
        actor: "test",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { link: link.id, score: score.id };
  }

  it("deletes in one transaction what the policy says, keeps what runs read, audits ids and counts", async () => {
    const s1 = await importKaigo("2022-04-01", 3);
    const s2 = await importKaigo("2023-04-01", 4);
    const s3 = await importKaigo("2024-04-01", 5);
    const s4 = await importKaigo("2025-04-01", 6);
    const old = await addRuns([s2]);
    const newest = await addRuns([s3]);
    const policy = { keepSnapshots: 1, keepMonths: 6 };
    const today = d("2025-04-15");
    const imports = createImportRepository(t.db);

    const dry = await applyRetention(t.db, {
      municipalityId,
      policy,
      today,
      withRuns: false,
      dryRun: true,
      actor,
    });
    expect(dry.deleted.map((s) => s.id)).toEqual([s1]);
    expect((await imports.listSnapshots(municipalityId)).length).toBe(4);

    const done = await applyRetention(t.db, {
      municipalityId,
      policy,
      today,
      withRuns: false,
      dryRun: false,
      actor,
    });
    expect(done.deleted.map((s) => s.id)).toEqual([s1]);
    expect(done.importRowsDeleted).toBe(3);
    expect(done.kept.map((k) => k.snapshot.id)).toEqual([s2, s3]);
    expect((await imports.listSnapshots(municipalityId)).map((s) => s.id).sort()).toEqual(
      [s2, s3, s4].sort(),
    );
    const rows = await t.db
      .selectFrom("import_row")
      .select(["snapshot_id"])
      .where("snapshot_id", "=", s1)
      .execute();
    expect(rows).toEqual([]);

    // With the runs: the older run and its scores go with snapshot 2; the newest run holds 3.
    const withRuns = await applyRetention(t.db, {
      municipalityId,
      policy,
      today,
      withRuns: true,
      dryRun: false,
      actor,
    });
    expect(withRuns.deleted.map((s) => s.id)).toEqual([s2]);
    expect(withRuns.linkRunIds).toEqual([old.link]);
    expect(withRuns.scoreRunIds).toEqual([old.score]);
    const links = await t.db.selectFrom("link_run").select("id").execute();
    expect(links.map((r) => r.id)).toEqual([newest.link]);
    const scores = await t.db.selectFrom("score_run").select("id").execute();
    expect(scores.map((r) => r.id)).toEqual([newest.score]);
    expect((await imports.listSnapshots(municipalityId)).map((s) => s.id).sort()).toEqual(
      [s3, s4].sort(),
    );

    const audit = await createAuditRepository(t.db).list({
      municipalityId,
      limit: 10,
      action: "retention.delete",
    });
    expect(audit.length).toBe(2);
    expect(audit[1]?.detail).toMatchObject({
      deletedSnapshotIds: [s1],
      deletedImportRows: 3,
      deletedLinkRunIds: [],
      keptForRunsSnapshotIds: [s2, s3],
    });
    expect(JSON.stringify(audit)).not.toContain("要介護");
    // purge_log keeps counts only, like the case and person purges.
    const purges = await t.db
      .selectFrom("purge_log")
      .select(["kind", "counts"])
      .where("municipality_id", "=", municipalityId)
      .orderBy("id")
      .execute();
    expect(purges[0]).toMatchObject({
      kind: "snapshots",
      counts: { snapshots: 1, importRows: 3, linkRuns: 0, scoreRuns: 0 },
    });
    expect(JSON.stringify(purges)).not.toContain("要介護");
  });
});
