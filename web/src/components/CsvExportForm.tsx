/**
 * The one CSV export form of the app (issue 12, export policy): every export
 * asks for a purpose (required, at least 4 characters, recorded with the
 * export in the audit log) and runs through `useReauth`, so a password older
 * than 10 minutes is asked again before the file is produced. The API decides
 * (POST with `{ purpose }`, 403 `reauth_required`); this form only asks.
 */
import { type FormEvent, useState } from "react";
import { apiDownload } from "../lib/api.ts";
import { useReauth } from "../lib/reauth.tsx";

export interface CsvExportFormProps {
  /** The API path of the export (POST), with its query string. */
  path: string;
  /** The name the browser saves the file under. */
  fileName: string;
  /** The button's label, e.g. 「この条件で CSV を出力」. */
  label: string;
  /** The form's heading (and accessible name). */
  title?: string;
}

export function CsvExportForm({ path, fileName, label, title = "CSV 出力" }: CsvExportFormProps) {
  const [purpose, setPurpose] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const reauth = useReauth();
  async function download() {
    const blob = await apiDownload(path, { purpose });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    a.click();
    URL.revokeObjectURL(url);
    setMessage({
      ok: true,
      text: "CSV を出力しました。出力したことと目的は監査ログに記録されています。",
    });
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    try {
      await reauth.run(download);
    } catch (err) {
      setMessage({
        ok: false,
        text: err instanceof Error ? err.message : "出力できませんでした。",
      });
    }
  }
  return (
    <>
      <form className="card" onSubmit={submit} aria-label={title}>
        <h2>{title}</h2>
        <label className="field">
          <span>出力の目的（必須・監査ログに記録されます）</span>
          <input
            value={purpose}
            onChange={(e) => setPurpose(e.target.value)}
            required
            minLength={4}
          />
        </label>
        <button type="submit" className="button button-primary">
          {label}
        </button>
        {message && (
          <p
            role={message.ok ? "status" : "alert"}
            className={`alert ${message.ok ? "alert-success" : "alert-error"}`}
          >
            {message.text}
          </p>
        )}
      </form>
      {reauth.prompt}
    </>
  );
}
