import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CodeField, ErrorList, PasswordField } from "../../components/Field.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import { type Enrolment, EnrolmentDetails, RecoveryCodes } from "./SecondFactorStep.tsx";

interface Status {
  enrolled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
}

type Action = "enrol" | "codes" | "off";

const ACTION_LABEL: Record<Action, string> = {
  enrol: "新しい認証アプリを登録",
  codes: "回復コードを再発行",
  off: "二要素認証を止める",
};

/**
 * 二要素認証の設定 (issue 12): the user's own second factor — enrol one, move
 * it to a new authenticator app, issue new recovery codes, or turn it off
 * where the role allows. Every change first asks the password and, when a
 * factor is enrolled, a current code (re-authentication in the same request:
 * a session left open on a shared terminal is not enough to change it).
 */
export function SecondFactorPage() {
  const qc = useQueryClient();
  const status = useQuery({
    queryKey: ["auth", "second-factor"],
    queryFn: () => api<Status>("/auth/second-factor"),
  });
  const [action, setAction] = useState<Action | null>(null);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [newCode, setNewCode] = useState("");
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const s = status.data;

  const start = (a: Action) => {
    setAction(a);
    setPassword("");
    setCode("");
    setNewCode("");
    setEnrolment(null);
    setCodes(null);
    setDone(null);
    setErrors([]);
  };
  const refresh = () => void qc.invalidateQueries({ queryKey: ["auth", "second-factor"] });

  async function run<T>(f: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setErrors([]);
    try {
      return await f();
    } catch (err) {
      setErrors(
        err instanceof ApiFailure
          ? [err.message, ...err.details]
          : ["操作できませんでした。もう一度お試しください。"],
      );
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  async function reauthenticated(e: FormEvent) {
    e.preventDefault();
    const body = { password, ...(code.trim() ? { code: code.trim() } : {}) };
    if (action === "enrol") {
      const r = await run(() =>
        api<Enrolment>("/auth/second-factor/setup", { method: "POST", body }),
      );
      if (r) setEnrolment(r);
    } else if (action === "codes") {
      const r = await run(() =>
        api<{ recoveryCodes: string[] }>("/auth/second-factor/recovery-codes", {
          method: "POST",
          body,
        }),
      );
      if (r) {
        setCodes(r.recoveryCodes);
        setDone("回復コードを再発行しました。前の回復コードは使えません。");
        setAction(null);
        refresh();
      }
    } else if (action === "off") {
      const r = await run(() => api("/auth/second-factor/disable", { method: "POST", body }));
      if (r) {
        setDone("二要素認証を止めました。ほかの端末のログインは終了しました。");
        setAction(null);
        refresh();
      }
    }
    setPassword("");
    setCode("");
  }

  async function confirm(e: FormEvent) {
    e.preventDefault();
    const r = await run(() =>
      api<{ recoveryCodes: string[] }>("/auth/second-factor/setup/confirm", {
        method: "POST",
        body: { code: newCode.trim() },
      }),
    );
    if (r) {
      setCodes(r.recoveryCodes);
      setEnrolment(null);
      setAction(null);
      setDone("新しい認証アプリを登録しました。ほかの端末のログインは終了しました。");
      refresh();
    }
  }

  return (
    <section>
      <h1>二要素認証の設定</h1>
      <p className="lead">
        ログインのときにパスワードと一緒に使う、スマートフォンの認証アプリ（6
        桁のコード）の設定です。変更するときは、本人確認のためパスワードと今のコードを入力します。
      </p>
      {status.error && (
        <p role="alert" className="alert alert-error">
          状態を読み込めませんでした。ページを再読み込みしてください。
        </p>
      )}
      {s && (
        <p role="status" data-testid="second-factor-status">
          {s.enrolled
            ? `登録済み（未使用の回復コード ${s.recoveryCodesLeft} 個）。`
            : "まだ登録していません。"}
          {s.required ? " この利用者には二要素認証が必須です。" : ""}
        </p>
      )}
      <ErrorList errors={errors} />
      {done && (
        <div role="status" className="alert alert-success">
          <p>{done}</p>
        </div>
      )}
      {codes && (
        <div className="card">
          <h2>回復コード</h2>
          <p>
            スマートフォンをなくしたときに、コードの代わりに使えます（各 1 回だけ）。
            <strong>この画面は二度と表示されません。</strong>
            印刷するか書き写して、鍵のかかる場所に保管してください。
          </p>
          <RecoveryCodes codes={codes} />
        </div>
      )}
      {s && (
        <div className="actions">
          <button type="button" className="button button-secondary" onClick={() => start("enrol")}>
            {s.enrolled ? ACTION_LABEL.enrol : "認証アプリを登録"}
          </button>{" "}
          {s.enrolled && (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => start("codes")}
            >
              {ACTION_LABEL.codes}
            </button>
          )}{" "}
          {s.enrolled && !s.required && (
            <button type="button" className="button button-secondary" onClick={() => start("off")}>
              {ACTION_LABEL.off}
            </button>
          )}
        </div>
      )}
      {s && action && !enrolment && (
        <form className="card form-card" onSubmit={reauthenticated} aria-labelledby="reauth-title">
          <h2 id="reauth-title">本人確認: {ACTION_LABEL[action]}</h2>
          <PasswordField label="パスワード" value={password} onValue={setPassword} />
          {s.enrolled && (
            <CodeField
              label="今の確認コード（認証アプリの 6 桁、または回復コード）"
              value={code}
              onValue={setCode}
            />
          )}
          <div className="actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {action === "off" ? "止める" : "次へ"}
            </button>{" "}
            <button
              type="button"
              className="button button-secondary"
              onClick={() => setAction(null)}
            >
              やめる
            </button>
          </div>
        </form>
      )}
      {enrolment && (
        <form className="card form-card" onSubmit={confirm} aria-labelledby="enrol-title">
          <h2 id="enrol-title">新しい認証アプリの登録</h2>
          <p>
            認証アプリで「セットアップキーを入力」を選び、次の秘密鍵を入力してください。確認が済むまで、今の設定は変わりません。
          </p>
          <EnrolmentDetails enrolment={enrolment} />
          <CodeField
            label="新しい認証アプリに表示されたコード"
            value={newCode}
            onValue={setNewCode}
          />
          <button type="submit" className="button button-primary" disabled={busy}>
            登録する
          </button>
        </form>
      )}
    </section>
  );
}
