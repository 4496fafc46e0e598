/**
 * マスキングルール (issue 12): for each role and identity field, the form the
 * API answers it in (すべて / 一部 / 表示しない). 総括管理 and the system
 * administrator agree the rules in advance and save them with a reason; each
 * save is a new version, listed below. The API applies the rules to every
 * answer — this page only edits them.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { api } from "../../lib/api.ts";
import type { MaskingRuleView } from "../../lib/types.ts";

type Rules = MaskingRuleView["current"]["rules"];

const FORM_LABELS = { full: "すべて", partial: "一部", hidden: "表示しない" } as const;

const formSchema = z.object({
  rules: z.record(z.string(), z.record(z.string(), z.enum(["full", "partial", "hidden"]))),
  note: z
    .string()
    .trim()
    .min(4, "変更の理由を具体的に入力してください（4文字以上）。")
    .max(500, "変更の理由は500文字以内で入力してください。"),
});
type FormValues = z.infer<typeof formSchema>;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString("ja-JP") : "—");

export function MaskingRulesPage() {
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ["masking-rules"],
    queryFn: () => api<MaskingRuleView>("/masking-rules"),
  });
  const [saved, setSaved] = useState<string | null>(null);
  const form = useForm<FormValues>({
    resolver: zodResolver(formSchema),
    defaultValues: { rules: {}, note: "" },
  });
  useEffect(() => {
    if (q.data) form.reset({ rules: q.data.current.rules, note: "" });
  }, [q.data, form]);
  const save = useMutation({
    mutationFn: (v: FormValues) =>
      api<MaskingRuleView["current"]>("/masking-rules", {
        method: "PUT",
        body: { rules: v.rules as Rules, note: v.note, basedOn: q.data?.current.version ?? 0 },
      }),
    onSuccess: async (v) => {
      setSaved(`${v.label}として保存しました。次の画面表示から適用されます。`);
      await client.invalidateQueries();
    },
  });

  if (q.isPending) return <p role="status">読み込んでいます…</p>;
  if (q.error)
    return (
      <p role="alert" className="alert alert-error">
        {q.error.message}
      </p>
    );
  const view = q.data;
  const errors = form.formState.errors;
  return (
    <section>
      <h1>マスキングルール</h1>
      <p>
        役割ごとに、氏名・生年月日・住所などを画面と出力でどの形で示すかを決めます。サーバーがすべての応答と出力に適用します（画面で隠すのではありません）。要対協の情報を構成員だけに限る扱いは、この設定と別に常に適用されます。
      </p>
      <p>
        現在の版: <strong>{view.current.label}</strong>
        {view.current.createdBy && `（${view.current.createdBy}、${when(view.current.createdAt)}）`}
      </p>
      {saved && (
        <p role="status" className="alert alert-success">
          {saved}
        </p>
      )}
      <form
        className="card"
        aria-labelledby="masking-form-title"
        onSubmit={form.handleSubmit((v) => {
          setSaved(null);
          save.mutate(v);
        })}
      >
        <h2 id="masking-form-title">役割と項目ごとの表示</h2>
        <ul>
          {view.fields
            .filter((f) => f.partial)
            .map((f) => (
              <li key={f.id}>
                {f.label}の「一部」: {f.partial}
              </li>
            ))}
        </ul>
        <div className="table-scroll">
          <table className="table">
            <caption>行: 役割、列: 項目</caption>
            <thead>
              <tr>
                <th scope="col">役割</th>
                {view.fields.map((f) => (
                  <th key={f.id} scope="col">
                    {f.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.roles.map((r) => (
                <tr key={r.id}>
                  {/* Without a minimum the eight select columns squeeze the role to one character a line. */}
                  <th scope="row" style={{ minWidth: "10rem" }}>
                    {r.label}
                  </th>
                  {view.fields.map((f) => (
                    <td key={f.id}>
                      <select
                        aria-label={`${r.label}の${f.label}`}
                        {...form.register(`rules.${r.id}.${f.id}`)}
                      >
                        {(["full", "partial", "hidden"] as const)
                          .filter((v) => v !== "partial" || f.partial)
                          .map((v) => (
                            <option key={v} value={v}>
                              {FORM_LABELS[v]}
                              {view.defaults[r.id][f.id] === v ? "（既定）" : ""}
                            </option>
                          ))}
                      </select>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <label className="field">
          <span>変更の理由（必須・監査ログと履歴に残ります）</span>
          <textarea rows={2} maxLength={500} {...form.register("note")} />
        </label>
        {errors.note && (
          <p role="alert" className="alert alert-error">
            {errors.note.message}
          </p>
        )}
        {save.error && (
          <p role="alert" className="alert alert-error">
            {save.error.message}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          新しい版として保存
        </button>
      </form>

      <h2>変更履歴</h2>
      {view.history.length === 0 ? (
        <p>まだ保存された版はありません。既定のルールが適用されています。</p>
      ) : (
        <table className="table">
          <caption>保存された版（新しい順）</caption>
          <thead>
            <tr>
              <th scope="col">版</th>
              <th scope="col">保存した人</th>
              <th scope="col">日時</th>
              <th scope="col">理由</th>
            </tr>
          </thead>
          <tbody>
            {view.history.map((h) => (
              <tr key={h.version}>
                <td>{h.label}</td>
                <td>{h.createdBy}</td>
                <td>{when(h.createdAt)}</td>
                <td>{h.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
