/**
 * メール通知の設定 (issue 13, administrators): the installation's SMTP relay
 * (off by default), a test mail to the administrator's own address, and the
 * status of this municipality's outbox (who, when, sent or why not — never
 * what). The password is write-only: the API says only whether one is set.
 * On a server of several municipalities the relay is set with
 * `mimamori mail set` and this page shows it read-only.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { MailOverview, MailSettingsView } from "../../lib/types.ts";

const SECURITY: { value: MailSettingsView["security"]; label: string }[] = [
  { value: "starttls", label: "STARTTLS（通常 587 番）" },
  { value: "tls", label: "TLS（SMTPS、通常 465 番）" },
  { value: "none", label: "暗号化なし（庁内の中継サーバーのみ、通常 25 番）" },
];

const STATUS_LABELS: Record<string, string> = {
  queued: "送信待ち",
  sent: "送信済み",
  failed: "送信失敗",
  cancelled: "取りやめ",
};

const KIND_LABELS: Record<string, string> = {
  "sheet.new": "情報収集シートの依頼",
  "sheet.answered": "情報収集シートの回答",
  "sheet.overdue": "回答期限切れ",
  "follow_up.due": "フォローアップの期日",
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString("ja-JP") : "—");

interface Form {
  enabled: boolean;
  host: string;
  port: string;
  security: MailSettingsView["security"];
  authUser: string;
  authPassword: string;
  clearPassword: boolean;
  fromAddress: string;
  appUrl: string;
}

/** The relay form's plain text fields. */
type TextKey = "host" | "port" | "authUser" | "authPassword" | "fromAddress" | "appUrl";

function formOf(s: MailSettingsView): Form {
  return {
    enabled: s.enabled,
    host: s.host ?? "",
    port: s.port ? String(s.port) : "",
    security: s.security,
    authUser: s.authUser ?? "",
    authPassword: "",
    clearPassword: false,
    fromAddress: s.fromAddress ?? "",
    appUrl: s.appUrl ?? (typeof window === "undefined" ? "" : `${window.location.origin}/`),
  };
}

const messages = (e: unknown, fallback: string) =>
  e instanceof ApiFailure ? [e.message, ...e.details] : e ? [fallback] : [];

export function MailSettingsPage() {
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ["mail", "settings"],
    queryFn: () => api<MailOverview>("/mail/settings"),
    // The outbox changes in the background (the sender): fresh on every visit.
    refetchOnMount: "always",
  });
  const [form, setForm] = useState<Form | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    if (q.data) setForm(formOf(q.data.settings));
  }, [q.data]);
  const save = useMutation({
    mutationFn: (f: Form) =>
      api<MailSettingsView>("/mail/settings", {
        method: "PUT",
        body: {
          enabled: f.enabled,
          host: f.host.trim() || null,
          port: f.port.trim() === "" ? null : Number(f.port),
          security: f.security,
          authUser: f.authUser.trim() || null,
          ...(f.authPassword !== "" ? { authPassword: f.authPassword } : {}),
          clearPassword: f.clearPassword,
          fromAddress: f.fromAddress.trim() || null,
          appUrl: f.appUrl.trim() || null,
        },
      }),
    onSuccess: async (s) => {
      setSaved(
        s.enabled
          ? "保存しました。お知らせのメールを送り始めます（30 秒ごとに送信）。"
          : "保存しました。メール通知は使わない設定です。",
      );
      await client.invalidateQueries({ queryKey: ["mail"] });
    },
  });
  const test = useMutation({
    mutationFn: () => api<{ sentTo: string }>("/mail/test", { method: "POST" }),
  });

  if (q.isPending || !form) return <p role="status">読み込んでいます…</p>;
  if (q.error)
    return (
      <p role="alert" className="alert alert-error">
        {q.error.message}
      </p>
    );
  const view = q.data;
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm({ ...form, [key]: value });
  /** A text field of the relay form (its name is the form's key). */
  const text = (
    name: TextKey,
    label: React.ReactNode,
    props: {
      type?: string;
      inputMode?: "numeric";
      placeholder?: string;
      autoComplete?: string;
    } = {},
  ) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={name}
        value={form[name]}
        onChange={(e) => set(name, e.target.value)}
        {...props}
      />
    </label>
  );
  const saveErrors = messages(save.error, "保存できませんでした。もう一度お試しください。");
  const testErrors = messages(test.error, "試験メールを送れませんでした。");
  const readOnly = !view.editable;

  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    if (form) save.mutate(form);
  }

  return (
    <section>
      <h1>メール通知の設定</h1>
      <p>
        お知らせは mimamori の画面（右上のお知らせ）で確認するのが基本です。庁内の SMTP
        中継サーバー（LGWAN
        のメール中継など）があれば、お知らせがあったことをメールでも知らせられます（既定は使わない）。メールには「mimamori
        にお知らせがあります」という文と mimamori の URL
        だけを載せ、こどもの氏名・学校・日付などは載せません。宛先は、各利用者が「メール通知（自分）」で登録したアドレス（利用者管理でも設定できます）です。
      </p>
      <p className="alert alert-info">
        現在: <strong>{view.settings.enabled ? "メール通知を使う" : "メール通知を使わない"}</strong>
        {view.settings.updatedAt &&
          `（最終変更 ${when(view.settings.updatedAt)}、${view.settings.updatedBy ?? "—"}）`}
      </p>
      {readOnly && (
        <p className="alert alert-info">
          このサーバーは複数の自治体が使っているため、中継サーバーの設定はサーバーの管理者が
          <code>mimamori mail set</code> で行います。この画面では設定の確認と試験送信ができます。
        </p>
      )}
      {saved && (
        <p role="status" className="alert alert-success">
          {saved}
        </p>
      )}
      <form className="card form-card" onSubmit={submit} aria-labelledby="relay-title" noValidate>
        <h2 id="relay-title">SMTP 中継サーバー</h2>
        {saveErrors.length > 0 && (
          <div role="alert" className="alert alert-error">
            {saveErrors.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </div>
        )}
        <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          <legend>メール通知</legend>
          <label className="check">
            <input
              type="checkbox"
              name="enabled"
              checked={form.enabled}
              onChange={(e) => set("enabled", e.target.checked)}
            />
            <span>お知らせをメールでも知らせる</span>
          </label>
          {text("host", "SMTP サーバー（ホスト名または IP アドレス）", {
            placeholder: "smtp.city.example.lg.jp",
            autoComplete: "off",
          })}
          {text("port", "ポート番号", { inputMode: "numeric", placeholder: "587" })}
          <label className="field">
            <span>暗号化</span>
            <select
              name="security"
              value={form.security}
              onChange={(e) => set("security", e.target.value as Form["security"])}
            >
              {SECURITY.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
          {text("authUser", "認証のユーザー名（認証しない中継サーバーなら空）", {
            autoComplete: "off",
          })}
          <label className="field">
            <span>
              認証のパスワード（
              {view.settings.passwordSet ? "保存済み。変えるときだけ入力" : "未設定"}）
            </span>
            <input
              type="password"
              name="authPassword"
              value={form.authPassword}
              onChange={(e) => set("authPassword", e.target.value)}
              autoComplete="new-password"
            />
          </label>
          {view.settings.passwordSet && (
            <label className="check">
              <input
                type="checkbox"
                name="clearPassword"
                checked={form.clearPassword}
                onChange={(e) => set("clearPassword", e.target.checked)}
              />
              <span>保存済みのパスワードを削除する</span>
            </label>
          )}
          {text("fromAddress", "差出人のアドレス", {
            type: "email",
            placeholder: "mimamori@city.example.lg.jp",
          })}
          {text("appUrl", "メールに載せる mimamori の URL（職員が開くアドレス）", {
            placeholder: "https://mimamori.city.example.lg.jp/",
          })}
        </fieldset>
        {!readOnly && (
          <div className="actions">
            <button type="submit" className="button button-primary" disabled={save.isPending}>
              保存する
            </button>
          </div>
        )}
      </form>

      <div className="card">
        <h2>試験メール</h2>
        <p>
          保存した設定で、自分のアドレス（
          {view.ownEmail ?? "未登録。「メール通知（自分）」で登録してください"}
          ）に試験メールをすぐに送ります。結果はこの下に表示され、監査ログに残ります。
        </p>
        {testErrors.length > 0 && (
          <div role="alert" className="alert alert-error">
            {testErrors.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </div>
        )}
        {test.data && (
          <p role="status" className="alert alert-success">
            試験メールを送りました（宛先 {test.data.sentTo}）。届いたか確かめてください。
          </p>
        )}
        <button
          type="button"
          className="button button-secondary"
          disabled={test.isPending}
          onClick={() => test.mutate()}
        >
          試験メールを送る
        </button>
      </div>

      <div className="card">
        <h2>送信の状況（この自治体）</h2>
        <p>
          送信待ち {view.outbox.counts.queued ?? 0} 件 ・ 送信済み {view.outbox.counts.sent ?? 0} 件
          ・ 送信失敗 {view.outbox.counts.failed ?? 0} 件 ・ 取りやめ{" "}
          {view.outbox.counts.cancelled ?? 0} 件。失敗したメールは 1 分後・5 分後・30 分後・2
          時間後に送り直し、5 回失敗すると「送信失敗」になります（お知らせは画面に残ります）。
        </p>
        {view.outbox.recent.length === 0 ? (
          <p>
            まだメールはありません。メール通知を使う設定にすると、アドレスを登録した利用者へのお知らせがここに並びます。
          </p>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <caption>最近のメール（新しい順、20 件まで）</caption>
              <thead>
                <tr>
                  <th scope="col">作成</th>
                  <th scope="col">宛先の利用者</th>
                  <th scope="col">お知らせの種類</th>
                  <th scope="col">状態</th>
                  <th scope="col">試行</th>
                  <th scope="col">送信・次の試行</th>
                  <th scope="col">理由</th>
                </tr>
              </thead>
              <tbody>
                {view.outbox.recent.map((m) => (
                  <tr key={m.id}>
                    <td>{when(m.createdAt)}</td>
                    <td>{m.recipient}</td>
                    <td>{KIND_LABELS[m.kind] ?? "お知らせ"}</td>
                    <td>{STATUS_LABELS[m.status] ?? m.status}</td>
                    <td>{m.attempts}</td>
                    <td>{m.sentAt ? when(m.sentAt) : when(m.nextAttemptAt)}</td>
                    <td>{m.lastError ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}
