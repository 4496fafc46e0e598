import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CsvExportForm } from "../../components/CsvExportForm.tsx";
import { api } from "../../lib/api.ts";
import { targetText } from "./target.ts";

interface ReportPage {
  subject: { label: string | null };
  items: {
    id: string;
    at: string;
    actionName: string;
    targetLabel: string;
    personName: string | null;
    purpose: string | null;
  }[];
}
interface Users {
  users: { id: number; loginName: string; displayName: string }[];
}

/**
 * 利用者ごとの監査レポート (issue 12): what one user did in a period (newest
 * first, at most 200 rows). The council filter is applied by the API; each view
 * is audited. The CSV export of the same period asks for a purpose and
 * re-authentication (CsvExportForm, POST /api/audit/reports/users/{id}/export).
 */
export function UserReportPage() {
  const users = useQuery({
    queryKey: ["audit-users"],
    queryFn: () => api<Users>("/audit?limit=1"),
    retry: false,
  });
  const [form, setForm] = useState({ user: "", from: "", to: "" });
  const [shown, setShown] = useState<typeof form | null>(null);
  const period = new URLSearchParams();
  if (shown?.from) period.set("from", shown.from);
  if (shown?.to) period.set("to", shown.to);
  const q = useQuery({
    queryKey: ["audit-user-report", shown],
    queryFn: () => api<ReportPage>(`/audit/reports/users/${shown?.user}?limit=200&${period}`),
    enabled: shown !== null,
    retry: false,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (form.user) setShown({ ...form });
  }
  return (
    <section>
      <h1>利用者ごとの監査レポート</h1>
      <form onSubmit={submit}>
        <label>
          利用者
          <select value={form.user} onChange={(e) => setForm({ ...form, user: e.target.value })}>
            <option value="">選んでください</option>
            {(users.data?.users ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.displayName}（{u.loginName}）
              </option>
            ))}
          </select>
        </label>
        <label>
          開始日
          <input
            type="date"
            value={form.from}
            onChange={(e) => setForm({ ...form, from: e.target.value })}
          />
        </label>
        <label>
          終了日
          <input
            type="date"
            value={form.to}
            onChange={(e) => setForm({ ...form, to: e.target.value })}
          />
        </label>
        <button type="submit">表示</button>
      </form>
      {q.error ? <p role="alert">{(q.error as Error).message}</p> : null}
      {q.data ? (
        <table data-testid="user-report">
          <caption>{q.data.subject.label} の操作（新しい順、最大 200 件）</caption>
          <thead>
            <tr>
              <th scope="col">日時</th>
              <th scope="col">操作</th>
              <th scope="col">対象</th>
              <th scope="col">目的</th>
            </tr>
          </thead>
          <tbody>
            {q.data.items.map((r) => (
              <tr key={r.id}>
                <td>{new Date(r.at).toLocaleString("ja-JP")}</td>
                <td>{r.actionName}</td>
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
          path={`/audit/reports/users/${encodeURIComponent(shown.user)}/export?${period}`}
          fileName={`audit-user-${shown.user}.csv`}
          label="このレポートを CSV で出力"
        />
      ) : null}
    </section>
  );
}
