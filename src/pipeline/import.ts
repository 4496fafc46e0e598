/**
 * Importing a department's file (issue 4): read and validate it (ingest/),
 * then store it as a new snapshot of its source in one transaction with COPY
 * (db/import.repository.ts), and report in Japanese what was read, stored and
 * rejected. The CLI command and the web upload both call `importFile`; data
 * held on paper comes in through `importManualRows`, which stores the same
 * kind of snapshot marked as manual.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { createAuditRepository } from "../db/audit.repository.ts";
import type { Database } from "../db/database.ts";
import {
  beginImport,
  createImportRepository,
  type ImportTransaction,
  openImportConnections,
  type ReplacedSnapshot,
  type RowToStore,
} from "../db/import.repository.ts";
import { currentDataScope } from "../db/scope.ts";
import { japanDate } from "../domain/as-of.ts";
import { isMimamoriError, MimamoriError } from "../domain/errors.ts";
import { findLayout, type Layout, type Sources } from "../domain/layouts.ts";
import type { Mapping } from "../domain/mapping.ts";
import { COUNCIL_ONLY_SOURCES, mayImportSource } from "../domain/policy/index.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import { type FilePlan, planFile, type RowError, validateRow } from "../domain/validate.ts";
import { formatCsvRecord } from "../ingest/csv.ts";
import { type IngestedRow, ingestBytes } from "../ingest/ingest.ts";
import { checkZipExpansion } from "../ingest/zip-guard.ts";
import { loadSources } from "./sources.ts";

/** What an import needs of the database: Kysely for reads and audit, the URL for the COPY connection. */
export interface ImportDatabase {
  readonly db: Database;
  readonly url: string;
}

export interface ImportActor {
  readonly userId: number | null;
  /** Login name, or `cli` for the command line. */
  readonly loginName: string;
}

export interface ImportProgress {
  readonly fileName: string;
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rowsRead: number;
}

export interface ImportFileOptions {
  readonly municipalityId: number;
  readonly actor: ImportActor;
  /** Name shown in the report and stored (default: the path's base name). */
  readonly fileName?: string;
  readonly mapping?: Mapping;
  /** `--as-of`; otherwise each row's 抽出日. */
  readonly asOf?: IsoDate;
  /**
   * The time of the import (default: the clock's now). A 抽出日 read from the
   * file — its 抽出日 column or its name — after this day in Japan is refused
   * like a typed one (domain/as-of.ts); a typed `asOf` is checked by the caller.
   */
  readonly now?: Date;
  /** Force the source (e.g. chosen on the upload form). */
  readonly source?: SourceId;
  /** The municipality's sources (default: read from the database, pipeline/sources.ts). */
  readonly sources?: Sources;
  /**
   * Replace every current snapshot of the source with the same as-of date,
   * not only one with the same file name (a corrected export under a new name).
   */
  readonly replace?: boolean;
  /**
   * Read, validate and check everything, then roll back: the report (status
   * `preview`) says what would be stored and which snapshots would be
   * replaced. Nothing is stored.
   */
  readonly dryRun?: boolean;
  /**
   * The ids of the snapshots the caller has confirmed may be replaced (from a
   * preview). When given and the import would replace any other set, nothing
   * is stored and the report is a `preview` asking for confirmation. Omitted
   * (the CLI): replacements happen and the report says what was replaced.
   */
  readonly confirmReplace?: readonly number[];
  /** Rejected rows listed in the report; the rest are counted (all are stored). Default 10,000. */
  readonly maxRejectionsInReport?: number;
  /** Called after each batch of rows. */
  readonly onProgress?: (p: ImportProgress) => void;
  /**
   * The sources the importing account may bring in (a データ提供 account's own
   * department, 0088); null or absent: every source (the CLI's operator).
   */
  readonly allowedSources?: readonly string[] | null;
}

export interface Rejection {
  readonly row: number;
  readonly line: number;
  readonly column: string | null;
  readonly value: string;
  readonly reason: string;
}

interface ReportBase {
  readonly fileName: string;
  readonly seconds: number;
}

export interface ImportedReport extends ReportBase {
  readonly status: "imported";
  readonly sourceId: SourceId;
  readonly sourceName: string;
  readonly snapshotId: number;
  readonly version: number;
  readonly asOf: IsoDate | null;
  readonly format: string;
  readonly encoding: string | null;
  readonly rowsRead: number;
  readonly rowsStored: number;
  readonly rowsRejected: number;
  /** Every rejected row's errors, up to the report limit. */
  readonly rejections: readonly Rejection[];
  /** Rejected rows beyond the limit (stored, not listed). */
  readonly rejectionsOmitted: number;
  readonly notes: readonly string[];
  /** Ids of the snapshots this import replaced for runs. */
  readonly superseded: readonly number[];
  /** The same snapshots, described (version, file, 抽出日, rows, who and when). */
  readonly replaced: readonly ReplacedSnapshot[];
}

/**
 * A dry run, or an import that would replace snapshots nobody confirmed:
 * nothing was stored. Says what would be stored and what would be replaced.
 */
export interface PreviewReport extends ReportBase {
  readonly status: "preview";
  /** `dry_run`: asked for; `confirmation_needed`: the upload would replace unconfirmed snapshots. */
  readonly reason: "dry_run" | "confirmation_needed";
  readonly sourceId: SourceId;
  readonly sourceName: string;
  readonly asOf: IsoDate | null;
  readonly format: string;
  readonly encoding: string | null;
  readonly rowsRead: number;
  readonly rowsStored: number;
  readonly rowsRejected: number;
  readonly rejections: readonly Rejection[];
  readonly rejectionsOmitted: number;
  readonly notes: readonly string[];
  /** What storing it would replace (empty: nothing). */
  readonly wouldReplace: readonly ReplacedSnapshot[];
}

export interface DuplicateReport extends ReportBase {
  readonly status: "duplicate";
  readonly sourceId: SourceId;
  readonly sourceName: string;
  readonly snapshotId: number;
  readonly version: number;
  readonly asOf: IsoDate | null;
  readonly importedAt: Date;
}

export interface FailedReport extends ReportBase {
  readonly status: "failed";
  readonly message: string;
  readonly details: readonly string[];
  /** Set when the file was read but not one row could be stored. */
  readonly sourceId?: SourceId;
  readonly rowsRead?: number;
  readonly rowsRejected?: number;
  /** Why rows were rejected (up to the report limit), so the department can fix the file. */
  readonly rejections?: readonly Rejection[];
  readonly format?: string;
}

export type ImportReport = ImportedReport | DuplicateReport | PreviewReport | FailedReport;

const DEFAULT_MAX_REJECTIONS = 10_000;
/** Chunks the file is hashed in (nothing is kept of them). */
const HASH_CHUNK_BYTES = 256 * 1024;
/**
 * Chunks the file is read in for its rows. Each chunk becomes one batch of rows
 * that lives through decoding, validation and COPY encoding together, and a
 * pipeline of such batches is in flight per file while PostgreSQL catches up;
 * at 256 KiB (~3,000 rows) they outlived V8's young generation and were copied
 * and promoted (city: 366 MB promoted, peak RSS 310 MB, 104 scavenges of a
 * 1.4 GB allocation), at 64 KiB much less of them is (211 MB, 250 MB) and the
 * CSV reader spends no more per row (issue 15, bench/import-cpu.ts).
 */
const READ_CHUNK_BYTES = 64 * 1024;

/** File extensions a folder import picks up. */
export const IMPORTABLE_EXTENSIONS = [".csv", ".xlsx"];

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: HASH_CHUNK_BYTES }))
    h.update(chunk);
  return h.digest("hex");
}

/** The dedup key: the bytes plus every option that changes what gets stored. */
function contentHash(parts: {
  content: string;
  mapping?: Mapping | undefined;
  asOf?: IsoDate | undefined;
  source?: SourceId | undefined;
  declared?: readonly unknown[];
}): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        v: 1,
        content: parts.content,
        mapping: parts.mapping ?? null,
        asOf: parts.asOf ?? null,
        source: parts.source ?? null,
        // A changed declaration reads the same bytes differently: not a duplicate.
        ...(parts.declared && parts.declared.length > 0 ? { declared: parts.declared } : {}),
      }),
    )
    .digest("hex");
}

/** A validated input ready to store: a file being read, or manual rows. */
interface Incoming {
  readonly fileName: string;
  readonly layout: Layout;
  readonly plan: FilePlan;
  readonly notes: readonly string[];
  readonly format: string;
  readonly encoding: string | null;
  readonly manual: boolean;
  readonly mapping: Mapping | undefined;
  readonly batches: AsyncIterable<readonly IngestedRow[]> | Iterable<readonly IngestedRow[]>;
  readonly progress: () => { bytesRead: number; totalBytes: number };
  close(): Promise<void>;
}

async function audit(
  target: ImportDatabase,
  options: Pick<ImportFileOptions, "municipalityId" | "actor">,
  report: ImportReport,
  sourceId: SourceId | undefined,
): Promise<void> {
  const detail: Record<string, unknown> =
    report.status === "imported"
      ? {
          status: report.status,
          sourceId: report.sourceId,
          snapshotId: report.snapshotId,
          version: report.version,
          asOf: report.asOf,
          rowsRead: report.rowsRead,
          rowsStored: report.rowsStored,
          rowsRejected: report.rowsRejected,
          superseded: report.superseded,
        }
      : report.status === "preview"
        ? {
            status: report.status,
            reason: report.reason,
            sourceId: report.sourceId,
            asOf: report.asOf,
            rowsRead: report.rowsRead,
            rowsStored: report.rowsStored,
            rowsRejected: report.rowsRejected,
            wouldReplace: report.wouldReplace.map((r) => r.id),
          }
        : report.status === "duplicate"
          ? { status: report.status, sourceId: report.sourceId, snapshotId: report.snapshotId }
          : {
              status: report.status,
              sourceId: sourceId ?? null,
              rowsRead: report.rowsRead ?? null,
              rowsRejected: report.rowsRejected ?? null,
            };
  await createAuditRepository(target.db).append({
    municipalityId: options.municipalityId,
    actorUserId: options.actor.userId,
    actor: options.actor.loginName,
    action: "import.file",
    target:
      report.status === "failed" || report.status === "preview"
        ? null
        : `import_snapshot:${report.snapshotId}`,
    detail,
  });
}

/**
 * 要対協 / 一時保護 sources are council facts: a non-member (the request's data
 * scope) may not bring them in. Row-level security refused the rows anyway, but
 * as a 500; this says why in Japanese, in the import's own (audited) report.
 * The CLI runs as the operator (council scope) and is not refused.
 */
function councilSourceRefusal(layout: Layout): MimamoriError | undefined {
  const scope = currentDataScope();
  if (!scope || scope.council || !COUNCIL_ONLY_SOURCES.includes(layout.id)) return undefined;
  return new MimamoriError(
    "forbidden",
    `${layout.name}は要対協・一時保護の情報のため、取り込めるのは要対協の構成員だけです。構成員の職員に取込を依頼してください。`,
  );
}

/**
 * Council sources first (above), then the account's own sources: a データ提供
 * account brings in only its department's data (issue 12). Refused in the
 * import's own audited report, before anything is stored.
 */
function sourceRefusal(
  layout: Layout,
  allowed: readonly string[] | null | undefined,
): MimamoriError | undefined {
  const council = councilSourceRefusal(layout);
  if (council) return council;
  if (mayImportSource(allowed, layout.id)) return undefined;
  return new MimamoriError(
    "forbidden",
    `${layout.name}は、このアカウントが取り込めるデータに含まれていません。担当する部署のアカウントで取り込むか、管理者に取り込めるデータの設定を依頼してください。`,
  );
}

/** Opens the write transaction of one import (a fresh or a reused connection). */
type BeginImport = (municipalityId: number, sourceId: SourceId) => Promise<ImportTransaction>;

async function store(
  begin: BeginImport,
  incoming: Incoming,
  hash: string,
  options: ImportFileOptions & {
    /** A correction: replace exactly these snapshots (manual entries), whatever their dates. */
    readonly supersedeIds?: readonly number[];
  },
  started: number,
): Promise<ImportReport> {
  const layout = incoming.layout;
  const tx = await begin(options.municipalityId, layout.id);
  try {
    const dup = await tx.findByHash(hash);
    if (dup) {
      await incoming.close();
      return {
        status: "duplicate",
        fileName: incoming.fileName,
        sourceId: layout.id,
        sourceName: layout.name,
        snapshotId: dup.id,
        version: dup.version,
        asOf: dup.asOf,
        importedAt: dup.importedAt,
        seconds: (performance.now() - started) / 1000,
      };
    }
    const snapshot = await tx.createSnapshot({
      fileName: incoming.fileName,
      contentHash: hash,
      format: incoming.format,
      encoding: incoming.encoding,
      header: incoming.plan.header,
      mapping: incoming.mapping,
      manual: incoming.manual,
      actorUserId: options.actor.userId,
      actor: options.actor.loginName,
    });
    const maxListed = options.maxRejectionsInReport ?? DEFAULT_MAX_REJECTIONS;
    const rejections: Rejection[] = [];
    let rowsRead = 0;
    let rowsStored = 0;
    let rowsRejected = 0;
    let rejectionsOmitted = 0;
    let asOf: IsoDate | null = options.asOf ?? null;
    const toStore = async function* (): AsyncGenerator<RowToStore[]> {
      for await (const batch of incoming.batches) {
        const out: RowToStore[] = new Array(batch.length);
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i] as IngestedRow;
          rowsRead++;
          if (r.ok) {
            rowsStored++;
            if (asOf === null || r.asOf > asOf) asOf = r.asOf;
            out[i] = {
              row: r.row,
              line: r.line,
              asOf: r.asOf,
              raw: r.text ?? formatCsvRecord(r.fields),
              values: r.values,
            };
          } else {
            rowsRejected++;
            if (rejections.length < maxListed) {
              for (const e of r.errors) rejections.push({ row: r.row, line: r.line, ...e });
            } else {
              rejectionsOmitted++;
            }
            out[i] = {
              row: r.row,
              line: r.line,
              asOf: options.asOf ?? null,
              raw: r.text ?? formatCsvRecord(r.fields),
              errors: r.errors,
            };
          }
        }
        options.onProgress?.({ fileName: incoming.fileName, rowsRead, ...incoming.progress() });
        yield out;
      }
    };
    await tx.copyRows(
      snapshot.id,
      layout.columns.map((c) => c.name),
      toStore(),
    );
    await tx.finishSnapshot(snapshot.id, { asOf, rowsRead, rowsStored, rowsRejected });
    const notes = [...incoming.notes];
    if (rowsStored === 0) {
      // Nothing usable: storing it would only replace good data with nothing
      // (issue 16). No version is created; the transaction rolls back.
      return {
        status: "failed",
        fileName: incoming.fileName,
        message:
          rowsRead === 0
            ? `${incoming.fileName}: データの行が 1 行もありません（見出しだけのファイルです）。取り込んでいません。以前のデータはそのままです。`
            : `${incoming.fileName}: ${rowsRead.toLocaleString("ja-JP")} 行すべてがエラーのため、取り込んでいません。以前のデータはそのままです。`,
        details:
          rowsRead === 0
            ? ["部署から出力し直したファイルを取り込んでください。"]
            : [
                "列の対応（マッピング）や日付・番号の形が合っているか確認し、ファイルを直してから取り込み直してください。",
                ...incoming.notes,
              ],
        sourceId: layout.id,
        rowsRead,
        rowsRejected,
        rejections,
        format: incoming.format,
        seconds: (performance.now() - started) / 1000,
      };
    }
    const replaced =
      options.supersedeIds !== undefined
        ? await tx.supersedeIds(snapshot.id, options.supersedeIds, {
            actor: options.actor.loginName,
          })
        : asOf === null || incoming.manual
          ? []
          : await tx.supersede(snapshot.id, {
              allWithSameAsOf: options.replace ?? false,
              actor: options.actor.loginName,
            });
    const confirmed = new Set(options.confirmReplace ?? []);
    const unconfirmed =
      options.confirmReplace !== undefined &&
      (replaced.length !== confirmed.size || replaced.some((r) => !confirmed.has(r.id)));
    if (options.dryRun || unconfirmed) {
      return {
        status: "preview",
        reason: options.dryRun ? "dry_run" : "confirmation_needed",
        fileName: incoming.fileName,
        sourceId: layout.id,
        sourceName: layout.name,
        asOf,
        format: incoming.format,
        encoding: incoming.encoding,
        rowsRead,
        rowsStored,
        rowsRejected,
        rejections,
        rejectionsOmitted,
        notes,
        wouldReplace: replaced,
        seconds: (performance.now() - started) / 1000,
      };
    }
    await tx.commit();
    return {
      status: "imported",
      fileName: incoming.fileName,
      sourceId: layout.id,
      sourceName: layout.name,
      snapshotId: snapshot.id,
      version: snapshot.version,
      asOf,
      format: incoming.format,
      encoding: incoming.encoding,
      rowsRead,
      rowsStored,
      rowsRejected,
      rejections,
      rejectionsOmitted,
      notes,
      superseded: replaced.map((r) => r.id),
      replaced,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (e) {
    await incoming.close().catch(() => {});
    throw e;
  } finally {
    await tx.close();
  }
}

function failed(fileName: string, e: MimamoriError, started: number): FailedReport {
  return {
    status: "failed",
    fileName,
    message: e.message,
    details: e.details,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Imports one file (CSV or .xlsx) as a new snapshot of its source and returns
 * the report. A file that cannot be imported at all (unreadable, unknown
 * source, layout change) gives a `failed` report and stores nothing; the same
 * content imported before gives `duplicate` and changes nothing. Every call
 * leaves one audit row. Errors other than the user's (database down) throw.
 */
export function importFile(
  target: ImportDatabase,
  path: string,
  options: ImportFileOptions,
): Promise<ImportReport> {
  return importOne(target, path, options, {
    begin: (municipalityId, sourceId) => beginImport(target.url, municipalityId, sourceId),
    turn: async () => {},
  });
}

export interface ImportFilesOptions extends Omit<ImportFileOptions, "fileName" | "onProgress"> {
  /**
   * Files imported at the same time, each in its own transaction on its own
   * connection (default 2). While PostgreSQL writes one file's rows and commits,
   * the next file is read and validated.
   */
  readonly concurrency?: number;
  readonly onProgress?: (p: ImportProgress) => void;
  /** Called as each file starts (for a progress display). */
  readonly onFileStart?: (fileName: string) => void;
  /** Called with each file's report as soon as it is done (not necessarily in order). */
  readonly onFileDone?: (report: ImportReport) => void;
}

/**
 * Imports several files, as `importFile` would one after the other, and
 * returns their reports in the order given. Files of different sources are
 * imported concurrently over a few reused connections; files of the same
 * source still write in the order given (the source is known from each
 * file's name or header before it writes anything), so version numbers,
 * duplicate detection and which snapshot supersedes which are exactly those
 * of a sequential import.
 */
export async function importFiles(
  target: ImportDatabase,
  paths: readonly string[],
  options: ImportFilesOptions,
): Promise<ImportReport[]> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, paths.length));
  const sources = options.sources ?? (await loadSources(target.db, options.municipalityId));
  const connections = openImportConnections(target.url, concurrency);
  const known = paths.map(() => deferred<SourceId | undefined>());
  const done = paths.map(() => deferred<void>());
  const reports: ImportReport[] = new Array(paths.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < paths.length) {
      const i = next++;
      const path = paths[i] as string;
      const { concurrency: _, onFileStart, onFileDone, ...rest } = options;
      const fileOptions = { ...rest, sources };
      onFileStart?.(basename(path));
      try {
        reports[i] = await importOne(target, path, fileOptions, {
          begin: (m, s) => connections.begin(m, s),
          async turn(sourceId) {
            known[i]?.resolve(sourceId);
            if (sourceId === undefined) return;
            for (let j = 0; j < i; j++) {
              if ((await known[j]?.promise) === sourceId) await done[j]?.promise;
            }
          },
        });
        onFileDone?.(reports[i] as ImportReport);
      } catch (e) {
        failure ??= { error: e };
      } finally {
        // A file that threw before its source was known must not hold up later ones.
        known[i]?.resolve(undefined);
        done[i]?.resolve();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await connections.close();
  }
  if (failure !== undefined) throw failure.error;
  return reports;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** How one file of {@link importFiles} takes part in the whole: its connection and its turn. */
interface FileContext {
  readonly begin: BeginImport;
  /**
   * Resolves when this file may write: once its source is known (undefined
   * when the file failed before that), every earlier file of the same source
   * must have finished, so versions and duplicate checks follow the order of
   * the files as given.
   */
  turn(sourceId: SourceId | undefined): Promise<void>;
}

async function importOne(
  target: ImportDatabase,
  path: string,
  options: ImportFileOptions,
  context: FileContext,
): Promise<ImportReport> {
  const started = performance.now();
  const fileName = options.fileName ?? basename(path);
  let report: ImportReport;
  let sourceId: SourceId | undefined;
  try {
    const totalBytes = (await stat(path)).size;
    await checkZipExpansion(path, fileName);
    const sources = options.sources ?? (await loadSources(target.db, options.municipalityId));
    const hash = contentHash({
      content: await sha256File(path),
      mapping: options.mapping,
      asOf: options.asOf,
      source: options.source,
      declared: sources.layouts
        .filter((l) => !l.builtIn || l.declaration.extends)
        .map((l) => l.declaration),
    });
    const input = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
    const ingested = await ingestBytes(input, {
      fileName,
      ...(options.mapping === undefined ? {} : { mapping: options.mapping }),
      ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
      ...(options.source === undefined ? {} : { source: options.source }),
      sources,
      today: japanDate(options.now ?? new Date()) as IsoDate,
    });
    sourceId = ingested.layout.id;
    await context.turn(sourceId);
    const refusal = sourceRefusal(ingested.layout, options.allowedSources);
    if (refusal) {
      await ingested.table.close();
      throw refusal;
    }
    report = await store(
      context.begin,
      {
        fileName,
        layout: ingested.layout,
        plan: ingested.plan,
        notes: ingested.notes,
        format: ingested.table.format,
        encoding: ingested.table.encoding ?? null,
        manual: false,
        mapping: options.mapping,
        batches: ingested.batches,
        progress: () => ({ bytesRead: ingested.table.bytesRead(), totalBytes }),
        close: () => ingested.table.close(),
      },
      hash,
      options,
      started,
    );
  } catch (e) {
    if (sourceId === undefined) await context.turn(undefined);
    if (isMimamoriError(e) && e.code !== "internal") report = failed(fileName, e, started);
    else if (
      e instanceof Error &&
      "code" in e &&
      (e.code === "ENOENT" || e.code === "EISDIR" || e.code === "EACCES")
    ) {
      report = failed(
        fileName,
        new MimamoriError(
          "not_found",
          `${fileName}: ファイルを開けません。パスと読み取り権限を確認してください。`,
        ),
        started,
      );
    } else throw e;
  }
  await audit(target, options, report, sourceId);
  return report;
}

export interface ManualEntryOptions
  extends Omit<ImportFileOptions, "mapping" | "source" | "onProgress"> {
  readonly source: SourceId;
  /** Shown as the snapshot's file name (default 手入力). */
  readonly label?: string;
}

/**
 * Stores rows typed in by hand (data held on paper: EPDS scores, 要対協
 * registrations) exactly like an imported file, marked as manual. Each row
 * is canonical column name → text, validated as a file's cells would be.
 */
export function importManualRows(
  target: ImportDatabase,
  rows: readonly Readonly<Record<string, string>>[],
  options: ManualEntryOptions,
): Promise<ImportReport> {
  return storeManualRows(target, rows, options, undefined);
}

/**
 * Corrects one manual entry (issue 16): the corrected rows are stored as a new
 * manual snapshot that replaces exactly `snapshotId` (recorded as a
 * correction in import_replacement, audited as `import.correct`); the earlier
 * entry stays in the history and the correction can be undone. Only a
 * current (not already corrected) manual entry can be corrected.
 */
export async function correctManualEntry(
  target: ImportDatabase,
  snapshotId: number,
  rows: readonly Readonly<Record<string, string>>[],
  options: Omit<ManualEntryOptions, "source">,
): Promise<ImportReport> {
  const snapshot = await createImportRepository(target.db).findSnapshot(
    options.municipalityId,
    snapshotId,
  );
  if (!snapshot?.manual) {
    throw new MimamoriError("not_found", "訂正する手入力のデータが見つかりません。");
  }
  if (snapshot.supersededBy !== null) {
    throw new MimamoriError(
      "conflict",
      `この手入力（第 ${snapshot.version} 版）はすでに訂正されています。最新の版を訂正してください。`,
    );
  }
  const report = await storeManualRows(
    target,
    rows,
    {
      ...options,
      source: snapshot.sourceId,
      asOf: options.asOf ?? snapshot.asOf ?? undefined,
      label: options.label ?? snapshot.fileName,
    },
    [snapshotId],
  );
  if (report.status === "imported") {
    await createAuditRepository(target.db).append({
      municipalityId: options.municipalityId,
      actorUserId: options.actor.userId,
      actor: options.actor.loginName,
      action: "import.correct",
      target: `import_snapshot:${report.snapshotId}`,
      detail: { corrected: snapshotId, snapshotId: report.snapshotId },
    });
  }
  return report;
}

async function storeManualRows(
  target: ImportDatabase,
  rows: readonly Readonly<Record<string, string>>[],
  options: ManualEntryOptions,
  supersedeIds: readonly number[] | undefined,
): Promise<ImportReport> {
  const started = performance.now();
  const fileName = options.label ?? "手入力";
  const sources = options.sources ?? (await loadSources(target.db, options.municipalityId));
  const layout = findLayout(options.source, sources);
  let report: ImportReport;
  const refusal = layout && sourceRefusal(layout, options.allowedSources);
  if (!layout) {
    report = failed(
      fileName,
      new MimamoriError("invalid_input", `「${options.source}」という取り込み元はありません。`),
      started,
    );
  } else if (refusal) {
    report = failed(fileName, refusal, started);
  } else {
    const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const planned = planFile(
      layout,
      header,
      options.asOf === undefined ? {} : { asOf: options.asOf },
    );
    if (!planned.ok) {
      report = failed(
        fileName,
        new MimamoriError(
          "invalid_input",
          `${layout.name}の入力に足りない項目があります。`,
          planned.problems,
        ),
        started,
      );
    } else {
      const plan = planned.plan;
      const batch: IngestedRow[] = rows.map((r, i) => {
        const fields = header.map((h) => r[h] ?? "");
        const v = validateRow(plan, fields);
        return v.ok
          ? { ok: true, row: i + 1, line: i + 1, fields, values: v.values, asOf: v.asOf }
          : { ok: false, row: i + 1, line: i + 1, fields, errors: v.errors as RowError[] };
      });
      const hash = contentHash({
        content: createHash("sha256").update(JSON.stringify(rows)).digest("hex"),
        asOf: options.asOf,
        source: layout.id,
      });
      report = await store(
        (municipalityId, sourceId) => beginImport(target.url, municipalityId, sourceId),
        {
          fileName,
          layout,
          plan,
          notes: planned.notes,
          format: "manual",
          encoding: null,
          manual: true,
          mapping: undefined,
          batches: [batch],
          progress: () => ({ bytesRead: 0, totalBytes: 0 }),
          close: async () => {},
        },
        hash,
        supersedeIds === undefined ? options : { ...options, supersedeIds },
        started,
      );
    }
  }
  await audit(target, options, report, layout?.id);
  return report;
}

/**
 * The files a list of paths names: files as given, folders expanded to their
 * .csv and .xlsx files (not recursing, so a synth output's truth/ folder is
 * left alone), sorted by name. Throws MimamoriError for a path that does not exist.
 */
export async function listImportFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(p);
    } catch {
      throw new MimamoriError("not_found", `${p} が見つかりません。パスを確認してください。`);
    }
    if (s.isDirectory()) {
      const names = (await readdir(p, { withFileTypes: true }))
        .filter((d) => d.isFile() && IMPORTABLE_EXTENSIONS.includes(extname(d.name).toLowerCase()))
        .map((d) => d.name)
        .sort();
      if (names.length === 0) {
        throw new MimamoriError(
          "not_found",
          `フォルダ ${p} に取り込める .csv / .xlsx ファイルがありません。`,
        );
      }
      out.push(...names.map((n) => join(p, n)));
    } else {
      out.push(p);
    }
  }
  return out;
}
