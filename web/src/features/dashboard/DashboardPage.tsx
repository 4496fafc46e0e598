import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useMemo } from "react";
import { useCan } from "../../app/session.tsx";
import { type ChartOption, EChart } from "../../components/EChart.tsx";
import { api } from "../../lib/api.ts";
import { ruleLabel } from "../../lib/rule-label.ts";
import type { DashboardView } from "../../lib/types.ts";

/**
 * ダッシュボード: the newest run in counts only — children flagged per type
 * against threshold and monthly review capacity, the trend over earlier runs,
 * the review funnel (stages the workflow has not recorded are 未記録), data
 * freshness per source and the linkage summary. Numbers come from the API
 * (SQL counts); for non-members of 要対協 they are recomputed without B01/B02.
 */
export function DashboardPage() {
  const canList = useCan("children.list");
  const q = useQuery({
    queryKey: ["dashboard", "latest"],
    queryFn: () => api<DashboardView>("/runs/latest/dashboard"),
  });
  const d = q.data;
  const trendOption = useMemo<ChartOption | null>(() => {
    if (!d?.run) return null;
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      xAxis: { type: "category", data: d.trend.map((r) => r.asOf) },
      yAxis: { type: "value", minInterval: 1 },
      series: d.types.map((t) => ({
        name: t.name,
        type: "line",
        data: d.trend.map((r) => r.flagged[t.id] ?? null),
      })),
    };
  }, [d]);
  const barOption = useMemo<ChartOption | null>(() => {
    if (!d?.run) return null;
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      xAxis: { type: "category", data: d.types.map((t) => t.name) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "基準以上", type: "bar", data: d.types.map((t) => t.flagged) },
        { name: "確認リスト", type: "bar", data: d.types.map((t) => t.listed) },
      ],
    };
  }, [d]);

  if (q.isPending) return <p className="page-loading">読み込み中…</p>;
  if (q.isError)
    return (
      <section>
        <h1>ダッシュボード</h1>
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      </section>
    );
  if (!d?.run)
    return (
      <section>
        <h1>ダッシュボード</h1>
        <p className="alert alert-info" data-testid="dashboard-empty">
          まだ判定を実行していません。データ取込の後に、月次実行（mimamori
          run）で名寄せと判定を行ってください。実行が終わるとここに類型ごとの人数が表示されます。
        </p>
      </section>
    );
  const stale = d.freshness.sources.filter((s) => s.stale);
  return (
    <section>
      <h1>ダッシュボード</h1>
      <p className="lead">
        判定実行 {d.run.id}（基準日 {d.run.asOf}、規則 {ruleLabel(d.run.ruleVersion)}
        ）の集計です。人数のみを表示しています。
      </p>
      {stale.length > 0 && (
        <div role="alert" className="alert alert-error" data-testid="freshness-warning">
          <p>
            {stale.length} 件のデータが {d.freshness.limitMonths} か月より古くなっています（
            {stale.map((s) => s.sourceName).join("、")}
            ）。保有部署に最新のデータの提供を依頼し、取り込んでください。
          </p>
        </div>
      )}

      <h2>類型ごとの人数</h2>
      <table className="table" data-testid="type-counts">
        <caption>困難の類型ごとの判定（基準値と1か月に確認できる件数を並べて表示）</caption>
        <thead>
          <tr>
            <th scope="col">類型</th>
            <th scope="col">判定したこども</th>
            <th scope="col">基準以上</th>
            <th scope="col">確認リスト</th>
            <th scope="col">基準値</th>
            <th scope="col">確認できる件数（月）</th>
            {canList && <th scope="col">一覧</th>}
          </tr>
        </thead>
        <tbody>
          {d.types.map((t) => (
            <tr key={t.id} data-type={t.id}>
              <th scope="row">{t.name}</th>
              <td className="num">{t.children}</td>
              <td className="num" data-testid={`flagged-${t.id}`}>
                {t.flagged}
              </td>
              <td className="num" data-testid={`listed-${t.id}`}>
                {t.listed}
              </td>
              <td className="num">
                {t.method === "model" ? `${(t.threshold * 100).toFixed(0)}%` : t.threshold}
              </td>
              <td className="num">
                {d.capacity
                  ? `${d.capacity.perMonth} ${d.capacity.unit === "households" ? "世帯" : "人"}`
                  : "—"}
              </td>
              {canList && (
                <td>
                  <Link to="/results" search={{ type: t.id, flagged: "yes" }}>
                    {t.name}の一覧
                  </Link>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="chart-grid">
        <figure className="card">
          <figcaption>基準以上・確認リストの人数（今回）</figcaption>
          {barOption && <EChart option={barOption} testId="chart-types" />}
        </figure>
        <figure className="card">
          <figcaption>基準以上の人数の推移（過去の実行）</figcaption>
          {trendOption && <EChart option={trendOption} testId="chart-trend" />}
        </figure>
      </div>

      <h2>確認の流れ</h2>
      <table className="table" data-testid="funnel">
        <caption>
          基準以上 → 確認リスト → 会議 → 判断 → 支援（まだ記録していない段階は「未記録」）
        </caption>
        <thead>
          <tr>
            <th scope="col">類型</th>
            {d.funnel[0]?.stages.map((s) => (
              <th scope="col" key={s.stage}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {d.funnel.map((f) => (
            <tr key={f.type}>
              <th scope="row">{d.types.find((t) => t.id === f.type)?.name ?? f.type}</th>
              {f.stages.map((s) => (
                <td key={s.stage} className={s.count === null ? "muted" : "num"}>
                  {s.count === null ? "未記録" : s.count}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>

      <h2>データの鮮度</h2>
      <table className="table" data-testid="freshness">
        <caption>
          この実行が使ったデータ（{d.freshness.limitMonths} か月より古い抽出日は要更新）
        </caption>
        <thead>
          <tr>
            <th scope="col">データ</th>
            <th scope="col">ファイル</th>
            <th scope="col">抽出日</th>
            <th scope="col">取り込んだ行</th>
            <th scope="col">取り込めなかった行</th>
            <th scope="col">状態</th>
          </tr>
        </thead>
        <tbody>
          {d.freshness.sources.map((s) => (
            <tr key={`${s.sourceId}-${s.fileName}`}>
              <th scope="row">{s.sourceName}</th>
              <td>{s.fileName}</td>
              <td>{s.asOf ?? "不明"}</td>
              <td className="num">{s.rowsStored}</td>
              <td className="num">{s.rowsRejected}</td>
              <td>{s.stale ? <strong className="warn">要更新</strong> : "最新"}</td>
            </tr>
          ))}
        </tbody>
      </table>

      {d.linkage && (
        <>
          <h2>名寄せの要約</h2>
          <table className="table" data-testid="linkage">
            <caption>行がこどもに結び付いた方法</caption>
            <thead>
              <tr>
                <th scope="col">方法</th>
                <th scope="col">行数</th>
              </tr>
            </thead>
            <tbody>
              {d.linkage.methods.map((m) => (
                <tr key={m.method}>
                  <th scope="row">{m.label}</th>
                  <td className="num">{m.rows}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p data-testid="open-pairs">
            確認待ちの組: <strong>{d.linkage.openPairs}</strong> 組
          </p>
        </>
      )}
    </section>
  );
}
