import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IsoDate } from "../types.ts";
import {
  type DateResult,
  ERAS,
  eraOf,
  excelSerialToDate,
  formatWareki,
  MAX_YEAR,
  parseDate,
} from "./date.ts";

function ok(r: DateResult): string {
  if (!r.ok) throw new Error(`expected a date, got: ${r.reason}`);
  return r.value;
}

function reason(r: DateResult): string {
  if (r.ok) throw new Error(`expected an error, got ${r.value}`);
  return r.reason;
}

describe("parseDate: every form of layouts.md", () => {
  it.each([
    ["2024-04-01", "2024-04-01"],
    ["2024/4/1", "2024-04-01"],
    ["2024/04/01", "2024-04-01"],
    ["2024.4.1", "2024-04-01"],
    ["20240401", "2024-04-01"],
    ["2024年4月1日", "2024-04-01"],
    ["令和6年4月1日", "2024-04-01"],
    ["R6.4.1", "2024-04-01"],
    ["R06.04.01", "2024-04-01"],
    ["r6.4.1", "2024-04-01"],
    ["R6/4/1", "2024-04-01"],
    ["R6年4月1日", "2024-04-01"],
    ["R060401", "2024-04-01"],
    ["令6.4.1", "2024-04-01"],
    ["H31.4.30", "2019-04-30"],
    ["平成31年4月30日", "2019-04-30"],
    ["令和元年5月1日", "2019-05-01"],
    ["R1.5.1", "2019-05-01"],
    ["R元.5.1", "2019-05-01"],
    ["H1.1.8", "1989-01-08"],
    ["平成元年1月8日", "1989-01-08"],
    ["S64.1.7", "1989-01-07"],
    ["昭和元年12月25日", "1926-12-25"],
    ["T15.12.24", "1926-12-24"],
    ["大正元年7月30日", "1912-07-30"],
    ["M45.7.29", "1912-07-29"],
    ["明治41年3月3日", "1908-03-03"],
    ["S40.1.15", "1965-01-15"],
  ])("%s → %s", (input, expected) => {
    expect(ok(parseDate(input))).toBe(expected);
  });

  it.each([
    ["２０２４－０４－０１", "2024-04-01"],
    ["２０２４/４/１", "2024-04-01"],
    ["令和６年４月１日", "2024-04-01"],
    ["Ｒ６．４．１", "2024-04-01"],
    ["Ｈ３１．４．３０", "2019-04-30"],
    ["２０２４０４０１", "2024-04-01"],
    ["　2024/4/1　", "2024-04-01"],
    ["令和 6年 4月 1日", "2024-04-01"],
    ["㋿6.4.1", "2024-04-01"],
    ["㍻31年4月30日", "2019-04-30"],
    ["令和六年四月一日", "2024-04-01"],
    ["平成三十一年四月三十日", "2019-04-30"],
    ["二〇二四年四月一日", "2024-04-01"],
  ])("full-width, spaces, ligatures and kanji numerals: %s → %s", (input, expected) => {
    expect(ok(parseDate(input))).toBe(expected);
  });

  it.each([
    ["2024/04/01 0:00:00", "2024-04-01"],
    ["2024-04-01T00:00:00", "2024-04-01"],
    ["2024-04-01T09:30:00+09:00", "2024-04-01"],
    ["2024/4/1 12:34", "2024-04-01"],
  ])("drops the time part Excel adds when saving CSV: %s", (input, expected) => {
    expect(ok(parseDate(input))).toBe(expected);
  });
});

describe("parseDate: era boundaries", () => {
  it("R1.4.30 is before 令和 and points to 平成31年", () => {
    const r = reason(parseDate("R1.4.30"));
    expect(r).toContain("令和の始まり（2019年5月1日）より前");
    expect(r).toContain("平成31年4月30日");
  });

  it("H31.5.1 is after 平成 and points to 令和元年", () => {
    const r = reason(parseDate("H31.5.1"));
    expect(r).toContain("平成の終わり（2019年4月30日）より後");
    expect(r).toContain("令和元年5月1日");
  });

  it.each([
    ["H1.1.7", "平成の始まり"],
    ["S64.1.8", "昭和の終わり"],
    ["S1.12.24", "昭和の始まり"],
    ["T15.12.25", "大正の終わり"],
    ["T1.7.29", "大正の始まり"],
    ["M45.7.30", "明治の終わり"],
    ["M1.10.22", "明治の始まり"],
    ["平成32年1月1日", "平成の終わり"],
    ["令和元年4月1日", "令和の始まり"],
  ])("%s is outside its era (%s)", (input, message) => {
    expect(reason(parseDate(input))).toContain(message);
  });

  it("era year 0 is refused", () => {
    expect(reason(parseDate("R0.5.1"))).toContain("元年");
  });

  it("every era's first and last day parse in kanji and letter forms", () => {
    for (const era of ERAS) {
      for (const day of [era.start, era.end].filter((d): d is IsoDate => d !== undefined)) {
        expect(ok(parseDate(formatWareki(day, "kanji") as string))).toBe(day);
        expect(ok(parseDate(formatWareki(day, "letter") as string))).toBe(day);
        expect(eraOf(day)).toBe(era);
      }
    }
  });
});

describe("parseDate: impossible and unreadable values are errors, never guesses", () => {
  it.each([
    ["2023-02-30", "存在しない日付"],
    ["2023-02-29", "存在しない日付"],
    ["2024-13-01", "存在しない日付"],
    ["2024-04-31", "存在しない日付"],
    ["20240431", "存在しない日付"],
    ["2024/0/1", "存在しない日付"],
    ["R5.2.29", "存在しない日付"],
    ["1867-12-31", "年が範囲外"],
    ["2204-04-01", "年が範囲外"],
    ["", "空"],
    ["   ", "空"],
    ["abc", "読めません"],
    ["2024/4", "日がありません"],
    ["令和6年4月", "日がありません"],
    ["R6.4", "日がありません"],
    ["24/4/1", "年が2桁"],
    ["01/04/2024", "dmy か mdy"],
    ["2024-4/1", "読めません"],
    ["2024年4月1日生", "読めません"],
    ["X6.4.1", "読めません"],
    ["1/2", "読めません"],
  ])("%s → error containing %s", (input, message) => {
    expect(reason(parseDate(input))).toContain(message);
  });

  it("leap days follow the Gregorian rule", () => {
    expect(ok(parseDate("2024-02-29"))).toBe("2024-02-29");
    expect(ok(parseDate("2000-02-29"))).toBe("2000-02-29");
    expect(reason(parseDate("2100-02-29"))).toContain("存在しない");
  });

  it("a huge value is cut short in the message", () => {
    const r = reason(parseDate(`${"9".repeat(5000)}`));
    expect(r.length).toBeLessThan(200);
  });
});

describe("parseDate: hints", () => {
  it("dmy and mdy read day-first forms", () => {
    expect(ok(parseDate("01/04/2024", { hint: "dmy" }))).toBe("2024-04-01");
    expect(ok(parseDate("04/01/2024", { hint: "mdy" }))).toBe("2024-04-01");
    expect(reason(parseDate("13/13/2024", { hint: "mdy" }))).toContain("存在しない");
  });

  it("era-code reads 7-digit GYYMMDD", () => {
    expect(ok(parseDate("5060401", { hint: "era-code" }))).toBe("2024-04-01");
    expect(ok(parseDate("4310430", { hint: "era-code" }))).toBe("2019-04-30");
    expect(ok(parseDate("3640107", { hint: "era-code" }))).toBe("1989-01-07");
    expect(reason(parseDate("5010430", { hint: "era-code" }))).toContain("令和の始まり");
    // Without the hint a 7-digit number is not a date at all.
    expect(parseDate("5060401").ok).toBe(false);
  });

  it("the other forms still parse under a hint", () => {
    expect(ok(parseDate("R6.4.1", { hint: "era-code" }))).toBe("2024-04-01");
    expect(ok(parseDate("2024-04-01", { hint: "dmy" }))).toBe("2024-04-01");
  });

  it("excel serials, from .xlsx cells or by hint", () => {
    expect(ok(parseDate("45383", { excelSerial: true }))).toBe("2024-04-01");
    expect(ok(parseDate("45383.75", { hint: "excel-serial" }))).toBe("2024-04-01");
    expect(parseDate("45383").ok).toBe(false);
    // An 8-digit compact date is never a serial.
    expect(ok(parseDate("20240401", { excelSerial: true }))).toBe("2024-04-01");
  });
});

describe("excelSerialToDate", () => {
  it.each([
    [1, "1900-01-01"],
    [59, "1900-02-28"],
    [61, "1900-03-01"],
    [25569, "1970-01-01"],
    [43586, "2019-05-01"],
    [45383, "2024-04-01"],
    [45382.999, "2024-03-31"],
  ])("1900 system: %d → %s", (serial, expected) => {
    expect(ok(excelSerialToDate(serial))).toBe(expected);
  });

  it("serial 60 is Excel's non-existent 1900-02-29", () => {
    expect(reason(excelSerialToDate(60))).toContain("1900年2月29日");
  });

  it("1904 system", () => {
    expect(ok(excelSerialToDate(0, true))).toBe("1904-01-01");
    expect(ok(excelSerialToDate(43921, true))).toBe("2024-04-01");
  });

  it("negative, NaN and huge serials are errors", () => {
    for (const s of [-1, Number.NaN, Number.POSITIVE_INFINITY, 3_000_000, 0]) {
      expect(excelSerialToDate(s).ok).toBe(false);
    }
  });

  it("agrees with day counting between serials 61 and the maximum", () => {
    fc.assert(
      fc.property(fc.integer({ min: 61, max: 109_573 }), (serial) => {
        const a = excelSerialToDate(serial);
        const b = excelSerialToDate(serial + 1);
        if (!a.ok || !b.ok) return true; // outside MIN_YEAR..MAX_YEAR
        const diff = (Date.parse(b.value) - Date.parse(a.value)) / 86_400_000;
        return diff === 1;
      }),
    );
  });
});

describe("parseDate: properties", () => {
  const validDate = fc
    .date({
      min: new Date(Date.UTC(1868, 9, 23)),
      max: new Date(Date.UTC(MAX_YEAR, 11, 31)),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10) as IsoDate);

  it("never throws, on any string, with any hint", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "binary" }),
          fc.stringMatching(/^[RHSTM元年月日0-9./-]{0,12}$/),
        ),
        fc.constantFrom("auto", "dmy", "mdy", "era-code", "excel-serial" as const),
        fc.boolean(),
        (s, hint, excelSerial) => {
          const r = parseDate(s, { hint, excelSerial });
          return r.ok ? /^\d{4}-\d{2}-\d{2}$/.test(r.value) : r.reason.length > 0;
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("the fast path for YYYY-MM-DD and YYYY/M/D agrees with the general parser", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}$/), (s) => {
        // Surrounding spaces force the general (normalising) path.
        expect(parseDate(s)).toEqual(parseDate(` ${s} `));
      }),
      { numRuns: 2000 },
    );
  });

  it("a successful parse is always a real calendar date", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$/), (s) => {
        const r = parseDate(s);
        if (!r.ok) return true;
        const t = new Date(`${r.value}T00:00:00Z`);
        return t.toISOString().slice(0, 10) === r.value;
      }),
    );
  });

  it("round-trips every date through 和暦 (kanji and letter) and the western forms", () => {
    fc.assert(
      fc.property(validDate, (d) => {
        const [y, m, day] = [Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8, 10))];
        const forms = [
          d,
          `${y}/${m}/${day}`,
          d.replaceAll("-", ""),
          `${y}年${m}月${day}日`,
          formatWareki(d, "kanji") as string,
          formatWareki(d, "letter") as string,
        ];
        return forms.every((f) => {
          const r = parseDate(f);
          return r.ok && r.value === d;
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("a letter-era date in a neighbouring era is an error, never a different date", () => {
    fc.assert(
      fc.property(validDate, fc.constantFrom(...ERAS), (d, era) => {
        const own = eraOf(d);
        const y = Number(d.slice(0, 4)) - Number(era.start.slice(0, 4)) + 1;
        const r = parseDate(`${era.letter}${y}.${Number(d.slice(5, 7))}.${Number(d.slice(8, 10))}`);
        if (own === era) return r.ok && r.value === d;
        return !r.ok || r.value === d;
      }),
    );
  });
});
