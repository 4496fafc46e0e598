import { describe, expect, it } from "vitest";
import { hash64, hash64Parts, seededRandom } from "./random.ts";

describe("hash64Parts", () => {
  it("equals hash64 of the parts joined by \\u0001 (nulls as empty), on random strings", () => {
    const rnd = seededRandom(7);
    const pick = () => {
      const n = Math.floor(rnd() * 6);
      let s = "";
      for (let i = 0; i < n; i++)
        s += String.fromCharCode(
          rnd() < 0.5 ? 0x3041 + Math.floor(rnd() * 90) : 32 + Math.floor(rnd() * 90),
        );
      return s;
    };
    for (let k = 0; k < 500; k++) {
      const parts = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () =>
        rnd() < 0.2 ? null : pick(),
      );
      expect(hash64Parts(parts)).toBe(hash64(parts.map((p) => p ?? "").join("\u0001")));
    }
  });

  it("keeps the stored format: 16 lower-case hex digits, known values unchanged", () => {
    expect(hash64("")).toBe("811c9dc5cbf29ce4");
    expect(hash64("山田\u000120100401\u00011")).toMatch(/^[0-9a-f]{16}$/);
    expect(hash64Parts(["a", "b"])).not.toBe(hash64Parts(["ab"]));
    expect(hash64Parts(["a", null])).toBe(hash64("a\u0001"));
  });
});
