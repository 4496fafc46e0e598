import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { ReviewProgress, ReviewQueuePage } from "../../lib/types.ts";

type Item = ReviewQueuePage["items"][number];
type Side = Item["left"];

/** Columns shown for each side, in this order, when the sample row has them. */
const FIELDS = [
  "氏名",
  "氏名カナ",
  "生年月日",
  "性別",
  "住所",
  "学校名",
  "学年",
  "宛名番号",
  "世帯番号",
];

const PAGE_SIZE = 50;

/** Probability bands of the filter: [label, min, max]. */
const BANDS: readonly [string, string, number | null, number | null][] = [
  ["all", "すべて", null, null],
  ["high", "90% 以上", 0.9, 1],
  ["mid", "70〜90%", 0.7, 0.9],
  ["low", "50〜70%", 0.5, 0.7],
  ["below", "50% 未満", 0, 0.5],
];

const SOURCES: readonly [string, string][] = [
  ["", "すべて"],
  ["jumin", "住民基本台帳"],
  ["gakureibo", "学齢簿"],
  ["shukketsu", "出欠"],
  ["gakko_kenshin", "学校健診"],
  ["kokoro_check", "心の健康チェック"],
  ["nyuyoji_kenshin", "乳幼児健診"],
  ["ninpu_kenshin", "妊婦健診"],
  ["sanpu_kenshin", "産婦健診"],
  ["sodan_kiroku", "相談記録"],
  ["hoiku_zaiseki", "保育所・幼稚園在籍"],
  ["yotaikyo", "要対協"],
  ["ichiji_hogo", "一時保護"],
];

const SOURCE_LABEL = new Map(SOURCES.filter(([id]) => id !== ""));

interface Filter {
  status: "pending" | "decided" | "all";
  source: string;
  school: string;
  band: string;
}

const INITIAL: Filter = { status: "pending", source: "", school: "", band: "all" };

function queuePath(f: Filter, after: string | null): string {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE), status: f.status });
  if (f.source) q.set("source", f.source);
  if (f.school.trim()) q.set("school", f.school.trim());
  const band = BANDS.find((b) => b[0] === f.band);
  if (band?.[2] != null) q.set("minProbability", String(band[2]));
  if (band?.[3] != null) q.set("maxProbability", String(band[3]));
  if (after) q.set("after", after);
  return `/linkage/queue?${q.toString()}`;
}

/**
 * 名寄せの確認: one item per pair of persons the linkage could not decide on
 * its own, those that settle the most rows first. A person answers 同一人物 or
 * 別人; the answer is kept and every later run follows it, until it is undone
 * (the undo is recorded too). Filters and paging run on the server.
 */
export function ReviewPage() {
  const client = useQueryClient();
  const [filter, setFilter] = useState<Filter>(INITIAL);
  const [draft, setDraft] = useState<Filter>(INITIAL);
  const [message, setMessage] = useState<string | null>(null);

  const progress = useQuery({
    queryKey: ["linkage-progress"],
    queryFn: () => api<ReviewProgress>("/linkage/progress"),
  });
  const queue = useInfiniteQuery({
    queryKey: ["linkage-queue", filter],
    queryFn: ({ pageParam }) => api<ReviewQueuePage>(queuePath(filter, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    retry: false,
  });
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ["linkage-queue"] }),
      client.invalidateQueries({ queryKey: ["linkage-progress"] }),
    ]);
  const decide = useMutation({
    mutationFn: ({ item, same }: { item: Item; same: boolean }) =>
      api("/linkage/decisions", {
        method: "POST",
        body: { leftKey: item.left.key, rightKey: item.right.key, same },
      }),
    onSuccess: async (_r, { same }) => {
      setMessage(
        `判断済み: ${same ? "同一人物" : "別人"} を記録しました。次回の名寄せから反映されます。`,
      );
      await refresh();
    },
  });
  const undo = useMutation({
    mutationFn: (id: number) => api(`/linkage/decisions/${id}/undo`, { method: "POST" }),
    onSuccess: async () => {
      setMessage("判断を取り消しました（取り消しも記録されます）。次回の名寄せから反映されます。");
      await refresh();
    },
  });

  function apply(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    setFilter(draft);
  }

  const run = queue.data?.pages[0]?.run ?? null;
  const latest = progress.data?.runs[0];
  const items = queue.data?.pages.flatMap((p) => p.items) ?? [];
  const failure = decide.error ?? undo.error ?? queue.error ?? progress.error;

  return (
    <section>
      <h1>名寄せの確認</h1>
      <p className="lead">
        同じ人かどうかをシステムが判断しきれなかった人の組です。記録を見比べて「同一人物」か「別人」を選んでください。判断は保存され、取り消すまで次回以降の名寄せで必ず使われます。1
        つの判断で決まる行の多い組から並んでいます。
      </p>
      {failure && (
        <p role="alert" className="alert alert-error">
          {failure instanceof ApiFailure ? failure.message : "読み込めませんでした。"}
        </p>
      )}
      {message && (
        <p role="status" className="alert alert-success">
          {message}
        </p>
      )}
      {queue.isSuccess && !run && (
        <p>
          まだ名寄せが実行されていません。データを取り込んだ後、「月次実行」から実行してください。
        </p>
      )}
      {run && latest && (
        <p role="status">
          名寄せ（実行番号 {run.id}、基準日 {run.asOf}）の確認対象: {latest.items} 組（判断済み{" "}
          {latest.decided} 組、未判断 {latest.pending} 組）
        </p>
      )}
      {progress.data && progress.data.runs.length > 1 && (
        <details>
          <summary>月ごとの進み具合</summary>
          <table className="table">
            <caption className="visually-hidden">名寄せの実行ごとの確認の進み具合</caption>
            <thead>
              <tr>
                <th scope="col">実行番号</th>
                <th scope="col">基準日</th>
                <th scope="col">確認対象</th>
                <th scope="col">同一人物</th>
                <th scope="col">別人</th>
                <th scope="col">未判断</th>
              </tr>
            </thead>
            <tbody>
              {progress.data.runs.map((r) => (
                <tr key={r.runId}>
                  <td>{r.runId}</td>
                  <td>{r.asOf}</td>
                  <td>{r.items}</td>
                  <td>{r.same}</td>
                  <td>{r.different}</td>
                  <td>{r.pending}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      <form className="card filter-form" onSubmit={apply} aria-label="確認対象の絞り込み">
        <div className="filter-grid">
          <label className="field">
            <span>状態</span>
            <select
              value={draft.status}
              onChange={(e) => setDraft({ ...draft, status: e.target.value as Filter["status"] })}
            >
              <option value="pending">未判断</option>
              <option value="decided">判断済み</option>
              <option value="all">すべて</option>
            </select>
          </label>
          <label className="field">
            <span>データ</span>
            <select
              value={draft.source}
              onChange={(e) => setDraft({ ...draft, source: e.target.value })}
            >
              {SOURCES.map(([id, label]) => (
                <option key={id} value={id}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>学校名</span>
            <input
              value={draft.school}
              maxLength={100}
              onChange={(e) => setDraft({ ...draft, school: e.target.value })}
            />
          </label>
          <label className="field">
            <span>同一人物である確率</span>
            <select
              value={draft.band}
              onChange={(e) => setDraft({ ...draft, band: e.target.value })}
            >
              {BANDS.map(([id, label]) => (
                <option key={id} value={id}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <button type="submit" className="button button-primary">
          絞り込む
        </button>
      </form>
      {queue.isSuccess && run && items.length === 0 && (
        <p>
          {filter.status === "pending"
            ? "この条件で未判断の組はありません。"
            : "この条件に当てはまる組はありません。"}
        </p>
      )}
      {items.map((item) => (
        <ReviewItem
          key={`${item.left.key}-${item.right.key}`}
          item={item}
          busy={decide.isPending || undo.isPending}
          onDecide={(same) => {
            setMessage(null);
            decide.mutate({ item, same });
          }}
          onUndo={(id) => {
            setMessage(null);
            undo.mutate(id);
          }}
        />
      ))}
      {queue.hasNextPage && (
        <button
          type="button"
          className="button button-secondary"
          disabled={queue.isFetchingNextPage}
          onClick={() => void queue.fetchNextPage()}
        >
          {queue.isFetchingNextPage ? "読み込んでいます…" : `次の ${PAGE_SIZE} 組を表示`}
        </button>
      )}
    </section>
  );
}

function ReviewItem({
  item,
  busy,
  onDecide,
  onUndo,
}: {
  item: Item;
  busy: boolean;
  onDecide: (same: boolean) => void;
  onUndo: (decisionId: number) => void;
}) {
  return (
    <article className="card review-pair" data-testid="review-pair">
      <div className="review-sides">
        <SideView title="記録 A" side={item.left} />
        <SideView title="記録 B" side={item.right} />
      </div>
      <p>
        同一人物である確率（推定）: <strong>{(item.probability * 100).toFixed(1)}%</strong>
        （照合の重み {item.weight.toFixed(1)}）。この判断で {item.rowsResolved} 行が決まります
        {item.schools.length > 0 ? `（${item.schools.join("、")}）` : ""}。
      </p>
      <details>
        <summary>判断の根拠（項目ごとの重み）</summary>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">項目</th>
              <th scope="col">一致の程度</th>
              <th scope="col">重み</th>
              <th scope="col">累計</th>
            </tr>
          </thead>
          <tbody>
            {item.explanation.steps.map((s) => (
              <tr key={s.comparison}>
                <td>{s.label}</td>
                <td>{s.levelLabel}</td>
                <td>{(s.weight + s.tfAdjustment).toFixed(2)}</td>
                <td>{s.cumulative.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {item.decision ? (
        <div className="actions">
          <p className="alert alert-success">
            判断済み: {item.decision.same ? "同一人物" : "別人"}（{item.decision.decidedBy}、
            {new Date(item.decision.decidedAt).toLocaleString("ja-JP")}）
          </p>
          <button
            type="button"
            className="button button-secondary"
            disabled={busy}
            onClick={() => onUndo(item.decision?.id ?? 0)}
          >
            判断を取り消す
          </button>
        </div>
      ) : (
        <div className="actions">
          <button
            type="button"
            className="button button-primary"
            disabled={busy}
            onClick={() => onDecide(true)}
          >
            同一人物
          </button>
          <button
            type="button"
            className="button button-secondary"
            disabled={busy}
            onClick={() => onDecide(false)}
          >
            別人
          </button>
        </div>
      )}
    </article>
  );
}

function SideView({ title, side }: { title: string; side: Side }) {
  const data = side.data ?? {};
  return (
    <div className="review-side">
      <h2>{title}</h2>
      <p className="muted">
        {SOURCE_LABEL.get(side.sourceId ?? "") ?? side.sourceId ?? "—"}（{side.fileName ?? "—"}{" "}
        {side.rowNo ?? "—"} 行目ほか計 {side.rows} 行）
      </p>
      <dl className="kv">
        {FIELDS.filter((f) => data[f] !== undefined && data[f] !== null).map((f) => (
          <div key={f}>
            <dt>{f}</dt>
            <dd>{display(f, data[f])}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

const SEX: Record<string, string> = { male: "男", female: "女", unknown: "不明" };

function display(field: string, value: unknown): string {
  if (field === "性別") return SEX[String(value)] ?? String(value);
  return String(value);
}
