/**
 * 緊急時の閲覧の報告 (issue 12): the coordinating office's list of every
 * break-the-glass access — who, which child, why, when it ends.
 */
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api } from "../../lib/api.ts";

interface BreakGlassList {
  hours: number;
  items: {
    id: number;
    loginName: string;
    personId: string;
    reason: string;
    openedAt: string;
    expiresAt: string;
    active: boolean;
  }[];
}

const when = (iso: string) => new Date(iso).toLocaleString("ja-JP");

export function BreakGlassReportPage() {
  const q = useQuery({
    queryKey: ["break-glass"],
    queryFn: () => api<BreakGlassList>("/break-glass?limit=200"),
  });
  return (
    <section>
      <h1>緊急時の閲覧の報告</h1>
      {q.isPending && <p role="status">読み込んでいます…</p>}
      {q.error && (
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      )}
      {q.data && (
        <>
          <p>
            担当外のこどもを緊急に閲覧した記録です（期限は {q.data.hours}{" "}
            時間）。理由が妥当か確認し、必要なら本人に確認してください。
          </p>
          {q.data.items.length === 0 ? (
            <p>緊急時の閲覧はまだありません。</p>
          ) : (
            <table className="table">
              <caption>新しい順（最大 200 件）</caption>
              <thead>
                <tr>
                  <th scope="col">開始</th>
                  <th scope="col">期限</th>
                  <th scope="col">利用者</th>
                  <th scope="col">こども</th>
                  <th scope="col">理由</th>
                  <th scope="col">状態</th>
                </tr>
              </thead>
              <tbody>
                {q.data.items.map((g) => (
                  <tr key={g.id}>
                    <td>{when(g.openedAt)}</td>
                    <td>{when(g.expiresAt)}</td>
                    <td>{g.loginName}</td>
                    <td>
                      <Link to="/children/$personId" params={{ personId: g.personId }}>
                        {g.personId}
                      </Link>
                    </td>
                    <td>{g.reason}</td>
                    <td>{g.active ? "閲覧可能" : "期限切れ"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
