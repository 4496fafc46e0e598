/** Seeded PRNG (mulberry32) so sampling u and every test is reproducible; returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The char codes of the hex digits. */
const HEX = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));

/**
 * Two 32-bit numbers as 16 hex digits, in one flat string. Built with String.fromCharCode,
 * not by concatenation: a concatenated 16-character string is a tree of string objects
 * (V8 "cons strings" from 13 characters up), and a metro run keeps millions of these
 * hashes (profile keys, anchors) for the whole link stage — about 4 times the memory.
 */
function hex16(h1: number, h2: number): string {
  for (let i = 0; i < 8; i++) {
    HEX16[i] = HEX[(h1 >>> (28 - 4 * i)) & 15] as number;
    HEX16[8 + i] = HEX[(h2 >>> (28 - 4 * i)) & 15] as number;
  }
  return String.fromCharCode.apply(null, HEX16);
}

/** hex16's char codes (one array reused: no closure or array per call). */
const HEX16: number[] = new Array(16).fill(0);

const CODES: number[] = [];

/**
 * `s` as one flat string (see hex16): for short strings kept by the million, such as an
 * anchor made of a prefix and a hash.
 */
export function flatString(s: string): string {
  const n = s.length;
  CODES.length = n;
  for (let i = 0; i < n; i++) CODES[i] = s.charCodeAt(i);
  return String.fromCharCode.apply(null, CODES);
}

/** The hash's two 32-bit lanes go here (out[1], out[2]) before they are written as hex. */
const LANES = new Int32Array(3);

export function hash64(s: string): string {
  hash64Lanes(s, LANES);
  return hex16(LANES[1] as number, LANES[2] as number);
}

/** hash64 of `s` as its two 32-bit lanes, in out[1] and out[2] (domain/linkage/anchors.ts). */
export function hash64Lanes(s: string, out: Int32Array): void {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ (c + (h1 >>> 24)), 0x01000193);
  }
  out[1] = h1;
  out[2] = h2;
}

/**
 * hash64 of `parts.join("\u0001")` (null parts as ""), without building the joined string:
 * profile keys and anchors hash a dozen values per profile, a metro run 1.6 million
 * profiles, and the joined strings were garbage the moment they were hashed.
 */
export function hash64Parts(parts: readonly (string | null | undefined)[]): string {
  hash64PartsLanes(parts, LANES);
  return hex16(LANES[1] as number, LANES[2] as number);
}

/** hash64Parts as its two 32-bit lanes, in out[1] and out[2]. */
export function hash64PartsLanes(
  parts: readonly (string | null | undefined)[],
  out: Int32Array,
): void {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let k = 0; k < parts.length; k++) {
    if (k > 0) {
      h1 = Math.imul(h1 ^ 1, 0x01000193);
      h2 = Math.imul(h2 ^ (1 + (h1 >>> 24)), 0x01000193);
    }
    const s = parts[k];
    if (s == null) continue;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ (c + (h1 >>> 24)), 0x01000193);
    }
  }
  out[1] = h1;
  out[2] = h2;
}
