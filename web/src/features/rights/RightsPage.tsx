/**
 * 開示・訂正・利用停止 (issue 12) for the coordinating office (`rights.manage`):
 * choose the person (こどもID, kept in the URL), then
 * - 開示: the one JSON file of everything held about the person, with the
 *   request's purpose; the server asks for the password again (useReauth);
 * - 利用停止 / 解除, with the reason; from the next run the person is left out;
 * - 訂正: one cell of one of the person's rows, with the reason; the trail
 *   (old → new, who, when, why) and withdrawing a correction in force.
 * Every action is audited by the server; nothing here hides data.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { ApiFailure, api } from "../../lib/api.ts";
import { useReauth } from "../../lib/reauth.tsx";
import { saveDownload } from "./download.ts";
import {
  type CorrectionForm,
  correctionForm,
  type PersonForm,
  type PurposeForm,
  personForm,
  purposeForm,
  type ReasonForm,
  reasonForm,
} from "./forms.ts";

type Value = string | number | boolean | null;
interface UsageStop {
  id: number;
  personId: string;
  reason: string;
  actor: string;
  stoppedAt: string;
  liftedAt: string | null;
  liftedBy: string | null;
  liftReason: string | null;
}
interface Correction {
  id: number;
  snapshotId: number;
  rowNo: number;
  sourceId: string;
  field: string;
  oldValue: Value;
  newValue: Value;
  reason: string;
  actor: string;
  correctedAt: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
  withdrawReason: string | null;
}
interface PersonRecords {
  personId: string;
  records: {
    snapshotId: number;
    rowNo: number;
    sourceId: string;
    sourceName: string;
    fileName: string;
    asOf: string | null;
    data: Record<string, Value>;
    corrected: Record<string, Value>;
    correctable: string[];
  }[];
  corrections: Correction[];
}

const when = (iso: string) => new Date(iso).toLocaleString("ja-JP");
export const showValue = (v: Value | undefined) =>
  v === true
    ? "はい"
    : v === false
      ? "いいえ"
      : v === null || v === undefined
        ? "（空欄）"
        : String(v);
const message = (e: unknown, fallback: string) => (e instanceof Error ? e.message : fallback);

function FieldError({ id, text }: { id: string; text: string | undefined }) {
  if (!text) return null;
  return (
    <span id={id} className="alert alert-error" role="alert">
      {text}
    </span>
  );
}

export function RightsPage() {
  const { person } = useSearch({ from: "/rights" });
  const navigate = useNavigate({ from: "/rights" });
  const form = useForm<PersonForm>({
    resolver: zodResolver(personForm),
    defaultValues: { personId: person ?? "" },
  });
  return (
    <section>
      <h1>開示・訂正・利用停止</h1>
      <p className="lead">
        本人（または法定代理人）からの請求に対応します。こどもIDで本人を選んでください（こどもIDは
        <Link to="/search">検索</Link>で確認できます）。操作はすべて監査ログに記録されます。
      </p>
      <form
        className="card search-form"
        aria-label="本人の指定"
        onSubmit={form.handleSubmit((v) => navigate({ search: { person: v.personId } }))}
        noValidate
      >
        <label className="field">
          <span>こどもID</span>
          <input
            {...form.register("personId")}
            aria-invalid={form.formState.errors.personId ? true : undefined}
            aria-describedby={form.formState.errors.personId ? "person-error" : undefined}
            autoComplete="off"
          />
        </label>
        <FieldError id="person-error" text={form.formState.errors.personId?.message} />
        <button type="submit" className="button button-primary">
          本人を選ぶ
        </button>
      </form>
      {/* A gap between the stacked cards: .card has no margin, so they touched. */}
      <div style={{ display: "flex", flexDirection: "column", gap: "1.5rem" }}>
        {person ? (
          <>
            <h2>本人: {person}</h2>
            <DisclosureSection personId={person} />
            <StopSection personId={person} />
            <CorrectionSection personId={person} />
          </>
        ) : (
          <p>本人を選ぶと、開示・利用停止・訂正の操作が表示されます。</p>
        )}
        <StopsList />
      </div>
    </section>
  );
}

function DisclosureSection({ personId }: { personId: string }) {
  const reauth = useReauth();
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const form = useForm<PurposeForm>({
    resolver: zodResolver(purposeForm),
    defaultValues: { purpose: "" },
  });
  async function submit(v: PurposeForm) {
    setDone(null);
    setError(null);
    try {
      await reauth.run(async () => {
        await saveDownload(
          `/rights/${encodeURIComponent(personId)}/disclosure`,
          { purpose: v.purpose },
          `disclosure-${personId}.json`,
        );
        setDone("開示用のファイルを出力しました。出力と目的は監査ログに記録されています。");
      });
    } catch (e) {
      setError(message(e, "開示用のファイルを出力できませんでした。"));
    }
  }
  const err = form.formState.errors.purpose?.message;
  return (
    <>
      <form className="card" aria-label="開示" onSubmit={form.handleSubmit(submit)} noValidate>
        <h3>開示</h3>
        <p>
          本人について保有する情報（本人の情報、名寄せされた行、該当した項目、閲覧の記録、利用停止と訂正の履歴）を1つのファイル（JSON）で出力します。要対協・一時保護の情報は、要対協の構成員が出力した場合にだけ含まれます。
        </p>
        <label className="field">
          <span>目的（開示請求の受付番号など・必須）</span>
          <input
            {...form.register("purpose")}
            aria-invalid={err ? true : undefined}
            aria-describedby={err ? "purpose-error" : undefined}
          />
        </label>
        <FieldError id="purpose-error" text={err} />
        <button type="submit" className="button button-primary">
          開示用のファイルを出力
        </button>
        {done && (
          <p role="status" className="alert alert-success">
            {done}
          </p>
        )}
        {error && (
          <p role="alert" className="alert alert-error">
            {error}
          </p>
        )}
      </form>
      {reauth.prompt}
    </>
  );
}

function useStops() {
  return useQuery({
    queryKey: ["rights", "stops"],
    queryFn: () => api<{ items: UsageStop[] }>("/rights/stops"),
  });
}

function StopSection({ personId }: { personId: string }) {
  const client = useQueryClient();
  const stops = useStops();
  const active = stops.data?.items.find((s) => s.personId === personId && s.liftedAt === null);
  const form = useForm<ReasonForm>({
    resolver: zodResolver(reasonForm),
    defaultValues: { reason: "" },
  });
  const mutation = useMutation({
    mutationFn: (v: ReasonForm) =>
      api<UsageStop>(`/rights/${encodeURIComponent(personId)}/${active ? "resume" : "stop"}`, {
        method: "POST",
        body: { reason: v.reason },
      }),
    onSuccess: async () => {
      form.reset({ reason: "" });
      await client.invalidateQueries({ queryKey: ["rights", "stops"] });
    },
  });
  const err = form.formState.errors.reason?.message;
  return (
    <form
      className="card"
      aria-label="利用停止"
      onSubmit={form.handleSubmit((v) => mutation.mutate(v))}
      noValidate
    >
      <h3>利用停止</h3>
      {stops.isPending ? (
        <p role="status">読み込んでいます…</p>
      ) : active ? (
        <p>
          <strong>利用停止中</strong>（{when(active.stoppedAt)}、{active.actor}、理由:{" "}
          {active.reason}
          ）。次回の実行から判定・一覧・検証の対象外です。取り込んだデータは保存されています。
        </p>
      ) : (
        <p>
          利用停止すると、次回の実行からこの本人を判定・一覧・検証・仮名化データの対象から外します（取り込んだデータは法令に従い保存します）。
        </p>
      )}
      <label className="field">
        <span>理由（利用停止請求の受付番号など・必須）</span>
        <input
          {...form.register("reason")}
          aria-invalid={err ? true : undefined}
          aria-describedby={err ? "stop-reason-error" : undefined}
        />
      </label>
      <FieldError id="stop-reason-error" text={err} />
      <button type="submit" className="button button-primary" disabled={mutation.isPending}>
        {active ? "利用停止を解除する" : "利用停止する"}
      </button>
      {mutation.isSuccess && (
        <p role="status" className="alert alert-success">
          {mutation.data.liftedAt ? "利用停止を解除しました。" : "利用停止しました。"}
          次回の実行から反映されます。
        </p>
      )}
      {mutation.error && (
        <p role="alert" className="alert alert-error">
          {mutation.error.message}
        </p>
      )}
    </form>
  );
}

function CorrectionSection({ personId }: { personId: string }) {
  const client = useQueryClient();
  const key = ["rights", "records", personId];
  const q = useQuery({
    queryKey: key,
    queryFn: () => api<PersonRecords>(`/rights/${encodeURIComponent(personId)}/records`),
    retry: false,
  });
  const form = useForm<CorrectionForm>({
    resolver: zodResolver(correctionForm),
    defaultValues: { target: "", value: "", reason: "" },
  });
  const correct = useMutation({
    mutationFn: (v: CorrectionForm) => {
      const [snapshotId, rowNo, ...field] = v.target.split(":");
      return api<Correction>(`/rights/${encodeURIComponent(personId)}/corrections`, {
        method: "POST",
        body: {
          snapshotId: Number(snapshotId),
          rowNo: Number(rowNo),
          field: field.join(":"),
          value: v.value,
          reason: v.reason,
        },
      });
    },
    onSuccess: async () => {
      form.reset({ target: "", value: "", reason: "" });
      await client.invalidateQueries({ queryKey: key });
    },
  });
  if (q.isPending) return <p role="status">訂正の対象を読み込んでいます…</p>;
  if (q.error)
    return (
      <div className="card">
        <h3>訂正</h3>
        <p role="alert" className="alert alert-error">
          {q.error instanceof ApiFailure && q.error.status === 404
            ? "この本人の行が見つかりません。こどもIDを確認してください（名寄せの結果にない本人は訂正できません）。"
            : q.error.message}
        </p>
      </div>
    );
  const records = q.data.records;
  const errors = form.formState.errors;
  return (
    <>
      <form
        className="card"
        aria-label="訂正"
        onSubmit={form.handleSubmit((v) => correct.mutate(v))}
        noValidate
      >
        <h3>訂正</h3>
        <p>
          事実と異なる値を訂正します。元の値は取込時のまま残り、訂正の履歴（誰が・いつ・なぜ・旧→新）が記録され、開示ファイルに含まれます。次回の実行から訂正後の値で判定します。宛名番号・氏名・生年月日など本人を特定する項目は、名寄せの確認かデータ提供元のファイルで訂正してください。
        </p>
        <label className="field">
          <span>訂正する行と項目</span>
          <select
            {...form.register("target")}
            aria-invalid={errors.target ? true : undefined}
            aria-describedby={errors.target ? "target-error" : undefined}
          >
            <option value="">選んでください</option>
            {records.map((r) => (
              <optgroup
                key={`${r.snapshotId}:${r.rowNo}`}
                label={`${r.sourceName} ${r.fileName} ${r.rowNo}行目（抽出日 ${r.asOf ?? "不明"}）`}
              >
                {r.correctable.map((f) => (
                  <option key={f} value={`${r.snapshotId}:${r.rowNo}:${f}`}>
                    {f}: {showValue(f in r.corrected ? r.corrected[f] : r.data[f])}
                    {f in r.corrected ? "（訂正済み）" : ""}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <FieldError id="target-error" text={errors.target?.message} />
        <label className="field">
          <span>
            訂正後の値（はい/いいえ、日付は 2024-04-01 の形など。空欄にする場合は空のまま）
          </span>
          <input {...form.register("value")} autoComplete="off" />
        </label>
        <FieldError id="value-error" text={errors.value?.message} />
        <label className="field">
          <span>理由（訂正請求の受付番号など・必須）</span>
          <input
            {...form.register("reason")}
            aria-invalid={errors.reason ? true : undefined}
            aria-describedby={errors.reason ? "correction-reason-error" : undefined}
          />
        </label>
        <FieldError id="correction-reason-error" text={errors.reason?.message} />
        <button type="submit" className="button button-primary" disabled={correct.isPending}>
          訂正を記録する
        </button>
        {correct.isSuccess && (
          <p role="status" className="alert alert-success">
            訂正を記録しました（{correct.data.field}: {showValue(correct.data.oldValue)} →{" "}
            {showValue(correct.data.newValue)}）。次回の実行から反映されます。
          </p>
        )}
        {correct.error && (
          <p role="alert" className="alert alert-error">
            {correct.error.message}
          </p>
        )}
      </form>
      <CorrectionTrail personId={personId} corrections={q.data.corrections} />
    </>
  );
}

function CorrectionTrail({
  personId,
  corrections,
}: {
  personId: string;
  corrections: Correction[];
}) {
  const client = useQueryClient();
  const inForce = corrections.filter((c) => c.withdrawnAt === null);
  const [target, setTarget] = useState("");
  const form = useForm<ReasonForm>({
    resolver: zodResolver(reasonForm),
    defaultValues: { reason: "" },
  });
  const withdraw = useMutation({
    mutationFn: (v: ReasonForm) =>
      api<Correction>(`/rights/corrections/${Number(target)}/withdraw`, {
        method: "POST",
        body: { reason: v.reason },
      }),
    onSuccess: async () => {
      form.reset({ reason: "" });
      setTarget("");
      await client.invalidateQueries({ queryKey: ["rights", "records", personId] });
    },
  });
  const err = form.formState.errors.reason?.message;
  return (
    <div className="card">
      <h3>訂正の履歴</h3>
      {corrections.length === 0 ? (
        <p>この本人の訂正はまだありません。</p>
      ) : (
        <div className="table-scroll">
          <table className="table table-compact">
            <caption>古い順（取り消した訂正も残ります）</caption>
            <thead>
              <tr>
                <th scope="col">番号</th>
                <th scope="col">日時</th>
                <th scope="col">担当</th>
                <th scope="col">データ・行</th>
                <th scope="col">項目</th>
                <th scope="col">訂正前</th>
                <th scope="col">訂正後</th>
                <th scope="col">理由</th>
                <th scope="col">状態</th>
              </tr>
            </thead>
            <tbody>
              {corrections.map((c) => (
                <tr key={c.id}>
                  <td>{c.id}</td>
                  <td>{when(c.correctedAt)}</td>
                  <td>{c.actor}</td>
                  <td>
                    {c.sourceId} {c.rowNo}行目
                  </td>
                  <td>{c.field}</td>
                  <td>{showValue(c.oldValue)}</td>
                  <td>{showValue(c.newValue)}</td>
                  <td>{c.reason}</td>
                  <td>
                    {c.withdrawnAt
                      ? `取消し（${when(c.withdrawnAt)}、${c.withdrawnBy ?? ""}: ${c.withdrawReason ?? ""}）`
                      : "有効"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {inForce.length > 0 && (
        <form
          aria-label="訂正の取消し"
          onSubmit={form.handleSubmit((v) => withdraw.mutate(v))}
          noValidate
        >
          <label className="field">
            <span>取り消す訂正</span>
            <select value={target} onChange={(e) => setTarget(e.target.value)} required>
              <option value="">選んでください</option>
              {inForce.map((c) => (
                <option key={c.id} value={String(c.id)}>
                  {c.id}: {c.field}（{showValue(c.oldValue)} → {showValue(c.newValue)}）
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>取消しの理由（必須）</span>
            <input
              {...form.register("reason")}
              aria-invalid={err ? true : undefined}
              aria-describedby={err ? "withdraw-reason-error" : undefined}
            />
          </label>
          <FieldError id="withdraw-reason-error" text={err} />
          <button
            type="submit"
            className="button button-secondary"
            disabled={withdraw.isPending || target === ""}
          >
            訂正を取り消す
          </button>
          {withdraw.isSuccess && (
            <p role="status" className="alert alert-success">
              訂正を取り消しました。次回の実行から取込時の値に戻ります。
            </p>
          )}
          {withdraw.error && (
            <p role="alert" className="alert alert-error">
              {withdraw.error.message}
            </p>
          )}
        </form>
      )}
    </div>
  );
}

function StopsList() {
  const q = useStops();
  return (
    <div className="card">
      <h2>利用停止の一覧</h2>
      {q.isPending && <p role="status">読み込んでいます…</p>}
      {q.error && (
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      )}
      {q.data &&
        (q.data.items.length === 0 ? (
          <p>利用停止はまだありません。請求があれば、上で本人を選んで利用停止してください。</p>
        ) : (
          <div className="table-scroll">
            <table className="table table-compact">
              <caption>新しい順（最大 1000 件）</caption>
              <thead>
                <tr>
                  <th scope="col">こどもID</th>
                  <th scope="col">停止</th>
                  <th scope="col">理由</th>
                  <th scope="col">解除</th>
                </tr>
              </thead>
              <tbody>
                {q.data.items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link to="/rights" search={{ person: s.personId }}>
                        {s.personId}
                      </Link>
                    </td>
                    <td>
                      {when(s.stoppedAt)}（{s.actor}）
                    </td>
                    <td>{s.reason}</td>
                    <td>
                      {s.liftedAt
                        ? `${when(s.liftedAt)}（${s.liftedBy ?? ""}: ${s.liftReason ?? ""}）`
                        : "停止中"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </div>
  );
}
