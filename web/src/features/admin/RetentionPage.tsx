import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";

interface Retention {
  snapshots: { keepSnapshots: number; keepMonths: number | null; stored: boolean };
  cases: { closedYears: number; untilAge: number | null; stored: boolean };
  persons: { years: number; stored: boolean };
}

type Form = Record<"keepSnapshots" | "keepMonths" | "closedYears" | "untilAge" | "years", string>;

const toForm = (r: Retention): Form => ({
  keepSnapshots: String(r.snapshots.keepSnapshots),
  keepMonths: r.snapshots.keepMonths === null ? "" : String(r.snapshots.keepMonths),
  closedYears: String(r.cases.closedYears),
  untilAge: r.cases.untilAge === null ? "" : String(r.cases.untilAge),
  years: String(r.persons.years),
});

const num = (s: string) => Number(s);
const orNull = (s: string) => (s.trim() === "" ? null : Number(s));

/**
 * 保存期間の設定 (issue 12): the municipality's three retention settings in
 * one form — imported snapshots, closed cases, persons' raw rows — saved with
 * a reason through PUT /api/retention (audited). The purges themselves run
 * from `mimamori retention` (docs/operations.md).
 */
export function RetentionPage() {
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ["retention"],
    queryFn: () => api<Retention>("/retention"),
    retry: false,
  });
  const [form, setForm] = useState<Form | null>(null);
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    if (q.data && !form) setForm(toForm(q.data));
  }, [q.data, form]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    try {
      const saved = await api<Retention>("/retention", {
        method: "PUT",
        body: {
          snapshots: {
            keepSnapshots: num(form.keepSnapshots),
            keepMonths: orNull(form.keepMonths),
          },
          cases: { closedYears: num(form.closedYears), untilAge: orNull(form.untilAge) },
          persons: { years: num(form.years) },
          reason,
        },
      });
      client.setQueryData(["retention"], saved);
      setForm(toForm(saved));
      setReason("");
      setMessage({ ok: true, text: "保存しました。" });
    } catch (err) {
      // The server's field messages say what to fix (e.g. 「変更の理由を入力してください。」).
      const text =
        err instanceof ApiFailure && err.details.length > 0
          ? `${err.message} ${err.details.join(" ")}`
          : (err as Error).message;
      setMessage({ ok: false, text });
    }
  }

  const field = (key: keyof Form, label: string, hint: string) => (
    <label>
      {label}
      <input
        name={key}
        inputMode="numeric"
        value={form?.[key] ?? ""}
        onChange={(e) => form && setForm({ ...form, [key]: e.target.value })}
        aria-describedby={`${key}-hint`}
      />
      <small id={`${key}-hint`}>{hint}</small>
    </label>
  );

  return (
    <section>
      <h1>保存期間の設定</h1>
      {q.error ? <p role="alert">{(q.error as Error).message}</p> : null}
      {form ? (
        <form onSubmit={submit} data-testid="retention-form">
          <fieldset>
            <legend>取込データ</legend>
            {field("keepSnapshots", "データ元ごとに残す取込の数", "1 以上")}
            {field("keepMonths", "残す月数", "空欄: 月数の条件なし")}
          </fieldset>
          <fieldset>
            <legend>終結したケース</legend>
            {field("closedYears", "終結から残す年数", "0〜100")}
            {field("untilAge", "こどもがこの年齢になるまで残す", "空欄: 年齢の条件なし")}
          </fieldset>
          <fieldset>
            <legend>個人の取込行</legend>
            {field("years", "18歳（または転出）から残す年数", "0〜100")}
          </fieldset>
          <label>
            変更の理由
            <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit">保存</button>
          {message ? (
            <p role={message.ok ? "status" : "alert"} data-testid="retention-message">
              {message.text}
            </p>
          ) : null}
        </form>
      ) : null}
    </section>
  );
}
