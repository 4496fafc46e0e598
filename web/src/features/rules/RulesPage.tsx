import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiFailure, api } from "../../lib/api.ts";
import { effectiveFromLabel, ruleLabel } from "../../lib/rule-label.ts";
import type {
  RuleComparison,
  RuleDiff,
  RulePreview,
  RulesOverview,
  SavedRules,
} from "../../lib/types.ts";
import { RuleMoves } from "./RuleMoves.tsx";

type Edits = Record<
  string,
  { threshold?: number; weights: Record<string, number>; tieBreak?: string[] }
>;

/** Orders of equal scores offered on the page (TypeRule.tieBreak; 開成町's is the first). */
const TIE_BREAKS: { value: string; label: string }[] = [
  { value: "total_points,younger", label: "総ポイント数の多い順 → 年齢の低い順（開成町）" },
  { value: "total_points,older", label: "総ポイント数の多い順 → 年齢の高い順" },
  { value: "younger,total_points", label: "年齢の低い順 → 総ポイント数の多い順" },
  { value: "older,total_points", label: "年齢の高い順 → 総ポイント数の多い順" },
  { value: "total_points", label: "総ポイント数の多い順のみ" },
  { value: "younger", label: "年齢の低い順のみ" },
  { value: "older", label: "年齢の高い順のみ" },
];

const show = (v: unknown) => (v === undefined ? "（なし）" : JSON.stringify(v));

function Changes({ changes }: { changes: RuleDiff["changes"] }) {
  if (changes.length === 0) return <p>違いはありません。</p>;
  return (
    <ul className="changes">
      {changes.map((c) => (
        <li key={c.path}>
          <code>{c.path}</code>:{" "}
          {c.before === undefined
            ? `追加 ${show(c.after)}`
            : c.after === undefined
              ? "削除"
              : `${show(c.before)} → ${show(c.after)}`}
        </li>
      ))}
    </ul>
  );
}

/** A choice of one of the stored versions, by label. */
function VersionSelect(p: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  versions: RulesOverview["versions"];
}) {
  return (
    <label className="field">
      <span>{p.label}</span>
      <select value={p.value} onChange={(e) => p.onChange(e.target.value)}>
        <option value="">選んでください</option>
        {p.versions.map((v) => (
          <option key={v.label} value={v.label}>
            {ruleLabel(v.label)}
          </option>
        ))}
      </select>
    </label>
  );
}

function message(e: unknown): string {
  return e instanceof ApiFailure || e instanceof Error ? e.message : String(e);
}

/**
 * 判定の規則 (総括管理): per difficulty type the method, items, weights and
 * threshold of the version in force; a change is previewed on the latest
 * run's data (children and 世帯 flagged against the monthly capacity) before
 * it is saved as a new version with an effective date and a note; two
 * versions can be diffed, and the latest run compared with another version.
 */
export function RulesPage() {
  const qc = useQueryClient();
  const overview = useQuery({
    queryKey: ["rules"],
    queryFn: () => api<RulesOverview>("/rules"),
  });
  const [edits, setEdits] = useState<Edits>({});
  const [label, setLabel] = useState("");
  const [effectiveFrom, setEffectiveFrom] = useState("");
  const [note, setNote] = useState("");
  const [diffA, setDiffA] = useState("");
  const [diffB, setDiffB] = useState("");
  const [compareWith, setCompareWith] = useState("");

  const patch = () => ({
    version: label.trim() || "試算",
    types: Object.fromEntries(
      Object.entries(edits).map(([d, e]) => [
        d,
        {
          ...(e.threshold === undefined ? {} : { threshold: e.threshold }),
          ...(Object.keys(e.weights).length === 0 ? {} : { weights: e.weights }),
          ...(e.tieBreak === undefined ? {} : { tieBreak: e.tieBreak }),
        },
      ]),
    ),
  });
  // The change as it was when 試算 was pressed (the moves below page through it).
  const [tried, setTried] = useState<unknown>(null);
  const preview = useMutation({
    mutationFn: (p: ReturnType<typeof patch>) =>
      api<RulePreview>("/rules/preview", { method: "POST", body: p }),
    onSuccess: (_, p) => setTried(p),
  });
  const save = useMutation({
    mutationFn: () =>
      api<SavedRules>("/rules/versions", {
        method: "POST",
        body: { patch: patch(), effectiveFrom, note },
      }),
    onSuccess: () => {
      setEdits({});
      preview.reset();
      setTried(null);
      void qc.invalidateQueries({ queryKey: ["rules"] });
    },
  });
  const diff = useMutation({
    mutationFn: () =>
      api<RuleDiff>(`/rules/diff?a=${encodeURIComponent(diffA)}&b=${encodeURIComponent(diffB)}`),
  });
  const compare = useMutation({
    mutationFn: () =>
      api<RuleComparison>(`/rules/compare?version=${encodeURIComponent(compareWith)}`),
  });

  const data = overview.data;
  const setThreshold = (d: string, v: string) =>
    setEdits((x) => {
      const { threshold: _, ...rest } = x[d] ?? { weights: {} };
      return { ...x, [d]: { ...rest, ...(v === "" ? {} : { threshold: Number(v) }) } };
    });
  const setTieBreak = (d: string, current: string, v: string) =>
    setEdits((x) => {
      const { tieBreak: _, ...rest } = x[d] ?? { weights: {} };
      return { ...x, [d]: { ...rest, ...(v === current ? {} : { tieBreak: v.split(",") }) } };
    });
  const setWeight = (d: string, item: string, v: string) =>
    setEdits((x) => {
      const weights = { ...(x[d]?.weights ?? {}) };
      if (v === "") delete weights[item];
      else weights[item] = Number(v);
      return { ...x, [d]: { ...(x[d] ?? {}), weights } };
    });

  return (
    <section>
      <h1>判定の規則</h1>
      <p className="lead">
        困難の種類ごとの判定方式・データ項目の重み・基準値です。変更は保存する前に「試算」で、最新の判定のデータで何人・何世帯が基準以上になるか（月に確認できる件数との比較）を確かめてください。保存すると適用開始日とメモの付いた新しい版になります。
      </p>
      {overview.error && (
        <p role="alert" className="alert alert-error">
          {message(overview.error)}
        </p>
      )}
      {data && (
        <>
          <p role="status">
            いま有効な版: <strong>{ruleLabel(data.current.label)}</strong>（
            {effectiveFromLabel(data.current.effectiveFrom)}
            {data.current.effectiveFrom <= "1900-01-01" ? "" : " から"}）。月に確認できる件数:{" "}
            {data.current.capacity.perMonth}
            {data.current.capacity.unit === "children" ? "人" : "世帯"}。
            {data.latestRun
              ? ` 最新の判定: 実行番号 ${data.latestRun.id}（基準日 ${data.latestRun.asOf}、規則 ${ruleLabel(data.latestRun.ruleVersion)}）。`
              : " まだ判定が実行されていません（試算には判定の結果が必要です）。"}
          </p>
          {data.current.types.map((t) => (
            <fieldset key={t.difficulty} className="card">
              <legend>
                {t.name}（
                {t.method === "count" ? "件数" : t.method === "weighted" ? "重みづけ" : "モデル"}、
                {t.ages.min}〜{t.ages.max}歳{t.enabled ? "" : "、無効"}）
              </legend>
              <label className="field">
                <span>基準値（{t.threshold} 以上）</span>
                <input
                  type="number"
                  step="any"
                  aria-label={`${t.name}の基準値`}
                  placeholder={String(t.threshold)}
                  value={edits[t.difficulty]?.threshold ?? ""}
                  onChange={(e) => setThreshold(t.difficulty, e.target.value)}
                />
              </label>
              <label className="field">
                <span>同点のときの順</span>
                <select
                  aria-label={`${t.name}の同点のときの順`}
                  value={
                    edits[t.difficulty]?.tieBreak?.join(",") ??
                    t.tieBreak.map((k) => k.key).join(",")
                  }
                  onChange={(e) =>
                    setTieBreak(
                      t.difficulty,
                      t.tieBreak.map((k) => k.key).join(","),
                      e.target.value,
                    )
                  }
                >
                  {TIE_BREAKS.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </label>
              <table>
                <thead>
                  <tr>
                    <th scope="col">データ項目</th>
                    <th scope="col">重み</th>
                    <th scope="col">新しい重み</th>
                  </tr>
                </thead>
                <tbody>
                  {t.items.map((i) => (
                    <tr key={i.itemId}>
                      <td>
                        {i.itemId} {i.name}
                      </td>
                      <td>{i.weight}</td>
                      <td>
                        <input
                          type="number"
                          step="any"
                          aria-label={`${t.name} ${i.itemId} の重み`}
                          value={edits[t.difficulty]?.weights[i.itemId] ?? ""}
                          onChange={(e) => setWeight(t.difficulty, i.itemId, e.target.value)}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </fieldset>
          ))}
          <div className="card">
            <button
              type="button"
              className="button"
              onClick={() => preview.mutate(patch())}
              disabled={!data.latestRun || preview.isPending}
            >
              試算
            </button>
            {preview.error && (
              <p role="alert" className="alert alert-error">
                {message(preview.error)}
              </p>
            )}
            {preview.data && (
              <table aria-label="試算の結果">
                <caption>
                  実行番号 {preview.data.runId}（基準日 {preview.data.asOf}、規則{" "}
                  {preview.data.baseVersion}）のデータで試算
                </caption>
                <thead>
                  <tr>
                    <th scope="col">種類</th>
                    <th scope="col">いまの規則</th>
                    <th scope="col">変更後</th>
                    <th scope="col">確認にかかる月数</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.data.lines.map((l) => (
                    <tr key={l.difficulty} data-difficulty={l.difficulty}>
                      <th scope="row">{l.name}</th>
                      <td>
                        {l.before ? `${l.before.children}人・${l.before.households}世帯` : "対象外"}
                      </td>
                      <td className="after">
                        {l.after ? `${l.after.children}人・${l.after.households}世帯` : "対象外"}
                      </td>
                      <td>{l.monthsOfWork === null ? "" : `${l.monthsOfWork.toFixed(1)} か月`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {preview.data && tried !== null && <RuleMoves patch={tried} />}
          </div>
          <form
            className="card form-card"
            aria-labelledby="save-title"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <h2 id="save-title">新しい版として保存</h2>
            <label className="field">
              <span>版の名前</span>
              <input value={label} onChange={(e) => setLabel(e.target.value)} required />
            </label>
            <label className="field">
              <span>適用開始日</span>
              <input
                type="date"
                value={effectiveFrom}
                onChange={(e) => setEffectiveFrom(e.target.value)}
                required
              />
            </label>
            <label className="field">
              <span>変更の理由（メモ）</span>
              <textarea value={note} onChange={(e) => setNote(e.target.value)} required />
            </label>
            <button type="submit" className="button button-primary" disabled={save.isPending}>
              保存
            </button>
            {save.error && (
              <p role="alert" className="alert alert-error">
                {message(save.error)}
              </p>
            )}
            {save.data && (
              <div role="status">
                <p>
                  保存しました（元の版 {save.data.base}
                  ）。次の判定から、適用開始日以降の基準日に使われます。
                </p>
                <Changes changes={save.data.changes} />
              </div>
            )}
          </form>
          <div className="card">
            <h2>版の一覧</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">版</th>
                  <th scope="col">適用開始日</th>
                  <th scope="col">登録者</th>
                  <th scope="col">メモ</th>
                </tr>
              </thead>
              <tbody>
                {data.versions.map((v) => (
                  <tr key={v.label}>
                    <td>{ruleLabel(v.label)}</td>
                    <td>{effectiveFromLabel(v.effectiveFrom)}</td>
                    <td>{v.actor}</td>
                    <td>{v.note}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>2つの版の違い</h3>
            <VersionSelect
              label="比べる元の版"
              value={diffA}
              onChange={setDiffA}
              versions={data.versions}
            />
            <VersionSelect
              label="比べる先の版"
              value={diffB}
              onChange={setDiffB}
              versions={data.versions}
            />
            <button
              type="button"
              className="button"
              disabled={!diffA || !diffB}
              onClick={() => diff.mutate()}
            >
              違いを表示
            </button>
            {diff.error && (
              <p role="alert" className="alert alert-error">
                {message(diff.error)}
              </p>
            )}
            {diff.data && (
              <section aria-label="版の違い">
                <Changes changes={diff.data.changes} />
              </section>
            )}
            <h3>最新の判定を別の版で判定し直す</h3>
            <VersionSelect
              label="比べる版"
              value={compareWith}
              onChange={setCompareWith}
              versions={data.versions}
            />
            <button
              type="button"
              className="button"
              disabled={!compareWith || !data.latestRun}
              onClick={() => compare.mutate()}
            >
              判定し直して比べる
            </button>
            {compare.error && (
              <p role="alert" className="alert alert-error">
                {message(compare.error)}
              </p>
            )}
            {compare.data && (
              <table aria-label="判定し直した結果">
                <caption>
                  実行番号 {compare.data.runId}: 規則 {compare.data.runVersion} →{" "}
                  {compare.data.otherVersion}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">種類</th>
                    <th scope="col">入る</th>
                    <th scope="col">外れる</th>
                    <th scope="col">変わらず</th>
                  </tr>
                </thead>
                <tbody>
                  {compare.data.types.map((t) => (
                    <tr key={t.difficulty}>
                      <th scope="row">{t.name}</th>
                      <td>{t.entering}人</td>
                      <td>{t.leaving}人</td>
                      <td>{t.staying}人</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </>
      )}
    </section>
  );
}
