import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../../app/session.tsx";
import { api } from "../../lib/api.ts";
import { ruleLabel } from "../../lib/rule-label.ts";
import type { ModelCardView, ModelLabels, RulesOverview, SavedModel } from "../../lib/types.ts";
import { ErrorBox } from "../sources/ErrorBox.tsx";

const pct = (v: number | null) => (v === null ? "計算できません" : `${(v * 100).toFixed(1)}%`);
const fix = (v: number | null, d = 3) => (v === null ? "計算できません" : v.toFixed(d));

type Tree = {
  kind: "leaf" | "split";
  itemId?: string;
  n: number;
  positives: number;
  probability: number;
  yes?: Tree;
  no?: Tree;
};

function TreeView({ tree }: { tree: Tree }) {
  if (tree.kind === "leaf" || !tree.yes || !tree.no) {
    return (
      <span>
        {tree.n}人中 {tree.positives}人（確率 {tree.probability.toFixed(3)}）
      </span>
    );
  }
  return (
    <ul>
      <li>
        {tree.itemId} あり: <TreeView tree={tree.yes} />
      </li>
      <li>
        {tree.itemId} なし: <TreeView tree={tree.no} />
      </li>
    </ul>
  );
}

function Card({ card }: { card: ModelCardView }) {
  return (
    <section className="card" aria-label="モデルカード">
      <h2>
        モデルカード: {card.difficultyName}（
        {card.kind === "logistic" ? "ロジスティック回帰" : "決定木"}）
      </h2>
      <dl>
        <dt>正解ラベル</dt>
        <dd>{card.labelName}</dd>
        <dt>学習に使ったデータ</dt>
        <dd>
          基準日 {card.trainedAsOf}、規則の版 {ruleLabel(card.baseVersion)}、こども {card.samples}
          人（正解 {card.positives}
          人）、特徴量 {card.features.length}項目
        </dd>
        <dt>交差検証 AUC（{card.validation.folds}分割）</dt>
        <dd data-testid="cv-auc">
          {fix(card.validation.auc)}（分割ごと:{" "}
          {card.validation.aucByFold.map((a) => fix(a, 2)).join("・")}）
        </dd>
        <dt>月に確認できる {card.validation.capacity} 人を上位から確認したときの適合率・再現率</dt>
        <dd>
          {pct(card.validation.precisionAtCapacity)}・{pct(card.validation.recallAtCapacity)}
          {card.validation.tiedAtCut > 0 ? `（境目の同点 ${card.validation.tiedAtCut}人）` : ""}
        </dd>
      </dl>
      {card.terms.length > 0 && (
        <table aria-label="オッズ比">
          <caption>各項目のオッズ比（95%区間は罰則付き推定の目安）</caption>
          <thead>
            <tr>
              <th scope="col">データ項目</th>
              <th scope="col">オッズ比</th>
              <th scope="col">95%区間</th>
            </tr>
          </thead>
          <tbody>
            {card.terms.map((t) => (
              <tr key={t.itemId}>
                <td>
                  {t.itemId} {t.name}
                </td>
                <td>{t.oddsRatio.toFixed(2)}</td>
                <td>
                  {t.ciLow.toFixed(2)}〜{t.ciHigh.toFixed(2)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {card.tree !== null && (
        <div>
          <h3>決定木</h3>
          <TreeView tree={card.tree as Tree} />
        </div>
      )}
      <h3>このモデルの限界</h3>
      <ul>
        {card.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </section>
  );
}

/**
 * モデルの学習 (総括管理): for a difficulty type, a logistic regression or a
 * small tree on a label the municipality chooses, shown as a model card
 * (cross-validated AUC, precision at the monthly capacity, odds ratios)
 * before anything is saved; saving switches the type to the model as a new
 * rule version. 要対協 labels are offered to council members only.
 */
export function ModelsPage() {
  const qc = useQueryClient();
  const council = useSession().session.user.council;
  const rules = useQuery({ queryKey: ["rules"], queryFn: () => api<RulesOverview>("/rules") });
  const labels = useQuery({
    queryKey: ["model-labels"],
    queryFn: () => api<ModelLabels>("/models/labels"),
  });
  const [difficulty, setDifficulty] = useState("");
  const [kind, setKind] = useState("logistic");
  const [label, setLabel] = useState("");
  const [version, setVersion] = useState("");
  const [effectiveFrom, setEffectiveFrom] = useState("");
  const [threshold, setThreshold] = useState("");
  const input = () => ({ difficulty, kind, label });
  const train = useMutation({
    mutationFn: () => api<ModelCardView>("/models/train", { method: "POST", body: input() }),
  });
  const save = useMutation({
    mutationFn: () =>
      api<SavedModel>("/models", {
        method: "POST",
        body: { ...input(), version, effectiveFrom, threshold: Number(threshold) },
      }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["rules"] }),
  });

  return (
    <section>
      <h1>モデルの学習</h1>
      {council ? (
        <p className="lead">
          困難の種類ごとに、自治体が選んだ正解ラベル（要対協への登録、一時保護歴、会議で「要支援」と判断されたケース）でロジスティック回帰または決定木を学習します。学習しただけでは何も変わりません。モデルカードで精度と限界を確かめてから、基準値（確率）を決めて保存すると、その種類の判定方式がモデルになった新しい規則の版になります。
        </p>
      ) : (
        <div className="lead" data-testid="non-member-models">
          <p>
            あなたは要対協の構成員ではないため、正解ラベルには「会議の判断「要支援」」だけを使えます。要対協のケースを除いた会議の判断で、ロジスティック回帰または決定木を学習できます。学習しただけでは何も変わりません。モデルカードで精度と限界を確かめてから、基準値（確率）を決めて保存すると、その種類の判定方式がモデルになった新しい規則の版になります。
          </p>
          <p>
            要対協への登録（B01）と一時保護歴（B02）は、要対協の構成員だけが扱える情報のため、正解ラベルにも学習に使う項目にも出てきません。これらを使うモデルが必要な場合は、要対協の構成員である総括管理の担当者に学習を依頼してください。
          </p>
        </div>
      )}
      <ErrorBox error={rules.error ?? labels.error} />
      {rules.data && labels.data && (
        <form
          className="card form-card"
          aria-labelledby="train-title"
          onSubmit={(e) => {
            e.preventDefault();
            train.mutate();
          }}
        >
          <h2 id="train-title">学習の条件</h2>
          <label className="field">
            <span>困難の種類</span>
            <select value={difficulty} onChange={(e) => setDifficulty(e.target.value)} required>
              <option value="">選んでください</option>
              {rules.data.current.types.map((t) => (
                <option key={t.difficulty} value={t.difficulty}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>モデルの種類</span>
            <select value={kind} onChange={(e) => setKind(e.target.value)}>
              <option value="logistic">ロジスティック回帰（オッズ比で説明）</option>
              <option value="tree">決定木（深さ3まで）</option>
            </select>
          </label>
          <label className="field">
            <span>正解ラベル</span>
            <select value={label} onChange={(e) => setLabel(e.target.value)} required>
              <option value="">選んでください</option>
              {labels.data.labels.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button button-primary" disabled={train.isPending}>
            {train.isPending ? "学習中…" : "学習して評価"}
          </button>
          <ErrorBox error={train.error} />
        </form>
      )}
      {train.data && <Card card={train.data} />}
      {train.data && (
        <form
          className="card form-card"
          aria-labelledby="save-model-title"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <h2 id="save-model-title">このモデルで判定する（新しい版として保存）</h2>
          <label className="field">
            <span>基準値（確率、0〜1）</span>
            <input
              type="number"
              step="any"
              min={0}
              max={1}
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
              required
            />
          </label>
          <label className="field">
            <span>新しい版の名前</span>
            <input value={version} onChange={(e) => setVersion(e.target.value)} required />
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
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            保存して方式をモデルにする
          </button>
          <ErrorBox error={save.error} />
          {save.data && (
            <p role="status">
              保存しました（版 {save.data.card.baseVersion}）。適用開始日以降の判定で、
              {save.data.card.difficultyName}はこのモデルで判定されます。
            </p>
          )}
        </form>
      )}
    </section>
  );
}
