import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../../lib/api.ts";
import type { SheetRequestView } from "../../lib/types.ts";
import { KIND_LABELS, MODE_LABELS, STATUS_LABELS } from "./labels.ts";
import { SharedResult } from "./Shared.tsx";

/** One request as its sender sees it: what was shared, the questions and the answers. */
export function RequestPage() {
  const { requestId } = useParams({ from: "/sheets/requests/$requestId" });
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ["sheets", "request", requestId],
    queryFn: () => api<SheetRequestView>(`/sheets/requests/${encodeURIComponent(requestId)}`),
    retry: false,
  });
  const [reason, setReason] = useState("");
  const withdraw = useMutation({
    mutationFn: () =>
      api<SheetRequestView>(`/sheets/requests/${encodeURIComponent(requestId)}/withdraw`, {
        method: "POST",
        body: { reason },
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["sheets"] }),
  });
  if (q.isPending) return <p role="status">読み込んでいます…</p>;
  if (q.error)
    return (
      <section>
        <h1>情報収集シート</h1>
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
        <Link to="/sheets">情報収集シートの一覧に戻る</Link>
      </section>
    );
  const r = q.data;
  return (
    <section>
      <h1>
        情報収集シート:{" "}
        <Link to="/children/$personId" params={{ personId: r.personId }}>
          {r.childName ?? r.personId}
        </Link>
      </h1>
      <dl className="facts">
        <dt>状態</dt>
        <dd data-testid="sheet-status">{STATUS_LABELS[r.status]}</dd>
        <dt>依頼先</dt>
        <dd>
          {r.recipient}（{KIND_LABELS[r.recipientKind] ?? r.recipientKind}）
        </dd>
        <dt>困難の種類</dt>
        <dd>{r.difficultyLabels.join("、") || "—"}</dd>
        <dt>共有モード</dt>
        <dd data-testid="sheet-mode">{MODE_LABELS[r.mode]}</dd>
        <dt>回答期限</dt>
        <dd>{r.dueDate}</dd>
        <dt>送った人・日時</dt>
        <dd>
          {r.sentByName}（{r.sentAt.slice(0, 16).replace("T", " ")}）
        </dd>
        {r.withdrawnAt ? (
          <>
            <dt>取り下げ</dt>
            <dd>
              {r.withdrawnAt.slice(0, 10)}: {r.withdrawReason}
            </dd>
          </>
        ) : null}
      </dl>
      <h2>依頼先に共有した内容</h2>
      <SharedResult shared={r.shared} />
      <h2>質問と回答</h2>
      {r.answeredAt ? (
        <p>
          {r.answeredByName} が {r.answeredAt.slice(0, 16).replace("T", " ")} に回答しました。
        </p>
      ) : (
        <p>まだ回答はありません。</p>
      )}
      <dl className="answers" data-testid="sheet-answers">
        {r.questions.map((question) => (
          <div key={question.id}>
            <dt>{question.text}</dt>
            <dd>{r.answers?.[question.id] ?? "—"}</dd>
          </div>
        ))}
      </dl>
      {(r.status === "sent" || r.status === "overdue") && (
        <form
          className="form-card"
          aria-label="依頼の取り下げ"
          onSubmit={(e) => {
            e.preventDefault();
            withdraw.mutate();
          }}
        >
          <label className="field" htmlFor="withdraw-reason">
            取り下げの理由
            <input
              id="withdraw-reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </label>
          {withdraw.error && (
            <p role="alert" className="alert alert-error">
              {withdraw.error.message}
            </p>
          )}
          <button type="submit" className="button button-secondary" disabled={withdraw.isPending}>
            取り下げる
          </button>
        </form>
      )}
      <p>
        <Link to="/sheets">情報収集シートの一覧に戻る</Link>
      </p>
    </section>
  );
}
