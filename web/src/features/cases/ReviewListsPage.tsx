import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { useCan } from "../../app/session.tsx";
import { api } from "../../lib/api.ts";
import type { ConferencesView, ReviewListsView, ReviewListView } from "../../lib/types.ts";
import { KIND_LABELS, MODE_LABELS } from "../sheets/labels.ts";
import { CaseMark, Done, ErrorText } from "./common.tsx";

/**
 * 候補リスト: the months' review lists. Children are added from 判定一覧
 * (「候補リストに載せる」); a list shows them by household with the
 * exclusions that applied and any override reason, and leads to its conference.
 */
export function ReviewListsPage() {
  const q = useQuery({
    queryKey: ["review-lists"],
    queryFn: () => api<ReviewListsView>("/review-lists"),
  });
  const canSet = useCan("settings.manage");
  return (
    <section>
      <h1>候補リスト</h1>
      <p className="lead">
        月ごとに確認するこどもの一覧です。判定一覧でこどもを選び「候補リストに載せる」で追加します。会議（カンファレンス）はリストから作ります。
      </p>
      <ErrorText error={q.error} />
      {q.data && q.data.lists.length === 0 && (
        <p className="alert alert-info">
          まだ候補リストはありません。<Link to="/results">判定一覧</Link>
          で基準以上のこどもを選び、候補リストに載せてください。
        </p>
      )}
      {q.data && q.data.lists.length > 0 && (
        <table className="table" data-testid="review-lists">
          <thead>
            <tr>
              <th scope="col">月</th>
              <th scope="col">こども</th>
              <th scope="col">世帯</th>
              <th scope="col">判定</th>
              <th scope="col">作成</th>
            </tr>
          </thead>
          <tbody>
            {q.data.lists.map((l) => (
              <tr key={l.id}>
                <td>
                  <Link to="/review-lists/$listId" params={{ listId: String(l.id) }}>
                    {l.month}
                  </Link>
                </td>
                <td>{l.children} 人</td>
                <td>{l.households} 世帯</td>
                <td>実行 {l.runId}</td>
                <td>{l.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canSet && q.data && <CapacityForm current={q.data.capacity} />}
    </section>
  );
}

function CapacityForm({ current }: { current: number | null }) {
  const qc = useQueryClient();
  const [value, setValue] = useState(String(current ?? ""));
  const m = useMutation({
    mutationFn: () =>
      api("/review-lists/capacity", { method: "PUT", body: { households: Number(value) } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["review-lists"] }),
  });
  return (
    <form
      className="card"
      aria-label="月の確認件数の上限"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <h2>月の確認件数の上限</h2>
      <p className="muted">
        {current === null
          ? "未設定です（判定ルールの上限を使います）。"
          : `現在 ${current} 世帯です。`}
        上限を超えて載せるときは理由が必要です。
      </p>
      <label className="field">
        <span>世帯数</span>
        <input
          type="number"
          min={1}
          max={1000}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
        />
      </label>
      <button type="submit" className="button button-secondary">
        保存
      </button>
      <ErrorText error={m.error} />
      {m.isSuccess && <Done>保存しました。</Done>}
    </form>
  );
}

export function ReviewListPage() {
  const { listId } = useParams({ from: "/review-lists/$listId" });
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ["review-list", listId],
    queryFn: () => api<ReviewListView>(`/review-lists/${listId}`),
    retry: false,
  });
  const [heldOn, setHeldOn] = useState(new Date().toISOString().slice(0, 10));
  const [title, setTitle] = useState("");
  const [attendees, setAttendees] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api<ConferencesView[number]>("/conferences", {
        method: "POST",
        body: {
          listId: Number(listId),
          heldOn,
          title: title || `${q.data?.list.month ?? ""} ケース会議`,
          attendees: attendees
            .split(/[、,\n]/)
            .map((s) => s.trim())
            .filter(Boolean),
        },
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["review-list", listId] }),
  });
  if (q.error)
    return (
      <section>
        <h1>候補リスト</h1>
        <ErrorText error={q.error} />
      </section>
    );
  if (!q.data) return <p role="status">読み込んでいます…</p>;
  const d = q.data;
  return (
    <section>
      <h1>候補リスト {d.list.month}</h1>
      <p className="lead">
        {d.list.children} 人・{d.list.households} 世帯（上限 {d.capacity} 世帯）。判定実行{" "}
        {d.list.runId} から選んだこどもです。世帯ごとに並べています。
      </p>
      {d.households.length === 0 ? (
        <p className="alert alert-info">
          まだ誰も載っていません。<Link to="/results">判定一覧</Link>
          でこどもを選んで「候補リストに載せる」を押してください。
        </p>
      ) : (
        <table className="table" data-testid="review-list">
          <thead>
            <tr>
              <th scope="col">世帯</th>
              <th scope="col">氏名</th>
              <th scope="col">年齢</th>
              <th scope="col">類型</th>
              <th scope="col">状態</th>
              <th scope="col">除外理由と上書きの理由</th>
            </tr>
          </thead>
          <tbody>
            {d.households.flatMap((h) =>
              h.children.map((c, i) => (
                <tr key={c.entryId} className={i === 0 ? "household-start" : undefined}>
                  <td>{i === 0 ? (h.householdNo ?? "—") : ""}</td>
                  <td>
                    <Link to="/cases/$caseId" params={{ caseId: String(c.caseId) }}>
                      {c.name ?? c.personId}
                    </Link>
                  </td>
                  <td>{c.age ?? "—"}</td>
                  <td>{c.difficultyLabel}</td>
                  <td>
                    <CaseMark state={c.state} label={c.stateLabel} />
                  </td>
                  <td>
                    {c.exclusions.length === 0
                      ? "—"
                      : `${c.exclusions.join("・")}（理由: ${c.overrideReason ?? "—"}）`}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
      {d.households.length > 0 && <ListRoundForm listId={Number(listId)} />}
      <h2>会議</h2>
      {d.conferences.length > 0 && (
        <ul>
          {d.conferences.map((c) => (
            <li key={c.id}>
              <Link to="/conferences/$conferenceId" params={{ conferenceId: String(c.id) }}>
                {c.heldOn} {c.title}
              </Link>
            </li>
          ))}
        </ul>
      )}
      <form
        className="card"
        aria-label="会議を作る"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <p className="muted">
          会議を作ると、このリストで候補リスト・情報収集中のこどもが議題に載ります。
        </p>
        <label className="field">
          <span>開催日</span>
          <input type="date" value={heldOn} onChange={(e) => setHeldOn(e.target.value)} required />
        </label>
        <label className="field">
          <span>会議名</span>
          <input
            value={title}
            placeholder={`${d.list.month} ケース会議`}
            onChange={(e) => setTitle(e.target.value)}
          />
        </label>
        <label className="field">
          <span>出席者（読点区切り）</span>
          <input value={attendees} onChange={(e) => setAttendees(e.target.value)} />
        </label>
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          会議を作る
        </button>
        <ErrorText error={create.error} />
        {create.data && (
          <Done>
            会議を作りました。
            <Link to="/conferences/$conferenceId" params={{ conferenceId: String(create.data.id) }}>
              会議の画面を開く
            </Link>
          </Done>
        )}
      </form>
    </section>
  );
}

/**
 * The 'whole 候補リスト' round (喬木村's start-of-year and after-summer
 * rounds, 開成町's monthly asking): one 情報収集シート per child of this list
 * who is now at the chosen school or nursery and not yet decided. Their cases
 * move to 情報収集中.
 */
function ListRoundForm({ listId }: { listId: number }) {
  const qc = useQueryClient();
  const canSend = useCan("cases.work");
  const affiliations = useQuery({
    queryKey: ["sheets", "affiliations"],
    queryFn: () => api<{ affiliations: string[] }>("/sheets/affiliations"),
    enabled: canSend,
  });
  const [recipient, setRecipient] = useState("");
  const [kind, setKind] = useState("school");
  const [mode, setMode] = useState("b");
  const [dueDate, setDueDate] = useState("");
  const send = useMutation({
    mutationFn: () =>
      api<{ batchId: string; ids: number[] }>("/sheets/requests/bulk", {
        method: "POST",
        body: {
          recipient,
          recipientKind: kind,
          mode,
          listId,
          ...(dueDate ? { dueDate } : {}),
        },
      }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["review-list", String(listId)] });
      qc.invalidateQueries({ queryKey: ["sheets"] });
    },
  });
  if (!canSend) return null;
  const choices = affiliations.data?.affiliations ?? [];
  return (
    <form
      className="card"
      aria-label="候補リスト全体に情報収集シートを送る"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        send.mutate();
      }}
    >
      <h2>候補リスト全体に情報収集シートを送る</h2>
      <p className="muted">
        このリストで会議の決定前のこどものうち、選んだ所属に今在籍するこども全員に1人1件ずつ送ります。ケースは「情報収集中」になります。
      </p>
      {affiliations.isSuccess && choices.length === 0 ? (
        <p className="alert alert-info">
          所属アカウントのある学校・保育所がまだありません。利用者管理で所属アカウントを作ってから送ってください。
        </p>
      ) : (
        <>
          <label className="field" htmlFor="round-recipient">
            <span>依頼先</span>
            <select
              id="round-recipient"
              value={recipient}
              onChange={(e) => setRecipient(e.target.value)}
              required
            >
              <option value="">選んでください</option>
              {choices.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className="field" htmlFor="round-kind">
            <span>依頼先の種類</span>
            <select id="round-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
              {Object.entries(KIND_LABELS).map(([k, l]) => (
                <option key={k} value={k}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="field">
            <legend>共有モード</legend>
            {(["a", "b", "c"] as const).map((m) => (
              <label key={m} className="choice">
                <input
                  type="radio"
                  name="round-mode"
                  value={m}
                  checked={mode === m}
                  onChange={() => setMode(m)}
                />{" "}
                {MODE_LABELS[m]}
              </label>
            ))}
          </fieldset>
          <label className="field" htmlFor="round-due">
            <span>回答期限（空欄: 2週間後）</span>
            <input
              id="round-due"
              type="date"
              value={dueDate}
              onChange={(e) => setDueDate(e.target.value)}
            />
          </label>
          <button
            type="submit"
            className="button button-primary"
            disabled={send.isPending || !recipient}
          >
            候補リスト全体に送る
          </button>
        </>
      )}
      <ErrorText error={send.error} />
      {send.data && (
        <Done>
          {send.data.ids.length}件の依頼を送りました。<Link to="/sheets">情報収集シートの一覧</Link>
        </Done>
      )}
    </form>
  );
}
