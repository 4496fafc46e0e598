/**
 * The demo town of `serve --demo` against PostgreSQL: on a database without imports it imports
 * every generated file with exactly the rejections the generator planted
 * (truth/broken_rows.csv), labels the municipality as synthetic and audits it; on a database
 * that holds any import it does nothing at all.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createAuditRepository } from "../db/audit.repository.ts";
import { createImportRepository } from "../db/import.repository.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import type { IsoDate } from "../domain/types.ts";
import { DEMO_MUNICIPALITY_NAME, type DemoResult, demoAsOf, loadDemo } from "./demo.ts";
import { importFile } from "./import.ts";
import { monthsBefore } from "./retention.ts";

const UNNAMED = "（自治体名未設定）";
const homes: string[] = [];
function tempHome(): string {
  const d = mkdtempSync(join(tmpdir(), "mimamori-demo-test-"));
  homes.push(d);
  return d;
}

let fresh: TestDatabase;
let used: TestDatabase;
let home: string;
let municipalityId: number;
let result: DemoResult;
/** What `npm start` passes: today's month (computed before and after, across a month's end). */
let expectedAsOf: Set<string>;

beforeAll(async () => {
  [fresh, used] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  home = tempHome();
  municipalityId = (await createMunicipalityRepository(fresh.db).ensureDefault(UNNAMED)).id;
  const before = demoAsOf(new Date());
  result = await loadDemo(fresh, { home, municipalityId });
  expectedAsOf = new Set([before, demoAsOf(new Date())]);
}, 120_000);

afterAll(async () => {
  await Promise.all([fresh?.drop(), used?.drop()]);
  for (const d of homes) rmSync(d, { recursive: true, force: true });
});

describe("loadDemo on a database without imports", () => {
  it("imports the 19 files of the town as of this month, fresh for the dashboard", async () => {
    if (result.status !== "loaded") throw new Error("demo was skipped");
    expect(result.reports.map((r) => r.status)).toEqual(Array(19).fill("imported"));
    const snapshots = await createImportRepository(fresh.db).listSnapshots(municipalityId);
    expect(snapshots).toHaveLength(19);
    const dates = new Set(snapshots.map((s) => s.asOf));
    expect(dates.size).toBe(1);
    expect(expectedAsOf.has([...dates][0] as string)).toBe(true);
    // The dashboard's freshness panel warns below today minus 3 months (its default):
    // none of the demo's sources may be older than a month.
    const today = new Date().toISOString().slice(0, 10) as IsoDate;
    for (const d of dates) expect((d ?? "") >= monthsBefore(today, 1)).toBe(true);
    expect(result.rowsStored).toBeGreaterThan(20_000);
    expect(existsSync(join(home, "demo", "truth", "broken_rows.csv"))).toBe(true);
  });

  it("rejects exactly the rows the generator broke on purpose", () => {
    if (result.status !== "loaded") throw new Error("demo was skipped");
    const broken = readFileSync(join(home, "demo", "truth", "broken_rows.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(","))
      .map(([, file, row, column]) => `${file}:${row}:${column}`)
      .sort();
    const rejected: string[] = [];
    for (const r of result.reports) {
      if (r.status !== "imported") continue;
      const seen = new Set<number>();
      for (const e of r.rejections) {
        if (seen.has(e.row)) continue;
        seen.add(e.row);
        rejected.push(`${r.fileName}:${e.row}:${e.column}`);
      }
    }
    expect(broken.length).toBeGreaterThan(0);
    expect(rejected.sort()).toEqual(broken);
    expect(result.rowsRejected).toBe(broken.length);
    expect(result.rowsBrokenOnPurpose).toBe(broken.length);
    expect(result.unexpectedRejections).toBe(0);
  });

  it("names the municipality as synthetic and audits the load", async () => {
    const m = await createMunicipalityRepository(fresh.db).findById(municipalityId);
    expect(m?.name).toBe(DEMO_MUNICIPALITY_NAME);
    expect(m?.name).toMatch(/デモ・合成データ/);
    const audit = await createAuditRepository(fresh.db).list({
      municipalityId,
      limit: 10,
      action: "demo.load",
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe("demo");
    const detail = audit[0]?.detail as { files: number; snapshotIds: number[] };
    expect(detail.files).toBe(19);
    expect(detail.snapshotIds).toHaveLength(19);
  });

  it("does nothing when started again", async () => {
    const again = await loadDemo(fresh, { home: tempHome(), municipalityId });
    expect(again.status).toBe("skipped");
    expect(await createImportRepository(fresh.db).listSnapshots(municipalityId)).toHaveLength(19);
  });
});

describe("loadDemo on a database that holds an import", () => {
  it("leaves the data and the municipality's name alone and writes no files", async () => {
    const id = (await createMunicipalityRepository(used.db).ensureDefault("みまもり市")).id;
    const report = await importFile(used, join(home, "demo", "kaigo_nintei.csv"), {
      municipalityId: id,
      actor: { userId: null, loginName: "test" },
      asOf: demoAsOf(new Date("2026-12-04T09:00:00Z")),
    });
    expect(report.status === "failed" ? report.message : report.status).toBe("imported");
    const elsewhere = tempHome();
    expect((await loadDemo(used, { home: elsewhere, municipalityId: id })).status).toBe("skipped");
    expect((await createMunicipalityRepository(used.db).findById(id))?.name).toBe("みまもり市");
    expect(await createImportRepository(used.db).listSnapshots(id)).toHaveLength(1);
    expect(existsSync(join(elsewhere, "demo"))).toBe(false);
  });
});

describe("demoAsOf", () => {
  it("is the first day of the given date's month, the same all month", () => {
    expect(demoAsOf(new Date("2026-12-04T09:00:00Z"))).toBe("2026-12-01");
    expect(demoAsOf(new Date("2026-12-31T23:59:59Z"))).toBe("2026-12-01");
    expect(demoAsOf(new Date("2027-01-01T00:00:00Z"))).toBe("2027-01-01");
  });
});
