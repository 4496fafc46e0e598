import { describe, expect, it } from "vitest";
import {
  AnchorAssignment,
  AnchorIdentity,
  AnchorIdentityBuilder,
  AnchorTableBuilder,
  anchorHead,
  anchorString,
  packIdentity,
  parseAnchor,
} from "./anchors.ts";
import { profileAnchors } from "./japanese.ts";
import { seededRandom } from "./random.ts";

/** Anchors as profileAnchors writes them, from seeded values (no Math.random). */
function sampleAnchors(n: number, seed: number): string[][] {
  const rnd = seededRandom(seed);
  const pick = (xs: readonly string[]) => xs[Math.floor(rnd() * xs.length)] as string;
  const out: string[][] = [];
  for (let i = 0; i < n; i++)
    out.push(
      profileAnchors(
        rnd() < 0.5 ? 1 : 0,
        {
          residentNo: rnd() < 0.6 ? String(Math.floor(rnd() * 50)) : null,
          familyFolded: pick(["山田", "佐藤", "李"]),
          givenFolded: pick(["太郎", "花子"]),
          fullFolded: pick(["山田太郎", "佐藤花子", "李花子"]),
          givenReading: rnd() < 0.5 ? pick(["タロウ", "ハナコ"]) : null,
          fullReading: rnd() < 0.5 ? pick(["ヤマダタロウ", "サトウハナコ"]) : null,
          birthDate: rnd() < 0.9 ? `2015010${Math.floor(rnd() * 9) + 1}` : null,
          sex: pick(["1", "2"]),
          place: rnd() < 0.5 ? pick(["第一小学校", "本町1-2"]) : null,
        },
        "0123456789abcdef",
      ),
    );
  return out;
}

describe("packed anchors", () => {
  const profiles = sampleAnchors(400, 7);
  const b = new AnchorTableBuilder();
  for (const list of profiles) {
    for (const a of list) b.addString(a);
    b.endProfile();
  }
  const table = b.finish();

  it("give every profile its anchors back as the same strings, in order", () => {
    expect(table.profiles).toBe(profiles.length);
    profiles.forEach((list, p) => {
      expect(table.stringsOf(p)).toEqual(list);
    });
    expect(table.size).toBe(new Set(profiles.flat()).size);
  });

  it("number each distinct anchor once and find it by its string, and nothing else", () => {
    for (const list of profiles) for (const a of list) expect(table.string(table.find(a))).toBe(a);
    expect(table.find("w1ffffffffffffffff")).toBe(-1);
    expect(table.find("wa")).toBe(-1);
    expect(table.find("")).toBe(-1);
  });

  it("order anchor numbers as their strings", () => {
    const all = [...new Set(profiles.flat())];
    const byString = [...all].sort();
    const byNumber = all
      .map((a) => table.find(a))
      .sort((x, y) => table.compare(x, y))
      .map((a) => table.string(a));
    expect(byNumber).toEqual(byString);
  });

  it("write the shape profileAnchors writes (kind, registry flag, 16 hex digits)", () => {
    const out = new Int32Array(3);
    expect(parseAnchor("r1000000ff00000001", out)).toBe(true);
    expect([...out]).toEqual([anchorHead("r", 1), 255, 1]);
    expect(anchorString(anchorHead("r", 1), 255, 1)).toBe("r1000000ff00000001");
    expect(parseAnchor("r2000000ff00000001", out)).toBe(false);
    expect(parseAnchor("r1000000fg00000001", out)).toBe(false);
  });

  it("read an assignment as a Map of the assigned anchors only", () => {
    const person = new Int32Array(table.size).fill(-1);
    const expected = new Map<string, string>();
    for (let a = 0; a < table.size; a += 3) {
      person[a] = a % 2;
      expected.set(table.string(a), a % 2 === 0 ? "P00000001" : "P00000002");
    }
    const m = new AnchorAssignment(table, person, ["P00000001", "P00000002"]);
    expect(m.size).toBe(expected.size);
    expect(new Map(m)).toEqual(expected);
    expect([...m.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, v] of expected) expect(m.get(k)).toBe(v);
    expect(m.get(table.string(1))).toBeUndefined();
    expect(m.has("nonsense")).toBe(false);
  });

  it("write an anchor's string as bytes", () => {
    const out = Buffer.alloc(20, 32);
    for (let a = 0; a < table.size; a++) {
      expect(table.writeAnchor(a, out, 1)).toBe(19);
      expect(out.toString("latin1", 1, 19)).toBe(table.string(a));
    }
  });

  it("put anchor numbers in groups of a common prefix, the groups in the strings' order", () => {
    // 20,000 anchors of two kinds and two flags: groups of one head and 7 bits of the hash
    // (~33 anchors each), so at least the first hex digit is in order.
    const rnd = seededRandom(11);
    const big = new AnchorTableBuilder();
    for (let i = 0; i < 20_000; i++) {
      big.add(
        anchorHead(i % 3 === 0 ? "r" : "n", i % 2),
        (rnd() * 2 ** 32) | 0,
        (rnd() * 2 ** 32) | 0,
      );
      big.endProfile();
    }
    const t = big.finish();
    const list = Int32Array.from({ length: t.size }, (_, a) => a).filter((a) => a % 7 !== 0);
    const order = t.prefixOrder(list);
    expect([...order].sort((x, y) => x - y)).toEqual([...list]);
    const prefixes = Array.from(order, (a) => t.string(a).slice(0, 3));
    expect(prefixes).toEqual([...prefixes].sort());
    // Small groups: where the order goes back, the hash's first 7 bits do not.
    let back = 0;
    for (let i = 1; i < order.length; i++)
      if (t.compare(order[i - 1] as number, order[i] as number) > 0) {
        back++;
        const top = (a: number) => `${t.string(a).slice(0, 2)}${(t.h1[a] as number) >>> 25}`;
        expect(top(order[i - 1] as number)).toBe(top(order[i] as number));
      }
    expect(back).toBeGreaterThan(0);
    expect(back).toBeLessThan(order.length);
    expect([...t.prefixOrder(new Int32Array(0))]).toEqual([]);
    expect([...t.prefixOrder(Int32Array.of(3))]).toEqual([3]);
  });

  it("tell the store which assigned anchors are new or changed against the state the run started from", () => {
    const ids = ["P00000001", "P00000002", "P00000003"];
    const person = new Int32Array(table.size).fill(-1);
    const of = new Int32Array(table.size).fill(-1);
    const basis = new Map<string, string>();
    const earlierIds = ["P00000002", "P00000001"];
    for (let a = 0; a < table.size; a++) {
      if (a % 5 !== 0) person[a] = a % 3;
      if (a % 4 !== 0) {
        of[a] = a % 2;
        basis.set(table.string(a), earlierIds[a % 2] as string);
      }
    }
    const m = new AnchorAssignment(table, person, ids, { basis, of, ids: earlierIds });
    const changes = m.changesFrom(basis);
    const strings = (xs: Int32Array | undefined) => Array.from(xs ?? [], (a) => table.string(a));
    // The same as comparing the strings with the state.
    const fresh = [...m].filter(([k]) => !basis.has(k)).map(([k]) => k);
    const changed = [...m].filter(([k, v]) => basis.has(k) && basis.get(k) !== v).map(([k]) => k);
    expect(fresh.length).toBeGreaterThan(0);
    expect(changed.length).toBeGreaterThan(0);
    expect(strings(changes?.fresh).sort()).toEqual(fresh.sort());
    expect(strings(changes?.changed).sort()).toEqual(changed.sort());
    for (const a of changes?.fresh ?? []) expect(m.personOf(a)).toBe(m.get(table.string(a)));
    // Another state than the one the run started from: not by number.
    expect(m.changesFrom(new Map(basis))).toBeUndefined();
    expect(new AnchorAssignment(table, person, ids).changesFrom(basis)).toBeUndefined();
    // No state: every assigned anchor is new.
    expect(strings(m.changesFrom(undefined)?.fresh).sort()).toEqual([...m.keys()].sort());
    expect(m.changesFrom(undefined)?.changed.length).toBe(0);
  });

  it("hold an earlier run's state packed, read as the same Map (later pairs win, other shapes kept)", () => {
    const all = [...new Set(profiles.flat())];
    const expected = new Map<string, string>();
    const b = new AnchorIdentityBuilder();
    all.forEach((a, i) => {
      const id = `P${String(1 + (i % 37)).padStart(8, "0")}`;
      expected.set(a, id);
      b.set(a, id);
    });
    // An anchor given again moves to the later person; anchors of another shape are kept too.
    const moved = all[5] as string;
    expected.set(moved, "P00000099");
    b.set(moved, "P00000099");
    for (const odd of ["id-a", "w1", ""]) {
      expected.set(odd, "P00000042");
      b.set(odd, "P00000042");
    }
    const m = b.finish();
    expect(m.size).toBe(expected.size);
    expect(m.packedSize).toBe(all.length);
    expect(new Map(m)).toEqual(expected);
    expect([...m.keys()]).toEqual([...expected.keys()]);
    for (const [k, v] of expected) expect(m.get(k)).toBe(v);
    expect(m.get("w1ffffffffffffffff")).toBeUndefined();
    expect(m.has("id-b")).toBe(false);
    // Each person id once, however many anchors it has.
    expect(new Set(m.ids).size).toBe(m.ids.length);
    const x = new Int32Array(3);
    const k = all.indexOf(moved);
    expect(m.ids[m.packedAt(k, x)]).toBe("P00000099");
    expect(anchorString(x[0] as number, x[1] as number, x[2] as number)).toBe(moved);
    const packed = packIdentity(expected);
    expect(packed).toBeInstanceOf(AnchorIdentity);
    expect(new Map(packed)).toEqual(expected);
    expect(packIdentity(packed)).toBe(packed);
  });
});
