import { type FormEvent, useCallback, useEffect, useState } from "react";
import { ApiFailure, api, uploadFile } from "../../lib/api.ts";
import type { ImportHistoryView, ImportReportView, SourceView } from "../../lib/types.ts";
import { ImportHistory } from "./ImportHistory.tsx";
import { ImportReport } from "./ImportReport.tsx";

export function ImportPage() {
  const [sources, setSources] = useState<SourceView[]>([]);
  const [history, setHistory] = useState<ImportHistoryView | null>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [asOf, setAsOf] = useState("");
  const [source, setSource] = useState("");
  const [reports, setReports] = useState<ImportReportView[]>([]);
  // The file and options behind each report, so a replacement can be confirmed.
  const [sent, setSent] = useState<{ file: File; params: URLSearchParams }[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api<ImportHistoryView>("/imports/history")
      .then(setHistory)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEffect(() => {
    load();
    api<SourceView[]>("/imports/sources")
      .then(setSources)
      .catch(() => {});
  }, [load]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const done: ImportReportView[] = [];
    const inputs: { file: File; params: URLSearchParams }[] = [];
    for (const file of files) {
      setBusy(`${file.name} を取り込んでいます…`);
      const params = new URLSearchParams({ fileName: file.name });
      if (asOf) params.set("asOf", asOf);
      if (source) params.set("source", source);
      inputs.push({ file, params });
      setSent([...inputs]);
      try {
        // Without confirmReplace the server replaces nothing: a file that would
        // replace an earlier version comes back as a preview to confirm.
        done.push(await uploadFile<ImportReportView>(`/imports?${params}`, file));
      } catch (err) {
        done.push({
          status: "failed",
          fileName: file.name,
          seconds: 0,
          message: err instanceof ApiFailure ? err.message : "送信に失敗しました。",
          details: err instanceof ApiFailure ? err.details : [],
        });
      }
      setReports([...done]);
    }
    setBusy(null);
    load();
  }

  /** Uploads the same file again, confirming exactly the replacements the preview showed. */
  async function confirm(index: number) {
    const report = reports[index];
    const input = sent[index];
    if (report?.status !== "preview" || !input) return;
    const params = new URLSearchParams(input.params);
    params.set("confirmReplace", report.wouldReplace.map((x) => x.id).join(","));
    setBusy(`${input.file.name} を取り込んでいます…`);
    let next: ImportReportView;
    try {
      next = await uploadFile<ImportReportView>(`/imports?${params}`, input.file);
    } catch (err) {
      next = {
        status: "failed",
        fileName: input.file.name,
        seconds: 0,
        message: err instanceof ApiFailure ? err.message : "送信に失敗しました。",
        details: err instanceof ApiFailure ? err.details : [],
      };
    }
    setReports((rs) => rs.map((r, i) => (i === index ? next : r)));
    setBusy(null);
    load();
  }

  /** Restores what snapshot `id` replaced (the server audits it). */
  async function undo(id: number) {
    setError(null);
    setBusy("元に戻しています…");
    try {
      await api(`/imports/${id}/undo`, { method: "POST" });
    } catch (err) {
      setError(err instanceof ApiFailure ? err.message : "元に戻せませんでした。");
    }
    setBusy(null);
    load();
  }

  return (
    <section>
      <h1>データの取込</h1>
      <p className="lead">
        各部署から出力したファイル（CSV または Excel、UTF-8 または
        Shift_JIS）を取り込みます。ファイル名（例:
        jumin.csv、shukketsu_2024-04.xlsx）または見出し行から、どのデータかを判別します。同じ内容のファイルを二度取り込んでも重複しません。
      </p>
      <form className="card upload-form" onSubmit={submit} aria-labelledby="upload-title">
        <h2 id="upload-title">ファイルを選んで取り込む</h2>
        <label className="field">
          <span>ファイル（複数可）</span>
          <input
            type="file"
            name="files"
            multiple
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => setFiles([...(e.target.files ?? [])])}
          />
        </label>
        <label className="field">
          <span>抽出日（ファイルに「抽出日」列がない場合は必須）</span>
          <input type="date" name="asOf" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
        </label>
        <label className="field">
          <span>データの種類（通常は自動判別）</span>
          <select name="source" value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="">自動判別</option>
            {sources.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="submit"
          className="button button-primary"
          disabled={files.length === 0 || busy !== null}
        >
          取り込む
        </button>
        {busy && <p role="status">{busy}</p>}
      </form>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
      {reports.map((r, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: reports are append-only for one submission
        <div key={i}>
          <ImportReport report={r} />
          {r.status === "preview" && r.reason === "confirmation_needed" && (
            <button
              type="button"
              className="button button-primary"
              disabled={busy !== null}
              onClick={() => confirm(i)}
            >
              確認しました。置き換えて取り込む
            </button>
          )}
        </div>
      ))}
      <ImportHistory history={history} busy={busy !== null} onUndo={undo} />
    </section>
  );
}
