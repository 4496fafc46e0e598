import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { SessionInfo } from "../../lib/types.ts";

export function LoginPage({ onLoggedIn }: { onLoggedIn: (s: SessionInfo) => void }) {
  const [loginName, setLoginName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(
        await api<SessionInfo>("/auth/login", { method: "POST", body: { loginName, password } }),
      );
    } catch (err) {
      setError(
        err instanceof ApiFailure
          ? [err.message, ...err.details].join(" ")
          : "ログインできませんでした。",
      );
      setPassword("");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="centered">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">
          mimamori <small>見守り</small>
        </h1>
        <p className="lead">こどもデータ連携システムにログインします。</p>
        {error && (
          <p role="alert" className="alert alert-error">
            {error}
          </p>
        )}
        <label className="field">
          <span>ログイン名</span>
          <input
            name="loginName"
            autoComplete="username"
            required
            value={loginName}
            onChange={(e) => setLoginName(e.target.value)}
          />
        </label>
        <label className="field">
          <span>パスワード</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "確認中…" : "ログイン"}
        </button>
      </form>
    </main>
  );
}
