import { describe, expect, it } from "vitest";
import { z } from "zod";
import { japaneseIssues } from "./zod-messages.ts";

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;

function issues(schema: z.ZodType, value: unknown): string[] {
  const r = schema.safeParse(value);
  if (r.success) throw new Error("expected a failure");
  return japaneseIssues(r.error);
}

describe("zod issues in Japanese (issue 16)", () => {
  it("rewrites zod's English defaults, e.g. 'expected number, received NaN'", () => {
    const english = z.object({ n: z.number() }).safeParse({ n: Number.NaN });
    expect(english.success).toBe(false);
    if (!english.success) expect(english.error.issues[0]?.message).toMatch(/expected number/);
    expect(issues(z.object({ n: z.number() }), { n: Number.NaN })).toEqual([
      "n: 数値で入力してください。",
    ]);
  });

  it("covers every common issue code, and never leaves English", () => {
    const cases: [z.ZodType, unknown][] = [
      [z.string(), undefined],
      [z.string().min(3), "a"],
      [z.string().max(2), "abc"],
      [z.number().int().min(1), 0],
      [z.number().max(5), 9],
      [z.array(z.string()).min(1), []],
      [z.email(), "x"],
      [z.enum(["a", "b"]), "c"],
      [z.strictObject({ a: z.string() }), { a: "x", b: 1 }],
      [z.union([z.string(), z.number()]), true],
      [z.number().multipleOf(5), 3],
      [z.coerce.number().int(), "1.5"],
    ];
    for (const [schema, value] of cases) {
      for (const line of issues(schema, value)) expect(line, String(value)).toMatch(JAPANESE);
    }
  });

  it("keeps a schema's own Japanese message", () => {
    expect(issues(z.string().min(1, "ファイル名がありません。"), "")).toEqual([
      "ファイル名がありません。",
    ]);
  });
});
