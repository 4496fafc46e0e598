/**
 * Break-the-glass from こども詳細 (issue 12): when a child is outside the
 * reader's scope (the API answers 404 for it), a user with `breakglass.use`
 * may ask for emergency access with a reason. The server asks for the
 * password again (useReauth), opens the child for a few hours, records the
 * reason in the audit log and reports it to the coordinating office.
 *
 * The form is offered only for a child break-the-glass can name: the page
 * asks GET /api/break-glass/persons/{id} first, and an id that names nobody
 * (or another municipality's child, or — for a non-member — a child known
 * only from 要対協 rows) gets the server's Japanese "not found" and no form.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../../lib/api.ts";
import { useReauth } from "../../lib/reauth.tsx";
import type { BreakGlassTarget } from "../../lib/types.ts";

/**
 * What こども詳細 shows a user with `breakglass.use` for a child it answered
 * 404 for: "not found" when break-the-glass cannot name the id, otherwise
 * that the child is outside the reader's scope and the form.
 */
export function BreakGlassOffer({ personId }: { personId: string }) {
  const target = useQuery({
    queryKey: ["break-glass-target", personId],
    queryFn: () => api<BreakGlassTarget>(`/break-glass/persons/${encodeURIComponent(personId)}`),
    retry: false,
  });
  if (target.isPending) return <p role="status">確認しています…</p>;
  if (target.error)
    return (
      <p role="alert" className="alert alert-error" data-testid="child-not-found">
        {target.error.message}
      </p>
    );
  return (
    <>
      <p role="alert" className="alert alert-error">
        このこどもは、あなたの閲覧できる範囲にいません。緊急に確認する必要がある場合に限り、下の欄から閲覧を開始できます。
      </p>
      <BreakGlassForm personId={personId} hours={target.data.hours} />
    </>
  );
}

function BreakGlassForm({ personId, hours }: { personId: string; hours: number }) {
  const client = useQueryClient();
  const reauth = useReauth();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  async function open() {
    await api(`/break-glass`, { method: "POST", body: { personId, reason } });
    await client.invalidateQueries({ queryKey: ["child", personId] });
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await reauth.run(open);
    } catch (err) {
      setError(err instanceof Error ? err.message : "緊急時の閲覧を開始できませんでした。");
    }
  }
  return (
    <>
      <form className="card" onSubmit={submit} aria-label="緊急時の閲覧">
        <h2>緊急時の閲覧（ブレークグラス）</h2>
        <p>
          担当外のこどもを緊急に確認する必要がある場合に限り、理由を記録して {hours}{" "}
          時間閲覧できます。理由は監査ログに記録され、総括管理に報告されます。要対協の情報は構成員でなければ表示されません。
        </p>
        <label className="field">
          <span>緊急に閲覧する理由（必須・10 文字以上）</span>
          <textarea
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            required
            minLength={10}
            maxLength={500}
            rows={3}
          />
        </label>
        <button type="submit" className="button button-primary">
          理由を記録して閲覧する
        </button>
        {error && (
          <p role="alert" className="alert alert-error">
            {error}
          </p>
        )}
      </form>
      {reauth.prompt}
    </>
  );
}
