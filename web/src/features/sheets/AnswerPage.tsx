import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { SheetInboxRequestView } from "../../lib/types.ts";
import { STATUS_LABELS } from "./labels.ts";
import { SharedResult } from "./Shared.tsx";

/** One request to the affiliation: what is shared about the child, the questions, the answer. */
export function AnswerPage() {
  const { requestId } = useParams({ from: "/sheets/inbox/$requestId" });
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ["sheets", "inbox", requestId],
    queryFn: () => api<SheetInboxRequestView>(`/sheets/inbox/${encodeURIComponent(requestId)}`),
    retry: false,
  });
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: () =>
      api<SheetInboxRequestView>(`/sheets/inbox/${encodeURIComponent(requestId)}/answer`, {
        method: "POST",
        body: { answers },
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
        <Link to="/sheets/inbox">届いた情報収集シートに戻る</Link>
      </section>
    );
  const r = q.data;
  const answered = r.status === "answered";
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <section>
      <h1>情報収集シート: {r.childName ?? r.personId}</h1>
      <dl className="facts">
        <dt>状態</dt>
        <dd data-testid="sheet-status">{STATUS_LABELS[r.status]}</dd>
        <dt>回答期限</dt>
        <dd>{r.dueDate}</dd>
        <dt>依頼した人</dt>
        <dd>{r.sentByName}</dd>
        {r.note ? (
          <>
            <dt>依頼の補足</dt>
            <dd>{r.note}</dd>
          </>
        ) : null}
      </dl>
      <h2>システムの判定（共有された範囲）</h2>
      <SharedResult shared={r.shared} />
      <p className="muted">
        データは気づきのきっかけにすぎません。日ごろの様子をそのまま書いてください。
      </p>
      <h2>質問</h2>
      <form className="form-card wide" onSubmit={submit} aria-label="情報収集シートへの回答">
        {r.questions.map((question, i) => {
          const id = `answer-${question.id}`;
          const value = answered ? (r.answers?.[question.id] ?? "") : (answers[question.id] ?? "");
          return question.kind === "choice" ? (
            <fieldset key={question.id} className="field">
              <legend>
                {i + 1}. {question.text}
              </legend>
              {(question.choices ?? []).map((c) => (
                <label key={c}>
                  <input
                    type="radio"
                    name={id}
                    value={c}
                    checked={value === c}
                    disabled={answered}
                    onChange={() => setAnswers((a) => ({ ...a, [question.id]: c }))}
                  />
                  {c}
                </label>
              ))}
            </fieldset>
          ) : (
            <label key={question.id} className="field" htmlFor={id}>
              {i + 1}. {question.text}
              <textarea
                id={id}
                rows={3}
                maxLength={2000}
                value={value}
                readOnly={answered}
                onChange={(e) => setAnswers((a) => ({ ...a, [question.id]: e.target.value }))}
              />
            </label>
          );
        })}
        {save.error && (
          <div role="alert" className="alert alert-error">
            <p>{save.error.message}</p>
            {save.error instanceof ApiFailure && save.error.details.length > 0 && (
              <ul>
                {save.error.details.map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        {answered ? (
          <p className="alert alert-success" role="status">
            回答済みです（{r.answeredAt?.slice(0, 10)}
            ）。直す場合は依頼した担当者に連絡してください。
          </p>
        ) : (
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            回答を送る
          </button>
        )}
      </form>
      <p>
        <Link to="/sheets/inbox">届いた情報収集シートに戻る</Link>
      </p>
    </section>
  );
}
