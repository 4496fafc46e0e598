import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFebrl } from "./febrl-data.ts";
import { linkFebrl } from "./linkage-febrl.bench.ts";

/**
 * A slice of FEBRL4 shipped in test/fixtures/febrl (with its licence): 600
 * originals, 400 of their duplicates and 200 records whose original is not
 * in the slice, so both linking true pairs and rejecting non-matches are
 * tested on every clone.
 */
const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures", "febrl");

describe("FEBRL4 slice through the linkage engine", () => {
  it("links the duplicates and leaves the records without a true match unlinked", () => {
    const a = readFebrl("dataset4a-slice.csv", FIXTURES);
    const b = readFebrl("dataset4b-slice.csv", FIXTURES);
    const inA = new Set(a.map((r) => r.entity));
    expect(a).toHaveLength(600);
    expect(b.filter((r) => !inA.has(r.entity))).toHaveLength(200);
    const s = linkFebrl(a, b);
    expect(s.truePairs).toBe(400);
    expect(s.blockingRecall).toBeGreaterThanOrEqual(0.99);
    expect(s.recall).toBeGreaterThanOrEqual(0.95);
    // Every predicted pair beyond the true ones is a wrong link; the 200 non-matches
    // would show here if the engine forced them onto someone.
    expect(s.precision).toBeGreaterThanOrEqual(0.99);
    expect(s.f1).toBeGreaterThanOrEqual(0.97);
  });
});
