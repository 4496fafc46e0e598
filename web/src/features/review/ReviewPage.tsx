import { useCallback, useEffect, useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import type { ReviewPageData } from "../../lib/types.ts";

type Pair = ReviewPageData["pairs"][number];
type Side = Pair["left"];

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

/**
 * 名寄せの確認: pairs the linkage could not decide on its own. A person answers
 * 同一人物 or 別人; the answer is kept and every later run follows it.
 */
export function ReviewPage() {
  const [data, setData] = useState<ReviewPageData | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api<ReviewPageData>("/linkage/reviews?limit=100")
      .then(setData)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEffect(load, [load]);

  async function decide(p: Pair, same: boolean) {
    try {
      await api("/linkage/decisions", {
        method: "POST",
        body: { leftKey: p.left.key, rightKey: p.right.key, same },
      });
      setError(null);
      load();
    } catch (e) {
      setError(e instanceof ApiFailure ? e.message : "保存できませんでした。");
    }
  }

  return (
    <section>
      <h1>名寄せの確認</h1>
      <p className="lead">
        同じ人かどうかをシステムが判断しきれなかった記録の組です。記録を見比べて「同一人物」か「別人」を選んでください。判断は保存され、次回以降の名寄せで必ず使われます。
      </p>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
      {data && !data.run && <p>まだ名寄せが実行されていません（mimamori run）。</p>}
      {data?.run && (
        <p role="status">
          名寄せ（実行番号 {data.run.id}、基準日 {data.run.asOf}）の確認対象: {data.pairs.length} 組
          {data.pairs.length === 100 ? "（先頭 100 組を表示）" : ""}
        </p>
      )}
      {data?.pairs.map((p) => (
        <article
          key={`${p.left.key}-${p.right.key}`}
          className="card review-pair"
          data-testid="review-pair"
        >
          <div className="review-sides">
            <SideView title="記録 A" side={p.left} />
            <SideView title="記録 B" side={p.right} />
          </div>
          <p>
            同一人物である確率（推定）: <strong>{(p.probability * 100).toFixed(1)}%</strong>
            （照合の重み {p.weight.toFixed(1)}）
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
                {p.explanation.steps.map((s) => (
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
          {p.decision ? (
            <p className="alert alert-success">
              判断済み: {p.decision.same ? "同一人物" : "別人"}（{p.decision.decidedBy}、
              {new Date(p.decision.decidedAt).toLocaleString("ja-JP")}
              ）。次回の名寄せから反映されます。
            </p>
          ) : null}
          <div className="actions">
            <button type="button" className="button button-primary" onClick={() => decide(p, true)}>
              同一人物
            </button>
            <button
              type="button"
              className="button button-secondary"
              onClick={() => decide(p, false)}
            >
              別人
            </button>
          </div>
        </article>
      ))}
    </section>
  );
}

function SideView({ title, side }: { title: string; side: Side }) {
  const data = side.data ?? {};
  return (
    <div className="review-side">
      <h2>{title}</h2>
      <p className="muted">
        {side.sourceId ?? "—"}（{side.fileName ?? "—"} {side.rowNo ?? "—"} 行目ほか計 {side.rows}{" "}
        行）
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
