import { type FormEvent, useState } from "react";
import { Field, PasswordField } from "../../components/Field.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import type { SessionInfo } from "../../lib/types.ts";
import { SecondFactorStep } from "./SecondFactorStep.tsx";

/** What /api/auth/login answers: a session, or the second step it needs first. */
type LoginAnswer = SessionInfo | { secondFactorRequired: "totp" | "enrol"; csrfToken: string };

export function LoginPage({ onLoggedIn }: { onLoggedIn: (s: SessionInfo) => void }) {
  const [loginName, setLoginName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [step, setStep] = useState<{ kind: "totp" | "enrol"; csrfToken: string } | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api<LoginAnswer>("/auth/login", {
        method: "POST",
        body: { loginName, password },
      });
      if ("secondFactorRequired" in answer) {
        setPassword("");
        setStep({ kind: answer.secondFactorRequired, csrfToken: answer.csrfToken });
      } else {
        onLoggedIn(answer);
      }
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

  if (step) {
    return (
      <SecondFactorStep
        kind={step.kind}
        csrfToken={step.csrfToken}
        onLoggedIn={onLoggedIn}
        onRestart={() => setStep(null)}
      />
    );
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
        <Field
          label="ログイン名"
          name="loginName"
          autoComplete="username"
          value={loginName}
          onValue={setLoginName}
        />
        <PasswordField label="パスワード" name="password" value={password} onValue={setPassword} />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "確認中…" : "ログイン"}
        </button>
      </form>
    </main>
  );
}
