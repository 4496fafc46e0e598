import type { ImportReportView } from "../../lib/types.ts";

/** The import report, as the CLI prints it: counts, then every rejected row with row, column and reason. */
export function ImportReport({ report }: { report: ImportReportView }) {
  if (report.status === "failed") {
    return (
      <div role="alert" className="alert alert-error" data-testid="import-report">
        <p>
          <strong>{report.fileName}</strong>: 取り込めませんでした。{report.message}
        </p>
        {report.details.map((d) => (
          <p key={d}>・{d}</p>
        ))}
        <p>このファイルからは何も保存していません。以前に取り込んだデータはそのままです。</p>
        {report.rejections && report.rejections.length > 0 && (
          <Rejections rejections={report.rejections} caption="エラーの行" />
        )}
      </div>
    );
  }
  if (report.status === "preview") {
    return (
      <div role="status" className="alert alert-info" data-testid="import-report">
        <p>
          <strong>{report.fileName}</strong>（{report.sourceName}、抽出日 {report.asOf ?? "不明"}
          ）はまだ保存していません。保存できる行 {report.rowsStored.toLocaleString()} 行 / エラー{" "}
          {report.rowsRejected.toLocaleString()} 行。
        </p>
        {report.wouldReplace.length > 0 ? (
          <ul data-testid="would-replace">
            {report.wouldReplace.map((x) => (
              <li key={x.id}>
                取り込むと第 {x.version} 版「{x.fileName}」（抽出日 {x.asOf ?? "不明"}、保存{" "}
                {x.rowsStored.toLocaleString()} 行、{x.actor}）が置き換わります。
              </li>
            ))}
          </ul>
        ) : (
          <p>置き換わる取り込みはありません。</p>
        )}
      </div>
    );
  }
  if (report.status === "duplicate") {
    return (
      <div role="status" className="alert alert-info" data-testid="import-report">
        <p>
          <strong>{report.fileName}</strong>: 同じ内容のファイルが既に取り込まれています（
          {report.sourceName} 第 {report.version} 版、
          {new Date(report.importedAt).toLocaleString("ja-JP")}）。変更はありません。
        </p>
      </div>
    );
  }
  return (
    <div data-testid="import-report">
      <div
        role="status"
        className={report.rowsRejected ? "alert alert-info" : "alert alert-success"}
      >
        <p>
          <strong>{report.fileName}</strong> を {report.sourceName}（第 {report.version} 版、抽出日{" "}
          {report.asOf ?? "不明"}）として取り込みました。
        </p>
        <p>
          読み込み {report.rowsRead.toLocaleString()} 行 / 保存 {report.rowsStored.toLocaleString()}{" "}
          行 / エラー {report.rowsRejected.toLocaleString()} 行（{report.format}
          {report.encoding ? `、${report.encoding}` : ""}、{report.seconds.toFixed(1)} 秒）
        </p>
        {report.notes.map((n) => (
          <p key={n}>・{n}</p>
        ))}
        {report.replaced.map((x) => (
          <p key={x.id} data-testid="replaced">
            ・同じ抽出日の第 {x.version} 版「{x.fileName}」（保存 {x.rowsStored.toLocaleString()}{" "}
            行）をこの版で置き換えました。以前の版も残っており、元に戻せます。
          </p>
        ))}
      </div>
      {report.rejections.length > 0 && (
        <Rejections
          rejections={report.rejections}
          caption={`エラーの行（この ${report.rowsRejected.toLocaleString()} 行は判定に使いません。元のファイルを直して取り込み直してください）`}
        />
      )}
      {report.rejectionsOmitted > 0 && (
        <p>ほか {report.rejectionsOmitted.toLocaleString()} 行のエラーは省略しています。</p>
      )}
    </div>
  );
}

function Rejections({
  rejections,
  caption,
}: {
  rejections: readonly { row: number; column: string | null; value: string; reason: string }[];
  caption: string;
}) {
  return (
    <table className="table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">行</th>
          <th scope="col">列</th>
          <th scope="col">値</th>
          <th scope="col">理由</th>
        </tr>
      </thead>
      <tbody>
        {rejections.map((r) => (
          <tr key={`${r.row}-${r.column ?? ""}-${r.reason}`}>
            <td>{r.row}</td>
            <td>{r.column ?? "（行全体）"}</td>
            <td>{r.value}</td>
            <td>{r.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
