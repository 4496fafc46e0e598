import { type FormEvent, useEffect, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { ImportReportView, SourceView } from "../../lib/types.ts";
import { ImportReport } from "./ImportReport.tsx";

/** Sources whose data is often held on paper (EPDS, 要対協 registrations, 相談記録…) come first. */
const PAPER_FIRST = ["sanpu_kenshin", "yotaikyo", "sodan_kiroku", "ninpu_kenshin", "ichiji_hogo"];

/**
 * Manual entry for data held on paper: one row at a time, the same columns and
 * validation as an imported file, stored as a snapshot marked 手入力.
 */
export function ManualEntryPage() {
  const [sources, setSources] = useState<SourceView[]>([]);
  const [sourceId, setSourceId] = useState("");
  const [asOf, setAsOf] = useState(() => new Date().toISOString().slice(0, 10));
  const [values, setValues] = useState<Record<string, string>>({});
  const [report, setReport] = useState<ImportReportView | null>(null);
  const [error, setError] = useState<string[]>([]);

  useEffect(() => {
    api<SourceView[]>("/imports/sources")
      .then((list) =>
        setSources(
          [...list].sort((a, b) => rank(a.id) - rank(b.id) || a.name.localeCompare(b.name, "ja")),
        ),
      )
      .catch((e: unknown) => setError([e instanceof Error ? e.message : String(e)]));
  }, []);

  const source = sources.find((s) => s.id === sourceId);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!source) return;
    const row = Object.fromEntries(
      Object.entries(values).filter(
        ([k, v]) => v.trim() !== "" && source.columns.some((c) => c.name === k),
      ),
    );
    try {
      const r = await api<ImportReportView>("/imports/manual", {
        method: "POST",
        body: { source: source.id, asOf, rows: [row] },
      });
      setReport(r);
      setError([]);
      if (r.status === "imported" && r.rowsRejected === 0) setValues({});
    } catch (err) {
      setError(
        err instanceof ApiFailure ? [err.message, ...err.details] : ["保存できませんでした。"],
      );
    }
  }

  return (
    <section>
      <h1>手入力</h1>
      <p className="lead">
        紙で管理しているデータ（EPDS の点数、要対協の登録など）を 1
        件ずつ入力します。ファイルの取込と同じ形式で保存され、「手入力」と記録されます。
      </p>
      {error.length > 0 && (
        <div role="alert" className="alert alert-error">
          {error.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      {report && <ImportReport report={report} />}
      <form className="card form-card wide" onSubmit={submit} aria-labelledby="manual-title">
        <h2 id="manual-title">入力</h2>
        <label className="field">
          <span>データの種類</span>
          <select
            name="source"
            value={sourceId}
            onChange={(e) => {
              setSourceId(e.target.value);
              setValues({});
              setReport(null);
            }}
          >
            <option value="">選んでください</option>
            {sources.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>抽出日（この情報がいつ時点のものか）</span>
          <input
            type="date"
            name="asOf"
            required
            value={asOf}
            onChange={(e) => setAsOf(e.target.value)}
          />
        </label>
        {source?.columns.map((c, i) => {
          const id = `manual-${i}`;
          const set = (v: string) => setValues({ ...values, [c.name]: v });
          return (
            <div key={c.name} className="field">
              <label htmlFor={id}>
                {c.name}
                {c.required ? "（必須）" : ""}
              </label>
              {c.options ? (
                <select id={id} value={values[c.name] ?? ""} onChange={(e) => set(e.target.value)}>
                  <option value="">—</option>
                  {c.options.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  type={c.kind === "date" ? "date" : "text"}
                  required={c.required}
                  value={values[c.name] ?? ""}
                  onChange={(e) => set(e.target.value)}
                  placeholder={placeholder(c.kind)}
                />
              )}
            </div>
          );
        })}
        <button type="submit" className="button button-primary" disabled={!source}>
          保存する
        </button>
      </form>
    </section>
  );
}

function rank(id: string): number {
  const i = PAPER_FIRST.indexOf(id);
  return i < 0 ? PAPER_FIRST.length : i;
}

function placeholder(kind: string): string | undefined {
  switch (kind) {
    case "bool":
      return "はい / いいえ";
    case "sex":
      return "男 / 女";
    case "number":
      return "数値";
    default:
      return undefined;
  }
}
