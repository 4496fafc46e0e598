import { describe, expect, it } from "vitest";
import { readFebrl } from "./febrl-data.ts";
import { linkFebrl } from "./linkage-febrl.bench.ts";

describe("FEBRL4 slice through the linkage engine", () => {
  it("links 600 originals and their duplicates unsupervised with F1 ≥ 0.97", () => {
    const a = readFebrl("dataset4a.csv").slice(0, 600);
    const entities = new Set(a.map((r) => r.entity));
    const b = readFebrl("dataset4b.csv").filter((r) => entities.has(r.entity));
    const s = linkFebrl(a, b);
    expect(s.truePairs).toBe(600);
    expect(s.blockingRecall).toBeGreaterThanOrEqual(0.99);
    expect(s.f1).toBeGreaterThanOrEqual(0.97);
  });
});
