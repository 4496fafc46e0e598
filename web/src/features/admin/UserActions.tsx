import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { CreatedUser, ImportSourceChoice, SessionInfo, UserSummary } from "../../lib/types.ts";

/** One administrative action, described for its confirmation. */
interface Pending {
  title: string;
  explain: string;
  /** Label of a required reason asked in the dialog (audited with the action). */
  reason?: string;
  run: (reason: string) => Promise<void>;
}

/**
 * The administration of one account (issue 16): disable / re-enable, a
 * one-time password reset, roles with 要対協 membership and 所属, ending its
 * sessions, resetting its second factor with a reason (mounted with key = user id, so nothing shown for one user stays
 * for the next). Every action is confirmed here first; the server checks the
 * permission, refuses self-lockout and audits each change.
 */
export function UserActions({
  user,
  session,
  onChanged,
  onClose,
}: {
  user: UserSummary;
  session: SessionInfo;
  onChanged: () => void;
  onClose: () => void;
}) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [oneTime, setOneTime] = useState<string | null>(null);
  const [error, setError] = useState<string[]>([]);
  const [reason, setReason] = useState("");
  const [roles, setRoles] = useState<string[]>(user.roles);
  const [council, setCouncil] = useState(user.council);
  const [affiliation, setAffiliation] = useState(user.affiliation ?? "");
  const [email, setEmail] = useState(user.email ?? "");
  const [allSources, setAllSources] = useState(user.importSources === null);
  const [sources, setSources] = useState<string[]>(user.importSources ?? []);
  const isDataOwner = user.roles.includes("data_owner");
  const choices = useQuery({
    queryKey: ["users", "import-source-choices"],
    queryFn: () => api<ImportSourceChoice[]>("/users/import-source-choices"),
    enabled: isDataOwner,
  });
  const label = (id: string) => session.roleCatalog.find((r) => r.id === id)?.label ?? id;
  const who = `${user.displayName}（${user.loginName}）`;

  const failed = (err: unknown, fallback: string) =>
    setError(err instanceof ApiFailure ? [err.message, ...err.details] : [fallback]);

  function ask(p: Pending) {
    setDone(null);
    setOneTime(null);
    setError([]);
    setReason("");
    setPending(p);
  }

  async function execute() {
    if (!pending) return;
    if (pending.reason !== undefined && reason.trim() === "") {
      setError([`${pending.reason}を入力してください。`]);
      return;
    }
    setBusy(true);
    try {
      await pending.run(reason.trim());
      onChanged();
    } catch (err) {
      failed(err, "操作を実行できませんでした。もう一度お試しください。");
    } finally {
      setBusy(false);
      setPending(null);
    }
  }

  const disable = () =>
    ask({
      title: `${who}を無効にしますか？`,
      explain:
        "無効にするとすぐにログイン中のセッションが終了し、有効に戻すまでログインできません。記録は残ります。",
      run: async () => {
        await api<UserSummary>(`/users/${user.id}/disable`, { method: "POST" });
        setDone(`${who}を無効にしました。ログイン中のセッションも終了しました。`);
      },
    });

  const enable = () =>
    ask({
      title: `${who}を有効に戻しますか？`,
      explain: "これまでのパスワードで再びログインできるようになります。",
      run: async () => {
        await api<UserSummary>(`/users/${user.id}/enable`, { method: "POST" });
        setDone(`${who}を有効に戻しました。`);
      },
    });

  const reset = () =>
    ask({
      title: `${who}のパスワードを再設定しますか？`,
      explain:
        "仮パスワードを発行します。これまでのパスワードは使えなくなり、ログイン中のセッションは終了します。仮パスワードは一度だけ表示されます。",
      run: async () => {
        const r = await api<CreatedUser>(`/users/${user.id}/password-reset`, { method: "POST" });
        setOneTime(r.temporaryPassword);
        setDone(`${who}のパスワードを再設定しました。`);
      },
    });

  const endSessions = () =>
    ask({
      title: `${who}のセッションを終了しますか？`,
      explain: "ログイン中の画面はすべてログアウトされます。次にログインするまで操作できません。",
      run: async () => {
        const r = await api<{ sessionsEnded: number }>(`/users/${user.id}/sessions/end`, {
          method: "POST",
        });
        setDone(`${who}のセッションを ${r.sessionsEnded} 件終了しました。`);
      },
    });

  const resetSecondFactor = () =>
    ask({
      title: `${who}の二要素認証をリセットしますか？`,
      explain:
        "認証アプリの登録と回復コードを消します。ログイン中のセッションは終了し、次のログインで認証アプリの登録し直しが必ず求められます。本人の確認が取れてから行ってください。理由は監査ログに残ります。",
      reason: "リセットの理由（例: 端末の紛失）",
      run: async (why) => {
        await api(`/users/${user.id}/second-factor/reset`, {
          method: "POST",
          body: { reason: why },
        });
        setDone(`${who}の二要素認証をリセットしました。次のログインで認証アプリを登録し直します。`);
      },
    });

  /** Mail about notifications (issue 13): the user's address, saved at once (no confirmation). */
  async function saveEmail(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    setError([]);
    try {
      const r = await api<{ email: string | null }>(`/mail/users/${user.id}/email`, {
        method: "PUT",
        body: { email },
      });
      setDone(
        r.email
          ? `${who}のメールアドレスを保存しました。`
          : `${who}のメールアドレスを削除しました。`,
      );
      onChanged();
    } catch (err) {
      failed(err, "メールアドレスを保存できませんでした。");
    }
  }

  function changeRoles(e: FormEvent) {
    e.preventDefault();
    const names = roles.map(label).join("、") || "（なし）";
    ask({
      title: `${who}の役割を変更しますか？`,
      explain: `役割: ${names}／要対協構成員: ${council ? "はい" : "いいえ"}／所属: ${
        affiliation.trim() || "なし"
      }。変更するとログイン中のセッションが終了し、次のログインから新しい権限になります。`,
      run: async () => {
        await api<UserSummary>(`/users/${user.id}/roles`, {
          method: "PUT",
          body: { roles, council, affiliation: affiliation.trim() || null },
        });
        setDone(`${who}の役割を変更しました。`);
      },
    });
  }

  /** データ提供: the department's own sources only (issue 12), confirmed like a role change. */
  function changeSources(e: FormEvent) {
    e.preventDefault();
    const name = (id: string) => choices.data?.find((c) => c.id === id)?.name ?? id;
    if (!allSources && sources.length === 0) {
      setError(["取り込めるデータを 1 つ以上選ぶか、「すべてのデータ」を選んでください。"]);
      return;
    }
    ask({
      title: `${who}が取り込めるデータを変更しますか？`,
      explain: `取り込めるデータ: ${
        allSources ? "すべて" : sources.map(name).join("、")
      }。変更するとログイン中のセッションが終了します。選んでいないデータの取込と取込履歴は、この利用者には表示されません。`,
      run: async () => {
        await api<UserSummary>(`/users/${user.id}/import-sources`, {
          method: "PUT",
          body: { sources: allSources ? null : sources },
        });
        setDone(`${who}が取り込めるデータを変更しました。`);
      },
    });
  }

  return (
    <section className="card" aria-labelledby="manage-user">
      <h2 id="manage-user">{who}の管理</h2>
      <p>
        状態:{" "}
        {user.disabled ? "停止中" : user.mustChangePassword ? "初回パスワード変更待ち" : "利用中"}
        ／役割: {user.roles.map(label).join("、")}
        {user.council ? "／要対協構成員" : ""}
        {user.affiliation ? `／所属: ${user.affiliation}` : ""}
        {isDataOwner
          ? `／取り込めるデータ: ${user.importSources === null ? "すべて（未設定）" : `${user.importSources.length} 種類`}`
          : ""}
      </p>
      {error.length > 0 && (
        <div role="alert" className="alert alert-error">
          {error.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      {done && (
        <div role="status" className="alert alert-success">
          <p>{done}</p>
          {oneTime && (
            <>
              <p>
                仮パスワード: <code data-testid="one-time-password">{oneTime}</code>
              </p>
              <p>
                仮パスワードはこの画面にだけ、一度だけ表示されます。本人に安全な方法で伝えてください。次のログインで変更が必要です。
              </p>
            </>
          )}
        </div>
      )}
      {pending && (
        <div role="alertdialog" aria-labelledby="confirm-title" className="alert alert-info">
          <p id="confirm-title">
            <strong>{pending.title}</strong>
          </p>
          <p>{pending.explain}</p>
          {pending.reason !== undefined && (
            <label className="field">
              <span>{pending.reason}</span>
              <input value={reason} required onChange={(e) => setReason(e.target.value)} />
            </label>
          )}
          <button type="button" className="button button-primary" disabled={busy} onClick={execute}>
            実行する
          </button>{" "}
          <button
            type="button"
            className="button button-secondary"
            disabled={busy}
            onClick={() => setPending(null)}
          >
            やめる
          </button>
        </div>
      )}
      <div className="actions">
        {user.disabled ? (
          <button type="button" className="button button-secondary" onClick={enable}>
            有効に戻す
          </button>
        ) : (
          <button type="button" className="button button-secondary" onClick={disable}>
            無効にする
          </button>
        )}{" "}
        <button type="button" className="button button-secondary" onClick={reset}>
          パスワードを再設定
        </button>{" "}
        <button type="button" className="button button-secondary" onClick={endSessions}>
          セッションを終了
        </button>{" "}
        {user.id !== session.user.id && (
          <>
            <button type="button" className="button button-secondary" onClick={resetSecondFactor}>
              二要素認証をリセット
            </button>{" "}
          </>
        )}
        <button type="button" className="button button-secondary" onClick={onClose}>
          閉じる
        </button>
      </div>
      <form onSubmit={changeRoles} aria-labelledby="change-roles">
        <h3 id="change-roles">役割の変更</h3>
        <fieldset className="field">
          <legend>役割</legend>
          {session.roleCatalog.map((r) => (
            <label key={r.id} className="check">
              <input
                type="checkbox"
                name="editRole"
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
            name="editCouncil"
            checked={council}
            onChange={(e) => setCouncil(e.target.checked)}
          />
          要対協構成員（要対協・一時保護の情報を見られます）
        </label>
        <label className="field">
          <span>所属（学校・保育所などの利用者のみ）</span>
          <input
            name="editAffiliation"
            value={affiliation}
            onChange={(e) => setAffiliation(e.target.value)}
          />
        </label>
        <button type="submit" className="button button-primary">
          役割を変更する
        </button>
      </form>
      {isDataOwner && (
        <form onSubmit={changeSources} aria-labelledby="change-sources">
          <h3 id="change-sources">取り込めるデータ（データ提供）</h3>
          <p>
            担当する部署のデータだけを選びます。要対協・一時保護は、要対協構成員でなければ選んでも取り込めません。
          </p>
          <fieldset className="field">
            <legend>範囲</legend>
            <label className="check">
              <input
                type="radio"
                name="sourceScope"
                checked={allSources}
                onChange={() => setAllSources(true)}
              />
              すべてのデータ
            </label>
            <label className="check">
              <input
                type="radio"
                name="sourceScope"
                checked={!allSources}
                onChange={() => setAllSources(false)}
              />
              選んだデータだけ
            </label>
          </fieldset>
          {!allSources && (
            <fieldset className="field">
              <legend>データの種類</legend>
              {choices.isError && <p role="alert">データの種類を読み込めませんでした。</p>}
              {choices.data?.map((c) => (
                <label key={c.id} className="check">
                  <input
                    type="checkbox"
                    name="importSource"
                    value={c.id}
                    checked={sources.includes(c.id)}
                    onChange={(e) =>
                      setSources(
                        e.target.checked ? [...sources, c.id] : sources.filter((x) => x !== c.id),
                      )
                    }
                  />
                  {c.name}
                  {c.councilOnly ? "（要対協構成員のみ）" : ""}
                </label>
              ))}
            </fieldset>
          )}
          <button type="submit" className="button button-primary">
            取り込めるデータを変更する
          </button>
        </form>
      )}
      <form onSubmit={saveEmail} aria-labelledby="change-email" noValidate>
        <h3 id="change-email">メール通知のアドレス</h3>
        <label className="field">
          <span>
            メールアドレス（空にして保存すると削除。メールにはお知らせがあることだけが載ります）
          </span>
          <input
            type="email"
            name="editEmail"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <button type="submit" className="button button-primary">
          アドレスを保存する
        </button>
      </form>
    </section>
  );
}
