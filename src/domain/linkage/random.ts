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

/** Two hex digits per byte value: formatting a hash without toString / padStart per call. */
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex8(x: number): string {
  return (
    (HEX2[x >>> 24] as string) +
    (HEX2[(x >>> 16) & 255] as string) +
    (HEX2[(x >>> 8) & 255] as string) +
    (HEX2[x & 255] as string)
  );
}

/**
 * A 64-bit hash of a string as 16 hex digits (two 32-bit FNV-1a lanes, the
 * second also fed by the first): a stable key for a record profile that
 * review decisions and person ids refer to across runs, without the names in it.
 * The lanes are plain 32-bit integers (Math.imul): no BigInt.
 */
export function hash64(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ (c + (h1 >>> 24)), 0x01000193);
  }
  return hex8(h1 >>> 0) + hex8(h2 >>> 0);
}

/**
 * hash64 of `parts.join("\u0001")` (null parts as ""), without building the joined string:
 * profile keys and anchors hash a dozen values per profile, a metro run 1.6 million
 * profiles, and the joined strings were garbage the moment they were hashed.
 */
export function hash64Parts(parts: readonly (string | null | undefined)[]): string {
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
  return hex8(h1 >>> 0) + hex8(h2 >>> 0);
}
