import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvParser, type CsvRecord, quoteCsvField } from "./csv.ts";

function parseAll(text: string, chunkSizes: number[] = [], maxField?: number): CsvRecord[] {
  const p = new CsvParser(maxField);
  const out: CsvRecord[] = [];
  let at = 0;
  for (const size of chunkSizes) {
    out.push(...p.push(text.slice(at, at + size)));
    at += size;
  }
  out.push(...p.push(text.slice(at)));
  out.push(...p.end());
  return out;
}

const fieldsOf = (rs: CsvRecord[]) => rs.map((r) => r.fields);

describe("CsvParser: RFC 4180", () => {
  it("keeps each record's text as written, without the line break", () => {
    expect(parseAll('a,"b\r\nc"\r\n1,2').map((r) => r.text)).toEqual(['a,"b\r\nc"', "1,2"]);
  });

  it("reads LF and CRLF records, with or without a final line break", () => {
    expect(fieldsOf(parseAll("a,b\n1,2\n"))).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(fieldsOf(parseAll("a,b\r\n1,2\r\n"))).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(fieldsOf(parseAll("a,b\r\n1,2"))).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("reads quoted commas, doubled quotes and line breaks inside quotes", () => {
    const rs = parseAll('名前,メモ\r\n"山田, 太郎","彼は""元気""\r\nです"\r\n次,x\n');
    expect(fieldsOf(rs)).toEqual([
      ["名前", "メモ"],
      ["山田, 太郎", '彼は"元気"\r\nです'],
      ["次", "x"],
    ]);
    expect(rs.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it("keeps empty fields, including a trailing one and quoted empties", () => {
    expect(fieldsOf(parseAll('a,,c,\n"",x,""\n'))).toEqual([
      ["a", "", "c", ""],
      ["", "x", ""],
    ]);
  });

  it("skips blank lines and rows of empty cells, counting their lines", () => {
    const rs = parseAll("a\n\n\r\n,,\nb\n");
    expect(fieldsOf(rs)).toEqual([["a"], ["b"]]);
    expect(rs.map((r) => r.line)).toEqual([1, 5]);
  });

  it("reads a quote inside an unquoted field literally", () => {
    expect(fieldsOf(parseAll('身長5"3,x\n'))).toEqual([['身長5"3', "x"]]);
  });

  it("gives the same records whatever the chunking", () => {
    const text = 'h1,h2\r\n"a,""b""\r\nc",d\r\n"",""\r\nlast,"x"';
    const whole = parseAll(text);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(parseAll(text, [cut])).toEqual(whole);
    }
    expect(
      parseAll(
        text,
        Array.from({ length: text.length }, () => 1),
      ),
    ).toEqual(whole);
  });
});

describe("CsvParser: broken input is a row error, never the end of the file", () => {
  it("text after a closing quote breaks only that record", () => {
    const rs = parseAll('a,b\n"x"y,1\nok,2\n');
    expect(rs[1]).toMatchObject({
      line: 2,
      fields: ["xy,1"],
      error: expect.stringContaining("後ろに文字"),
    });
    expect(rs[2]).toEqual({ line: 3, fields: ["ok", "2"], text: "ok,2" });
    expect(rs[1]?.text).toBe('"x"y,1');
  });

  it("an unclosed quote at the end of the file is reported as a cut-off file", () => {
    const rs = parseAll('a,b\n1,"never closed\n2,3\n');
    expect(rs[1]?.error).toContain("ファイルが途中で切れている");
    expect(rs[1]?.line).toBe(2);
    // The lines the quote swallowed are read again as records.
    expect(rs[2]).toEqual({ line: 3, fields: ["2", "3"], text: "2,3" });
  });

  it("an unclosed quote longer than the field limit is cut, and reading resumes on the next line", () => {
    const body = Array.from({ length: 50 }, (_, i) => `${i},x`).join("\n");
    const text = `a,b\n1,"open\n${body}\n`;
    const rs = parseAll(text, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 64);
    expect(rs[1]).toMatchObject({ line: 2, error: expect.stringContaining("閉じられていません") });
    expect(rs.slice(2).map((r) => r.fields[0])).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
    expect(rs.at(-1)?.line).toBe(52);
  });

  it("regression (fast-check): an open quote past the limit waits for its line to end", () => {
    // Found by the "never throws" property: it used to emit the record before the
    // line was complete, then read the line's rest as a second record on line 1.
    expect(parseAll('"aa', [2], 1)).toEqual([
      { line: 1, fields: ["aa"], text: '"aa', error: expect.stringContaining("閉じられない") },
    ]);
  });

  it("a file cut in the middle of a record gives that record short", () => {
    expect(fieldsOf(parseAll("a,b,c\n1,2,3\n4,5"))).toEqual([
      ["a", "b", "c"],
      ["1", "2", "3"],
      ["4", "5"],
    ]);
  });
});

describe("CsvParser: properties", () => {
  const cell = fc.oneof(
    fc.string(),
    fc.constantFrom("", '"', '""', ",", "\n", "\r\n", "\r", " a ", "山田　太郎", '"x"y'),
    fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r", " ", "あ") }),
  );
  const rows = fc
    .array(fc.array(cell, { minLength: 1, maxLength: 6 }), { maxLength: 12 })
    .map((rs) => rs.filter((r) => r.some((f) => f.trim() !== "")));

  it("round-trips any cells written with quoting, for LF and CRLF and any chunking", () => {
    fc.assert(
      fc.property(
        rows,
        fc.constantFrom("\n", "\r\n"),
        fc.array(fc.nat(40), { maxLength: 5 }),
        (rs, eol, cuts) => {
          const text = rs.map((r) => r.map(quoteCsvField).join(",")).join(eol) + eol;
          const got = parseAll(text, cuts);
          expect(got.every((r) => r.error === undefined)).toBe(true);
          expect(fieldsOf(got)).toEqual(rs);
          // Each record's text is the record as written: reading it again gives its fields.
          for (const r of got) expect(fieldsOf(parseAll(r.text))).toEqual([r.fields]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("never throws on arbitrary text and always makes progress", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r", " ", "あ", "\ufffd") }),
        fc.array(fc.nat(20), { maxLength: 6 }),
        fc.integer({ min: 1, max: 50 }),
        (text, cuts, maxField) => {
          const rs = parseAll(text, cuts, maxField);
          const lines = text.split("\n").length;
          return rs.every(
            (r, i) =>
              r.line >= 1 && r.line <= lines && (i === 0 || r.line > (rs[i - 1] as CsvRecord).line),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("chunking never changes the result", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r", "あ") }),
        fc.array(fc.nat(8), { maxLength: 8 }),
        (text, cuts) => {
          expect(parseAll(text, cuts)).toEqual(parseAll(text));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
