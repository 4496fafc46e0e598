/**
 * メール通知（自分）(issue 13): a user registers, changes or removes the
 * address that mail about their notifications goes to. Whether mail is sent
 * at all is the installation's setting (off by default); the page says so.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { MyEmail } from "../../lib/types.ts";

export function MyMailPage() {
  const client = useQueryClient();
  const q = useQuery({ queryKey: ["mail", "me"], queryFn: () => api<MyEmail>("/mail/me") });
  const [email, setEmail] = useState("");
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (q.data) setEmail(q.data.email ?? "");
  }, [q.data]);
  const save = useMutation({
    mutationFn: (value: string) =>
      api<MyEmail>("/mail/me", { method: "PUT", body: { email: value } }),
    onSuccess: async (r) => {
      setDone(r.email ? "メールアドレスを保存しました。" : "メールアドレスを削除しました。");
      await client.invalidateQueries({ queryKey: ["mail"] });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    save.mutate(email);
  }

  if (q.isPending) return <p role="status">読み込んでいます…</p>;
  if (q.error)
    return (
      <p role="alert" className="alert alert-error">
        {q.error.message}
      </p>
    );
  const failure = save.error
    ? save.error instanceof ApiFailure
      ? [save.error.message, ...save.error.details]
      : ["保存できませんでした。もう一度お試しください。"]
    : [];
  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="my-mail-title" noValidate>
      <h1 id="my-mail-title">メール通知（自分）</h1>
      <p>
        お知らせ（情報収集シートの依頼・回答・期限切れなど）があったときに、このアドレスへ「mimamori
        にお知らせがあります」というメールが届きます。メールにはこどもの氏名などの情報は載りません。内容は
        mimamori にログインして確認してください。
      </p>
      <p className={"alert alert-info"}>
        {q.data.mailEnabled
          ? "このサーバーではメール通知を使っています。"
          : "このサーバーでは今、メール通知を使っていません（既定）。アドレスを登録しておくと、システム管理者がメール通知を有効にしたときから届きます。"}
      </p>
      {failure.length > 0 && (
        <div role="alert" className="alert alert-error">
          {failure.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      {done && (
        <p role="status" className="alert alert-success">
          {done}
        </p>
      )}
      <label className="field">
        <span>メールアドレス（空にして保存すると削除）</span>
        <input
          type="email"
          name="email"
          autoComplete="email"
          inputMode="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          placeholder="taro.yamada@city.example.lg.jp"
        />
      </label>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          保存する
        </button>
      </div>
    </form>
  );
}
