import { describe, expect, it } from "vitest";
import { BUILT_IN_SOURCES } from "../domain/layouts.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import type { Value } from "../domain/validate.ts";
import {
  linkColumnsOf,
  linkInputOfFields,
  linkRecordOfData,
  motherFactsOfData,
} from "./link-input.ts";

const asOf = "2025-04-01" as IsoDate;
const SAMPLES: readonly Value[] = [
  "",
  "1001",
  "山田 太郎",
  "2010-09-02",
  "male",
  "female",
  0,
  3,
  true,
  null,
];

describe("the link read's columns (linkColumnsOf, linkInputOfFields)", () => {
  it("give the LinkRecord and mother facts that the row's whole JSON gives, for every source", () => {
    const sources = [...BUILT_IN_SOURCES.layouts.map((l) => l.id), "undeclared"] as SourceId[];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const source of sources) {
      const cols = linkColumnsOf(source, BUILT_IN_SOURCES);
      const layout = BUILT_IN_SOURCES.find(source);
      const names = [...new Set([...cols.columns, ...(layout?.columns.map((c) => c.name) ?? [])])];
      for (let n = 0; n < 50; n++) {
        const data: Record<string, Value> = {};
        for (const name of names)
          if (next() < 0.7) data[name] = SAMPLES[Math.floor(next() * SAMPLES.length)] as Value;
        const values = cols.columns.map((c) => data[c] ?? null);
        const got = linkInputOfFields(cols, "f.csv", n + 1, n, values, asOf);
        expect(got.record, `${source} ${JSON.stringify(data)}`).toEqual(
          linkRecordOfData(source, "f.csv", n + 1, data, asOf, BUILT_IN_SOURCES),
        );
        expect(got.mother).toEqual(motherFactsOfData(source, n, data, BUILT_IN_SOURCES));
      }
    }
  });

  it("ask only for the columns the link stage reads", () => {
    const cols = linkColumnsOf("nyuyoji_kenshin" as SourceId, BUILT_IN_SOURCES);
    expect(cols.columns).toContain("宛名番号");
    expect(cols.columns).not.toContain("体重");
    expect(new Set(cols.columns).size).toBe(cols.columns.length);
  });
});
