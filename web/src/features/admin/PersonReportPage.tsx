import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CsvExportForm } from "../../components/CsvExportForm.tsx";
import { api } from "../../lib/api.ts";
import { targetText } from "./target.ts";

interface ReportPage {
  items: {
    id: string;
    at: string;
    actor: string;
    actionName: string;
    how: "direct" | "listed" | "exported" | "own";
    targetLabel: string;
    personName: string | null;
    purpose: string | null;
  }[];
  nextBefore: string | null;
}

const HOW = {
  direct: "直接の閲覧",
  listed: "一覧などに表示",
  exported: "出力したファイルに含まれる",
  own: "本人の操作",
} as const;
const MODES = [
  { id: "all", label: "すべて" },
  { id: "direct", label: "直接の閲覧だけ" },
  { id: "listed", label: "一覧・検索・出力などに含まれただけ" },
] as const;

/**
 * 人ごとの監査レポート (issue 12): who looked at one child, directly (the
 * child's page, household, case, 開示), in a list, search or agenda, or in an
 * exported file (判定一覧 CSV, CLI exports). The council filter is applied by
 * the API; each view is audited. The CSV export of the report asks for a
 * purpose and re-authentication (CsvExportForm, POST
 * /api/audit/reports/persons/{id}/export).
 */
export function PersonReportPage() {
  const [form, setForm] = useState({ person: "", mode: "all" });
  const [shown, setShown] = useState<{ person: string; mode: string } | null>(null);
  const q = useQuery({
    queryKey: ["audit-person-report", shown?.person, shown?.mode],
    queryFn: () =>
      api<ReportPage>(
        `/audit/reports/persons/${encodeURIComponent(shown?.person ?? "")}?mode=${shown?.mode}&limit=200`,
      ),
    enabled: shown !== null,
    retry: false,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (form.person.trim()) setShown({ person: form.person.trim(), mode: form.mode });
  }
  return (
    <section>
      <h1>人ごとの監査レポート</h1>
      <form onSubmit={submit}>
        <label>
          こどもの番号
          <input
            name="person"
            value={form.person}
            onChange={(e) => setForm({ ...form, person: e.target.value })}
            placeholder="P00000020"
          />
        </label>
        <label>
          範囲
          <select
            name="mode"
            value={form.mode}
            onChange={(e) => setForm({ ...form, mode: e.target.value })}
          >
            {MODES.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">表示</button>
      </form>
      {q.error ? <p role="alert">{(q.error as Error).message}</p> : null}
      {q.data ? (
        <table data-testid="person-report">
          <caption>{shown?.person} を表示した記録（新しい順、最大 200 件）</caption>
          <thead>
            <tr>
              <th scope="col">日時</th>
              <th scope="col">利用者</th>
              <th scope="col">操作</th>
              <th scope="col">区分</th>
              <th scope="col">対象</th>
              <th scope="col">目的</th>
            </tr>
          </thead>
          <tbody>
            {q.data.items.map((r) => (
              <tr key={r.id} data-how={r.how}>
                <td>{new Date(r.at).toLocaleString("ja-JP")}</td>
                <td>{r.actor}</td>
                <td>{r.actionName}</td>
                <td>{HOW[r.how]}</td>
                <td>{targetText(r)}</td>
                <td>{r.purpose ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {q.data && shown ? (
        <CsvExportForm
          title="このレポートの CSV 出力"
          path={`/audit/reports/persons/${encodeURIComponent(shown.person)}/export?mode=${shown.mode}`}
          fileName={`audit-person-${shown.person}.csv`}
          label="このレポートを CSV で出力"
        />
      ) : null}
    </section>
  );
}
