import { useQuery } from "@tanstack/react-query";
import { useSession } from "../../app/session.tsx";
import { CsvExportForm } from "../../components/CsvExportForm.tsx";
import { api } from "../../lib/api.ts";

interface Inventory {
  at: string;
  flagged: number;
  items: {
    id: number;
    loginName: string;
    displayName: string;
    roles: string[];
    affiliation: string | null;
    council: boolean;
    secondFactor: boolean;
    lastLoginAt: string | null;
    createdAt: string;
    disabled: boolean;
    activeSessions: number;
    flags: { id: string; label: string }[];
  }[];
}

const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString("ja-JP") : "なし");

/**
 * 利用者の棚卸 (issue 12): every account with role, affiliation, 要対協
 * membership, second factor, last login, creation, disabled and sessions, and
 * what to look at first (flags computed by the server). Each view is audited.
 * The CSV export asks for a purpose and re-authentication (CsvExportForm,
 * POST /api/users/inventory/export).
 */
export function InventoryPage() {
  // Roles by their Japanese names (as 利用者管理 shows them), not the API's ids.
  const { roleCatalog } = useSession().session;
  const roleLabel = (id: string) => roleCatalog.find((r) => r.id === id)?.label ?? id;
  const q = useQuery({
    queryKey: ["users-inventory"],
    queryFn: () => api<Inventory>("/users/inventory"),
    retry: false,
  });
  return (
    <section>
      <h1>利用者の棚卸</h1>
      {q.error ? <p role="alert">{(q.error as Error).message}</p> : null}
      {q.data ? (
        <>
          <p data-testid="inventory-summary">
            {q.data.items.length} 人中 {q.data.flagged} 人に確認が必要な点があります（
            {new Date(q.data.at).toLocaleString("ja-JP")} 時点）。
          </p>
          <table data-testid="inventory">
            <caption>利用者ごとの状態</caption>
            <thead>
              <tr>
                <th scope="col">ログイン名</th>
                <th scope="col">表示名</th>
                <th scope="col">役割</th>
                <th scope="col">所属</th>
                <th scope="col">要対協</th>
                <th scope="col">二要素認証</th>
                <th scope="col">最終ログイン</th>
                <th scope="col">作成</th>
                <th scope="col">状態</th>
                <th scope="col">セッション</th>
                <th scope="col">確認が必要な点</th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((u) => (
                <tr key={u.id} data-login={u.loginName}>
                  <td>{u.loginName}</td>
                  <td>{u.displayName}</td>
                  <td>{u.roles.map(roleLabel).join("、")}</td>
                  <td>{u.affiliation ?? "—"}</td>
                  <td>{u.council ? "構成員" : "—"}</td>
                  <td>{u.secondFactor ? "あり" : "なし"}</td>
                  <td>{day(u.lastLoginAt)}</td>
                  <td>{day(u.createdAt)}</td>
                  <td>{u.disabled ? "無効" : "有効"}</td>
                  <td>{u.activeSessions}</td>
                  <td>{u.flags.map((f) => f.label).join("、") || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <CsvExportForm
            title="棚卸表の CSV 出力"
            path="/users/inventory/export"
            fileName={`tanaoroshi-${q.data.at.slice(0, 10)}.csv`}
            label="棚卸表を CSV で出力"
          />
        </>
      ) : null}
    </section>
  );
}
