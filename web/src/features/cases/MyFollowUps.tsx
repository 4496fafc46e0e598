import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../../lib/api.ts";
import type { FollowUpsView, PersonCaseView } from "../../lib/types.ts";
import { CaseMark, ErrorText } from "./common.tsx";

/** The home page's list of the signed-in worker's open follow-ups, by due date. */
export function MyFollowUps() {
  const q = useQuery({
    queryKey: ["my-follow-ups"],
    queryFn: () => api<FollowUpsView>("/follow-ups/mine"),
  });
  const today = new Date().toISOString().slice(0, 10);
  const week = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  return (
    <section aria-labelledby="my-follow-ups-title" className="card">
      <h2 id="my-follow-ups-title">自分の予定（支援のフォローアップ）</h2>
      <ErrorText error={q.error} />
      {q.data?.length === 0 && (
        <p>
          期日のある予定はありません。ケースの画面で「予定を入れる」と、ここに期日順で表示されます。
        </p>
      )}
      {q.data && q.data.length > 0 && (
        <table className="table" data-testid="my-follow-ups">
          <thead>
            <tr>
              <th scope="col">期日</th>
              <th scope="col">こども</th>
              <th scope="col">内容</th>
              <th scope="col">完了</th>
            </tr>
          </thead>
          <tbody>
            {q.data.map((f) => (
              <tr key={f.id}>
                <td>
                  {f.dueOn}
                  {f.dueOn < today ? (
                    <strong className="chip">期限切れ</strong>
                  ) : f.dueOn <= week ? (
                    <span className="chip">今週</span>
                  ) : null}
                </td>
                <td>
                  <Link to="/cases/$caseId" params={{ caseId: String(f.caseId) }}>
                    {f.name ?? f.personId}
                  </Link>
                </td>
                <td>{f.what}</td>
                <td>
                  <DoneButton id={f.id} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DoneButton({ id }: { id: number }) {
  const qc = useQueryClient();
  const [note, setNote] = useState("");
  const m = useMutation({
    mutationFn: () => api(`/follow-ups/${id}/done`, { method: "POST", body: { note } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["my-follow-ups"] }),
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <label className="field">
        <span className="visually-hidden">結果のメモ</span>
        <input
          value={note}
          placeholder="結果のメモ"
          onChange={(e) => setNote(e.target.value)}
          required
        />
      </label>
      <button type="submit" className="button button-secondary">
        完了
      </button>
      <ErrorText error={m.error} />
    </form>
  );
}

/** こども詳細's mark: the child's case (on a list / open), with a link to it. */
export function ChildCasePanel({ personId }: { personId: string }) {
  const q = useQuery({
    queryKey: ["person-case", personId],
    queryFn: () => api<PersonCaseView>(`/cases/person/${encodeURIComponent(personId)}`),
  });
  const c = q.data?.case;
  if (!c) return null;
  return (
    <p className="alert alert-info" data-testid="child-case">
      ケース: <CaseMark state={c.state} label={c.stateLabel} />
      {c.responsibleName ? ` 担当 ${c.responsibleName}` : ""}{" "}
      <Link to="/cases/$caseId" params={{ caseId: String(c.id) }}>
        ケースを開く
      </Link>
    </p>
  );
}
