/**
 * Re-authentication prompt (issue 12). Exports and break-the-glass answer 403
 * with the detail `reauth_required` when the password was not entered in the
 * last 10 minutes; `useReauth().run(action)` catches that, shows a password
 * form (and the confirmation code for accounts with two-factor), calls
 * POST /api/auth/reauth, takes the new CSRF token and runs the action again.
 */
import { type FormEvent, type ReactNode, useRef, useState } from "react";
import { ApiFailure, api, setCsrfToken } from "./api.ts";

export function isReauthRequired(e: unknown): boolean {
  return e instanceof ApiFailure && e.details.includes("reauth_required");
}

export function useReauth(): {
  run: (action: () => Promise<void>) => Promise<void>;
  prompt: ReactNode;
} {
  const pending = useRef<(() => Promise<void>) | null>(null);
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (e) {
      if (!isReauthRequired(e)) throw e;
      pending.current = action;
      setError(null);
      setOpen(true);
    }
  }

  async function confirm(e: FormEvent) {
    e.preventDefault();
    try {
      const r = await api<{ csrfToken: string }>("/auth/reauth", {
        method: "POST",
        body: { password, ...(code.trim() ? { code: code.trim() } : {}) },
      });
      setCsrfToken(r.csrfToken);
      setPassword("");
      setCode("");
      setOpen(false);
      const action = pending.current;
      pending.current = null;
      if (action) await action();
    } catch (err) {
      setError(err instanceof Error ? err.message : "本人確認ができませんでした。");
    }
  }

  const prompt = open ? (
    <form className="card" onSubmit={confirm} aria-label="本人確認">
      <h3>本人確認</h3>
      <p>この操作の前に、本人確認のためパスワードを再入力してください（10 分間有効です）。</p>
      <label className="field">
        <span>パスワード</span>
        <input
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      <label className="field">
        <span>確認コード（二要素認証を登録している場合）</span>
        <input
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
      </label>
      <button type="submit" className="button button-primary">
        本人確認して続ける
      </button>{" "}
      <button
        type="button"
        className="button"
        onClick={() => {
          pending.current = null;
          setOpen(false);
        }}
      >
        やめる
      </button>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
    </form>
  ) : null;

  return { run, prompt };
}
