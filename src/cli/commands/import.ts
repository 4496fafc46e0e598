import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { openDatabase } from "../../db/database.ts";
import { createImportRepository } from "../../db/import.repository.ts";
import { refuseFutureAsOf } from "../../domain/as-of.ts";
import { MimamoriError } from "../../domain/errors.ts";
import { parseDate } from "../../domain/ja/date.ts";
import { describeSources, isSourceId } from "../../domain/layouts.ts";
import type { Mapping } from "../../domain/mapping.ts";
import type { IsoDate, SourceId } from "../../domain/types.ts";
import { loadMapping } from "../../ingest/mapping-file.ts";
import {
  type ImportDatabase,
  type ImportProgress,
  type ImportReport,
  importFiles,
  listImportFiles,
} from "../../pipeline/import.ts";
import { safeCsvLine } from "../../pipeline/import-history.ts";
import { formatImportReports } from "../../pipeline/import-report.ts";
import { loadSources } from "../../pipeline/sources.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { enterMunicipality, resolveMunicipality } from "../municipality.ts";

const usage =
  "mimamori import PATH... [--as-of DATE] [--mapping FILE] [--source ID] [--replace] [--dry-run] [--report FILE] [--json]";

/** Rejected rows printed per file; the rest are counted and go to --report. */
const MAX_PRINTED_REJECTIONS = 200;
/** A progress bar appears once a file has taken this long. */
const PROGRESS_AFTER_MS = 2000;

/**
 * A progress display on stderr for files that take more than a few seconds:
 * a bar redrawn in place on a terminal, a line every 10 s otherwise (logs).
 * Files are imported two at a time, so it shows whichever file reported last.
 */
function progressReporter(stream: NodeJS.WriteStream) {
  const startedAt = new Map<string, number>();
  let lastDraw = 0;
  let drawn = false;
  const interval = stream.isTTY ? 200 : 10_000;
  return {
    start(fileName: string) {
      startedAt.set(fileName, performance.now());
    },
    update(p: ImportProgress) {
      const now = performance.now();
      const started = startedAt.get(p.fileName) ?? now;
      if (now - started < PROGRESS_AFTER_MS || now - lastDraw < interval) return;
      lastDraw = now;
      const ratio = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
      const rate = p.rowsRead / ((now - started) / 1000);
      const text = `${p.fileName}: ${(ratio * 100).toFixed(0)}% ${p.rowsRead.toLocaleString("ja-JP")} 行（${Math.round(rate).toLocaleString("ja-JP")} 行/秒）`;
      if (stream.isTTY) {
        const width = 20;
        const bar = "#".repeat(Math.round(ratio * width)).padEnd(width, "-");
        stream.write(`\r[${bar}] ${text}\x1b[K`);
      } else {
        stream.write(`${text}\n`);
      }
      drawn = true;
    },
    finish() {
      if (drawn && stream.isTTY) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}

/** Every rejected row of the imported files as CSV (UTF-8 with BOM, so Excel opens it), written atomically. */
async function writeRejectionReport(
  target: ImportDatabase,
  municipalityId: number,
  reports: readonly ImportReport[],
  path: string,
): Promise<number> {
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, "drain");
  };
  let count = 0;
  try {
    await write(
      `\ufeff${safeCsvLine(["ファイル", "データ行", "ファイルの行", "列", "値", "理由"])}`,
    );
    const repo = createImportRepository(target.db);
    for (const r of reports) {
      if (r.status === "failed") {
        await write(
          safeCsvLine([r.fileName, "", "", "", "", [r.message, ...r.details].join(" / ")]),
        );
        // A file whose rows were all rejected stored nothing; its reasons are in the report.
        for (const e of r.rejections ?? []) {
          await write(
            safeCsvLine([
              r.fileName,
              String(e.row),
              String(e.line),
              e.column ?? "",
              e.value,
              e.reason,
            ]),
          );
          count++;
        }
        continue;
      }
      if (r.status !== "imported" || r.rowsRejected === 0) continue;
      let after = 0;
      while (true) {
        const page = await repo.listRejectedRows(municipalityId, r.snapshotId, {
          afterRow: after,
          limit: 5000,
        });
        for (const row of page) {
          for (const e of row.errors) {
            const cells = [
              r.fileName,
              String(row.rowNo),
              String(row.lineNo),
              e.column ?? "",
              e.value,
              e.reason,
            ];
            await write(safeCsvLine(cells));
            count++;
          }
        }
        if (page.length < 5000) break;
        after = (page.at(-1) as { rowNo: number }).rowNo;
      }
    }
    out.end();
    await once(out, "finish");
    await rename(tmp, path);
    return count;
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}

export const importCommand: Command = {
  path: ["import"],
  summary:
    "各課のファイル（CSV / Excel、UTF-8 / Shift_JIS）を取り込み、検証結果を表示します。フォルダを指定すると中の .csv と .xlsx をすべて取り込みます。",
  usage,
  async run(args, globals) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        "as-of": { type: "string" },
        mapping: { type: "string" },
        source: { type: "string" },
        replace: { type: "boolean" },
        "dry-run": { type: "boolean" },
        report: { type: "string" },
        json: { type: "boolean" },
      },
      usage,
      true,
    );
    if (positionals.length === 0) {
      throw new MimamoriError("invalid_input", "取り込むファイルかフォルダを指定してください。", [
        `使い方: ${usage}`,
      ]);
    }
    let asOf: IsoDate | undefined;
    if (values["as-of"] !== undefined) {
      const d = parseDate(values["as-of"]);
      if (!d.ok)
        throw new MimamoriError("invalid_input", `--as-of の日付が正しくありません: ${d.reason}`);
      asOf = d.value;
      // The same rule as the web's upload and 手入力 (domain/as-of.ts).
      refuseFutureAsOf(new Date(), asOf);
    }
    const files = await listImportFiles(positionals);

    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const municipalityId = enterMunicipality(await resolveMunicipality(opened.db, globals));
      // The municipality's declared sources count as sources here (mimamori source add).
      const sources = await loadSources(opened.db, municipalityId);
      let source: SourceId | undefined;
      if (values.source !== undefined) {
        if (!isSourceId(values.source, sources)) {
          throw new MimamoriError(
            "invalid_input",
            `--source「${values.source}」という取り込み元はありません。`,
            describeSources(sources),
          );
        }
        source = values.source;
      }
      const mapping: Mapping | undefined =
        values.mapping === undefined ? undefined : await loadMapping(values.mapping, sources);
      const progress = progressReporter(process.stderr);
      let reports: ImportReport[];
      try {
        // Like `mimamori run`: the operator's import keeps the owner's URL for its COPY
        // connections, so with an owner that bypasses RLS the rows are COPYed straight into
        // import_row (checked in code, db/copy.ts bulkWriter; issue 15). Uploads from the
        // web use the app login role (staging, RLS-checked).
        reports = await importFiles(opened, files, {
          municipalityId,
          actor: { userId: null, loginName: "cli" },
          ...(mapping === undefined ? {} : { mapping }),
          ...(asOf === undefined ? {} : { asOf }),
          ...(source === undefined ? {} : { source }),
          sources,
          replace: values.replace ?? false,
          dryRun: values["dry-run"] ?? false,
          onFileStart: (name) => progress.start(name),
          onProgress: (p) => progress.update(p),
        });
      } finally {
        progress.finish();
      }
      if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else process.stdout.write(`${formatImportReports(reports, MAX_PRINTED_REJECTIONS)}\n`);
      if (values.report !== undefined) {
        const n = await writeRejectionReport(opened, municipalityId, reports, values.report);
        process.stderr.write(
          `エラーの行 ${n.toLocaleString("ja-JP")} 件を ${values.report} に書き出しました。\n`,
        );
      }
      const failedCount = reports.filter((r) => r.status === "failed").length;
      if (failedCount > 0) {
        process.stderr.write(
          `エラー: ${failedCount} 個のファイルを取り込めませんでした（上の表示を確認してください）。\n`,
        );
        return 1;
      }
      return 0;
    } finally {
      await opened.close();
    }
  },
};
