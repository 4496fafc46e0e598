import type { ImportHistoryView } from "../../lib/types.ts";

const when = (iso: string) => new Date(iso).toLocaleString("ja-JP");

/**
 * Import history that tells the truth (issue 16): per source, every version
 * with its 抽出日, rows stored and rejected, who imported it, what it replaced
 * (and whether that was undone), whether runs use it now; the rejected rows
 * as a CSV to send back to the department; undo of a replacement.
 */
export function ImportHistory({
  history,
  busy,
  onUndo,
}: {
  history: ImportHistoryView | null;
  busy: boolean;
  onUndo: (id: number) => void;
}) {
  return (
    <>
      <h2>取込の履歴</h2>
      {history && history.length === 0 && (
        <p>まだ取り込まれたデータはありません。上のフォームからファイルを取り込んでください。</p>
      )}
      {history?.map((source) => (
        <table className="table" key={source.sourceId} data-testid={`history-${source.sourceId}`}>
          <caption>{source.sourceName} — 新しい版から。「使用中」の版が判定に使われます</caption>
          <thead>
            <tr>
              <th scope="col">番号・版</th>
              <th scope="col">抽出日</th>
              <th scope="col">ファイル</th>
              <th scope="col">保存 / エラー</th>
              <th scope="col">取込</th>
              <th scope="col">状態</th>
              <th scope="col">置き換え</th>
            </tr>
          </thead>
          <tbody>
            {source.versions.map((v) => (
              <tr key={v.id}>
                <td>
                  {v.id}・第 {v.version} 版
                </td>
                <td>{v.asOf ?? "—"}</td>
                <td>
                  {v.fileName}
                  {v.manual ? "（手入力）" : ""}
                </td>
                <td>
                  {v.rowsStored.toLocaleString()} / {v.rowsRejected.toLocaleString()}
                  {v.rowsRejected > 0 && (
                    <>
                      {" "}
                      <a href={`/api/imports/${v.id}/rejections.csv`} download>
                        エラーの行を CSV で保存
                      </a>
                    </>
                  )}
                </td>
                <td>
                  {when(v.importedAt)} {v.actor}
                </td>
                <td>
                  {v.current
                    ? "使用中"
                    : v.replacedBy !== null
                      ? `置換済（番号 ${v.replacedBy}）`
                      : "過去の版"}
                </td>
                <td>
                  {v.replaced.map((r) => (
                    <p key={r.snapshotId}>
                      第 {r.version} 版「{r.fileName}」を
                      {r.kind === "correct" ? "訂正" : "置き換え"}
                      {r.undoneAt
                        ? `（${when(r.undoneAt)} ${r.undoneBy ?? ""} が元に戻しました）`
                        : ""}
                    </p>
                  ))}
                  {v.canUndo && (
                    <button
                      type="button"
                      className="button"
                      disabled={busy}
                      onClick={() => onUndo(v.id)}
                    >
                      置き換えを元に戻す
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}
