import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api } from "../../lib/api.ts";
import type { SheetInboxView } from "../../lib/types.ts";
import { STATUS_LABELS } from "./labels.ts";

/** 届いた情報収集シート: the requests to the account's affiliation (the server sends no others). */
export function InboxPage() {
  const q = useQuery({
    queryKey: ["sheets", "inbox"],
    queryFn: () => api<SheetInboxView>("/sheets/inbox?limit=200"),
  });
  return (
    <section>
      <h1>届いた情報収集シート</h1>
      <p className="lead">
        こども家庭センターなどから届いた依頼です。こどもの様子を、わかる範囲で回答してください。回答期限を過ぎたものが先に並びます。
      </p>
      {q.isPending && <p role="status">読み込んでいます…</p>}
      {q.error && (
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      )}
      {q.data && q.data.requests.length === 0 && <p>いま届いている依頼はありません。</p>}
      {q.data && q.data.requests.length > 0 && (
        <table className="table" data-testid="inbox">
          <caption className="visually-hidden">届いた依頼</caption>
          <thead>
            <tr>
              <th scope="col">こども</th>
              <th scope="col">回答期限</th>
              <th scope="col">状態</th>
              <th scope="col">依頼した人</th>
            </tr>
          </thead>
          <tbody>
            {q.data.requests.map((r) => (
              <tr key={r.id} data-request={r.id} data-status={r.status}>
                <td>
                  <Link to="/sheets/inbox/$requestId" params={{ requestId: String(r.id) }}>
                    {r.childName ?? r.personId}
                  </Link>
                </td>
                <td>{r.dueDate}</td>
                <td>
                  {r.status === "overdue" ? (
                    <span className="badge badge-flag">{STATUS_LABELS[r.status]}</span>
                  ) : (
                    STATUS_LABELS[r.status]
                  )}
                </td>
                <td>{r.sentByName}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
