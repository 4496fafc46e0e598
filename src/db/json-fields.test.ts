import { describe, expect, it } from "vitest";
import { type JsonScalar, jsonFieldReader } from "./json-fields.ts";

/** What the reader gives for `keys`, or JSON.parse's values when it declines. */
function read(text: string, keys: readonly string[]): { plain: boolean; values: JsonScalar[] } {
  const out: JsonScalar[] = keys.map(() => null);
  const plain = jsonFieldReader(keys)(text, out);
  if (plain) return { plain, values: out };
  const parsed = JSON.parse(text) as Record<string, JsonScalar>;
  return { plain, values: keys.map((k) => parsed[k] ?? null) };
}

/** JSON.parse's values for `keys` (absent: null). */
function reference(text: string, keys: readonly string[]): JsonScalar[] {
  const parsed = JSON.parse(text) as Record<string, JsonScalar>;
  return keys.map((k) => (Object.hasOwn(parsed, k) ? (parsed[k] as JsonScalar) : null));
}

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ["宛名番号", "氏名", "氏名カナ", "住所", "学年", "性別", "通称", "a", "続柄"];
const TEXTS = [
  "山田 太郎",
  "ヤマダ タロウ",
  "見守市南原町2丁目6-16 メゾン見守101号",
  "",
  'say "hi"',
  "back\\slash",
  "tab\there",
  "line\nbreak",
  "\u0001",
  "𠮷野家",
  "\ud800",
  "13 characters",
  "twelve chars",
];

describe("jsonFieldReader", () => {
  it("reads the import's plain objects as JSON.parse does, without parsing them", () => {
    const text =
      '{"宛名番号":"100121491","氏名":"神田 里絵子","住所":"見守市南原町2丁目6-16 メゾン見守101号","学年":2,"特別支援学級":false,"体重":7.47,"x":-1.5e-3,"続柄":null}';
    const r = read(text, KEYS);
    expect(r.plain).toBe(true);
    expect(r.values).toEqual(reference(text, KEYS));
    expect(r.values).toEqual([
      "100121491",
      "神田 里絵子",
      null,
      "見守市南原町2丁目6-16 メゾン見守101号",
      2,
      null,
      null,
      null,
      null,
    ]);
    expect(read("{}", KEYS)).toEqual({ plain: true, values: KEYS.map(() => null) });
  });

  it("declines escapes, white space and nested values (JSON.parse reads them)", () => {
    for (const text of [
      '{"氏名":"a\\"b"}',
      '{"a\\u0041":1}',
      '{ "氏名":"x"}',
      '{"氏名": "x"}',
      '{"氏名":"x" }',
      '{"a":{"氏名":"x"},"氏名":"y"}',
      '{"a":["x","y"],"氏名":"y"}',
      '{"氏名" :"x"}',
    ])
      expect(read(text, KEYS).plain, text).toBe(false);
  });

  it("takes the last of a repeated key, as JSON.parse", () => {
    const text = '{"氏名":"a","氏名":"b","学年":1,"学年":3}';
    expect(read(text, KEYS)).toEqual({ plain: true, values: reference(text, KEYS) });
  });

  it("copies long values flat rather than keeping a view of the row's text", () => {
    // Not observable from JavaScript but as equality; the flat copy must equal the slice.
    const long = "見守市南原町2丁目6-16 メゾン見守101号";
    const text = `{"住所":"${long}"}`;
    expect(read(text, ["住所"]).values).toEqual([long]);
  });

  it("agrees with JSON.parse on random objects, plain or not (seeded)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
      const obj: Record<string, unknown> = {};
      const fields = Math.floor(rnd() * 12);
      for (let f = 0; f < fields; f++) {
        const key = rnd() < 0.7 ? pick(KEYS) : pick(["k", "体重", "x\\y", 'q"', "特別支援学級"]);
        const kind = rnd();
        obj[key] =
          kind < 0.45
            ? pick(TEXTS)
            : kind < 0.6
              ? pick([0, -0, 1, 2, -17, 3.25, 1e21, 1.5e-7, 123456789012])
              : kind < 0.7
                ? pick([true, false])
                : kind < 0.8
                  ? null
                  : kind < 0.9
                    ? { nested: pick(TEXTS) }
                    : [pick(TEXTS), 1];
      }
      const indented = rnd() < 0.15;
      const text = JSON.stringify(obj, null, indented ? 1 : undefined);
      const keys = KEYS.filter(() => rnd() < 0.6);
      const got = read(text, keys);
      // A nested value under a wanted key is JSON.parse's (an object), read by the fallback.
      expect(got.values, `seed ${seed}: ${text}`).toEqual(reference(text, keys));
      const nested = Object.values(obj).some((v) => v !== null && typeof v === "object");
      const plain = !indented && !nested && !text.includes("\\");
      expect(got.plain, `seed ${seed}: ${text}`).toBe(plain || text === "{}");
    }
  });
});
