/**
 * L2-penalised logistic regression on binary features, fitted by Newton's
 * method (IRLS). The pilots asked for models whose reasons staff can read
 * (reference/000 §2.6: ロジスティック回帰分析 and 決定木分析, "判断理由とした
 * 項目とその重みづけが分かる手法"): every coefficient is an item, shown as an
 * odds ratio with a Wald interval.
 *
 * Features are data items, which are 0/1 and sparse (a child holds a few of
 * ~40), so a sample is the list of its active features and one Newton step
 * costs O(Σ active²) rather than O(n p²).
 *
 * Objective: Σ [y η − log(1 + e^η)] − λ/2 Σ_{j≥1} β_j² (the intercept is not
 * penalised). Newton: β ← β + H⁻¹ g with g = Xᵀ(y − μ) − λβ̃ and
 * H = Xᵀ W X + λĨ, W = μ(1 − μ); step-halving keeps the objective rising.
 */
import { MimamoriError } from "../errors.ts";

/** Samples as lists of active binary features (CSR). */
export interface SparseBinary {
  /** Number of features (columns). */
  readonly features: number;
  /** Sample i's active features are `indices[offsets[i] .. offsets[i+1])`. */
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
}

export interface LogisticOptions {
  /** L2 penalty λ on the coefficients (not the intercept). Default 1. */
  readonly lambda?: number;
  readonly maxIterations?: number;
  /** Convergence when no coefficient moves more than this. */
  readonly tolerance?: number;
}

export interface LogisticFit {
  readonly intercept: number;
  readonly coefficients: Float64Array;
  /** Standard errors (intercept first), from the inverse penalised Hessian. */
  readonly standardErrors: Float64Array;
  readonly lambda: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** Penalised log-likelihood at the solution. */
  readonly objective: number;
}

export function sampleCount(x: SparseBinary): number {
  return x.offsets.length - 1;
}

/** Builds a {@link SparseBinary} from per-sample feature lists. */
export function sparseFromLists(
  features: number,
  lists: readonly (readonly number[])[],
): SparseBinary {
  const offsets = new Int32Array(lists.length + 1);
  let total = 0;
  lists.forEach((l, i) => {
    total += l.length;
    offsets[i + 1] = total;
  });
  const indices = new Int32Array(total);
  let k = 0;
  for (const l of lists) {
    for (const f of l) {
      if (!(f >= 0 && f < features)) throw new RangeError(`feature ${f} out of range`);
      indices[k++] = f;
    }
  }
  return { features, offsets, indices };
}

/** log(1 + e^x) without overflow. */
function log1pExp(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function linear(x: SparseBinary, i: number, beta: Float64Array): number {
  let eta = beta[0] as number;
  for (let k = x.offsets[i] as number; k < (x.offsets[i + 1] as number); k++) {
    eta += beta[(x.indices[k] as number) + 1] as number;
  }
  return eta;
}

function objectiveOf(x: SparseBinary, y: Uint8Array, beta: Float64Array, lambda: number): number {
  let ll = 0;
  const n = sampleCount(x);
  for (let i = 0; i < n; i++) {
    const eta = linear(x, i, beta);
    ll += (y[i] as number) * eta - log1pExp(eta);
  }
  let pen = 0;
  for (let j = 1; j < beta.length; j++) pen += (beta[j] as number) ** 2;
  return ll - (lambda / 2) * pen;
}

/** Cholesky factor L (lower, row-major) of a symmetric positive-definite matrix; null if not PD. */
export function cholesky(a: Float64Array, m: number): Float64Array | null {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * m + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * m + k] as number) * (l[j * m + k] as number);
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * m + i] = Math.sqrt(s);
      } else {
        l[i * m + j] = s / (l[j * m + j] as number);
      }
    }
  }
  return l;
}

/** Solves L Lᵀ x = b. */
export function choleskySolve(l: Float64Array, m: number, b: Float64Array): Float64Array {
  const z = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * m + k] as number) * (z[k] as number);
    z[i] = s / (l[i * m + i] as number);
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = z[i] as number;
    for (let k = i + 1; k < m; k++) s -= (l[k * m + i] as number) * (x[k] as number);
    x[i] = s / (l[i * m + i] as number);
  }
  return x;
}

/** Diagonal of A⁻¹ from A's Cholesky factor. */
function inverseDiagonal(l: Float64Array, m: number): Float64Array {
  const d = new Float64Array(m);
  const e = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    e.fill(0);
    e[j] = 1;
    d[j] = choleskySolve(l, m, e)[j] as number;
  }
  return d;
}

/** Gradient and Hessian of the penalised log-likelihood at β. */
function derivatives(
  x: SparseBinary,
  y: Uint8Array,
  beta: Float64Array,
  lambda: number,
): { g: Float64Array; h: Float64Array } {
  const m = x.features + 1;
  const g = new Float64Array(m);
  const h = new Float64Array(m * m);
  const n = sampleCount(x);
  for (let i = 0; i < n; i++) {
    const mu = sigmoid(linear(x, i, beta));
    const r = (y[i] as number) - mu;
    const w = mu * (1 - mu);
    const start = x.offsets[i] as number;
    const end = x.offsets[i + 1] as number;
    g[0] = (g[0] as number) + r;
    h[0] = (h[0] as number) + w;
    for (let a = start; a < end; a++) {
      const fa = (x.indices[a] as number) + 1;
      g[fa] = (g[fa] as number) + r;
      for (let b = start; b < end; b++) {
        const fb = (x.indices[b] as number) + 1;
        h[fa * m + fb] = (h[fa * m + fb] as number) + w;
      }
    }
  }
  // Row/column 0 (intercept × feature) mirrors the diagonal of the feature block.
  for (let j = 1; j < m; j++) h[j * m] = h[j] = h[j * m + j] as number;
  for (let j = 1; j < m; j++) {
    g[j] = (g[j] as number) - lambda * (beta[j] as number);
    h[j * m + j] = (h[j * m + j] as number) + lambda;
  }
  return { g, h };
}

/**
 * Fits the model. λ = 0 gives the maximum-likelihood fit, which does not
 * exist under separation (the fit then reports `converged: false`).
 */
export function fitLogistic(
  x: SparseBinary,
  y: Uint8Array,
  options: LogisticOptions = {},
): LogisticFit {
  const lambda = options.lambda ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  const n = sampleCount(x);
  if (y.length !== n) throw new RangeError("labels and samples differ in length");
  if (!(lambda >= 0)) throw new RangeError("lambda must be ≥ 0");
  const m = x.features + 1;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i] as number;
  if (positives === 0 || positives === n) {
    throw new MimamoriError(
      "invalid_input",
      "学習データの正解ラベルがすべて同じです（該当 0 件、または全件）。別のラベルか、より多くのデータで学習してください。",
    );
  }
  const beta = new Float64Array(m);
  // Start at the base rate: the intercept of the empty model.
  beta[0] = Math.log(positives / (n - positives));
  let obj = objectiveOf(x, y, beta, lambda);
  let converged = false;
  let iterations = 0;
  let lastL: Float64Array | null = null;
  for (; iterations < maxIterations; iterations++) {
    const { g, h } = derivatives(x, y, beta, lambda);
    let l = cholesky(h, m);
    if (l === null) {
      // A feature no sample holds (with λ = 0) leaves H singular: a tiny ridge keeps it solvable.
      for (let j = 0; j < m; j++) h[j * m + j] = (h[j * m + j] as number) + 1e-8;
      l = cholesky(h, m);
      if (l === null) break;
    }
    lastL = l;
    const step = choleskySolve(l, m, g);
    let t = 1;
    let next = new Float64Array(m);
    let nextObj = Number.NEGATIVE_INFINITY;
    for (let halving = 0; halving < 30; halving++) {
      next = beta.map((b, j) => b + t * (step[j] as number));
      nextObj = objectiveOf(x, y, next, lambda);
      if (nextObj >= obj - 1e-12 * Math.abs(obj)) break;
      t /= 2;
    }
    let maxMove = 0;
    for (let j = 0; j < m; j++)
      maxMove = Math.max(maxMove, Math.abs((next[j] as number) - (beta[j] as number)));
    beta.set(next);
    obj = nextObj;
    if (maxMove < tolerance) {
      converged = true;
      iterations++;
      break;
    }
  }
  // Standard errors at the final β.
  const { h } = derivatives(x, y, beta, lambda);
  const l = cholesky(h, m) ?? lastL;
  const variances = l ? inverseDiagonal(l, m) : new Float64Array(m).fill(Number.NaN);
  return {
    intercept: beta[0] as number,
    coefficients: beta.slice(1),
    standardErrors: variances.map((v) => Math.sqrt(v)),
    lambda,
    iterations,
    converged,
    objective: obj,
  };
}

/** Predicted probability for each sample. */
export function predictLogistic(
  fit: Pick<LogisticFit, "intercept" | "coefficients">,
  x: SparseBinary,
): Float64Array {
  const beta = new Float64Array(fit.coefficients.length + 1);
  beta[0] = fit.intercept;
  beta.set(fit.coefficients, 1);
  const n = sampleCount(x);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sigmoid(linear(x, i, beta));
  return out;
}

/** Gradient of the penalised log-likelihood (zero at the optimum): for tests and diagnostics. */
export function logisticGradient(
  fit: Pick<LogisticFit, "intercept" | "coefficients" | "lambda">,
  x: SparseBinary,
  y: Uint8Array,
): Float64Array {
  const beta = new Float64Array(fit.coefficients.length + 1);
  beta[0] = fit.intercept;
  beta.set(fit.coefficients, 1);
  return derivatives(x, y, beta, fit.lambda).g;
}
