/**
 * Login's second step (issue 12): a code from the authenticator app, or — for
 * administrators and coordinators who have no second factor yet — enrolment:
 * the secret shown once, a code to confirm it, then the recovery codes shown
 * once. The server keeps this step on its own short-lived cookie; nothing here
 * is a session until the server answers with one.
 */
import { type FormEvent, useEffect, useState } from "react";
import { CodeField } from "../../components/Field.tsx";
import { ApiFailure, api, setCsrfToken } from "../../lib/api.ts";
import type { SessionInfo } from "../../lib/types.ts";

export interface Enrolment {
  secret: string;
  uri: string;
}

const message = (err: unknown, fallback: string) =>
  err instanceof ApiFailure ? [err.message, ...err.details].join(" ") : fallback;

/** Groups a base32 secret in fours so it can be typed without losing one's place. */
const grouped = (secret: string) => secret.replace(/(.{4})/g, "$1 ").trim();

/** A new secret as an authenticator app takes it (shown once). */
export function EnrolmentDetails({ enrolment }: { enrolment: Enrolment }) {
  return (
    <dl className="enrolment">
      <dt>秘密鍵</dt>
      <dd>
        <code data-testid="totp-secret" data-secret={enrolment.secret}>
          {grouped(enrolment.secret)}
        </code>
      </dd>
      <dt>種類</dt>
      <dd>時間ベース（TOTP）、6 桁、30 秒</dd>
      <dt>登録用 URI</dt>
      <dd>
        <code className="wrap">{enrolment.uri}</code>
      </dd>
    </dl>
  );
}

/** Recovery codes, shown once. */
export function RecoveryCodes({ codes }: { codes: readonly string[] }) {
  return (
    <ul className="recovery-codes" aria-label="回復コード">
      {codes.map((c) => (
        <li key={c}>
          <code>{c}</code>
        </li>
      ))}
    </ul>
  );
}

export function SecondFactorStep({
  kind,
  csrfToken,
  onLoggedIn,
  onRestart,
}: {
  kind: "totp" | "enrol";
  csrfToken: string;
  onLoggedIn: (s: SessionInfo) => void;
  onRestart: () => void;
}) {
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [done, setDone] = useState<{ recoveryCodes: string[]; session: SessionInfo } | null>(null);

  useEffect(() => {
    setCsrfToken(csrfToken);
    if (kind !== "enrol") return;
    api<Enrolment>("/auth/second-factor/enrolment", { method: "POST" })
      .then(setEnrolment)
      .catch((err) => setError(message(err, "二要素認証の登録を始められませんでした。")));
  }, [kind, csrfToken]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (kind === "totp") {
        onLoggedIn(
          await api<SessionInfo>("/auth/second-factor", { method: "POST", body: { code } }),
        );
      } else {
        const r = await api<{ recoveryCodes: string[]; session: SessionInfo }>(
          "/auth/second-factor/enrolment/confirm",
          { method: "POST", body: { code } },
        );
        setDone(r);
      }
    } catch (err) {
      setError(message(err, "確認できませんでした。"));
      setCode("");
      if (err instanceof ApiFailure && err.status === 401) onRestart();
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <main className="centered">
        <section className="card login-card" aria-labelledby="recovery-title">
          <h1 id="recovery-title">回復コード</h1>
          <p className="lead">
            二要素認証を登録しました。スマートフォンをなくしたときは、次の回復コードを認証アプリのコードの代わりに使えます（各コード
            1 回だけ）。<strong>この画面は二度と表示されません。</strong>
            印刷するか書き写して、鍵のかかる場所に保管してください。
          </p>
          <RecoveryCodes codes={done.recoveryCodes} />
          <button
            type="button"
            className="button button-primary"
            onClick={() => onLoggedIn(done.session)}
          >
            保管しました。続ける
          </button>
        </section>
      </main>
    );
  }

  return (
    <main className="centered">
      <form className="card login-card" onSubmit={submit} aria-labelledby="second-factor-title">
        <h1 id="second-factor-title">
          {kind === "totp" ? "確認コードの入力" : "二要素認証の登録"}
        </h1>
        {kind === "totp" ? (
          <p className="lead">
            認証アプリに表示されている 6
            桁の数字を入力してください。スマートフォンが使えないときは回復コードを入力できます。
          </p>
        ) : (
          <>
            <p className="lead">
              この利用者には二要素認証が必要です（役割による必須、または管理者によるリセットのあと）。スマートフォンの認証アプリ（Google
              Authenticator、Microsoft Authenticator
              など）で「セットアップキーを入力」を選び、次の秘密鍵を入力してください。秘密鍵はこの一度だけ表示されます。
            </p>
            {enrolment ? (
              <EnrolmentDetails enrolment={enrolment} />
            ) : (
              !error && <p>秘密鍵を発行しています…</p>
            )}
          </>
        )}
        {error && (
          <p role="alert" className="alert alert-error">
            {error}
          </p>
        )}
        <CodeField
          label={kind === "totp" ? "確認コード" : "認証アプリに表示された 6 桁のコード"}
          name="code"
          inputMode={kind === "totp" ? "text" : "numeric"}
          value={code}
          onValue={setCode}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "確認中…" : kind === "totp" ? "ログイン" : "登録してログイン"}
        </button>
        <button type="button" className="button" onClick={onRestart}>
          ログイン名の入力に戻る
        </button>
      </form>
    </main>
  );
}
