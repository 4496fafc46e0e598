import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api } from "../../lib/api.ts";
import type { TopFlagged as TopFlaggedData } from "../../lib/types.ts";
import { CaseStatusCell, useCaseStatus } from "../cases/PickToList.tsx";

/**
 * The home page's shortcut for coordinators: the latest run's flagged children
 * in 判定一覧's priority order (score, then the type's tie-break — by default
 * total points, then the younger child; db/review-order.ts), each a link to the child's reasons and source rows.
 */
export function TopFlagged() {
  const q = useQuery({
    queryKey: ["top-flagged"],
    queryFn: () => api<TopFlaggedData>("/children/top-flagged?limit=10"),
  });
  // A child already on a 候補リスト or in an open case is marked as in 判定一覧 (issue 13).
  const caseStatus = useCaseStatus(q.data?.children.map((c) => c.personId) ?? []);
  return (
    <section aria-labelledby="top-flagged-title" className="card">
      <h2 id="top-flagged-title">優先して確認するこども（最新の判定）</h2>
      {q.isPending && <p role="status">読み込んでいます…</p>}
      {q.error && (
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      )}
      {q.data && !q.data.run && (
        <p>
          まだ判定を実行していません。データ取込の後に月次実行（mimamori
          run）をすると、ここに表示されます。
        </p>
      )}
      {q.data?.run && q.data.children.length === 0 && (
        <p>基準以上のこどもはいません（基準日 {q.data.run.asOf}）。</p>
      )}
      {q.data?.run && q.data.children.length > 0 && (
        <>
          <p className="muted">
            基準日 {q.data.run.asOf}
            。並び順は判定一覧と同じ優先順（点数、同点なら類型ごとの設定の順。既定は総ポイントの多い順、年齢の低い順）です。
          </p>
          <table className="table" data-testid="top-flagged">
            <thead>
              <tr>
                <th scope="col">氏名</th>
                <th scope="col">年齢</th>
                <th scope="col">類型</th>
                <th scope="col">点数（基準）</th>
                <th scope="col">総ポイント</th>
                <th scope="col">支援中・判断済み</th>
              </tr>
            </thead>
            <tbody>
              {q.data.children.map((c) => (
                <tr key={c.personId}>
                  <td>
                    <Link to="/children/$personId" params={{ personId: c.personId }}>
                      {c.name ?? c.personId}
                    </Link>
                  </td>
                  <td>{c.age === null ? "—" : `${c.age}歳`}</td>
                  <td>{c.label}</td>
                  <td>
                    {c.score}（{c.threshold}）
                  </td>
                  <td>{c.totalPoints}</td>
                  <td>
                    <CaseStatusCell status={caseStatus.get(c.personId)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p>
        <Link to="/search">こどもを検索する</Link>
      </p>
    </section>
  );
}
