import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { SheetRequestListView, SheetRequestView } from "../../lib/types.ts";
import { DIFFICULTIES, KIND_LABELS, MODE_LABELS, STATUS_LABELS } from "./labels.ts";

const FILTERS: [string, string][] = [
  ["", "すべて"],
  ["overdue", "期限超過"],
  ["open", "回答待ち"],
  ["answered", "回答済み"],
  ["withdrawn", "取り下げ"],
];

function Problems({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <div role="alert" className="alert alert-error">
      <p>{error.message}</p>
      {error instanceof ApiFailure && error.details.length > 0 && (
        <ul>
          {error.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Sends one request about one child (the person id comes from the child page's link). */
function SendForm({ personId: initial }: { personId: string }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [personId, setPersonId] = useState(initial);
  const [types, setTypes] = useState<string[]>([]);
  const [mode, setMode] = useState("b");
  const [dueDate, setDueDate] = useState("");
  const [recipient, setRecipient] = useState("");
  const [note, setNote] = useState("");
  const send = useMutation({
    mutationFn: () =>
      api<SheetRequestView>("/sheets/requests", {
        method: "POST",
        body: {
          personId: personId.trim(),
          difficulties: types,
          mode,
          ...(dueDate ? { dueDate } : {}),
          ...(recipient.trim() ? { recipient: recipient.trim() } : {}),
          ...(note.trim() ? { note: note.trim() } : {}),
        },
      }),
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: ["sheets"] });
      void navigate({ to: "/sheets/requests/$requestId", params: { requestId: String(r.id) } });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    send.mutate();
  }
  return (
    <form className="form-card wide" onSubmit={submit} aria-label="情報収集シートを送る">
      <h2>情報収集シートを送る</h2>
      <label className="field" htmlFor="send-person">
        こどもの個人番号（こども詳細の「情報収集シートを送る」から開くと入ります）
        <input id="send-person" value={personId} onChange={(e) => setPersonId(e.target.value)} />
      </label>
      <fieldset className="field">
        <legend>困難の種類（質問のひな形を選びます）</legend>
        {DIFFICULTIES.map(([id, label]) => (
          <label key={id}>
            <input
              type="checkbox"
              name="difficulty"
              value={id}
              checked={types.includes(id)}
              onChange={(e) =>
                setTypes((t) => (e.target.checked ? [...t, id] : t.filter((x) => x !== id)))
              }
            />
            {label}
          </label>
        ))}
      </fieldset>
      <fieldset className="field">
        <legend>共有モード（依頼先に伝える範囲）</legend>
        {(["a", "b", "c"] as const).map((m) => (
          <label key={m}>
            <input
              type="radio"
              name="mode"
              value={m}
              checked={mode === m}
              onChange={() => setMode(m)}
            />
            {MODE_LABELS[m]}
          </label>
        ))}
      </fieldset>
      <label className="field" htmlFor="send-recipient">
        依頼先（空欄: こどもの今の学校・保育所）
        <input
          id="send-recipient"
          value={recipient}
          onChange={(e) => setRecipient(e.target.value)}
        />
      </label>
      <label className="field" htmlFor="send-due">
        回答期限（空欄: 2週間後）
        <input
          id="send-due"
          type="date"
          value={dueDate}
          onChange={(e) => setDueDate(e.target.value)}
        />
      </label>
      <label className="field" htmlFor="send-note">
        依頼の補足（依頼先に表示されます）
        <textarea
          id="send-note"
          rows={2}
          maxLength={500}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
      </label>
      <Problems error={send.error} />
      <button type="submit" className="button button-primary" disabled={send.isPending}>
        送る
      </button>
    </form>
  );
}

/** One school's round: every flagged child now there (or chosen ids), one request each. */
function BulkForm() {
  const client = useQueryClient();
  const affiliations = useQuery({
    queryKey: ["sheets", "affiliations"],
    queryFn: () => api<{ affiliations: string[] }>("/sheets/affiliations"),
  });
  const [recipient, setRecipient] = useState("");
  const [kind, setKind] = useState("school");
  const [mode, setMode] = useState("b");
  const [ids, setIds] = useState("");
  const [dueDate, setDueDate] = useState("");
  const bulk = useMutation({
    mutationFn: () => {
      const personIds = ids
        .split(/[\s,、]+/)
        .map((x) => x.trim())
        .filter(Boolean);
      return api<{ batchId: string; ids: number[] }>("/sheets/requests/bulk", {
        method: "POST",
        body: {
          recipient,
          recipientKind: kind,
          mode,
          ...(personIds.length ? { personIds } : {}),
          ...(dueDate ? { dueDate } : {}),
        },
      });
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ["sheets"] }),
  });
  return (
    <form
      className="form-card wide"
      aria-label="所属へまとめて送る"
      onSubmit={(e) => {
        e.preventDefault();
        bulk.mutate();
      }}
    >
      <h2>一つの所属へまとめて送る（年度初め・夏休み明けなど）</h2>
      <label className="field" htmlFor="bulk-recipient">
        依頼先
        <input
          id="bulk-recipient"
          list="bulk-affiliations"
          value={recipient}
          onChange={(e) => setRecipient(e.target.value)}
        />
        <datalist id="bulk-affiliations">
          {(affiliations.data?.affiliations ?? []).map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </label>
      <label className="field" htmlFor="bulk-kind">
        依頼先の種類
        <select id="bulk-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          {Object.entries(KIND_LABELS).map(([k, l]) => (
            <option key={k} value={k}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor="bulk-mode">
        共有モード
        <select id="bulk-mode" value={mode} onChange={(e) => setMode(e.target.value)}>
          {(["a", "b", "c"] as const).map((m) => (
            <option key={m} value={m}>
              {MODE_LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor="bulk-ids">
        こどもの個人番号（空欄: その所属に今いて、最新の判定で基準以上のこども全員）
        <textarea id="bulk-ids" rows={2} value={ids} onChange={(e) => setIds(e.target.value)} />
      </label>
      <label className="field" htmlFor="bulk-due">
        回答期限（空欄: 2週間後）
        <input
          id="bulk-due"
          type="date"
          value={dueDate}
          onChange={(e) => setDueDate(e.target.value)}
        />
      </label>
      <Problems error={bulk.error} />
      {bulk.data && (
        <p role="status" className="alert alert-success">
          {bulk.data.ids.length}件の依頼を送りました。
        </p>
      )}
      <button
        type="submit"
        className="button button-primary"
        disabled={bulk.isPending || !recipient}
      >
        まとめて送る
      </button>
    </form>
  );
}

/** 情報収集シート (staff): the requests sent (overdue first), sending one or a round. */
export function SheetsPage() {
  const { status = "", personId = "" } = useSearch({ from: "/sheets" });
  const navigate = useNavigate({ from: "/sheets" });
  const q = useQuery({
    queryKey: ["sheets", "requests", status],
    queryFn: () =>
      api<SheetRequestListView>(`/sheets/requests?limit=200${status ? `&status=${status}` : ""}`),
  });
  return (
    <section>
      <h1>情報収集シート</h1>
      <p className="lead">
        こどもの所属（学校・保育所・保健師・ケースワーカー）に様子をたずねる依頼です。共有モードで伝える範囲を選び、依頼ごとに記録します。
        <Link to="/sheets/templates">質問のひな形</Link>
      </p>
      <SendForm personId={personId} />
      <BulkForm />
      <h2>送った依頼</h2>
      <label className="field" htmlFor="sheet-filter">
        状態
        <select
          id="sheet-filter"
          value={status}
          onChange={(e) =>
            void navigate({
              search: {
                status: (e.target.value || undefined) as
                  | "open"
                  | "sent"
                  | "overdue"
                  | "answered"
                  | "withdrawn"
                  | undefined,
              },
            })
          }
        >
          {FILTERS.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
      {q.error && (
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      )}
      {q.data && q.data.requests.length === 0 && (
        <p>該当する依頼はありません。こども詳細から、または上の欄から送れます。</p>
      )}
      {q.data && q.data.requests.length > 0 && (
        <table className="table" data-testid="sheet-requests">
          <caption className="visually-hidden">送った依頼</caption>
          <thead>
            <tr>
              <th scope="col">こども</th>
              <th scope="col">依頼先</th>
              <th scope="col">共有モード</th>
              <th scope="col">回答期限</th>
              <th scope="col">状態</th>
            </tr>
          </thead>
          <tbody>
            {q.data.requests.map((r) => (
              <tr key={r.id} data-request={r.id} data-status={r.status}>
                <td>
                  <Link to="/sheets/requests/$requestId" params={{ requestId: String(r.id) }}>
                    {r.childName ?? r.personId}
                  </Link>
                </td>
                <td>
                  {r.recipient}（{KIND_LABELS[r.recipientKind] ?? r.recipientKind}）
                </td>
                <td>({r.mode})</td>
                <td>{r.dueDate}</td>
                <td>
                  {r.status === "overdue" ? (
                    <span className="badge badge-flag">{STATUS_LABELS[r.status]}</span>
                  ) : (
                    STATUS_LABELS[r.status]
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
