import { type FormEvent, useCallback, useEffect, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { CreatedUser, SessionInfo, UserSummary } from "../../lib/types.ts";
import { UserActions } from "./UserActions.tsx";

export function UsersPage({ session }: { session: SessionInfo }) {
  const [users, setUsers] = useState<UserSummary[] | null>(null);
  const [error, setError] = useState<string[]>([]);
  const [created, setCreated] = useState<CreatedUser | null>(null);
  const [loginName, setLoginName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [roles, setRoles] = useState<string[]>([]);
  const [council, setCouncil] = useState(false);
  const [affiliation, setAffiliation] = useState("");
  const [selected, setSelected] = useState<number | null>(null);
  const label = (id: string) => session.roleCatalog.find((r) => r.id === id)?.label ?? id;

  const load = useCallback(() => {
    api<UserSummary[]>("/users")
      .then(setUsers)
      .catch((e: unknown) => setError([e instanceof Error ? e.message : String(e)]));
  }, []);
  useEffect(load, [load]);

  const selectedUser = users?.find((u) => u.id === selected) ?? null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      const c = await api<CreatedUser>("/users", {
        method: "POST",
        body: { loginName, displayName, roles, council, affiliation: affiliation.trim() || null },
      });
      setCreated(c);
      setError([]);
      setLoginName("");
      setDisplayName("");
      setRoles([]);
      setCouncil(false);
      setAffiliation("");
      load();
    } catch (err) {
      setError(
        err instanceof ApiFailure
          ? [err.message, ...err.details]
          : ["利用者を追加できませんでした。"],
      );
    }
  }

  return (
    <section>
      <h1>利用者管理</h1>
      {error.length > 0 && (
        <div role="alert" className="alert alert-error">
          {error.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      {created && (
        <div role="status" className="alert alert-success">
          <p>
            {created.user.displayName}（{created.user.loginName}）を追加しました。仮パスワード:{" "}
            <code>{created.temporaryPassword}</code>
          </p>
          <p>
            仮パスワードはこの画面にだけ表示されます。本人に安全な方法で伝えてください。初回ログイン時に変更が必要です。
          </p>
        </div>
      )}
      <table className="table">
        <caption>登録されている利用者</caption>
        <thead>
          <tr>
            <th scope="col">ログイン名</th>
            <th scope="col">表示名</th>
            <th scope="col">役割</th>
            <th scope="col">状態</th>
            <th scope="col">最終ログイン</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {users?.map((u) => (
            <tr key={u.id}>
              <td>{u.loginName}</td>
              <td>{u.displayName}</td>
              <td>{u.roles.map(label).join("、")}</td>
              <td>
                {u.disabled ? "停止中" : u.mustChangePassword ? "初回パスワード変更待ち" : "利用中"}
              </td>
              <td>{u.lastLoginAt ? new Date(u.lastLoginAt).toLocaleString("ja-JP") : "—"}</td>
              <td>
                <button
                  type="button"
                  className="button button-secondary"
                  aria-label={`${u.loginName} を管理`}
                  aria-pressed={selected === u.id}
                  onClick={() => setSelected(u.id)}
                >
                  管理
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {selectedUser && (
        <UserActions
          key={selectedUser.id}
          user={selectedUser}
          session={session}
          onChanged={load}
          onClose={() => setSelected(null)}
        />
      )}
      <form className="card form-card" onSubmit={submit} aria-labelledby="add-user">
        <h2 id="add-user">利用者の追加</h2>
        <label className="field">
          <span>ログイン名（半角英数字）</span>
          <input
            name="newLoginName"
            required
            value={loginName}
            onChange={(e) => setLoginName(e.target.value)}
          />
        </label>
        <label className="field">
          <span>表示名</span>
          <input
            name="newDisplayName"
            required
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
          />
        </label>
        <fieldset className="field">
          <legend>役割</legend>
          {session.roleCatalog.map((r) => (
            <label key={r.id} className="check">
              <input
                type="checkbox"
                checked={roles.includes(r.id)}
                onChange={(e) =>
                  setRoles(e.target.checked ? [...roles, r.id] : roles.filter((x) => x !== r.id))
                }
              />
              {r.label}
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input
            type="checkbox"
            name="newCouncil"
            checked={council}
            onChange={(e) => setCouncil(e.target.checked)}
          />
          要対協構成員（要対協・一時保護の情報を見られます）
        </label>
        <label className="field">
          <span>所属（学校・保育所などの利用者は必須）</span>
          <input
            name="newAffiliation"
            value={affiliation}
            onChange={(e) => setAffiliation(e.target.value)}
          />
        </label>
        <button type="submit" className="button button-primary">
          追加する
        </button>
      </form>
    </section>
  );
}
