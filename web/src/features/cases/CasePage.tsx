import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { type FormEvent, type ReactNode, useState } from "react";
import { useCan, useSession } from "../../app/session.tsx";
import { api } from "../../lib/api.ts";
import type { AssigneesView, CaseView } from "../../lib/types.ts";
import { ACTION_OPTIONS, CaseMark, Done, ErrorText, fmt, VERDICT_OPTIONS } from "./common.tsx";

/**
 * One child's case: the state and its full history (who, when, why), the
 * support plan, actions, follow-ups, the staff's verdict on the system's
 * result, and the actions the state machine allows now (close, reopen, …).
 * 要対協 registration for council members.
 */
export function CasePage() {
  const { caseId } = useParams({ from: "/cases/$caseId" });
  const q = useQuery({
    queryKey: ["case", caseId],
    queryFn: () => api<CaseView>(`/cases/${caseId}`),
    retry: false,
  });
  const assignees = useQuery({
    queryKey: ["assignees"],
    queryFn: () => api<AssigneesView>("/cases/assignees"),
  });
  const canManage = useCan("cases.manage");
  const council = useSession().session.user.council;
  if (q.error)
    return (
      <section>
        <h1>ケース</h1>
        <ErrorText error={q.error} />
      </section>
    );
  if (!q.data) return <p role="status">読み込んでいます…</p>;
  const v = q.data;
  const c = v.case;
  const supporting = c.state === "support_planned" || c.state === "supporting";
  const latest = v.events.at(-1);
  return (
    <section>
      <h1>
        ケース: {c.name ?? c.personId} <CaseMark state={c.state} label={c.stateLabel} />
        {c.council && <span className="chip">要対協</span>}
      </h1>
      <dl className="facts">
        <dt>こども</dt>
        <dd>
          <Link to="/children/$personId" params={{ personId: c.personId }}>
            {c.personId}
          </Link>
        </dd>
        <dt>担当者</dt>
        <dd>{c.responsibleName ?? "未定"}</dd>
        <dt>直近の決定</dt>
        <dd>
          {c.lastDecision
            ? {
                support: "要支援",
                investigate: "調査継続",
                watch: "経過観察",
                no_support: "支援不要",
              }[c.lastDecision]
            : "—"}
          {c.reviewOn ? `（見直し ${c.reviewOn}）` : ""}
        </dd>
        <dt>候補リスト</dt>
        <dd>{v.lists.map((l) => l.month).join("、") || "—"}</dd>
      </dl>

      <h2>経過</h2>
      <ol className="history" data-testid="case-history">
        {v.events.map((e) => (
          <li key={e.id}>
            {fmt(e.at)} <strong>{e.actionLabel}</strong>（{e.actor}）
            {e.reason ? `：${e.reason}` : ""}
            {e.correctsId ? `（記録 ${e.correctsId} の訂正）` : ""}
          </li>
        ))}
      </ol>
      {latest && latest.fromState !== null && latest.action !== "register_council" && (
        <SimpleForm
          title="直前の記録を訂正する"
          note="記録は消さずに、元の状態へ戻す訂正を新しく記録します。"
          fields={["訂正の理由"]}
          submit="訂正を記録"
          send={(f) =>
            api(`/cases/${c.id}/corrections`, {
              method: "POST",
              body: { eventId: latest.id, reason: f.訂正の理由 },
            })
          }
          caseId={c.id}
        />
      )}

      <h2>支援計画</h2>
      {v.plans.length === 0 ? (
        <p className="muted">
          {supporting ? "まだ支援計画はありません。" : "要支援と決定されると支援計画を作れます。"}
        </p>
      ) : (
        <ul data-testid="plans">
          {v.plans.map((p) => (
            <li key={p.id}>
              {p.goals}（担当機関: {p.organisations.join("、")}／{p.createdBy}、{fmt(p.createdAt)}）
            </li>
          ))}
        </ul>
      )}
      {supporting && (
        <SimpleForm
          title={v.plans.length === 0 ? "支援計画を作る" : "支援計画を見直す"}
          fields={["支援の目標", "担当機関（読点区切り）"]}
          submit="計画を記録"
          send={(f) =>
            api(`/cases/${c.id}/plans`, {
              method: "POST",
              body: {
                goals: f.支援の目標,
                organisations: (f["担当機関（読点区切り）"] ?? "")
                  .split(/[、,]/)
                  .map((s) => s.trim())
                  .filter(Boolean),
              },
            })
          }
          caseId={c.id}
        />
      )}

      <h2>支援の記録</h2>
      {v.actions.length === 0 ? (
        <p className="muted">まだ記録はありません。</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">日付</th>
              <th scope="col">種類</th>
              <th scope="col">結果</th>
              <th scope="col">記録者</th>
            </tr>
          </thead>
          <tbody>
            {v.actions.map((a) => (
              <tr key={a.id}>
                <td>{a.doneOn}</td>
                <td>{a.kindLabel}</td>
                <td>{a.outcome}</td>
                <td>{a.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {c.state !== "closed" && <ActionForm caseId={c.id} />}

      <h2>予定</h2>
      {v.followUps.length === 0 ? (
        <p className="muted">予定はありません。</p>
      ) : (
        <ul data-testid="follow-ups">
          {v.followUps.map((f) => (
            <li key={f.id}>
              {f.dueOn} {f.what}（担当 {f.assigneeName ?? "—"}）
              {f.doneAt ? `：完了 ${fmt(f.doneAt)} ${f.doneNote ?? ""}` : "：未完了"}
            </li>
          ))}
        </ul>
      )}
      {c.state !== "closed" && <FollowUpForm caseId={c.id} assignees={assignees.data ?? []} />}

      <h2>判定結果の評価</h2>
      {v.evaluations.length > 0 && (
        <ul>
          {v.evaluations.map((e) => (
            <li key={e.id}>
              {e.verdictLabel}
              {e.note ? `：${e.note}` : ""}（{e.createdBy}、{fmt(e.createdAt)}）
            </li>
          ))}
        </ul>
      )}
      <EvaluationForm
        caseId={c.id}
        difficulty={v.lists[0]?.difficulty ?? ""}
        runId={v.lists[0]?.runId ?? null}
      />

      <h2>状態の変更</h2>
      <TransitionForm caseId={c.id} allowed={v.allowed} />
      {canManage && council && !c.council && (
        <SimpleForm
          title="要対協に登録する"
          note="登録すると、このケースは要対協の構成員だけが見られるようになります。"
          fields={["登録の理由"]}
          submit="要対協に登録"
          send={(f) =>
            api(`/cases/${c.id}/council`, { method: "POST", body: { reason: f.登録の理由 } })
          }
          caseId={c.id}
        />
      )}
    </section>
  );
}

function useCaseMutation<T>(caseId: number, fn: (x: T) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["case", String(caseId)] });
      void qc.invalidateQueries({ queryKey: ["my-follow-ups"] });
    },
  });
}

function FormCard({
  title,
  note,
  children,
  onSubmit,
  error,
  done,
}: {
  title: string;
  note?: string;
  children: ReactNode;
  onSubmit: () => void;
  error: unknown;
  done: boolean;
}) {
  return (
    <form
      className="card"
      aria-label={title}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <h3>{title}</h3>
      {note && <p className="muted">{note}</p>}
      {children}
      <ErrorText error={error} />
      {done && <Done>記録しました。</Done>}
    </form>
  );
}

function SimpleForm({
  title,
  note,
  fields,
  submit,
  send,
  caseId,
}: {
  title: string;
  note?: string;
  fields: string[];
  submit: string;
  send: (f: Record<string, string>) => Promise<unknown>;
  caseId: number;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const m = useCaseMutation(caseId, send);
  return (
    <FormCard
      title={title}
      note={note}
      onSubmit={() => m.mutate(values)}
      error={m.error}
      done={m.isSuccess}
    >
      {fields.map((f) => (
        <label key={f} className="field">
          <span>{f}</span>
          <input
            value={values[f] ?? ""}
            onChange={(e) => setValues({ ...values, [f]: e.target.value })}
            required
          />
        </label>
      ))}
      <button type="submit" className="button button-primary">
        {submit}
      </button>
    </FormCard>
  );
}

/** Today in Japan (the server's rule for 実施日 and 期日; UTC is still yesterday before 9:00). */
function todayInJapan(): string {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
}

function ActionForm({ caseId }: { caseId: number }) {
  const [kind, setKind] = useState("interview");
  const [doneOn, setDoneOn] = useState(todayInJapan);
  const [outcome, setOutcome] = useState("");
  const m = useCaseMutation(caseId, () =>
    api(`/cases/${caseId}/actions`, { method: "POST", body: { kind, doneOn, outcome } }),
  );
  return (
    <FormCard
      title="支援を記録する"
      onSubmit={() => m.mutate(undefined)}
      error={m.error}
      done={m.isSuccess}
    >
      <label className="field">
        <span>種類</span>
        <select value={kind} onChange={(e) => setKind(e.target.value)}>
          {ACTION_OPTIONS.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>実施日</span>
        <input
          type="date"
          value={doneOn}
          max={todayInJapan()}
          onChange={(e) => setDoneOn(e.target.value)}
          required
        />
      </label>
      <label className="field">
        <span>結果</span>
        <textarea value={outcome} onChange={(e) => setOutcome(e.target.value)} required />
      </label>
      <button type="submit" className="button button-primary">
        記録する
      </button>
    </FormCard>
  );
}

function FollowUpForm({ caseId, assignees }: { caseId: number; assignees: AssigneesView }) {
  const me = useSession().session.user;
  const [dueOn, setDueOn] = useState("");
  const [what, setWhat] = useState("");
  const [assignee, setAssignee] = useState("");
  const m = useCaseMutation(caseId, () =>
    api(`/cases/${caseId}/follow-ups`, {
      method: "POST",
      body: { dueOn, what, assigneeUserId: Number(assignee || me.id) },
    }),
  );
  return (
    <FormCard
      title="予定を入れる"
      note="担当者のホーム画面に期日順で表示されます。"
      onSubmit={() => m.mutate(undefined)}
      error={m.error}
      done={m.isSuccess}
    >
      <label className="field">
        <span>期日</span>
        <input
          type="date"
          value={dueOn}
          min={todayInJapan()}
          onChange={(e) => setDueOn(e.target.value)}
          required
        />
      </label>
      <label className="field">
        <span>内容</span>
        <input value={what} onChange={(e) => setWhat(e.target.value)} required />
      </label>
      <label className="field">
        <span>担当者</span>
        <select value={assignee} onChange={(e) => setAssignee(e.target.value)}>
          <option value="">自分</option>
          {assignees.map((a) => (
            <option key={a.id} value={a.id}>
              {a.displayName}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button button-primary">
        予定を入れる
      </button>
    </FormCard>
  );
}

function EvaluationForm({
  caseId,
  difficulty,
  runId,
}: {
  caseId: number;
  difficulty: string;
  runId: number | null;
}) {
  const [verdict, setVerdict] = useState("hit");
  const [note, setNote] = useState("");
  const m = useCaseMutation(caseId, () =>
    api(`/cases/${caseId}/evaluations`, {
      method: "POST",
      body: { runId, difficulty, verdict, note: note || null },
    }),
  );
  if (!difficulty) return null;
  return (
    <FormCard
      title="判定結果を評価する"
      note="システムの判定が実際に当たっていたかを記録します（検証に使います）。"
      onSubmit={() => m.mutate(undefined)}
      error={m.error}
      done={m.isSuccess}
    >
      <fieldset>
        <legend>評価</legend>
        {VERDICT_OPTIONS.map((o) => (
          <label key={o.id} className="check">
            <input
              type="radio"
              name="verdict"
              value={o.id}
              checked={verdict === o.id}
              onChange={() => setVerdict(o.id)}
            />{" "}
            {o.label}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>メモ</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <button type="submit" className="button button-primary">
        評価を記録
      </button>
    </FormCard>
  );
}

const TRANSITION_LABELS: Record<string, string> = {
  close: "終結する",
  reopen: "再開する",
  relist: "見直し（候補リストへ戻す）",
  unschedule: "議題から外す",
};

function TransitionForm({ caseId, allowed }: { caseId: number; allowed: string[] }) {
  const options = allowed.filter((a) => a in TRANSITION_LABELS);
  const [action, setAction] = useState(options[0] ?? "");
  const [reason, setReason] = useState("");
  const m = useCaseMutation(caseId, () =>
    api(`/cases/${caseId}/transitions`, { method: "POST", body: { action, reason } }),
  );
  if (options.length === 0)
    return <p className="muted">今の状態で行える変更はありません（会議で決定してください）。</p>;
  return (
    <FormCard
      title="状態を変える"
      onSubmit={() => m.mutate(undefined)}
      error={m.error}
      done={m.isSuccess}
    >
      <label className="field">
        <span>操作</span>
        <select value={action} onChange={(e) => setAction(e.target.value)}>
          {options.map((o) => (
            <option key={o} value={o}>
              {TRANSITION_LABELS[o]}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>理由</span>
        <input value={reason} onChange={(e) => setReason(e.target.value)} required />
      </label>
      <button type="submit" className="button button-primary">
        記録する
      </button>
    </FormCard>
  );
}
