/**
 * The import report as text, in Japanese, for the CLI (the web page renders
 * the same ImportReport objects itself). Row numbers are shown both ways: the
 * data row (header not counted — the `row` of `export links`) and the line of
 * the file, since a quoted line break makes them differ.
 */
import type { ReplacedSnapshot } from "../db/import.repository.ts";
import type { ImportReport, Rejection } from "./import.ts";

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
    if (r.rejections && r.rejections.length > 0) {
      lines.push("  エラーの行:");
      listRejections(lines, r.rejections, r.format ?? "csv", maxListed, 0);
    }
    return lines.join("\n");
  }
  if (r.status === "preview") {
    lines.push(
      `? ${r.fileName} → ${r.sourceId}（${r.sourceName}） 抽出日 ${r.asOf ?? "不明"}: ${r.reason === "dry_run" ? "確認のみ（保存していません）" : "置き換えの確認が必要なため、保存していません"}`,
      `  読み込み ${n(r.rowsRead)} 行 / 保存できる行 ${n(r.rowsStored)} 行 / エラー ${n(r.rowsRejected)} 行`,
    );
    if (r.wouldReplace.length === 0) lines.push("  置き換わる取り込みはありません。");
    else {
      lines.push("  取り込むと、次の取り込みが置き換わります（以前の版も残り、元に戻せます）:");
      for (const x of r.wouldReplace) lines.push(`    ${describeReplaced(x)}`);
    }
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
  if (r.replaced.length > 0) {
    lines.push(
      `  同じ抽出日の以前の取り込み（${r.replaced.length} 件）をこの版で置き換えました。以前の版も残っています（元に戻す: 取込履歴の画面、または API の undo）:`,
    );
    for (const x of r.replaced) lines.push(`    ${describeReplaced(x)}`);
  }
  for (const note of r.notes) lines.push(`  注: ${note}`);
  if (r.rejections.length > 0) {
    lines.push(
      `  エラーの行（この ${n(r.rowsRejected)} 行は判定に使いません。元のファイルを直して取り込み直してください）:`,
    );
    listRejections(lines, r.rejections, r.format, maxListed, r.rejectionsOmitted);
  }
  return lines.join("\n");
}

/** 版 3「jumin.csv」（抽出日 2024-04-01、保存 120 行、2024-04-02 admin 取込）. */
function describeReplaced(x: ReplacedSnapshot): string {
  return `版 ${x.version}「${x.fileName}」（抽出日 ${x.asOf ?? "不明"}、保存 ${n(x.rowsStored)} 行、${x.importedAt.toISOString().slice(0, 10)} ${x.actor} 取込）`;
}

function listRejections(
  lines: string[],
  rejections: readonly Rejection[],
  format: string,
  maxListed: number,
  omitted: number,
): void {
  const shown = rejections.slice(0, maxListed);
  for (const e of shown) {
    const column = e.column === null ? "" : ` ${e.column}${e.value === "" ? "" : `「${e.value}」`}`;
    lines.push(`    ${where(e.row, e.line, format)}${column}: ${e.reason}`);
  }
  const more = rejections.length - shown.length + omitted;
  if (more > 0) lines.push(`    …ほか ${n(more)} 件（--report FILE で全件を CSV に書き出せます）`);
}

/** Every file's report and a closing total. */
export function formatImportReports(reports: readonly ImportReport[], maxListed?: number): string {
  const count = (s: ImportReport["status"]) => reports.filter((r) => r.status === s).length;
  const stored = reports.reduce((a, r) => a + (r.status === "imported" ? r.rowsStored : 0), 0);
  const rejected = reports.reduce((a, r) => a + (r.status === "imported" ? r.rowsRejected : 0), 0);
  return [
    ...reports.map((r) => formatImportReport(r, maxListed)),
    "",
    `合計: ${reports.length} ファイル（取り込み ${count("imported")}、取り込み済み ${count("duplicate")}、${count("preview") > 0 ? `確認のみ ${count("preview")}、` : ""}失敗 ${count("failed")}）、保存 ${n(stored)} 行、エラー ${n(rejected)} 行`,
  ].join("\n");
}
