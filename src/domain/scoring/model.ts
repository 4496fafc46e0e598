/**
 * Explainable models for a difficulty type, trained on a label the
 * municipality chooses (e.g. 要対協 registration for abuse — the 2024
 * pilots' 抽出群 definition, reference/000 §2.1), with data items as 0/1
 * features. The label's own item is never a feature: a model that "finds"
 * registered children by their registration is useless and hides leakage.
 *
 * The result is a model card (saved with the rule version): what was
 * learnt (odds ratios or the tree), from what (label, items, as-of date,
 * sample size), how well it ranks children it did not see (stratified
 * k-fold AUC and precision at the monthly review capacity), and its limits.
 * Metrics come from stats/metrics.ts.
 */
import { MimamoriError } from "../errors.ts";
import type { Evaluation } from "../items/evaluate.ts";
import { seededRandom } from "../linkage/random.ts";
import type { PersonId } from "../linkage/types.ts";
import { precisionAtK, rocAuc } from "../stats/metrics.ts";
import type { IsoDate } from "../types.ts";
import type { DifficultyId } from "./difficulties.ts";
import {
  fitLogistic,
  predictLogistic,
  type SparseBinary,
  sampleCount,
  sigmoid,
  sparseFromLists,
} from "./logistic.ts";
import { fitTree, predictTree, type TreeNode } from "./tree.ts";

/** What the model learns to recognise. */
export type LabelSpec =
  /** Children for whom this item holds (e.g. B01 要対協登録 for abuse). */
  | { readonly kind: "item"; readonly itemId: string }
  /** Children the municipality lists (e.g. conference decisions 要支援); passed in at training. */
  | { readonly kind: "external"; readonly name: string };

export type ModelKind = "logistic" | "tree";

export interface LogisticTerm {
  readonly itemId: string;
  readonly coefficient: number;
  readonly standardError: number;
  readonly oddsRatio: number;
  /** 95 % Wald interval of the odds ratio (penalised fit: a guide, not a test). */
  readonly ciLow: number;
  readonly ciHigh: number;
}

export type CardTree =
  | {
      readonly kind: "leaf";
      readonly n: number;
      readonly positives: number;
      readonly probability: number;
    }
  | {
      readonly kind: "split";
      readonly itemId: string;
      readonly n: number;
      readonly positives: number;
      readonly probability: number;
      readonly yes: CardTree;
      readonly no: CardTree;
    };

export interface Validation {
  readonly folds: number;
  readonly seed: number;
  /** ROC AUC of the pooled out-of-fold predictions; null when a class is missing. */
  readonly auc: number | null;
  readonly aucByFold: readonly (number | null)[];
  /** Children reviewed per month (k of precision at k). */
  readonly capacity: number;
  readonly precisionAtCapacity: number | null;
  readonly recallAtCapacity: number | null;
  /** Children tied at the cut-off score (0: a clean cut). */
  readonly tiedAtCut: number;
}

export interface ModelCard {
  readonly version: 1;
  readonly kind: ModelKind;
  readonly difficulty: DifficultyId;
  readonly label: LabelSpec;
  /** Item ids used as features, in model order. */
  readonly features: readonly string[];
  readonly catalogVersion: string;
  readonly trainedAsOf: IsoDate;
  readonly samples: number;
  readonly positives: number;
  readonly logistic?: {
    readonly intercept: number;
    readonly lambda: number;
    readonly converged: boolean;
    readonly iterations: number;
    readonly terms: readonly LogisticTerm[];
  };
  readonly tree?: CardTree;
  readonly validation: Validation;
  /** What the model cannot do, in Japanese, for the people who use it. */
  readonly notes: readonly string[];
}

export interface TrainOptions {
  readonly difficulty: DifficultyId;
  readonly kind: ModelKind;
  readonly label: LabelSpec;
  /** Positive children for an `external` label. */
  readonly positives?: ReadonlySet<PersonId>;
  /** Candidate features (default: every item of the evaluation); the label item is always removed. */
  readonly features?: readonly string[];
  /** L2 penalty of the logistic model (default 1). */
  readonly lambda?: number;
  readonly maxDepth?: number;
  readonly minLeaf?: number;
  /** k of k-fold cross-validation (default 5). */
  readonly folds?: number;
  readonly seed?: number;
  /** Children reviewed per month: the k of precision at k (default 5, 開成町's ~5 households). */
  readonly capacity?: number;
}

interface Dataset {
  readonly x: SparseBinary;
  readonly y: Uint8Array;
  readonly features: readonly string[];
  readonly dropped: readonly string[];
}

/** The training table: one sample per evaluated child, features = items held. */
export function buildDataset(evaluation: Evaluation, options: TrainOptions): Dataset {
  const labelItem = options.label.kind === "item" ? options.label.itemId : null;
  if (labelItem !== null && !evaluation.itemIds.includes(labelItem)) {
    throw new MimamoriError(
      "invalid_input",
      `正解ラベルの項目 ${labelItem} はデータ項目の定義にありません。`,
    );
  }
  if (options.label.kind === "external" && options.positives === undefined) {
    throw new MimamoriError(
      "invalid_input",
      `正解ラベル「${options.label.name}」の該当者が渡されていません。`,
    );
  }
  const wanted = (options.features ?? evaluation.itemIds).filter((id) => id !== labelItem);
  for (const id of wanted) {
    if (!evaluation.itemIds.includes(id)) {
      throw new MimamoriError(
        "invalid_input",
        `特徴量の項目 ${id} はデータ項目の定義にありません。`,
      );
    }
  }
  const labelIndex = labelItem === null ? -1 : evaluation.itemIds.indexOf(labelItem);
  // Items nobody holds carry no information; they are dropped and listed on the card.
  const held = new Set<number>();
  for (const c of evaluation.children) for (const k of c.items) held.add(k);
  const features = wanted.filter((id) => held.has(evaluation.itemIds.indexOf(id)));
  const dropped = wanted.filter((id) => !held.has(evaluation.itemIds.indexOf(id)));
  const column = new Map(features.map((id, j) => [evaluation.itemIds.indexOf(id), j]));
  const lists: number[][] = [];
  const y = new Uint8Array(evaluation.children.length);
  evaluation.children.forEach((c, i) => {
    const l: number[] = [];
    let positive = false;
    for (const k of c.items) {
      if (k === labelIndex) positive = true;
      const j = column.get(k);
      if (j !== undefined) l.push(j);
    }
    if (options.label.kind === "external") positive = options.positives?.has(c.personId) ?? false;
    y[i] = positive ? 1 : 0;
    lists.push(l);
  });
  return { x: sparseFromLists(features.length, lists), y, features, dropped };
}

/** Stratified fold of every sample (positives and negatives spread evenly), seeded. */
export function stratifiedFolds(y: Uint8Array, k: number, seed: number): Int32Array {
  const rand = seededRandom(seed);
  const fold = new Int32Array(y.length);
  for (const cls of [1, 0]) {
    const idx: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) idx.push(i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    }
    idx.forEach((s, r) => {
      fold[s] = r % k;
    });
  }
  return fold;
}

function subset(x: SparseBinary, rows: readonly number[]): SparseBinary {
  const lists = rows.map((i) =>
    Array.from(x.indices.subarray(x.offsets[i] as number, x.offsets[i + 1] as number)),
  );
  return sparseFromLists(x.features, lists);
}

type Fitted = (x: SparseBinary) => Float64Array;

function fitKind(kind: ModelKind, x: SparseBinary, y: Uint8Array, o: TrainOptions): Fitted {
  if (kind === "logistic") {
    const f = fitLogistic(x, y, { lambda: o.lambda ?? 1 });
    return (t) => predictLogistic(f, t);
  }
  const tree = fitTree(x, y, {
    ...(o.maxDepth === undefined ? {} : { maxDepth: o.maxDepth }),
    ...(o.minLeaf === undefined ? {} : { minLeaf: o.minLeaf }),
  });
  return (t) => predictTree(tree, t);
}

/** k-fold cross-validation of a model kind on a dataset. */
export function crossValidate(data: Pick<Dataset, "x" | "y">, options: TrainOptions): Validation {
  const k = options.folds ?? 5;
  const seed = options.seed ?? 1;
  const capacity = options.capacity ?? 5;
  const n = sampleCount(data.x);
  let positives = 0;
  for (const v of data.y) positives += v;
  if (!(k >= 2) || positives < k || n - positives < k) {
    throw new MimamoriError(
      "invalid_input",
      `交差検証には正解ラベルの該当・非該当がそれぞれ ${k} 件以上必要です（該当 ${positives} 件、非該当 ${n - positives} 件）。`,
    );
  }
  const fold = stratifiedFolds(data.y, k, seed);
  const oof = new Array<number>(n).fill(0);
  const aucByFold: (number | null)[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);
    const ytrain = Uint8Array.from(train, (i) => data.y[i] as number);
    const model = fitKind(options.kind, subset(data.x, train), ytrain, options);
    const pred = model(subset(data.x, test));
    const labels: boolean[] = [];
    test.forEach((i, r) => {
      oof[i] = pred[r] as number;
      labels.push(data.y[i] === 1);
    });
    aucByFold.push(rocAuc(Array.from(pred), labels));
  }
  const labels = Array.from(data.y, (v) => v === 1);
  const top = precisionAtK(oof, labels, Math.min(capacity, n));
  return {
    folds: k,
    seed,
    auc: rocAuc(oof, labels),
    aucByFold,
    capacity,
    precisionAtCapacity: top.precision,
    recallAtCapacity: top.recall,
    tiedAtCut: top.tiedAtCut,
  };
}

const Z95 = 1.959963984540054;

function toCardTree(node: TreeNode, features: readonly string[]): CardTree {
  if (node.kind === "leaf") return node;
  return {
    kind: "split",
    itemId: features[node.feature] as string,
    n: node.n,
    positives: node.positives,
    probability: node.probability,
    yes: toCardTree(node.yes, features),
    no: toCardTree(node.no, features),
  };
}

/**
 * Trains a model on an evaluation (one run's items) and returns its card:
 * the fit on all children plus cross-validated performance.
 */
export function trainModel(evaluation: Evaluation, options: TrainOptions): ModelCard {
  const data = buildDataset(evaluation, options);
  const validation = crossValidate(data, options);
  const n = sampleCount(data.x);
  let positives = 0;
  for (const v of data.y) positives += v;
  const notes: string[] = [
    options.label.kind === "item"
      ? `正解ラベルは「${options.label.itemId}」に該当するこどもです。既に把握されているこどもの特徴を学んだモデルであり、把握されていない困難を直接学んだものではありません。`
      : `正解ラベルは「${options.label.name}」として自治体が指定したこどもです。`,
    "スコアは支援の必要性の目安です。判定は必ず人による確認（カンファレンス）で行ってください。",
  ];
  if (positives < 50) {
    notes.push(
      `正解ラベルの該当が ${positives} 件と少なく、推定は不安定です（報告書 2.6「正解データが少ない場合に、十分な精度のモデルを生成することが困難」）。`,
    );
  }
  if (data.dropped.length > 0) {
    notes.push(`該当者がいないため使わなかった項目: ${data.dropped.join("、")}`);
  }
  const base = {
    version: 1 as const,
    kind: options.kind,
    difficulty: options.difficulty,
    label: options.label,
    features: data.features,
    catalogVersion: evaluation.catalogVersion,
    trainedAsOf: evaluation.asOf,
    samples: n,
    positives,
    validation,
    notes,
  };
  if (options.kind === "logistic") {
    const f = fitLogistic(data.x, data.y, { lambda: options.lambda ?? 1 });
    if (!f.converged) notes.push("学習が収束しませんでした。λ を大きくしてください。");
    const terms = data.features.map((itemId, j) => {
      const b = f.coefficients[j] as number;
      const se = f.standardErrors[j + 1] as number;
      return {
        itemId,
        coefficient: b,
        standardError: se,
        oddsRatio: Math.exp(b),
        ciLow: Math.exp(b - Z95 * se),
        ciHigh: Math.exp(b + Z95 * se),
      };
    });
    return {
      ...base,
      logistic: {
        intercept: f.intercept,
        lambda: f.lambda,
        converged: f.converged,
        iterations: f.iterations,
        terms,
      },
    };
  }
  const tree = fitTree(data.x, data.y, {
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    ...(options.minLeaf === undefined ? {} : { minLeaf: options.minLeaf }),
  });
  return { ...base, tree: toCardTree(tree, data.features) };
}

/**
 * A scorer for a card over an evaluation's item indexes: given the items a
 * child holds, the model's probability. Unknown feature ids are an error (the
 * card belongs to another catalog).
 */
export function modelScorer(
  card: ModelCard,
  itemIds: readonly string[],
): (items: readonly number[]) => number {
  const indexOf = (id: string) => {
    const k = itemIds.indexOf(id);
    if (k < 0) {
      throw new MimamoriError(
        "config",
        `モデル（${card.difficulty}）の特徴量 ${id} が現在のデータ項目の定義にありません。モデルを学習し直してください。`,
      );
    }
    return k;
  };
  if (card.logistic) {
    const weights = new Float64Array(itemIds.length);
    for (const t of card.logistic.terms) weights[indexOf(t.itemId)] = t.coefficient;
    const intercept = card.logistic.intercept;
    return (items) => {
      let eta = intercept;
      for (const k of items) eta += weights[k] as number;
      return sigmoid(eta);
    };
  }
  if (card.tree) {
    const compileNode = (node: CardTree): ((held: readonly number[]) => number) => {
      if (node.kind === "leaf") return () => node.probability;
      const k = indexOf(node.itemId);
      const yes = compileNode(node.yes);
      const no = compileNode(node.no);
      return (held) => (held.includes(k) ? yes(held) : no(held));
    };
    return compileNode(card.tree);
  }
  throw new MimamoriError("config", `モデル（${card.difficulty}）に係数も決定木もありません。`);
}
