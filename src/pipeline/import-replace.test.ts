/**
 * Issue 16's import defects, against PostgreSQL: a bad upload never replaces
 * good data; a replacement is previewed, confirmed and can be undone; manual
 * entries add to what is there and are corrected explicitly; the history and
 * the rejected-rows download tell the truth.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createImportRepository } from "../db/import.repository.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { createRetentionRepository } from "../db/retention.repository.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import {
  correctManualEntry,
  type ImportedReport,
  type ImportFileOptions,
  type ImportReport,
  importFile,
  importManualRows,
  type PreviewReport,
} from "./import.ts";
import { importHistory, rejectedRowsCsv, undoReplacement } from "./import-history.ts";
import { DEFAULT_RETENTION_POLICY, planRetention } from "./retention.ts";

let t: TestDatabase;
let municipalityId: number;
const dir = mkdtempSync(join(tmpdir(), "mimamori-replace-"));
const actor = { userId: null, loginName: "tester" };

beforeAll(async () => {
  t = await createTestDatabase();
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト市")).id;
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

const options = (extra: Partial<ImportFileOptions> = {}): ImportFileOptions => ({
  municipalityId,
  actor,
  ...extra,
});
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
function imported(r: ImportReport): ImportedReport {
  if (r.status !== "imported") throw new Error(`expected imported, got ${JSON.stringify(r)}`);
  return r;
}
function preview(r: ImportReport): PreviewReport {
  if (r.status !== "preview") throw new Error(`expected preview, got ${JSON.stringify(r)}`);
  return r;
}
const repo = () => createImportRepository(t.db);
const current = async (sourceId: string) =>
  (await repo().currentSnapshots(municipalityId, { sourceId: sourceId as SourceId })).map(
    (s) => s.id,
  );
const AS_OF = "2024-04-01" as IsoDate;
const HEADER = "宛名番号,世帯番号,氏名,氏名カナ,生年月日,性別,続柄,住所";
const good = (n: number) =>
  [
    HEADER,
    ...Array.from(
      { length: n },
      (_, i) =>
        `${String(i + 1).padStart(4, "0")},S01,見守 一${i},ミマモリ,H${10 + (i % 10)}.1.2,1,子,みまもり市`,
    ),
  ].join("\n");

describe("a bad upload replaces nothing", () => {
  let goodId: number;
  it("a file whose rows are all rejected creates no version; the good one stays current", async () => {
    goodId = imported(
      await importFile(t, file("jumin.csv", good(3)), options({ asOf: AS_OF })),
    ).snapshotId;
    const before = await repo().listSnapshots(municipalityId);
    // Every 生年月日 unreadable: before issue 16 this became version 2 with 0
    // rows and superseded version 1 (the run then used no 住民 at all).
    const bad = `${HEADER}\n0001,S01,見守 一,,だめ,1,子,\n0002,S01,見守 二,,?,1,子,\n`;
    const r = await importFile(t, file("jumin.csv", bad), options({ asOf: AS_OF }));
    expect(r.status).toBe("failed");
    if (r.status !== "failed") return;
    expect(r.message).toContain("2 行すべてがエラーのため、取り込んでいません");
    expect(r.message).toContain("以前のデータはそのままです");
    expect(r.rejections?.map((x) => x.column)).toEqual(["生年月日", "生年月日"]);
    expect(await repo().listSnapshots(municipalityId)).toEqual(before);
    expect(await current("jumin")).toEqual([goodId]);
  });

  it("a header-only file and a broken CSV create no version either", async () => {
    const before = await repo().listSnapshots(municipalityId);
    const empty = await importFile(t, file("jumin.csv", `${HEADER}\n`), options({ asOf: AS_OF }));
    expect(empty.status).toBe("failed");
    const broken = await importFile(
      t,
      file("jumin.csv", `${HEADER}\n0001,S01,"見守 一,,H10.1.2,1,子,\n`),
      options({ asOf: AS_OF }),
    );
    expect(broken.status).toBe("failed");
    if (broken.status === "failed") expect(broken.message).toMatch(/[ぁ-んァ-ン一-龥]/);
    expect(await repo().listSnapshots(municipalityId)).toEqual(before);
    expect(await current("jumin")).toEqual([goodId]);
  });
});

describe("a replacement is shown, confirmed, reported and can be undone", () => {
  let oldId: number;
  let newId: number;
  it("a dry run says what would be replaced and stores nothing", async () => {
    oldId = (await current("jumin"))[0] as number;
    const before = await repo().listSnapshots(municipalityId);
    const p = preview(
      await importFile(t, file("jumin.csv", good(5)), options({ asOf: AS_OF, dryRun: true })),
    );
    expect(p.reason).toBe("dry_run");
    expect([p.rowsStored, p.rowsRejected]).toEqual([5, 0]);
    expect(p.wouldReplace.map((x) => [x.id, x.fileName, x.asOf, x.rowsStored])).toEqual([
      [oldId, "jumin.csv", AS_OF, 3],
    ]);
    expect(await repo().listSnapshots(municipalityId)).toEqual(before);
  });

  it("an upload that would replace unconfirmed snapshots stores nothing and asks", async () => {
    const p = preview(
      await importFile(t, file("jumin.csv", good(5)), options({ asOf: AS_OF, confirmReplace: [] })),
    );
    expect(p.reason).toBe("confirmation_needed");
    expect(p.wouldReplace.map((x) => x.id)).toEqual([oldId]);
    expect(await current("jumin")).toEqual([oldId]);
  });

  it("confirmed, it replaces and the report says what it replaced", async () => {
    const r = imported(
      await importFile(
        t,
        file("jumin.csv", good(5)),
        options({ asOf: AS_OF, confirmReplace: [oldId] }),
      ),
    );
    newId = r.snapshotId;
    expect(r.superseded).toEqual([oldId]);
    expect(r.replaced[0]).toMatchObject({ id: oldId, rowsStored: 3, actor: "tester" });
    expect(await current("jumin")).toEqual([newId]);
  });

  it("undo restores the replaced version, audited; the history shows both", async () => {
    const undone = await undoReplacement(t.db, municipalityId, newId, actor);
    expect(undone.restored.map((x) => x.id)).toEqual([oldId]);
    expect(await current("jumin")).toEqual([oldId]);
    await expect(undoReplacement(t.db, municipalityId, newId, actor)).rejects.toThrow(
      "元に戻せません",
    );
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["action", "target", "detail"])
      .where("action", "=", "import.undo")
      .execute();
    expect(audit).toEqual([
      {
        action: "import.undo",
        target: `import_snapshot:${newId}`,
        detail: { snapshotId: newId, restored: [oldId] },
      },
    ]);
    const [jumin] = await importHistory(t.db, municipalityId, { sourceId: "jumin" as SourceId });
    const newest = jumin?.versions[0];
    expect(newest).toMatchObject({ id: newId, current: false, replacedBy: oldId, canUndo: false });
    expect(newest?.replaced).toMatchObject([
      { snapshotId: oldId, kind: "replace", actor: "tester", undoneBy: "tester" },
    ]);
    expect(jumin?.versions.find((v) => v.id === oldId)).toMatchObject({
      current: true,
      rowsStored: 3,
    });
  });
});

describe("manual entries add to what is there", () => {
  const epds = (mother: string, score: string) => [
    { 母宛名番号: mother, 健診日: "R6.4.10", EPDS合計点: score },
  ];
  const manual = { source: "sanpu_kenshin" as SourceId };
  let first: number;
  let second: number;

  it("each entry is its own snapshot; none supersedes another; all are current", async () => {
    const fileId = imported(
      await importFile(
        t,
        file("sanpu_kenshin.csv", "母宛名番号,健診日,EPDS合計点\n0100,R6.3.1,5\n"),
        options({ asOf: "2024-03-01" as IsoDate }),
      ),
    ).snapshotId;
    first = imported(
      await importManualRows(t, epds("0001", "9"), { ...options({ asOf: AS_OF }), ...manual }),
    ).snapshotId;
    second = imported(
      await importManualRows(t, epds("0002", "14"), { ...options({ asOf: AS_OF }), ...manual }),
    ).snapshotId;
    // A later-dated manual entry does not hide the file's rows either.
    const later = imported(
      await importManualRows(t, epds("0003", "3"), {
        ...options({ asOf: "2024-05-01" as IsoDate }),
        ...manual,
      }),
    );
    expect(later.superseded).toEqual([]);
    expect(await current("sanpu_kenshin")).toEqual([fileId, first, second, later.snapshotId]);
  });

  it("retention does not offer earlier manual entries for deletion", async () => {
    const retention = createRetentionRepository(t.db);
    const plan = planRetention({
      snapshots: await retention.listSnapshots(municipalityId),
      runs: [],
      policy: { ...DEFAULT_RETENTION_POLICY, keepMonths: 0 },
      today: "2026-12-01" as IsoDate,
      withRuns: false,
    });
    const deleted = plan.deleted.map((s) => s.id);
    expect(deleted).not.toContain(first);
    expect(deleted).not.toContain(second);
  });

  it("correcting one is an explicit edit that replaces exactly that entry, with a trail", async () => {
    const fixed = imported(await correctManualEntry(t, first, epds("0001", "19"), options()));
    expect(fixed.superseded).toEqual([first]);
    const now = await current("sanpu_kenshin");
    expect(now).toContain(second);
    expect(now).toContain(fixed.snapshotId);
    expect(now).not.toContain(first);
    await expect(correctManualEntry(t, first, epds("0001", "20"), options())).rejects.toThrow(
      "すでに訂正されています",
    );
    const [history] = await importHistory(t.db, municipalityId, {
      sourceId: "sanpu_kenshin" as SourceId,
    });
    expect(history?.versions.find((v) => v.id === fixed.snapshotId)?.replaced).toMatchObject([
      { snapshotId: first, kind: "correct" },
    ]);
    const audit = await t.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "import.correct")
      .execute();
    expect(audit).toEqual([{ detail: { corrected: first, snapshotId: fixed.snapshotId } }]);
  });
});

describe("rejected rows download", () => {
  it("gives the department's own cells with reasons, formula-guarded, and is audited", async () => {
    const r = imported(
      await importFile(
        t,
        file(
          "jumin_bad.csv",
          `${HEADER}\n0001,S01,見守 一,,H10.1.2,1,子,\n0002,S01,=HYPERLINK(1),,だめ,1,子,\n`,
        ),
        options({ asOf: "2024-06-01" as IsoDate }),
      ),
    );
    let text = "";
    for await (const line of rejectedRowsCsv(t.db, municipalityId, r.snapshotId, actor))
      text += line;
    const lines = text.split("\r\n");
    expect(lines[0]).toBe(`\ufeffデータ行,ファイルの行,エラーの内容,${HEADER}`);
    expect(lines[1]).toMatch(/^2,3,生年月日: .+,0002,S01,'=HYPERLINK\(1\),,だめ,1,子,$/);
    const audit = await t.db
      .selectFrom("audit_log")
      .select(["target", "detail"])
      .where("action", "=", "import.rejections.download")
      .execute();
    expect(audit).toEqual([{ target: `import_snapshot:${r.snapshotId}`, detail: { rows: 1 } }]);
  });
});

describe("the 抽出日 in a file name", () => {
  it("is the file's 抽出日 when none is given (a re-uploaded demo file), and the report says so", async () => {
    const r = imported(await importFile(t, file("jumin_2023-10-01.csv", good(2)), options()));
    expect(r.asOf).toBe("2023-10-01");
    expect(r.notes[0]).toContain("ファイル名から 2023-10-01");
    // A month only, or an impossible date, is not a date: the file is refused as before.
    for (const name of ["jumin_2023-10.csv", "jumin_2023-02-30.csv"]) {
      const x = await importFile(t, file(name, good(2)), options());
      expect(x.status, name).toBe("failed");
    }
  });
});
