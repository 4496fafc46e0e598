import { describe, expect, it } from "vitest";
import { MimamoriError } from "../errors.ts";
import {
  formatAggregateCsv,
  parseAggregateCsv,
  parseCsvRecords,
  toAggregateRows,
} from "./aggregate.ts";

describe("aggregate export", () => {
  it("suppresses small tables, leaves out group-defining items, and round-trips through CSV", () => {
    const rows = toAggregateRows("開成町", [
      { itemId: "B16", difficulty: "abuse", a: 12, b: 85, c: 40, d: 2210 },
      { itemId: "B03", difficulty: "abuse", a: 4, b: 85, c: 48, d: 2210 },
      { itemId: "B01", difficulty: "abuse", a: 52, b: 0, c: 0, d: 2295, excluded: true },
    ]);
    expect(rows).toHaveLength(2);
    const csv = formatAggregateCsv(rows);
    expect(csv).toBe(
      "municipality,item_id,difficulty,a,b,c,d\n開成町,B16,abuse,12,85,40,2210\n開成町,B03,abuse,x,x,x,x\n",
    );
    expect(parseAggregateCsv(csv, "kaisei.csv")).toEqual(rows);
  });

  it("honours k", () => {
    const rows = toAggregateRows(
      "村",
      [{ itemId: "B16", difficulty: "abuse", a: 4, b: 5, c: 6, d: 7 }],
      { k: 3 },
    );
    expect(rows[0]).toMatchObject({ a: 4, b: 5, c: 6, d: 7 });
  });

  it("reads BOM, CRLF, quoted fields, reordered and extra columns", () => {
    const text =
      '\uFEFFitem_id,difficulty,note,municipality,a,b,c,d\r\nB03,abuse,"say ""hi"", ok","市, 北部",1,2,X,4\r\n\r\n';
    expect(parseAggregateCsv(text, "f.csv")).toEqual([
      { municipality: "市, 北部", itemId: "B03", difficulty: "abuse", a: 1, b: 2, c: null, d: 4 },
    ]);
    expect(parseCsvRecords('a,"b\nc",d\n')).toEqual([["a", "b\nc", "d"]]);
  });

  it("lists every problem with its line number", () => {
    const text =
      "municipality,item_id,difficulty,a,b,c,d\nA,B01,abuse,1,2,3,-4\n,B02,abuse,1,2,3.5,4\n";
    try {
      parseAggregateCsv(text, "bad.csv");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MimamoriError);
      const err = e as MimamoriError;
      expect(err.message).toContain("bad.csv");
      expect(err.message).toContain("3 件");
      expect(err.details).toEqual([
        "2 行目: d は 0 以上の整数か秘匿記号 x にしてください（「-4」）。",
        "3 行目: municipality（自治体名）が空です。",
        "3 行目: c は 0 以上の整数か秘匿記号 x にしてください（「3.5」）。",
      ]);
    }
  });

  it("names the missing header columns", () => {
    expect(() => parseAggregateCsv("municipality,item,a,b,c,d\n", "h.csv")).toThrow(
      /item_id, difficulty/,
    );
    expect(() => parseAggregateCsv("", "empty.csv")).toThrow(MimamoriError);
  });
});
