import { describe, expect, it } from "vitest";
import { blockPairs } from "./blocking.ts";
import { compileComparisons, computeLevels } from "./comparisons.ts";
import { runEngine } from "./engine.ts";
import { explainPair } from "./explain.ts";
import { estimateLambda, estimateU, probabilityOf, scorePairs, trainModel } from "./model.ts";
import { seededRandom } from "./random.ts";
import type { LinkageSettings } from "./settings.ts";
import { buildTable } from "./table.ts";

const COLUMNS = ["c0", "c1", "c2", "c3"];
const TRUE_M = [0.95, 0.9, 0.8, 0.7];

/** Two files of `n` entities; each field of the second copy agrees with probability TRUE_M. */
function simulate(n: number, seed: number) {
  const rnd = seededRandom(seed);
  const value = () => `v${Math.floor(rnd() * 50)}`;
  const rows: Record<string, string>[] = [];
  const entity: number[] = [];
  const second: Record<string, string>[] = [];
  for (let e = 0; e < n; e++) {
    const a: Record<string, string> = {};
    const b: Record<string, string> = {};
    COLUMNS.forEach((c, k) => {
      a[c] = value();
      if (rnd() < (TRUE_M[k] as number)) b[c] = a[c] as string;
      else {
        let v = value();
        while (v === a[c]) v = value();
        b[c] = v;
      }
    });
    rows.push(a);
    second.push(b);
    entity.push(e);
  }
  const all = [...rows, ...second];
  return { rows: all, entity: [...entity, ...entity], n };
}

const settings: LinkageSettings = {
  version: "test",
  linkType: "link_only",
  comparisons: COLUMNS.map((c) => ({
    name: c,
    label: c,
    levels: [
      { label: "exact", when: { kind: "exact", column: c } },
      { label: "else", when: { kind: "else" } },
    ],
  })),
  blockingRules: COLUMNS.map((c) => ({ name: c, columns: [c] })),
  deterministicRules: [{ name: "all", columns: COLUMNS }],
  deterministicRecall: 0.95 * 0.9 * 0.8 * 0.7,
  wildcardColumns: [],
  weakColumns: [],
  idColumn: null,
  thresholds: { accept: 0.9, review: 0.5, ambiguityBits: 2 },
  cannotLink: [],
  training: {
    uSamplePairs: 1_000_000,
    seed: 1,
    emMaxIterations: 200,
    emTolerance: 1e-7,
    tfMinimumU: 1e-6,
  },
};

describe("Fellegi–Sunter training", () => {
  const sim = simulate(600, 11);
  const table = buildTable(sim.rows, COLUMNS, {
    group: (i) => (i < sim.n ? 0 : 1),
    backbone: (i) => i < sim.n,
  });
  const comparisons = compileComparisons(table, settings.comparisons);
  const pairs = blockPairs(table, settings.blockingRules, settings.linkType);
  const levels = new Uint8Array(pairs.count * comparisons.length);
  computeLevels(comparisons, pairs.left, pairs.right, 0, pairs.count, levels);
  const model = trainModel(table, settings, comparisons, pairs, levels);

  it("estimates λ from the deterministic rule near the true share of matching pairs", () => {
    const truth = sim.n / (sim.n * sim.n);
    expect(model.lambda / truth).toBeGreaterThan(0.7);
    expect(model.lambda / truth).toBeLessThan(1.4);
    expect(estimateLambda(table, settings).totalPairs).toBe(sim.n * sim.n);
  });
  it("estimates u from random pairs near the chance agreement 1/50", () => {
    for (const c of model.comparisons) expect(c.u[0] as number).toBeCloseTo(0.02, 2);
  });
  it("recovers m by EM with λ and u fixed", () => {
    model.comparisons.forEach((c, k) => {
      expect(Math.abs((c.m[0] as number) - (TRUE_M[k] as number))).toBeLessThan(0.05);
    });
    expect(model.training.emConverged).toBe(true);
  });
  it("explains every pair with steps that sum to its match weight", () => {
    const weights = scorePairs(model, settings, table, pairs, levels);
    for (let p = 0; p < Math.min(pairs.count, 300); p++) {
      const w = explainPair(
        model,
        settings,
        table,
        comparisons,
        pairs.left[p] as number,
        pairs.right[p] as number,
      );
      const sum = w.steps.reduce((s, x) => s + x.weight + x.tfAdjustment, 0);
      expect(sum).toBeCloseTo(weights[p] as number, 9);
      expect(w.weight).toBeCloseTo(weights[p] as number, 9);
      expect(w.steps.at(-1)?.cumulative).toBeCloseTo(w.weight, 9);
      expect(w.probability).toBeCloseTo(probabilityOf(weights[p] as number), 12);
    }
  });
  // With four fields, a true pair that agrees on only two of them is rightly left unlinked: about
  // 80% of true pairs agree on three or four (0.95·0.9·0.8·0.7 + the four ways to miss one).
  it("links the simulated files with high precision and the recall the evidence allows", () => {
    const r = runEngine(table, settings);
    let tp = 0;
    let predicted = 0;
    for (let j = sim.n; j < 2 * sim.n; j++)
      for (let i = 0; i < sim.n; i++)
        if (r.clusters.cluster[i] === r.clusters.cluster[j]) {
          predicted++;
          if (sim.entity[i] === sim.entity[j]) tp++;
        }
    expect(tp / predicted).toBeGreaterThan(0.97);
    expect(tp / sim.n).toBeGreaterThan(0.75);
  });
  it("uses reviewers' decisions as labels and honours them", () => {
    // Label the first 50 true pairs "same" and 50 chance pairs "different".
    const decisions = [];
    for (let e = 0; e < 50; e++) decisions.push({ a: e, b: sim.n + e, same: true });
    for (let e = 0; e < 50; e++)
      decisions.push({ a: e, b: sim.n + ((e + 7) % sim.n), same: false });
    const r = runEngine(table, settings, { decisions });
    expect(r.model.training.labelledPairs).toBe(100);
    for (let e = 0; e < 50; e++) {
      expect(r.clusters.cluster[e]).toBe(r.clusters.cluster[sim.n + e]);
      expect(r.clusters.cluster[e]).not.toBe(r.clusters.cluster[sim.n + ((e + 7) % sim.n)]);
    }
  });
});

describe("u from random pairs", () => {
  // A reference built the plain way: the same seeded draws, every comparison's level pair by
  // pair (computeLevels), then counted. estimateU counts comparison by comparison over the
  // pairs reordered by row; the frequencies must be exactly these.
  const rnd = seededRandom(5);
  const rows = Array.from({ length: 400 }, () => ({
    a: `a${Math.floor(rnd() * 6)}`,
    b: rnd() < 0.2 ? "" : `b${Math.floor(rnd() * 40)}`,
    c: `c${Math.floor(rnd() * 3)}`,
  }));
  const table = buildTable(rows, ["a", "b", "c"], { group: (i) => i % 3 });
  const local: LinkageSettings = {
    ...settings,
    linkType: "link_only",
    comparisons: [
      {
        name: "ab",
        label: "ab",
        levels: [
          { label: "both", when: { kind: "all", of: [exactOf("a"), exactOf("b")] } },
          { label: "a", when: exactOf("a") },
          { label: "else", when: { kind: "else" } },
        ],
      },
      {
        name: "c",
        label: "c",
        levels: [
          { label: "c", when: exactOf("c") },
          { label: "else", when: { kind: "else" } },
        ],
      },
    ],
    training: { ...settings.training, uSamplePairs: 7_000, seed: 3 },
  };
  const comparisons = compileComparisons(table, local.comparisons);
  const exclude = Uint8Array.from(rows, (_, i) => (i % 17 === 0 ? 1 : 0));

  function reference(): number[][] {
    const kept = rows.flatMap((_, i) => (exclude[i] === 1 ? [] : [i]));
    const draw = seededRandom(local.training.seed);
    const left: number[] = [];
    const right: number[] = [];
    while (left.length < local.training.uSamplePairs) {
      const i = kept[Math.floor(draw() * kept.length)] as number;
      const j = kept[Math.floor(draw() * kept.length)] as number;
      if (i === j || table.group[i] === table.group[j]) continue;
      left.push(i);
      right.push(j);
    }
    const C = comparisons.length;
    const levels = new Uint8Array(left.length * C);
    computeLevels(
      comparisons,
      Int32Array.from(left),
      Int32Array.from(right),
      0,
      left.length,
      levels,
    );
    return comparisons.map((c, ci) => {
      const counts = c.spec.levels.map(() => 0);
      for (let p = 0; p < left.length; p++) {
        const l = levels[p * C + ci] as number;
        if (l > 0) counts[l - 1] = (counts[l - 1] as number) + 1;
      }
      const smoothed = counts.map((x) => (x === 0 ? 0.5 : x));
      const sum = smoothed.reduce((s, x) => s + x, 0);
      return smoothed.map((x) => x / sum);
    });
  }

  it("gives exactly the level frequencies of the sampled pairs, missing values left out", () => {
    const got = estimateU(table, comparisons, local, exclude);
    expect(got.pairs).toBe(7_000);
    expect(got.u).toEqual(reference());
    // Not a trivial agreement: the levels are all seen, and "a" agrees about 1 time in 6.
    expect(got.u[0]?.[1] as number).toBeGreaterThan(0.1);
    expect(got.u[0]?.[0] as number).toBeGreaterThan(0);
  });
});

function exactOf(column: string) {
  return { kind: "exact", column } as const;
}
