import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useCan } from "../../app/session.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import type { RunJobListView, RunJobView } from "../../lib/types.ts";

const RUNS_KEY = ["run-jobs"] as const;

/** Japanese names of the counts a stage reports. */
const COUNT_NAMES: Record<string, string> = {
  snapshots: "ファイル",
  rows: "行",
  rejected: "エラー行",
  persons: "人",
  unmatched: "住民基本台帳にない人",
  review: "確認待ちの組",
  links: "行のつながり",
  motherChild: "母子のつながり",
  children: "対象のこども",
  items: "該当したデータ項目",
  flagged: "基準以上（のべ）",
  results: "点数",
  linkRun: "名寄せ実行番号",
  scoreRun: "判定実行番号",
  seconds: "秒",
};

const STATE_LABELS: Record<RunJobView["state"], string> = {
  running: "実行中",
  succeeded: "完了",
  failed: "失敗",
};

function formatTime(iso: string): string {
  return new Date(iso).toLocaleString("ja-JP", { timeZone: "Asia/Tokyo" });
}

function formatCounts(counts: Record<string, number>): string {
  // Stored as jsonb, whose key order is not the order written: show a fixed one.
  const order = Object.keys(COUNT_NAMES);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.entries(counts)
    .filter(([k]) => k !== "seconds")
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => `${COUNT_NAMES[k] ?? k} ${v.toLocaleString("ja-JP")}`)
    .join("、");
}

/**
 * 月次実行: after imports and 名寄せの確認, start the monthly run (名寄せ, data
 * items, scores) and follow it stage by stage; one run at a time per
 * municipality (the same engine and lock as `mimamori run`).
 */
export function RunsPage() {
  const canStart = useCan("runs.start");
  const queryClient = useQueryClient();
  const [asOf, setAsOf] = useState("");
  const runs = useQuery({
    queryKey: RUNS_KEY,
    queryFn: () => api<RunJobListView>("/run-jobs?limit=20"),
    // Poll while a run is in progress.
    refetchInterval: (q) => (q.state.data?.running ? 1000 : false),
  });
  const start = useMutation({
    mutationFn: () =>
      api<RunJobView>("/run-jobs", { method: "POST", body: asOf === "" ? {} : { asOf } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: RUNS_KEY }),
  });
  const running = runs.data?.running ?? null;
  const latest = runs.data?.jobs[0] ?? null;
  const shown = running ?? latest;
  // A run that has just been published changes every result page: drop what the app
  // cached of the old results (the dashboard would otherwise show them until stale).
  const published = latest?.state === "succeeded" ? latest.id : null;
  const seen = useRef<number | null>(null);
  useEffect(() => {
    if (published === null || seen.current === published) return;
    // Removed, not just invalidated: a page opened next must not show the old numbers first.
    queryClient.removeQueries({
      predicate: (q) => q.queryKey[0] !== "session" && q.queryKey[0] !== RUNS_KEY[0],
    });
    seen.current = published;
  }, [published, queryClient]);

  return (
    <section>
      <h1>月次実行</h1>
      <p className="lead">
        各課のデータの取込と名寄せの確認が終わったら、月次実行で名寄せ・データ項目の判定・困難の種類ごとの点数の計算を行います。実行中も前回の結果がそのまま使われ、最後まで終わったときにだけ新しい結果に切り替わります。同時に実行できるのは
        1 つだけです。
      </p>
      {canStart && (
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            start.mutate();
          }}
        >
          <label htmlFor="run-as-of">基準日（省略すると取り込みデータの最新の抽出日）</label>
          <input
            id="run-as-of"
            type="date"
            value={asOf}
            onChange={(e) => setAsOf(e.target.value)}
          />
          <div className="actions">
            <button
              type="submit"
              className="button button-primary"
              disabled={start.isPending || running !== null}
            >
              月次実行を開始
            </button>
          </div>
          {running && (
            <p role="status">
              {running.actor} さんが {formatTime(running.startedAt)}{" "}
              に開始した実行が進行中です。終わると次の実行を開始できます。
            </p>
          )}
        </form>
      )}
      {start.error && (
        <p role="alert" className="alert alert-error">
          {start.error instanceof ApiFailure ? start.error.message : "開始できませんでした。"}
        </p>
      )}
      {runs.error && (
        <p role="alert" className="alert alert-error">
          {runs.error instanceof ApiFailure ? runs.error.message : "読み込めませんでした。"}
        </p>
      )}
      {runs.data && runs.data.jobs.length === 0 && (
        <p>
          まだ月次実行の記録がありません。データを取り込んでから
          {canStart ? "「月次実行を開始」を押してください。" : "担当者に実行を依頼してください。"}
        </p>
      )}
      {shown && <RunProgress job={shown} />}
      {runs.data && runs.data.jobs.length > 0 && (
        <>
          <h2>これまでの実行</h2>
          <table className="table" data-testid="run-list">
            <thead>
              <tr>
                <th scope="col">実行番号</th>
                <th scope="col">状態</th>
                <th scope="col">基準日</th>
                <th scope="col">開始</th>
                <th scope="col">終了</th>
                <th scope="col">実行した人</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.jobs.map((j) => (
                <tr key={j.id}>
                  <td>{j.id}</td>
                  <td>{STATE_LABELS[j.state]}</td>
                  <td>{j.asOf ?? "—"}</td>
                  <td>{formatTime(j.startedAt)}</td>
                  <td>{j.finishedAt ? formatTime(j.finishedAt) : "—"}</td>
                  <td>
                    {j.actor}（{j.origin === "web" ? "画面" : "コマンド"}）
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** One run's stages: done with counts, the running one, what is left. */
function RunProgress({ job }: { job: RunJobView }) {
  return (
    <article className="card" data-testid="run-progress" aria-live="polite">
      <h2>
        実行 {job.id}: {STATE_LABELS[job.state]}
        {job.asOf ? `（基準日 ${job.asOf}）` : ""}
      </h2>
      <ol className="run-stages">
        {job.stages.map((s) => (
          <li key={s.id} data-state={s.state}>
            <strong>{s.name}</strong>
            {" — "}
            {s.state === "done" && s.counts
              ? `${formatCounts(s.counts)}${s.counts.seconds !== undefined ? `（${s.counts.seconds} 秒）` : ""}`
              : s.state === "running"
                ? "実行中…"
                : s.state === "failed"
                  ? "ここで止まりました"
                  : "待機中"}
          </li>
        ))}
      </ol>
      {job.state === "succeeded" && (
        <p className="alert alert-success" role="status">
          完了しました（{job.finishedAt ? formatTime(job.finishedAt) : ""}
          ）。新しい結果（名寄せ実行番号 {job.linkRunId}、判定実行番号 {job.scoreRunId}
          ）が使われています。
        </p>
      )}
      {job.state === "failed" && (
        <p className="alert alert-error" role="alert">
          失敗しました: {job.error}
          前回までの結果はそのまま使われています。
        </p>
      )}
    </article>
  );
}
