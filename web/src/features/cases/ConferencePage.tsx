import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api } from "../../lib/api.ts";
import type { AssigneesView, ConferencesView, ConferenceView } from "../../lib/types.ts";
import { CaseMark, DECISION_OPTIONS, Done, ErrorText, fmt } from "./common.tsx";
import "./print.css";

export function ConferencesPage() {
  const q = useQuery({
    queryKey: ["conferences"],
    queryFn: () => api<ConferencesView>("/conferences"),
  });
  return (
    <section>
      <h1>カンファレンス</h1>
      <p className="lead">
        月の候補リストについての会議です。会議は<Link to="/review-lists">候補リスト</Link>
        の画面から作ります。
      </p>
      <ErrorText error={q.error} />
      {q.data?.length === 0 && (
        <p className="alert alert-info">
          まだ会議はありません。候補リストを開き「会議を作る」で作ってください。
        </p>
      )}
      {q.data && q.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">開催日</th>
              <th scope="col">会議名</th>
              <th scope="col">候補リスト</th>
              <th scope="col">出席者</th>
            </tr>
          </thead>
          <tbody>
            {q.data.map((c) => (
              <tr key={c.id}>
                <td>{c.heldOn}</td>
                <td>
                  <Link to="/conferences/$conferenceId" params={{ conferenceId: String(c.id) }}>
                    {c.title}
                  </Link>
                </td>
                <td>{c.month}</td>
                <td>{c.attendees.join("、") || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type Item = ConferenceView["agenda"][number];

/**
 * The conference screen: per child on the agenda, the evidence (items and
 * source rows of the list's run), the returned 情報収集シート, the history,
 * and the decision (要支援 / 調査継続 / 経過観察 / 支援不要) with reason,
 * responsible person and next review date. Prints as A4 minutes, optionally
 * without names (for a wider audience).
 */
export function ConferencePage() {
  const { conferenceId } = useParams({ from: "/conferences/$conferenceId" });
  const q = useQuery({
    queryKey: ["conference", conferenceId],
    queryFn: () => api<ConferenceView>(`/conferences/${conferenceId}`),
    retry: false,
  });
  const assignees = useQuery({
    queryKey: ["assignees"],
    queryFn: () => api<AssigneesView>("/cases/assignees"),
  });
  const [anonymous, setAnonymous] = useState(false);
  if (q.error)
    return (
      <section>
        <h1>カンファレンス</h1>
        <ErrorText error={q.error} />
      </section>
    );
  if (!q.data) return <p role="status">読み込んでいます…</p>;
  const { conference: c, agenda } = q.data;
  // Item names come once for the whole agenda, each child's texts once per child.
  const itemName = new Map(q.data.items.map((x) => [x.itemId, x.name]));
  const label = (i: number, it: Item) =>
    anonymous
      ? `こども ${String.fromCharCode(65 + (i % 26))}${i >= 26 ? i : ""}`
      : (it.case.name ?? it.case.personId);
  return (
    <section className={`minutes${anonymous ? " minutes-anonymous" : ""}`}>
      <h1>
        {c.title}（{c.heldOn}）
      </h1>
      <p className="lead">
        候補リスト {c.month}・出席者: {c.attendees.join("、") || "記録なし"}・議題 {agenda.length}{" "}
        人
      </p>
      <div className="actions no-print">
        <label className="check">
          <input
            type="checkbox"
            checked={anonymous}
            onChange={(e) => setAnonymous(e.target.checked)}
            data-testid="anonymous-print"
          />{" "}
          氏名を伏せる（広く配る議事録用）
        </label>
        <button type="button" className="button button-secondary" onClick={() => window.print()}>
          議事録を印刷（A4）
        </button>
      </div>
      {agenda.length === 0 && (
        <p className="alert alert-info">
          議題はありません。候補リストにこどもを載せてから会議を作ってください。
        </p>
      )}
      {agenda.map((it, i) => (
        <article key={it.case.id} className="card agenda-item" data-testid="agenda-item">
          <h2>
            {i + 1}. {label(i, it)}
            {!anonymous && it.age !== null ? `（${it.age}歳）` : ""} — {it.difficultyLabel}{" "}
            <CaseMark state={it.case.state} label={it.case.stateLabel} />
            {it.case.council && <span className="chip">要対協</span>}
          </h2>
          <h3>判定の根拠</h3>
          {it.evidence.length === 0 ? (
            <p className="muted">この判定に根拠の記録はありません。</p>
          ) : (
            <ul>
              {it.evidence.map((e) => (
                <li key={e.difficulty}>
                  {e.label}: 点数 {e.score ?? "—"}（基準 {e.threshold}）
                  <ul>
                    {e.itemIds.map((id) => (
                      <li key={id} data-testid="evidence-item">
                        {id} {itemName.get(id) ?? ""}
                        {!anonymous && (
                          <span>：{it.heldItems.find((h) => h.itemId === id)?.text ?? ""}</span>
                        )}
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          )}
          <section aria-label="情報収集シート" data-testid="returned-sheets">
            <h3>情報収集シート（所属からの回答）</h3>
            {it.sheets.length === 0 ? (
              <p className="muted">
                このこどもについての情報収集シートはありません。こども詳細から所属に送れます。
              </p>
            ) : (
              <ul>
                {it.sheets.map((s) => (
                  <li key={s.id}>
                    {anonymous ? "所属" : s.recipient}（共有モード {s.mode}、期日 {s.dueDate}）：
                    {s.answeredAt
                      ? `回答 ${fmt(s.answeredAt)}${s.answeredByName && !anonymous ? `（${s.answeredByName}）` : ""}`
                      : s.status === "withdrawn"
                        ? "取り下げ"
                        : "未回答"}
                    {s.answers.length > 0 && (
                      <dl className="facts">
                        {s.answers.map((a) => (
                          <div key={a.question}>
                            <dt>{a.question}</dt>
                            <dd>{a.answer}</dd>
                          </div>
                        ))}
                      </dl>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <h3>経過</h3>
          <ol className="history">
            {it.history.map((h) => (
              <li key={h.id}>
                {fmt(h.at)} {h.actionLabel}（{h.actor}）{h.reason ? `：${h.reason}` : ""}
              </li>
            ))}
          </ol>
          <h3>決定</h3>
          {it.decidedHere ? (
            <p data-testid="decided">
              <strong>{it.decidedHere.label}</strong>：{it.decidedHere.reason}（担当{" "}
              {it.case.responsibleName ?? "—"}
              {it.case.reviewOn ? `、見直し ${it.case.reviewOn}` : ""}）
            </p>
          ) : it.case.state === "on_agenda" ? (
            <DecisionForm conferenceId={c.id} item={it} assignees={assignees.data ?? []} />
          ) : (
            <p className="muted">この会議での決定はありません（{it.case.stateLabel}）。</p>
          )}
          {!anonymous && (
            <p className="no-print">
              <Link to="/cases/$caseId" params={{ caseId: String(it.case.id) }}>
                ケースを開く
              </Link>
            </p>
          )}
        </article>
      ))}
    </section>
  );
}

function DecisionForm({
  conferenceId,
  item,
  assignees,
}: {
  conferenceId: number;
  item: Item;
  assignees: AssigneesView;
}) {
  const qc = useQueryClient();
  const [decision, setDecision] = useState<string>("support");
  const [reason, setReason] = useState("");
  const [responsible, setResponsible] = useState("");
  const [reviewOn, setReviewOn] = useState("");
  const m = useMutation({
    mutationFn: () =>
      api(`/conferences/${conferenceId}/cases/${item.case.id}/decision`, {
        method: "POST",
        body: {
          decision,
          reason,
          responsibleUserId: Number(responsible),
          reviewOn: reviewOn || null,
        },
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["conference", String(conferenceId)] }),
  });
  return (
    <form
      className="no-print"
      aria-label={`決定（${item.case.name ?? item.case.personId}）`}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <fieldset>
        <legend>決定</legend>
        {DECISION_OPTIONS.map((o) => (
          <label key={o.id} className="check">
            <input
              type="radio"
              name={`decision-${item.case.id}`}
              value={o.id}
              checked={decision === o.id}
              onChange={() => setDecision(o.id)}
            />{" "}
            {o.label}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>理由</span>
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} required />
      </label>
      <label className="field">
        <span>担当者</span>
        <select value={responsible} onChange={(e) => setResponsible(e.target.value)} required>
          <option value="">選んでください</option>
          {assignees.map((a) => (
            <option key={a.id} value={a.id}>
              {a.displayName}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>次の見直し日{decision === "support" ? "（任意）" : "（必須）"}</span>
        <input
          type="date"
          value={reviewOn}
          onChange={(e) => setReviewOn(e.target.value)}
          required={decision !== "support"}
        />
      </label>
      <button type="submit" className="button button-primary" disabled={m.isPending}>
        決定を記録する
      </button>
      <ErrorText error={m.error} />
      {m.isSuccess && <Done>記録しました。</Done>}
    </form>
  );
}
