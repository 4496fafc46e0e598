import { useQuery } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api } from "../../lib/api.ts";
import type { AuditPage as AuditData, AuditDetail } from "../../lib/types.ts";
import { AuditDetailFields } from "./audit-detail.tsx";
import { targetText } from "./target.ts";

/** The audit view's filters, kept in the URL (a filtered view is a shareable link). */
export interface AuditFilters {
  user?: number;
  action?: string;
  person?: string;
  from?: string;
  to?: string;
  before?: string;
  id?: string;
}

const PAGE = 50;

function query(f: AuditFilters): string {
  const p = new URLSearchParams({ limit: String(PAGE) });
  for (const k of ["user", "action", "person", "from", "to", "before"] as const) {
    const v = f[k];
    if (v !== undefined && v !== "") p.set(k, String(v));
  }
  return p.toString();
}

const time = (iso: string) => new Date(iso).toLocaleString("ja-JP");

/**
 * 監査ログ for people (issue 16): filter by user, action, child and period;
 * pages of 50, newest first (keyset: 「さらに古い記録」 continues before the
 * last row shown); a row opens its detail. Japanese names of every action
 * come from the server (domain/audit/actions.ts). Each view is itself audited.
 */
export function AuditPage() {
  const filters = useSearch({ from: "/audit" });
  const navigate = useNavigate({ from: "/audit" });
  const [form, setForm] = useState({
    user: filters.user ? String(filters.user) : "",
    action: filters.action ?? "",
    person: filters.person ?? "",
    from: filters.from ?? "",
    to: filters.to ?? "",
  });
  const page = useQuery({
    queryKey: ["audit", query(filters)],
    queryFn: () => api<AuditData>(`/audit?${query(filters)}`),
    retry: false,
  });
  const detail = useQuery({
    queryKey: ["audit-row", filters.id],
    queryFn: () => api<AuditDetail>(`/audit/${filters.id}`),
    enabled: filters.id !== undefined,
    retry: false,
  });
  const data = page.data;

  function submit(e: FormEvent) {
    e.preventDefault();
    void navigate({
      search: {
        user: form.user ? Number(form.user) : undefined,
        action: form.action || undefined,
        person: form.person.trim() || undefined,
        from: form.from || undefined,
        to: form.to || undefined,
      },
    });
  }
  function clear() {
    setForm({ user: "", action: "", person: "", from: "", to: "" });
    void navigate({ search: {} });
  }
  const filtered = Boolean(
    filters.user || filters.action || filters.person || filters.from || filters.to,
  );

  return (
    <section>
      <h1>監査ログ</h1>
      <p className="lead">
        ログイン、データの取込・実行・出力、こどもの閲覧などの操作記録です。記録は追記のみで、改ざんされると検証で分かります。この画面の閲覧も記録されます。
      </p>
      {page.error && (
        <p role="alert" className="alert alert-error">
          {page.error.message}
        </p>
      )}
      {data && (
        <p role="status" className={data.chain.ok ? "alert alert-success" : "alert alert-error"}>
          {data.chain.ok
            ? `改ざん検証: 全 ${data.chain.rows} 件の記録のつながりを確認しました。`
            : data.chain.problem === "disclosure"
              ? `改ざん検証: 記録番号 ${data.chain.firstBadId} の出力に含まれたこどもの一覧が、記録と一致しません。システム管理者に連絡してください。`
              : `改ざん検証: 記録番号 ${data.chain.firstBadId} 以降のつながりが壊れています。システム管理者に連絡してください。`}
        </p>
      )}
      <form className="card form-card" onSubmit={submit} aria-labelledby="audit-filter">
        <h2 id="audit-filter">絞り込み</h2>
        <label className="field">
          <span>操作した利用者</span>
          <select
            name="user"
            value={form.user}
            onChange={(e) => setForm({ ...form, user: e.target.value })}
          >
            <option value="">すべて</option>
            {data?.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.displayName}（{u.loginName}）
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>操作</span>
          <select
            name="action"
            value={form.action}
            onChange={(e) => setForm({ ...form, action: e.target.value })}
          >
            <option value="">すべて</option>
            {data?.actions.map((a) => (
              <option key={a.id} value={a.id}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>対象のこども（人物番号。例: P00000020）</span>
          <input
            name="person"
            value={form.person}
            maxLength={40}
            autoComplete="off"
            onChange={(e) => setForm({ ...form, person: e.target.value })}
          />
        </label>
        <label className="field">
          <span>期間の開始日</span>
          <input
            type="date"
            name="from"
            value={form.from}
            onChange={(e) => setForm({ ...form, from: e.target.value })}
          />
        </label>
        <label className="field">
          <span>期間の終了日（当日を含む）</span>
          <input
            type="date"
            name="to"
            value={form.to}
            onChange={(e) => setForm({ ...form, to: e.target.value })}
          />
        </label>
        <button type="submit" className="button button-primary">
          絞り込む
        </button>{" "}
        <button type="button" className="button button-secondary" onClick={clear}>
          条件をクリア
        </button>
      </form>
      {filters.id !== undefined && (
        <section className="card" aria-labelledby="audit-detail">
          <h2 id="audit-detail">記録 {filters.id} の詳細</h2>
          {detail.error && (
            <p role="alert" className="alert alert-error">
              {detail.error.message}
            </p>
          )}
          {detail.data && (
            <dl className="facts">
              <dt>日時</dt>
              <dd>{time(detail.data.at)}</dd>
              <dt>操作者</dt>
              <dd>{detail.data.actor}</dd>
              <dt>操作</dt>
              <dd>{detail.data.actionName}</dd>
              <dt>対象</dt>
              <dd>{targetText(detail.data)}</dd>
              <dt>対象のこども（人物番号）</dt>
              <dd>{detail.data.personId ?? "—"}</dd>
              <dt>接続元</dt>
              <dd>{detail.data.clientAddress ?? "—（コマンド・定期実行）"}</dd>
              <dt>目的</dt>
              <dd>{detail.data.purpose ?? "—"}</dd>
              <dt>詳細</dt>
              <dd>
                <AuditDetailFields detail={detail.data.detail} />
              </dd>
            </dl>
          )}
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void navigate({ search: { ...filters, id: undefined } })}
          >
            詳細を閉じる
          </button>
        </section>
      )}
      {data && data.items.length === 0 && (
        <p>
          {filtered
            ? "条件に合う記録はありません。条件を変えるか「条件をクリア」を押してください。"
            : "記録はまだありません。"}
        </p>
      )}
      {data && data.items.length > 0 && (
        <table className="table">
          <caption>
            {filters.before ? `記録番号 ${filters.before} より前の` : "最新の"}
            {data.items.length} 件{filtered ? "（絞り込み中）" : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">番号</th>
              <th scope="col">日時</th>
              <th scope="col">操作者</th>
              <th scope="col">操作</th>
              <th scope="col">対象</th>
              <th scope="col">詳細</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((i) => (
              <tr key={i.id} aria-current={filters.id === i.id ? "true" : undefined}>
                <td>{i.id}</td>
                <td>{time(i.at)}</td>
                <td>{i.actor}</td>
                <td>{i.actionName}</td>
                <td>{targetText(i)}</td>
                <td>
                  <button
                    type="button"
                    className="button button-secondary"
                    aria-label={`記録 ${i.id} の詳細`}
                    onClick={() => void navigate({ search: { ...filters, id: i.id } })}
                  >
                    詳細
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav aria-label="ページ">
        {filters.before && (
          <button
            type="button"
            className="button button-secondary"
            onClick={() =>
              void navigate({ search: { ...filters, before: undefined, id: undefined } })
            }
          >
            最新に戻る
          </button>
        )}{" "}
        {data?.nextBefore && (
          <button
            type="button"
            className="button button-secondary"
            onClick={() =>
              void navigate({
                search: { ...filters, before: data.nextBefore ?? undefined, id: undefined },
              })
            }
          >
            さらに古い記録
          </button>
        )}
      </nav>
    </section>
  );
}
