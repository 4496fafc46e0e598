/**
 * The import report as text, in Japanese, for the CLI (the web page renders
 * the same ImportReport objects itself). Row numbers are shown both ways: the
 * data row (header not counted — the `row` of `export links`) and the line of
 * the file, since a quoted line break makes them differ.
 */
import type { ImportReport } from "./import.ts";

const n = (x: number) => x.toLocaleString("ja-JP");

function where(row: number, line: number, format: string): string {
  if (format === "manual") return `${n(row)} 件目`;
  return `データ ${n(row)} 行目（${format === "xlsx" ? "シートの" : "ファイルの"} ${n(line)} 行目）`;
}

/** One file's report; `maxListed` caps the rejected rows printed (the rest are counted). */
export function formatImportReport(r: ImportReport, maxListed = Number.POSITIVE_INFINITY): string {
  const lines: string[] = [];
  if (r.status === "failed") {
    const message = r.message.startsWith(`${r.fileName}: `)
      ? r.message.slice(r.fileName.length + 2)
      : r.message;
    lines.push(`✗ ${r.fileName}: ${message}`);
    for (const d of r.details) lines.push(`  - ${d}`);
    return lines.join("\n");
  }
  if (r.status === "duplicate") {
    lines.push(
      `= ${r.fileName} → ${r.sourceId}（${r.sourceName}）: 同じ内容のファイルは取り込み済みです（版 ${r.version}、抽出日 ${r.asOf ?? "不明"}、${r.importedAt.toISOString().slice(0, 10)} 取込）。何も変更していません。`,
    );
    return lines.join("\n");
  }
  lines.push(
    `✓ ${r.fileName} → ${r.sourceId}（${r.sourceName}） 版 ${r.version}、抽出日 ${r.asOf ?? "不明"}`,
    `  読み込み ${n(r.rowsRead)} 行 / 保存 ${n(r.rowsStored)} 行 / エラー ${n(r.rowsRejected)} 行（${r.seconds.toFixed(1)} 秒）`,
  );
  if (r.superseded.length > 0) {
    lines.push(
      `  同じ抽出日の以前の取り込み（${r.superseded.length} 件）をこの版で置き換えました（以前の版も残っています）。`,
    );
  }
  for (const note of r.notes) lines.push(`  注: ${note}`);
  if (r.rejections.length > 0) {
    lines.push("  エラーの行（保存していません。元のファイルを直して取り込み直してください）:");
    const shown = r.rejections.slice(0, maxListed);
    for (const e of shown) {
      const column =
        e.column === null ? "" : ` ${e.column}${e.value === "" ? "" : `「${e.value}」`}`;
      lines.push(`    ${where(e.row, e.line, r.format)}${column}: ${e.reason}`);
    }
    const more = r.rejections.length - shown.length + r.rejectionsOmitted;
    if (more > 0)
      lines.push(`    …ほか ${n(more)} 件（--report FILE で全件を CSV に書き出せます）`);
  }
  return lines.join("\n");
}

/** Every file's report and a closing total. */
export function formatImportReports(reports: readonly ImportReport[], maxListed?: number): string {
  const count = (s: ImportReport["status"]) => reports.filter((r) => r.status === s).length;
  const stored = reports.reduce((a, r) => a + (r.status === "imported" ? r.rowsStored : 0), 0);
  const rejected = reports.reduce((a, r) => a + (r.status === "imported" ? r.rowsRejected : 0), 0);
  return [
    ...reports.map((r) => formatImportReport(r, maxListed)),
    "",
    `合計: ${reports.length} ファイル（取り込み ${count("imported")}、取り込み済み ${count("duplicate")}、失敗 ${count("failed")}）、保存 ${n(stored)} 行、エラー ${n(rejected)} 行`,
  ].join("\n");
}
