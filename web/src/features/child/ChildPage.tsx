import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useCan } from "../../app/session.tsx";
import { ApiFailure, api } from "../../lib/api.ts";
import type { ChildView } from "../../lib/types.ts";
import { BreakGlassOffer } from "../break-glass/BreakGlassForm.tsx";
import { ChildCasePanel } from "../cases/MyFollowUps.tsx";
import { HouseholdPanel } from "../households/HouseholdPanel.tsx";

type TypeView = ChildView["types"][number];
type RecordView = ChildView["records"][number];

const SEX: Record<string, string> = { male: "男", female: "女" };
/** Fields shown first in a timeline row, when the row has them. */
const KEY_FIELDS = [
  "学校名",
  "施設名",
  "学年",
  "欠席日数",
  "受診日",
  "相談日",
  "認定日",
  "手帳種別",
  "等級",
];

function fmt(n: number | null): string {
  if (n === null) return "—";
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** The score of one type as a waterfall: each held item adds its points, up to the score. */
function Waterfall({ t }: { t: TypeView }) {
  const max = Math.max(t.threshold ?? 0, t.score ?? 0, 1);
  return (
    <article className="card waterfall" data-testid="waterfall" data-difficulty={t.difficulty}>
      <h3>
        {t.label}
        {t.flagged ? <span className="badge badge-flag">基準以上</span> : null}
        {t.excludedBy.length > 0 ? <span className="badge">一覧から除外</span> : null}
      </h3>
      <p>
        点数 <strong>{t.score === null ? "非表示" : fmt(t.score)}</strong>（基準 {fmt(t.threshold)}
        {t.method === "weighted" ? "、重み付き" : t.method === "model" ? "、モデル" : "、該当数"}）
        {!t.applicable && "・この類型の対象年齢ではありません"}
      </p>
      {t.items.length === 0 ? (
        <p className="muted">この類型の項目に該当するデータはありません。</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">{t.label}の点数の内訳</caption>
          <thead>
            <tr>
              <th scope="col">項目</th>
              <th scope="col">点</th>
              <th scope="col">累計</th>
              <th scope="col">根拠（値と基準）</th>
              <th scope="col">元の記録</th>
            </tr>
          </thead>
          <tbody>
            {t.items.map((i) => (
              <tr key={i.itemId} data-item={i.itemId}>
                <th scope="row">
                  {i.itemId} {i.name}
                </th>
                <td>{i.points === null ? "—" : `+${fmt(i.points)}`}</td>
                <td>
                  {i.cumulative === null ? (
                    "—"
                  ) : (
                    <span className="wf-bar-wrap">
                      <span
                        className="wf-bar"
                        style={{
                          marginLeft: `${(((i.cumulative - (i.points ?? 0)) / max) * 100).toFixed(1)}%`,
                          width: `${(((i.points ?? 0) / max) * 100).toFixed(1)}%`,
                        }}
                        aria-hidden="true"
                      />
                      {fmt(i.cumulative)}
                    </span>
                  )}
                </td>
                <td>
                  {i.evidence.observed}
                  <div className="muted">基準: {i.evidence.criterion}</div>
                  {i.evidence.subject !== "self" && (
                    <div className="muted">
                      {i.evidence.subject === "member"
                        ? `同一世帯の${i.evidence.member?.relationship ?? "者"}のデータ`
                        : i.evidence.subject === "mother"
                          ? "母のデータ"
                          : "世帯のデータ"}
                    </div>
                  )}
                </td>
                <td data-testid="evidence-rows">
                  {i.evidence.rows.map((r) => (
                    <div key={`${r.file}:${r.row}`}>
                      {r.file} {r.row}行目（抽出日 {r.asOf}）
                    </div>
                  ))}
                  {i.evidence.matchedRows > i.evidence.rows.length && (
                    <div className="muted">
                      ほか {i.evidence.matchedRows - i.evidence.rows.length} 行
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}

function keyValues(r: RecordView): string {
  const parts: string[] = [];
  for (const k of KEY_FIELDS)
    if (r.data[k] !== undefined && r.data[k] !== null) parts.push(`${k} ${String(r.data[k])}`);
  if (parts.length === 0)
    for (const [k, v] of Object.entries(r.data).slice(0, 4))
      if (!/氏名|宛名番号|世帯番号|住所/.test(k)) parts.push(`${k} ${String(v)}`);
  return parts.slice(0, 4).join("、");
}

const CORRECTION_STATUS: Record<RecordView["corrections"][number]["status"], string> = {
  applied: "この判定に反映済み",
  pending: "次回の判定で反映",
  withdrawal_pending: "取り消し済み（次回の判定で元の値に戻る）",
};

const shownValue = (v: unknown) => (v === null || v === undefined ? "（空欄）" : String(v));

/** 訂正 of a row: old → new and whether the run shown already uses it. */
function Corrections({ corrections }: { corrections: RecordView["corrections"] }) {
  if (corrections.length === 0) return null;
  return (
    <ul className="muted" data-testid="corrections">
      {corrections.map((c) => (
        <li key={`${c.field}-${c.correctedAt}-${c.status}`} data-status={c.status}>
          訂正 {c.field}: {shownValue(c.oldValue)} → {shownValue(c.newValue)}（
          {CORRECTION_STATUS[c.status]}）
        </li>
      ))}
    </ul>
  );
}

function Timeline({ records }: { records: ChildView["records"] }) {
  if (records.length === 0) return <p>つながった記録はありません。</p>;
  return (
    <table className="table" data-testid="timeline">
      <caption className="visually-hidden">部署をまたいでつながった記録（抽出日の古い順）</caption>
      <thead>
        <tr>
          <th scope="col">抽出日</th>
          <th scope="col">部署データ</th>
          <th scope="col">ファイル・行</th>
          <th scope="col">主な値</th>
          <th scope="col">名寄せの根拠</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <tr key={`${r.fileName}:${r.rowNo}`} data-source={r.sourceId}>
            <td>{r.asOf ?? "—"}</td>
            <td>{r.sourceName}</td>
            <td>
              {r.fileName} {r.rowNo}行目
            </td>
            <td>
              {keyValues(r)}
              <Corrections corrections={r.corrections} />
            </td>
            <td>
              {r.method !== "probabilistic" || r.explanation.length === 0 ? (
                <span>
                  {r.method === "id"
                    ? "宛名番号で一致"
                    : r.method === "unlinked"
                      ? "つながっていない"
                      : r.method}
                </span>
              ) : (
                <details>
                  <summary>
                    確率 {r.probability === null ? "—" : `${(r.probability * 100).toFixed(1)}%`}
                  </summary>
                  <table className="table table-compact">
                    <thead>
                      <tr>
                        <th scope="col">項目</th>
                        <th scope="col">一致の程度</th>
                        <th scope="col">重み</th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.explanation.map((e) => (
                        <tr key={e.field}>
                          <td>{e.field}</td>
                          <td>{e.levelLabel}</td>
                          <td>{e.weight.toFixed(2)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function History({ history }: { history: ChildView["history"] }) {
  const runs = [...new Set(history.map((h) => `${h.scoreRunId}|${h.asOf}`))];
  const labels = [...new Set(history.map((h) => h.label))];
  if (runs.length === 0) return <p>点数の記録はありません。</p>;
  return (
    <table className="table">
      <caption className="visually-hidden">実行ごとの点数（新しい順）</caption>
      <thead>
        <tr>
          <th scope="col">基準日（実行）</th>
          {labels.map((l) => (
            <th scope="col" key={l}>
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {runs.map((key) => {
          const [id, asOf] = key.split("|");
          return (
            <tr key={key}>
              <th scope="row">
                {asOf}（{id}）
              </th>
              {labels.map((l) => {
                const h = history.find((x) => `${x.scoreRunId}|${x.asOf}` === key && x.label === l);
                return (
                  <td key={l}>
                    {h
                      ? h.score === null
                        ? "非表示"
                        : `${fmt(h.score)}${h.flagged ? " ●" : ""}`
                      : "—"}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const MODE_TEXT: Record<string, string> = {
  a: "判定結果と、その根拠の項目・基準値",
  b: "判定結果と困難の種類",
  c: "氏名のみ",
};

/**
 * A 所属 account's view of a child: only what the open 情報収集シート share
 * (the server sends nothing more — records, history and household are empty).
 */
function SharedChild({ v }: { v: ChildView }) {
  const sharing = v.sharing;
  return (
    <section>
      <h1>こども: {v.identity.name ?? v.identity.personId}</h1>
      <p className="lead">
        情報収集シートの依頼で共有された範囲（
        {(sharing?.modes ?? []).map((m) => MODE_TEXT[m] ?? m).join("・")}）だけを表示しています。
      </p>
      {v.types.length === 0 ? (
        <p>判定結果は共有されていません。</p>
      ) : (
        <ul className="shared-types">
          {v.types.map((t) => (
            <li key={t.difficulty} data-difficulty={t.difficulty}>
              {t.label}: {t.flagged ? "基準以上" : "基準未満"}
              {t.score !== null && t.threshold !== null
                ? `（点数 ${fmt(t.score)}／基準 ${fmt(t.threshold)}）`
                : ""}
              {t.items.length > 0 && (
                <ul>
                  {t.items.map((i) => (
                    <li key={i.itemId}>
                      {i.name}: {i.evidence.text}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
      <p>
        {(sharing?.requestIds ?? []).map((rid) => (
          <Link key={rid} to="/sheets/inbox/$requestId" params={{ requestId: String(rid) }}>
            情報収集シート（依頼 {rid}）に回答する
          </Link>
        ))}
      </p>
    </section>
  );
}

/** こども詳細: who, why (down to the department's row), the records, the history and the household. */
export function ChildPage() {
  const { personId } = useParams({ from: "/children/$personId" });
  const canSend = useCan("cases.work");
  const canSearch = useCan("children.search");
  const canAnswer = useCan("sheets.answer");
  const canBreakGlass = useCan("breakglass.use");
  const q = useQuery({
    queryKey: ["child", personId],
    queryFn: () => api<ChildView>(`/children/${encodeURIComponent(personId)}`),
    retry: false,
  });
  if (q.isPending) return <p role="status">読み込んでいます…</p>;
  if (q.error)
    return (
      <section>
        <h1>こども詳細</h1>
        {/* 404 is "not found or not yours": who may break the glass learns which (and gets the form). */}
        {q.error instanceof ApiFailure && q.error.status === 404 && canBreakGlass ? (
          <BreakGlassOffer personId={personId} />
        ) : (
          <p role="alert" className="alert alert-error">
            {q.error.message}
          </p>
        )}
        <p>
          {/* Offer only what the role can do: a 所属 account has no search. */}
          {canSearch ? (
            <Link to="/search">検索に戻る</Link>
          ) : canAnswer ? (
            <Link to="/sheets/inbox">届いた情報収集シートに戻る</Link>
          ) : (
            <Link to="/">ホームへ戻る</Link>
          )}
        </p>
      </section>
    );
  const v = q.data;
  const id = v.identity;
  const types = [...v.types].sort((a, b) => Number(b.flagged) - Number(a.flagged));
  if (v.sharing) return <SharedChild v={v} />;
  return (
    <section>
      <h1>
        こども詳細: {id.name ?? id.personId}
        {id.nameKana ? <small className="muted">（{id.nameKana}）</small> : null}
      </h1>
      {canSend && (
        <p>
          <Link to="/sheets" search={{ personId: id.personId }} data-testid="send-sheet">
            このこどもの所属に情報収集シートを送る
          </Link>
        </p>
      )}
      <p className="lead">
        判定（基準日 {v.run.asOf}
        ）の結果と、その根拠になった各部署の記録です。データは気づきのきっかけであり、判断するのは人です。
      </p>
      {canSend && <ChildCasePanel personId={id.personId} />}
      <dl className="facts">
        <dt>個人番号（名寄せ）</dt>
        <dd>{id.personId}</dd>
        <dt>生年月日</dt>
        <dd>
          {id.birthDate ?? "—"}
          {id.age !== null ? `（${id.age}歳）` : ""}
        </dd>
        <dt>性別</dt>
        <dd>{id.sex ? (SEX[id.sex] ?? id.sex) : "—"}</dd>
        <dt>宛名番号</dt>
        <dd>{id.residentNos ? id.residentNos.join("、") || "—" : "（表示権限なし）"}</dd>
        <dt>住所</dt>
        <dd>{id.address ?? "—"}</dd>
        <dt>世帯</dt>
        <dd>
          {id.householdNo && !id.householdNo.includes("＊") ? (
            <Link to="/households/$householdNo" params={{ householdNo: id.householdNo }}>
              世帯番号 {id.householdNo}
            </Link>
          ) : (
            // A partly masked number (masking rules) is shown, not linked: it opens no household.
            (id.householdNo ?? "—")
          )}
        </dd>
      </dl>
      {!v.councilFacts && (
        <p className="alert">
          要対協・一時保護の情報は、要対協の構成員にだけ表示されます。点数はそれらを除いて計算し直したものです。
        </p>
      )}
      <h2>困難の類型ごとの判定（点数の内訳と根拠）</h2>
      {types.length === 0 ? (
        <p>このこどもの判定結果はありません。</p>
      ) : (
        types.map((t) => <Waterfall key={t.difficulty} t={t} />)
      )}
      <h2>部署をまたいでつながった記録</h2>
      <Timeline records={v.records} />
      <h2>点数の推移</h2>
      <History history={v.history} />
      <h2>世帯</h2>
      {v.household ? (
        <HouseholdPanel household={v.household} focus={id.personId} />
      ) : (
        <p>世帯の情報は表示できません。</p>
      )}
    </section>
  );
}
