import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useCan } from "../../app/session.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import type { SheetTemplateView } from "../../lib/types.ts";

type Question = SheetTemplateView["questions"][number];

/** One question per line: `id | text` or `id | text | choice1 / choice2 / …` (a choice question). */
function toLines(questions: readonly Question[]): string {
  return questions
    .map((q) =>
      [q.id, q.text, ...(q.kind === "choice" ? [(q.choices ?? []).join(" / ")] : [])].join(" | "),
    )
    .join("\n");
}
function fromLines(text: string): Question[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [id = "", qText = "", choices] = l.split("|").map((x) => x.trim());
      return choices
        ? {
            id,
            text: qText,
            kind: "choice" as const,
            choices: choices.split("/").map((c) => c.trim()),
          }
        : { id, text: qText, kind: "text" as const };
    });
}

function Editor({ t }: { t: SheetTemplateView }) {
  const client = useQueryClient();
  const [title, setTitle] = useState(t.title);
  const [lines, setLines] = useState(toLines(t.questions));
  const save = useMutation({
    mutationFn: (reset: boolean) =>
      api<SheetTemplateView[]>(`/sheets/templates/${t.key}`, {
        method: reset ? "DELETE" : "PUT",
        ...(reset ? {} : { body: { title, questions: fromLines(lines) } }),
      }),
    onSuccess: (list, reset) => {
      client.setQueryData(["sheets", "templates"], list);
      if (reset) {
        const b = list.find((x) => x.key === t.key);
        if (b) {
          setTitle(b.title);
          setLines(toLines(b.questions));
        }
      }
    },
  });
  return (
    <form
      className="form-card wide"
      aria-label={`${t.label}のひな形`}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(false);
      }}
    >
      <label className="field" htmlFor={`title-${t.key}`}>
        題名
        <input id={`title-${t.key}`} value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label className="field" htmlFor={`q-${t.key}`}>
        質問（1行に1つ。「識別子 | 質問文」、選択式は「識別子 | 質問文 | 選択肢1 / 選択肢2」）
        <textarea
          id={`q-${t.key}`}
          rows={8}
          value={lines}
          onChange={(e) => setLines(e.target.value)}
        />
      </label>
      {save.error && (
        <div role="alert" className="alert alert-error">
          <p>{save.error.message}</p>
          {save.error instanceof ApiFailure && (
            <ul>
              {save.error.details.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {save.isSuccess && (
        <p role="status" className="alert alert-success">
          保存しました。次に送る依頼から使われます。
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={save.isPending}>
        保存
      </button>{" "}
      {t.edited && (
        <button
          type="button"
          className="button button-secondary"
          onClick={() => save.mutate(true)}
          disabled={save.isPending}
        >
          組み込みに戻す
        </button>
      )}
    </form>
  );
}

/** 質問のひな形: per difficulty type, the questions a request asks (built-in until edited). */
export function TemplatesPage() {
  const canEdit = useCan("cases.manage");
  const q = useQuery({
    queryKey: ["sheets", "templates"],
    queryFn: () => api<SheetTemplateView[]>("/sheets/templates"),
  });
  return (
    <section>
      <h1>情報収集シートの質問のひな形</h1>
      <p className="lead">
        困難の種類ごとに、依頼で聞く質問です。「共通」は氏名だけを伝える依頼（共有モード
        c）で使い、困難の種類がわからない質問にしています。編集はこの自治体だけに反映されます。
      </p>
      {q.error && (
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      )}
      {(q.data ?? []).map((t) => (
        <article key={t.key} className="card" data-template={t.key}>
          <h2>
            {t.label}
            {t.edited ? <span className="badge">編集済み</span> : null}
          </h2>
          {canEdit ? (
            <Editor t={t} />
          ) : (
            <ol>
              {t.questions.map((x) => (
                <li key={x.id}>
                  {x.text}
                  {x.kind === "choice" ? `（${(x.choices ?? []).join("／")}）` : ""}
                </li>
              ))}
            </ol>
          )}
        </article>
      ))}
    </section>
  );
}
