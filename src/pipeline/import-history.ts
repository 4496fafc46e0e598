/**
 * Import history that tells the truth (issue 16): per source, every version
 * with its 抽出日, rows stored and rejected, who uploaded it, what it
 * replaced (and whether that was undone); undo of a replacement; the
 * rejected rows of a version as a CSV the department can open and fix.
 * The API and the CLI call these; every undo and download is audited.
 */
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import {
  createImportRepository,
  type ReplacedSnapshot,
  type SnapshotSummary,
} from "../db/import.repository.ts";
import { spreadsheetSafe } from "../domain/csv-safety.ts";
import { MimamoriError } from "../domain/errors.ts";
import { findLayout } from "../domain/layouts.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import { parseCsvRecord, quoteCsvField } from "../ingest/csv.ts";

export interface HistoryLink {
  readonly snapshotId: number;
  readonly version: number;
  readonly fileName: string;
  readonly kind: "replace" | "correct";
  readonly at: Date;
  readonly actor: string;
  readonly undoneAt: Date | null;
  readonly undoneBy: string | null;
}

export interface HistoryVersion {
  readonly id: number;
  readonly version: number;
  readonly asOf: IsoDate | null;
  readonly fileName: string;
  readonly manual: boolean;
  readonly rowsRead: number;
  readonly rowsStored: number;
  readonly rowsRejected: number;
  readonly importedAt: Date;
  readonly actor: string;
  /** Used by runs now (not replaced, newest 抽出日 of its source, or an uncorrected manual entry). */
  readonly current: boolean;
  /** The snapshot that replaced this one, if any. */
  readonly replacedBy: number | null;
  /** What this version replaced (including replacements since undone). */
  readonly replaced: readonly HistoryLink[];
  /** True when this version replaced something that can still be restored. */
  readonly canUndo: boolean;
}

export interface SourceHistory {
  readonly sourceId: SourceId;
  readonly sourceName: string;
  /** Newest first. */
  readonly versions: readonly HistoryVersion[];
}

/** Every source's versions, newest first, with replacements both ways. */
export async function importHistory(
  db: Database,
  municipalityId: number,
  options: { sourceId?: SourceId } = {},
): Promise<SourceHistory[]> {
  const repo = createImportRepository(db);
  const [snapshots, replacements, current] = await Promise.all([
    repo.listSnapshots(municipalityId, options),
    repo.listReplacements(municipalityId, options),
    repo.currentSnapshots(municipalityId, options),
  ]);
  const byId = new Map<number, SnapshotSummary>(snapshots.map((s) => [s.id, s]));
  const currentIds = new Set(current.map((s) => s.id));
  const bySource = new Map<SourceId, HistoryVersion[]>();
  for (const s of snapshots) {
    const replaced = replacements
      .filter((r) => r.snapshotId === s.id)
      .map((r) => {
        const old = byId.get(r.replacedSnapshotId);
        return {
          snapshotId: r.replacedSnapshotId,
          version: old?.version ?? 0,
          fileName: old?.fileName ?? "",
          kind: r.kind,
          at: r.replacedAt,
          actor: r.actor,
          undoneAt: r.undoneAt,
          undoneBy: r.undoneBy,
        };
      });
    const list = bySource.get(s.sourceId) ?? [];
    list.push({
      id: s.id,
      version: s.version,
      asOf: s.asOf,
      fileName: s.fileName,
      manual: s.manual,
      rowsRead: s.rowsRead,
      rowsStored: s.rowsStored,
      rowsRejected: s.rowsRejected,
      importedAt: s.importedAt,
      actor: s.actor,
      current: currentIds.has(s.id),
      replacedBy: s.supersededBy,
      replaced,
      canUndo: s.supersededBy === null && replaced.some((r) => r.undoneAt === null),
    });
    bySource.set(s.sourceId, list);
  }
  return [...bySource.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sourceId, versions]) => ({
      sourceId,
      sourceName: findLayout(sourceId)?.name ?? sourceId,
      versions: versions.sort((a, b) => b.version - a.version),
    }));
}

/**
 * Undoes the replacement made by `snapshotId`: the versions it replaced are
 * used by runs again, and it is not. Audited as `import.undo`.
 */
export async function undoReplacement(
  db: Database,
  municipalityId: number,
  snapshotId: number,
  actor: { userId: number | null; loginName: string },
): Promise<{ sourceId: SourceId; restored: readonly ReplacedSnapshot[] }> {
  const result = await createImportRepository(db).undoReplacement(
    municipalityId,
    snapshotId,
    actor.loginName,
  );
  if (!result.ok) {
    if (result.reason === "not_found")
      throw new MimamoriError("not_found", "指定された取込はありません。");
    if (result.reason === "not_current")
      throw new MimamoriError(
        "conflict",
        "この取込はすでに別の取込に置き換えられているため、元に戻せません。新しい方の取込から元に戻してください。",
      );
    throw new MimamoriError(
      "conflict",
      "この取込は何も置き換えていないか、置き換えはすでに元に戻されています。",
    );
  }
  await createAuditRepository(db).append({
    municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "import.undo",
    target: `import_snapshot:${snapshotId}`,
    detail: { snapshotId, restored: result.restored.map((r) => r.id) },
  });
  return { sourceId: result.sourceId, restored: result.restored };
}

/**
 * A cell as a spreadsheet will not run it as a formula: text starting with
 * = + - @ (or a tab / carriage return) gets a leading apostrophe (OWASP's
 * CSV-injection advice), so a crafted value in a department's file cannot
 * execute when the rejected rows are opened in Excel.
 */
export { spreadsheetSafe };

/** One CSV line of spreadsheet-safe cells (CRLF, as Excel writes). */
export function safeCsvLine(cells: readonly string[]): string {
  return `${cells.map((c) => quoteCsvField(spreadsheetSafe(c))).join(",")}\r\n`;
}

/**
 * The rejected rows of one snapshot as CSV lines (UTF-8 BOM first, so Excel
 * reads it): row number, line, the reasons, then the row's own cells under
 * the file's header, so the department sees what it sent and why. Audited
 * as `import.rejections.download` with the row count once written.
 */
export async function* rejectedRowsCsv(
  db: Database,
  municipalityId: number,
  snapshotId: number,
  actor: { userId: number | null; loginName: string },
): AsyncGenerator<string> {
  const repo = createImportRepository(db);
  const snapshot = await repo.findSnapshot(municipalityId, snapshotId);
  if (!snapshot) throw new MimamoriError("not_found", "指定された取込はありません。");
  const header = await repo.snapshotHeader(municipalityId, snapshotId);
  yield `\ufeff${safeCsvLine(["データ行", "ファイルの行", "エラーの内容", ...header])}`;
  let after = 0;
  let count = 0;
  for (;;) {
    const page = await repo.listRejectedRows(municipalityId, snapshotId, {
      afterRow: after,
      limit: 1000,
    });
    for (const r of page) {
      const reasons = r.errors
        .map((e) => (e.column === null ? e.reason : `${e.column}: ${e.reason}`))
        .join(" / ");
      yield safeCsvLine([String(r.rowNo), String(r.lineNo), reasons, ...parseCsvRecord(r.raw)]);
      count++;
    }
    if (page.length < 1000) break;
    after = (page.at(-1) as { rowNo: number }).rowNo;
  }
  await createAuditRepository(db).append({
    municipalityId,
    actorUserId: actor.userId,
    actor: actor.loginName,
    action: "import.rejections.download",
    target: `import_snapshot:${snapshotId}`,
    detail: { rows: count },
  });
}
