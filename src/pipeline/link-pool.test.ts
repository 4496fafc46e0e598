import { describe, expect, it } from "vitest";
import { makePopulation } from "../../test/linkage-population.ts";
import { buildGaijiTable } from "../domain/ja/name.ts";
import { linkRecords, prepareProfiles } from "../domain/linkage/japanese.ts";
import { linkWorkerCount, POOL_MIN_ROWS, prepareProfilesInWorkers } from "./link-pool.ts";

describe("名寄せ worker pool", () => {
  it("starts no pool for small inputs, and takes the count from MIMAMORI_LINK_WORKERS", () => {
    expect(linkWorkerCount(1000, {})).toBe(0);
    expect(linkWorkerCount(POOL_MIN_ROWS, {}, 2)).toBe(0);
    expect(linkWorkerCount(POOL_MIN_ROWS, {}, 4)).toBe(2);
    expect(linkWorkerCount(POOL_MIN_ROWS, {}, 32)).toBe(4);
    expect(linkWorkerCount(POOL_MIN_ROWS, { MIMAMORI_LINK_WORKERS: "0" })).toBe(0);
    expect(linkWorkerCount(POOL_MIN_ROWS, { MIMAMORI_LINK_WORKERS: "3" })).toBe(3);
    expect(linkWorkerCount(POOL_MIN_ROWS, { MIMAMORI_LINK_WORKERS: "x" })).toBe(0);
    expect(linkWorkerCount(500, { MIMAMORI_LINK_WORKERS_MIN_ROWS: "100" }, 4)).toBe(2);
  });

  it("prepares the same profiles in worker threads as in this thread, whatever the chunking", async () => {
    const pop = makePopulation(120, 7);
    // Some names written without a space (split by the families found elsewhere) and a 外字.
    const gaiji = buildGaijiTable([{ code: "U+E001", char: "髙" }]);
    const records = pop.records.map((r, i) =>
      i % 5 === 0 && r.name ? { ...r, name: r.name.replace(/[\s\u3000]/, "") } : r,
    );
    const single = prepareProfiles(records, { gaiji });
    const pooled = await prepareProfilesInWorkers(records, { gaiji, workers: 2, chunk: 37 });
    expect(pooled.table.size).toBe(single.table.size);
    expect([...pooled.profileOf]).toEqual([...single.profileOf]);
    expect(pooled.keys).toEqual(single.keys);
    expect(pooled.anchors).toEqual(single.anchors);
    for (const [name, col] of single.table.columns) {
      const other = pooled.table.columns.get(name);
      expect(other?.values, name).toEqual(col.values);
      expect([...(other?.codes ?? [])], name).toEqual([...col.codes]);
    }
    // And the linkage built on them is the same, link for link.
    const a = linkRecords(records, { gaiji });
    const b = linkRecords(records, { gaiji, prepared: pooled });
    expect(b.links).toEqual(a.links);
    expect(b.review).toEqual(a.review);
  }, 60_000);
});
