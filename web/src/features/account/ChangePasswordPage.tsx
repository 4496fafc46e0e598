import { type FormEvent, useState } from "react";
import { ErrorList, PasswordField } from "../../components/Field.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import type { SessionInfo } from "../../lib/types.ts";

interface Props {
  session: SessionInfo;
  /** First login: the user cannot go anywhere else until the password is changed. */
  forced?: boolean;
  onChanged: (s: SessionInfo) => void;
  onLogout: () => void;
}

/**
 * The rules the new password breaks that the page can see itself (the login
 * name), in the server's words (session.passwordRules): shown beside the
 * field while typing, before the server is asked.
 */
function localProblems(session: SessionInfo, password: string): string[] {
  const name = session.user.loginName.toLowerCase();
  const rule = session.passwordRules.find((r) => r.id === "login_name");
  return rule && name && password.toLowerCase().includes(name) ? [rule.text] : [];
}

export function ChangePasswordPage({ session, forced, onChanged, onLogout }: Props) {
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<string[]>([]);
  /** The server's reasons for refusing the new password (shown beside the field). */
  const [refused, setRefused] = useState<string[]>([]);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const local = localProblems(session, newPassword);
  const fieldProblems = [...new Set([...local, ...refused])];

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    if (local.length > 0) return;
    if (newPassword !== confirm) {
      setErrors(["新しいパスワードと確認用の入力が一致しません。"]);
      return;
    }
    setBusy(true);
    try {
      const s = await api<SessionInfo>("/auth/password", {
        method: "POST",
        body: { currentPassword, newPassword },
      });
      setErrors([]);
      setRefused([]);
      setCurrent("");
      setNew("");
      setConfirm("");
      setDone(true);
      onChanged(s);
    } catch (err) {
      // The new password's problems go beside its field; anything else on top.
      const problems = err instanceof ApiFailure ? err.details : [];
      setRefused(problems);
      setErrors(err instanceof ApiFailure ? [err.message] : ["パスワードを変更できませんでした。"]);
    } finally {
      setBusy(false);
    }
  }

  const form = (
    <form className="card form-card" onSubmit={submit} aria-labelledby="pw-title">
      <h1 id="pw-title">パスワードの変更</h1>
      {forced && (
        <p className="alert alert-info">
          {session.user.displayName}{" "}
          さん、初回ログインです。仮パスワードから、ご自身で決めたパスワードに変更してください。
        </p>
      )}
      <ErrorList errors={errors} />
      {done && (
        <p role="status" className="alert alert-success">
          パスワードを変更しました。
        </p>
      )}
      <PasswordField
        label="現在のパスワード"
        name="currentPassword"
        value={currentPassword}
        onValue={setCurrent}
      />
      <PasswordField
        label="新しいパスワード（12 文字以上）"
        name="newPassword"
        autoComplete="new-password"
        aria-invalid={fieldProblems.length > 0}
        aria-describedby={fieldProblems.length > 0 ? "pw-problems pw-rules" : "pw-rules"}
        value={newPassword}
        onValue={(v) => {
          setNew(v);
          setRefused([]);
        }}
      />
      {fieldProblems.length > 0 && (
        <div id="pw-problems" className="field-error" role="alert" data-testid="password-problems">
          {fieldProblems.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      <div id="pw-rules" className="field-hint">
        <p>新しいパスワードの条件:</p>
        <ul>
          {session.passwordRules.map((r) => (
            <li key={r.id}>{r.text}</li>
          ))}
        </ul>
      </div>
      <PasswordField
        label="新しいパスワード（確認）"
        name="confirmPassword"
        autoComplete="new-password"
        value={confirm}
        onValue={setConfirm}
      />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          変更する
        </button>
        {forced && (
          <button type="button" className="button button-secondary" onClick={onLogout}>
            ログアウト
          </button>
        )}
      </div>
    </form>
  );
  return forced ? <main className="centered">{form}</main> : form;
}
