import { useEffect, useState } from "react";
import { api } from "../../lib/api.ts";
import type { AuditPage as AuditData } from "../../lib/types.ts";

/** Japanese names of audit actions; unknown ones are shown as recorded. */
const ACTIONS: Record<string, string> = {
  "auth.login": "ログイン",
  "auth.login_failed": "ログイン失敗",
  "auth.logout": "ログアウト",
  "auth.password_changed": "パスワード変更",
  "user.create": "利用者の追加",
  "audit.view": "監査ログの閲覧",
};

export function AuditPage() {
  const [data, setData] = useState<AuditData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<AuditData>("/audit?limit=200")
      .then(setData)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  return (
    <section>
      <h1>監査ログ</h1>
      <p className="lead">
        ログイン、データの取込・実行・出力、閲覧などの操作記録です。記録は追記のみで、改ざんされると検証で分かります。
      </p>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
      {data && (
        <p role="status" className={data.chain.ok ? "alert alert-success" : "alert alert-error"}>
          {data.chain.ok
            ? `改ざん検証: 全 ${data.chain.rows} 件の記録のつながりを確認しました。`
            : `改ざん検証: 記録番号 ${data.chain.firstBadId} 以降のつながりが壊れています。システム管理者に連絡してください。`}
        </p>
      )}
      {data && (
        <table className="table">
          <caption>最新 {data.items.length} 件</caption>
          <thead>
            <tr>
              <th scope="col">番号</th>
              <th scope="col">日時</th>
              <th scope="col">操作者</th>
              <th scope="col">操作</th>
              <th scope="col">対象</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((i) => (
              <tr key={i.id}>
                <td>{i.id}</td>
                <td>{new Date(i.at).toLocaleString("ja-JP")}</td>
                <td>{i.actor}</td>
                <td>{ACTIONS[i.action] ?? i.action}</td>
                <td>{i.target ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
