import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { type ChartOption, EChart } from "../../components/EChart.tsx";
import { api } from "../../lib/api.ts";
import { ruleLabel } from "../../lib/rule-label.ts";
import type { ValidationView } from "../../lib/types.ts";

/**
 * 検証: the validation report of the newest run, as `mimamori stats validate`
 * computes it (the API runs the same code): the item × type 2×2 tests with
 * ●/◆ and Benjamini–Hochberg q, each rule against its label with the label
 * rate by score (calibration), the funnel over runs, fairness per group and
 * the model cards. Charts beside the tables; the printable HTML is a download.
 * For non-members of 要対協 the API has already left B01/B02 and the 虐待
 * 抽出群 out of every figure.
 */

/** As the printable report (domain/stats/validation-render.ts formatFigure). */
export function figure(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  if (x === 0) return "0";
  if (Math.abs(x) < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(4)).toLocaleString("ja-JP", { maximumFractionDigits: 6 });
}
const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
const int = (x: number | null | undefined) =>
  x === null || x === undefined ? "—" : x.toLocaleString("ja-JP");

const TEST_LABELS: Record<string, string> = {
  excluded: "抽出群を定める",
  fisher: "Fisher",
  pearson: "χ²",
};

type View = ValidationView;

function qChart(v: View, difficulty: string): ChartOption {
  const rows = v.validation
    .filter((x) => x.difficulty === difficulty && x.q !== null && !x.excluded)
    .sort((a, b) => (a.q ?? 1) - (b.q ?? 1))
    .slice(0, 15);
  const cut = -Math.log10(v.alpha);
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 40 },
    xAxis: { type: "category", data: rows.map((r) => r.itemId), axisLabel: { rotate: 45 } },
    yAxis: { type: "value", name: "−log10 q" },
    series: [
      {
        name: "−log10 q（高いほど強い関連）",
        type: "bar",
        data: rows.map((r) => Number((-Math.log10(Math.max(r.q ?? 1, 1e-300))).toFixed(3))),
      },
      {
        name: `基準 q = ${v.alpha}`,
        type: "line",
        symbol: "none",
        data: rows.map(() => Number(cut.toFixed(3))),
      },
    ],
  };
}

function calibrationChart(v: View): ChartOption {
  const rules = v.rules;
  const scores = [
    ...new Set(rules.flatMap((r) => (r.calibration ? [] : r.byScore.map((s) => s.score)))),
  ].sort((a, b) => a - b);
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 30 },
    xAxis: { type: "category", name: "点数", data: scores.map(String) },
    yAxis: { type: "value", name: "ラベルの割合", max: 1 },
    series: rules
      .filter((r) => !r.calibration)
      .map((r) => {
        const by = new Map(r.byScore.map((s) => [s.score, s.observedRate]));
        return {
          name: r.name,
          type: "line",
          connectNulls: true,
          data: scores.map((s) => (by.has(s) ? Number((by.get(s) as number).toFixed(4)) : null)),
        };
      }),
  };
}

function funnelChart(v: View): ChartOption {
  const runs = [...new Map(v.funnel.map((f) => [f.runId, f.asOf])).entries()];
  const types = [...new Map(v.funnel.map((f) => [f.difficulty, f.name])).entries()];
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 30 },
    xAxis: { type: "category", data: runs.map(([id, asOf]) => `${asOf}（${id}）`) },
    yAxis: { type: "value", minInterval: 1 },
    series: types.map(([d, name]) => ({
      name,
      type: "line",
      data: runs.map(
        ([id]) => v.funnel.find((f) => f.runId === id && f.difficulty === d)?.flagged ?? null,
      ),
    })),
  };
}

function fairnessChart(v: View): ChartOption {
  const types = [...new Map(v.fairness.map((f) => [f.difficulty, f.name])).entries()];
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 30 },
    xAxis: { type: "category", data: types.map(([, name]) => name) },
    yAxis: { type: "value", name: "判定割合の比" },
    series: v.fairnessGroups.map((g) => ({
      name: g.label,
      type: "bar",
      data: types.map(([d]) => {
        const r = v.fairness.find((f) => f.difficulty === d && f.group === g.id)?.flagRateRatio;
        return r === null || r === undefined ? null : Number(r.toFixed(3));
      }),
    })),
  };
}

export function ValidationPage() {
  const q = useQuery({
    queryKey: ["validation", "latest"],
    queryFn: () => api<ValidationView>("/validation/latest"),
    staleTime: 60_000,
  });
  const v = q.data;
  const charts = useMemo(() => {
    if (!v?.run) return null;
    return {
      q: new Map(v.groups.map((g) => [g.difficulty, qChart(v, g.difficulty)])),
      calibration: calibrationChart(v),
      funnel: funnelChart(v),
      fairness: fairnessChart(v),
    };
  }, [v]);

  if (q.isPending) return <p className="page-loading">検証報告を計算しています…</p>;
  if (q.isError)
    return (
      <section>
        <h1>検証</h1>
        <p role="alert" className="alert alert-error">
          {q.error.message}
        </p>
      </section>
    );
  if (!v?.run || !charts)
    return (
      <section>
        <h1>検証</h1>
        <p className="alert alert-info" data-testid="validation-empty">
          まだ判定を実行していません。データ取込の後に、月次実行（mimamori
          run）で名寄せと判定を行ってください。判定が終わると、ここにデータ項目と判定規則の検証報告が表示されます。
        </p>
      </section>
    );
  const names = new Map(v.items.map((i) => [i.id, i.name]));
  const groupLabel = new Map(v.fairnessGroups.map((g) => [g.id, g.label]));
  return (
    <section>
      <h1>検証</h1>
      <p className="lead">
        判定実行 {v.run.id}（基準日 {v.run.asOf}、規則 {ruleLabel(v.run.ruleVersion)}
        ）の検証報告です。対象のこども{" "}
        <span data-testid="validation-children">{int(v.children)}</span>{" "}
        人。件数と統計量のみで、個人は表示しません。
      </p>
      <p>
        <a
          className="button button-secondary"
          href={`/api/validation/${v.run.id}/report.html`}
          download={`validation-${v.run.id}.html`}
          data-testid="validation-html"
        >
          印刷用の報告（HTML）をダウンロード
        </a>
      </p>
      {v.councilHidden && (
        <p className="alert alert-info" data-testid="council-hidden">
          要対協の構成員ではないため、要対協の項目（B01・B02）と虐待の抽出群（要対協への登録）を除いて計算した報告です。q
          値もそれらを除いた検定の中で計算しています。
        </p>
      )}
      {v.registerMissing && (
        <p className="alert alert-info">
          要対協の台帳データがないため、虐待の抽出群は一時保護歴で定めました。
        </p>
      )}

      <h2>1. データ項目の検証（抽出群と対照群の比較）</h2>
      <p>
        困難類型ごとに抽出群と対照群で各データ項目の該当・非該当を数え、2×2 表で検定しました（p ≤{" "}
        {v.alpha} かつ抽出群の該当が期待値より多いとき関連あり。期待度数が 5 未満は Fisher
        の正確検定）。● 関連あり（Benjamini–Hochberg の q も基準以下）、◆
        実証と同じ基準では関連ありだが q が基準を超える、– 抽出群を定める項目または検定できない表。
      </p>
      <table className="table" data-testid="validation-groups">
        <caption>抽出群</caption>
        <thead>
          <tr>
            <th scope="col">困難類型</th>
            <th scope="col">抽出群</th>
            <th scope="col">比べたこども</th>
            <th scope="col">抽出群の人数</th>
            <th scope="col">抽出群を定める項目</th>
          </tr>
        </thead>
        <tbody>
          {v.groups.map((g) => (
            <tr key={g.difficulty}>
              <th scope="row">{g.name}</th>
              <td>{g.label}</td>
              <td>
                {g.populationLabel}（{int(g.n)} 人）
              </td>
              <td className="num" data-testid={`group-size-${g.difficulty}`}>
                {int(g.size)}
              </td>
              <td>{g.defining.join("、")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {v.groups.map((g) => (
        <div key={g.difficulty}>
          <h3>
            {g.name}（抽出群: {g.label}）
          </h3>
          <figure className="card">
            <figcaption>関連の強い項目（q の小さい順に最大 15 項目）</figcaption>
            <EChart
              option={charts.q.get(g.difficulty) as ChartOption}
              testId={`chart-q-${g.difficulty}`}
            />
          </figure>
          <div className="table-scroll">
            <table className="table" data-testid={`validation-${g.difficulty}`}>
              <caption>{g.name}: データ項目 × 抽出群の 2×2 表と検定</caption>
              <thead>
                <tr>
                  <th scope="col">項目</th>
                  <th scope="col">名称</th>
                  <th scope="col">a 該当・抽出群</th>
                  <th scope="col">b 該当・対照群</th>
                  <th scope="col">c 非該当・抽出群</th>
                  <th scope="col">d 非該当・対照群</th>
                  <th scope="col">期待値 a</th>
                  <th scope="col">検定</th>
                  <th scope="col">p</th>
                  <th scope="col">q</th>
                  <th scope="col">オッズ比（95%信頼区間）</th>
                  <th scope="col">記号</th>
                </tr>
              </thead>
              <tbody>
                {v.validation
                  .filter((x) => x.difficulty === g.difficulty)
                  .map((x) => (
                    <tr key={x.itemId} data-testid="validation-row" data-item={x.itemId}>
                      <th scope="row">{x.itemId}</th>
                      <td>{names.get(x.itemId) ?? ""}</td>
                      <td className="num" data-cell="a">
                        {int(x.a)}
                      </td>
                      <td className="num" data-cell="b">
                        {int(x.b)}
                      </td>
                      <td className="num" data-cell="c">
                        {int(x.c)}
                      </td>
                      <td className="num" data-cell="d">
                        {int(x.d)}
                      </td>
                      <td className="num">{figure(x.expectedA)}</td>
                      <td>{TEST_LABELS[x.testUsed ?? ""] ?? "検定不可"}</td>
                      <td className="num" data-cell="p">
                        {figure(x.p)}
                      </td>
                      <td className="num" data-cell="q">
                        {figure(x.q)}
                      </td>
                      <td className="num">
                        {x.oddsRatio === null
                          ? "—"
                          : `${figure(x.oddsRatio)}（${figure(x.orCiLow)}〜${figure(x.orCiHigh)}）${x.haldane ? " ※" : ""}`}
                      </td>
                      <td data-cell="marker">{x.marker}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}

      <h3>年次見直し: 2024年度実証事業の結果との比較</h3>
      <p>
        実証事業で関連が見つかった項目（● 2 団体以上、◆ 1
        団体）が、この自治体のデータでも関連があるかを並べました。「今回は関連なし」は重みや採用を見直す候補、「未検定」はこの自治体では確かめられていない項目です。
      </p>
      {v.review.length === 0 ? (
        <p>比べられる項目がありません。</p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="yearly-review">
            <caption>実証事業の結果とこの自治体の結果</caption>
            <thead>
              <tr>
                <th scope="col">困難類型</th>
                <th scope="col">項目</th>
                <th scope="col">名称</th>
                <th scope="col">実証事業</th>
                <th scope="col">この自治体</th>
                <th scope="col">見直し</th>
              </tr>
            </thead>
            <tbody>
              {v.review.map((r) => (
                <tr
                  key={`${r.difficulty}-${r.itemId}`}
                  data-testid="yearly-review-row"
                  data-status={r.status}
                >
                  <td>
                    {v.groups.find((g) => g.difficulty === r.difficulty)?.name ?? r.difficulty}
                  </td>
                  <th scope="row">{r.itemId}</th>
                  <td>{names.get(r.itemId) ?? ""}</td>
                  <td>{r.pilot ?? "（未検定）"}</td>
                  <td>{r.here === null ? "（判定なし）" : r.here === "" ? "関連なし" : r.here}</td>
                  <td>{r.statusName}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>2. 判定規則の評価と較正</h2>
      <p>
        各類型の抽出群をラベル（正解の代わり）として、ラベルを定める項目を除いた点数でどれだけ当てるかを見ました。上位
        k 人は 1 か月に確認できる件数（{v.capacity?.perMonth}
        {v.capacity?.unit === "households" ? " 世帯" : " 人"}）とその 12 か月分です。
      </p>
      <table className="table" data-testid="validation-rules">
        <caption>判定規則の評価</caption>
        <thead>
          <tr>
            <th scope="col">困難類型</th>
            <th scope="col">方式・しきい値</th>
            <th scope="col">点数から除いた項目</th>
            <th scope="col">対象</th>
            <th scope="col">ラベルあり</th>
            <th scope="col">基準以上</th>
            <th scope="col">適合率</th>
            <th scope="col">再現率</th>
            <th scope="col">偽陽性率</th>
            <th scope="col">AUC</th>
          </tr>
        </thead>
        <tbody>
          {v.rules.map((e) => (
            <tr key={e.difficulty} data-testid="rule-row" data-difficulty={e.difficulty}>
              <th scope="row">{e.name}</th>
              <td>
                {e.method} ≥ {figure(e.threshold)}
              </td>
              <td>{e.excludedItems.join("、")}</td>
              <td className="num" data-cell="n">
                {int(e.n)}
              </td>
              <td className="num" data-cell="positives">
                {int(e.positives)}
              </td>
              <td className="num" data-cell="flagged">
                {int(e.tp + e.fp)}
              </td>
              <td className="num">{pct(e.precision)}</td>
              <td className="num">{pct(e.recall)}</td>
              <td className="num">{pct(e.falsePositiveRate)}</td>
              <td className="num" data-cell="auc">
                {figure(e.auc)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="table" data-testid="validation-capacity">
        <caption>確認できる件数（上位 k 人）での適合率・再現率</caption>
        <thead>
          <tr>
            <th scope="col">困難類型</th>
            <th scope="col">上位 k 人</th>
            <th scope="col">うちラベルあり（期待値）</th>
            <th scope="col">適合率</th>
            <th scope="col">再現率</th>
          </tr>
        </thead>
        <tbody>
          {v.rules.flatMap((e) =>
            e.atCapacity.map((t) => (
              <tr key={`${e.difficulty}-${t.k}`}>
                <th scope="row">{e.name}</th>
                <td className="num">{int(t.k)}</td>
                <td className="num">{figure(t.truePositives)}</td>
                <td className="num">{pct(t.precision)}</td>
                <td className="num">{pct(t.recall)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
      <figure className="card">
        <figcaption>較正: 点数ごとのラベルの割合（点数方式の類型）</figcaption>
        <EChart option={charts.calibration} testId="chart-calibration" />
      </figure>
      {v.rules.map((e) => (
        <details key={e.difficulty}>
          <summary>{e.name}: 点数ごとのラベルの割合（較正表）</summary>
          {e.calibration ? (
            <table className="table">
              <caption>{e.name}: 予測確率の区分ごとの実際の割合</caption>
              <thead>
                <tr>
                  <th scope="col">区分</th>
                  <th scope="col">人数</th>
                  <th scope="col">予測確率の平均</th>
                  <th scope="col">ラベルあり</th>
                  <th scope="col">実際の割合</th>
                </tr>
              </thead>
              <tbody>
                {e.calibration.map((b) => (
                  <tr key={b.bin}>
                    <th scope="row">{b.bin + 1}</th>
                    <td className="num">{int(b.n)}</td>
                    <td className="num">{pct(b.meanPredicted)}</td>
                    <td className="num">{int(b.positives)}</td>
                    <td className="num">{pct(b.observedRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <table className="table">
              <caption>{e.name}: 点数ごとの人数とラベルの割合</caption>
              <thead>
                <tr>
                  <th scope="col">点数</th>
                  <th scope="col">人数</th>
                  <th scope="col">ラベルあり</th>
                  <th scope="col">実際の割合</th>
                </tr>
              </thead>
              <tbody>
                {e.byScore.map((s) => (
                  <tr key={s.score}>
                    <th scope="row">{figure(s.score)}</th>
                    <td className="num">{int(s.n)}</td>
                    <td className="num">{int(s.positives)}</td>
                    <td className="num">{pct(s.observedRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </details>
      ))}

      <h2>3. 判定から支援までの流れ（実行ごと）</h2>
      <p>
        「リスト掲載」は基準以上で除外のないこども（判定一覧に載る人数）で、候補リストに載せた人数ではありません。会議への選定と支援開始は候補リスト・会議・ケースの記録から数え、候補リストを作っていない実行は「未記録」と表示します（0
        ではありません）。
      </p>
      <figure className="card">
        <figcaption>基準以上の人数の推移</figcaption>
        <EChart option={charts.funnel} testId="chart-funnel" />
      </figure>
      <div className="table-scroll">
        <table className="table" data-testid="validation-funnel">
          <caption>実行ごと・類型ごとの流れ</caption>
          <thead>
            <tr>
              <th scope="col">実行番号</th>
              <th scope="col">基準日</th>
              <th scope="col">困難類型</th>
              <th scope="col">対象</th>
              <th scope="col">基準以上</th>
              <th scope="col">割合</th>
              <th scope="col">リスト掲載</th>
              <th scope="col">選定</th>
              <th scope="col">支援開始</th>
            </tr>
          </thead>
          <tbody>
            {v.funnel.map((f) => (
              <tr
                key={`${f.runId}-${f.difficulty}`}
                data-testid="funnel-row"
                data-run={f.runId}
                data-difficulty={f.difficulty}
              >
                <th scope="row">{f.runId}</th>
                <td>{f.asOf}</td>
                <td>{f.name}</td>
                <td className="num" data-cell="applicable">
                  {int(f.applicable)}
                </td>
                <td className="num" data-cell="flagged">
                  {int(f.flagged)}
                </td>
                <td className="num">{pct(f.flagRate)}</td>
                <td className="num" data-cell="listed">
                  {int(f.listed)}
                </td>
                <td className="muted">{f.selected === null ? "未記録" : int(f.selected)}</td>
                <td className="muted">
                  {f.supportStarted === null ? "未記録" : int(f.supportStarted)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>3b. 会議の判断をラベルにした確認</h2>
      <p>
        この実行の点数の高い順に確認できる件数（月 {v.capacity?.perMonth ?? "—"}{" "}
        件・年の件数）だけ並べたとき、会議で判断されたこどものうち「要支援」だった割合（適合率）です。要支援を陽性、経過観察・支援不要を陰性とし、調査継続と会議にかかっていないこどもは数えません。「上位の判断あり」がその割合の根拠の人数です。
      </p>
      <div className="table-scroll">
        <table className="table" data-testid="validation-decisions">
          <caption>会議の判断に対する上位 k 件の適合率</caption>
          <thead>
            <tr>
              <th scope="col">困難類型</th>
              <th scope="col">判断あり</th>
              <th scope="col">うち要支援</th>
              <th scope="col">上位件数</th>
              <th scope="col">上位の判断あり</th>
              <th scope="col">上位の要支援</th>
              <th scope="col">適合率</th>
            </tr>
          </thead>
          <tbody>
            {v.decisionLabels.flatMap((d) =>
              d.atCapacity.map((c) => (
                <tr
                  key={`${d.difficulty}-${c.k}`}
                  data-testid="decision-row"
                  data-difficulty={d.difficulty}
                  data-k={c.k}
                >
                  <th scope="row">{d.name}</th>
                  <td className="num">{int(d.decided)}</td>
                  <td className="num">{int(d.positives)}</td>
                  <td className="num">{int(c.k)}</td>
                  <td className="num" data-cell="labelled">
                    {int(c.labelled)}
                  </td>
                  <td className="num" data-cell="positives">
                    {int(c.positives)}
                  </td>
                  <td className="num">{pct(c.precision)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      {v.laterCouncil && (
        <div className="table-scroll">
          <table className="table" data-testid="validation-later-council">
            <caption>
              のちの要対協への登録（要対協の構成員だけに表示。この実行のあとの判定実行{" "}
              {v.laterCouncil.laterRuns} 回とケースの登録から）
            </caption>
            <thead>
              <tr>
                <th scope="col">困難類型</th>
                <th scope="col">基準以上</th>
                <th scope="col">のちに登録</th>
                <th scope="col">割合</th>
                <th scope="col">基準未満</th>
                <th scope="col">のちに登録</th>
                <th scope="col">割合</th>
              </tr>
            </thead>
            <tbody>
              {v.laterCouncil.rows.map((x) => (
                <tr key={x.difficulty}>
                  <th scope="row">{x.name}</th>
                  <td className="num">{int(x.flagged)}</td>
                  <td className="num">{int(x.flaggedLater)}</td>
                  <td className="num">{pct(x.flaggedRate)}</td>
                  <td className="num">{int(x.unflagged)}</td>
                  <td className="num">{int(x.unflaggedLater)}</td>
                  <td className="num">{pct(x.unflaggedRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>4. 公平性（属性ごとの判定の割合）</h2>
      <p>
        属性のあるこどもが基準以上と判定された割合を、属性のないこどもと比べました（比 = 属性あり ÷
        属性なし）。ラベルのある類型では偽陽性率も比べています。比が高いことがすぐに不公平を意味するわけではありませんが、確認の際に知っておく必要があります。
      </p>
      <figure className="card">
        <figcaption>判定割合の比（属性あり ÷ 属性なし）</figcaption>
        <EChart option={charts.fairness} testId="chart-fairness" />
      </figure>
      <div className="table-scroll">
        <table className="table" data-testid="validation-fairness">
          <caption>属性ごとの判定割合と偽陽性率</caption>
          <thead>
            <tr>
              <th scope="col">困難類型</th>
              <th scope="col">属性</th>
              <th scope="col">属性あり: 判定割合</th>
              <th scope="col">属性なし: 判定割合</th>
              <th scope="col">比</th>
              <th scope="col">属性あり: 偽陽性率</th>
              <th scope="col">属性なし: 偽陽性率</th>
              <th scope="col">比</th>
            </tr>
          </thead>
          <tbody>
            {v.fairness.map((f) => (
              <tr
                key={`${f.difficulty}-${f.group}`}
                data-testid="fairness-row"
                data-difficulty={f.difficulty}
                data-group={f.group}
              >
                <th scope="row">{f.name}</th>
                <td>{groupLabel.get(f.group) ?? f.group}</td>
                <td className="num" data-cell="in">
                  {pct(f.inGroup.rate)}（{int(f.inGroup.count)}/{int(f.inGroup.n)}）
                </td>
                <td className="num" data-cell="rest">
                  {pct(f.rest.rate)}（{int(f.rest.count)}/{int(f.rest.n)}）
                </td>
                <td className="num" data-cell="ratio">
                  {figure(f.flagRateRatio)}
                </td>
                <td className="num">
                  {f.fpInGroup === null ? "ラベルなし" : pct(f.fpInGroup.rate)}
                </td>
                <td className="num">{f.fpRest === null ? "ラベルなし" : pct(f.fpRest.rate)}</td>
                <td className="num">{figure(f.fprRatio)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>5. モデルカード</h2>
      {v.modelCards.length === 0 ? (
        <p data-testid="model-cards-empty">
          この実行の規則には学習したモデル（方式
          model）を使う類型がありません。すべて点数方式で判定しています。モデルを使うには「判定ルール」でモデルを学習させてください。
        </p>
      ) : (
        v.modelCards.map((m) => (
          <div className="card" key={m.difficulty} data-testid="model-card">
            <h3>
              {m.name}（{m.kind === "logistic" ? "ロジスティック回帰" : "決定木"}）
            </h3>
            <dl className="kv">
              <dt>ラベル</dt>
              <dd>{m.label}</dd>
              <dt>学習した基準日</dt>
              <dd>{m.trainedAsOf}</dd>
              <dt>学習に使ったこども（うちラベルあり）</dt>
              <dd>
                {int(m.samples)}（{int(m.positives)}）
              </dd>
              <dt>交差検証の AUC</dt>
              <dd>{figure(m.auc)}</dd>
              <dt>確認できる件数（{m.capacity}）での適合率・再現率</dt>
              <dd>
                {pct(m.precisionAtCapacity)}・{pct(m.recallAtCapacity)}
              </dd>
              <dt>使った項目</dt>
              <dd>{m.features.join("、")}</dd>
            </dl>
            {m.notes.length > 0 && (
              <ul>
                {m.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            )}
          </div>
        ))
      )}
    </section>
  );
}
