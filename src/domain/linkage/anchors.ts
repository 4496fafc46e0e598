/**
 * The profiles' anchors packed in typed arrays (issue 15, peak memory). An anchor
 * (japanese.ts `profileAnchors`) is a kind letter, a registry flag (0 / 1) and a 64-bit hash
 * written as 16 hex digits: 18 characters. A metro run has about 5.8 million of them, 4.9
 * million distinct; as strings, one per anchor and an array per profile, they were about
 * 0.4 GB of heap for the whole link stage, and the person-id assignment (a Map of every
 * anchor to its person id) another 0.15 GB plus its garbage. Here each distinct anchor is
 * one byte of kind and flag and two 32-bit lanes (9 bytes), each profile a range of 32-bit
 * anchor numbers; the string of an anchor is made only where one is stored or compared
 * with stored ones (review items, decisions, link_identity).
 *
 * The string order of anchors is the order of (kind letter, flag, first lane, second lane)
 * as unsigned numbers (lowercase hex digits sort as their values), so anchors are ordered
 * without making their strings.
 */

/** The char codes of the hex digits (lowercase, as random.ts writes them). */
const HEX = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
/** Hex digit value of a char code, or -1. */
const HEX_VALUE = new Int8Array(128).fill(-1);
HEX.forEach((c, v) => {
  HEX_VALUE[c] = v;
});

/** An anchor's first byte: its kind letter's char code times two, plus the registry flag. */
export function anchorHead(kind: string, backbone: number): number {
  return kind.charCodeAt(0) * 2 + (backbone === 1 ? 1 : 0);
}

const CODES: number[] = new Array(18).fill(0);

/** The anchor's string: kind letter, flag digit, 16 hex digits (one flat string). */
export function anchorString(head: number, h1: number, h2: number): string {
  CODES[0] = head >>> 1;
  CODES[1] = 48 + (head & 1);
  for (let i = 0; i < 8; i++) {
    CODES[2 + i] = HEX[(h1 >>> (28 - 4 * i)) & 15] as number;
    CODES[10 + i] = HEX[(h2 >>> (28 - 4 * i)) & 15] as number;
  }
  return String.fromCharCode.apply(null, CODES);
}

/** Parsed anchor: [head, h1, h2] in `out`; false when `s` is not of the packed shape. */
export function parseAnchor(s: string, out: Int32Array): boolean {
  if (s.length !== 18) return false;
  const kind = s.charCodeAt(0);
  const flag = s.charCodeAt(1) - 48;
  if (kind < 97 || kind > 122 || (flag !== 0 && flag !== 1)) return false;
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < 8; i++) {
    const a = HEX_VALUE[s.charCodeAt(2 + i) & 127] as number;
    const b = HEX_VALUE[s.charCodeAt(10 + i) & 127] as number;
    if (a < 0 || b < 0 || s.charCodeAt(2 + i) > 127 || s.charCodeAt(10 + i) > 127) return false;
    h1 = (h1 << 4) | a;
    h2 = (h2 << 4) | b;
  }
  out[0] = kind * 2 + flag;
  out[1] = h1;
  out[2] = h2;
  return true;
}

/** The two lanes of a 16-hex-digit hash (random.ts hex16), into out[1], out[2]. */
export function parseHex16(s: string, out: Int32Array): void {
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < 8; i++) {
    h1 = (h1 << 4) | (HEX_VALUE[s.charCodeAt(i) & 127] as number);
    h2 = (h2 << 4) | (HEX_VALUE[s.charCodeAt(8 + i) & 127] as number);
  }
  out[1] = h1;
  out[2] = h2;
}

const mix = (head: number, h1: number, h2: number): number => {
  let h = Math.imul(head ^ h1, 0x9e3779b1);
  h ^= h2;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
};

/**
 * The open-addressing slots of a builder's hash (anchor numbers by kind/flag byte and two
 * hash lanes; -1 empty) grown to `size`, every one of the `distinct` anchors placed again:
 * the builders keep the load at most one half.
 */
function reslot(
  size: number,
  distinct: number,
  head: Uint8Array,
  h1: Int32Array,
  h2: Int32Array,
): Int32Array<ArrayBuffer> {
  const slots = new Int32Array(size).fill(-1);
  const m = size - 1;
  for (let q = 0; q < distinct; q++) {
    let j = mix(head[q] as number, h1[q] as number, h2[q] as number) & m;
    while ((slots[j] as number) >= 0) j = (j + 1) & m;
    slots[j] = q;
  }
  return slots;
}

/**
 * The anchors of every profile: each distinct anchor once (numbered from 0 in order of first
 * appearance), each profile a range of anchor numbers in its own order (strongest first).
 * Built by {@link AnchorTableBuilder}.
 */
export class AnchorTable {
  constructor(
    /** Per distinct anchor: kind letter × 2 + registry flag. */
    readonly head: Uint8Array,
    readonly h1: Int32Array,
    readonly h2: Int32Array,
    /** Profile p's anchors are ids[start[p] .. start[p + 1]). */
    readonly start: Int32Array,
    readonly ids: Int32Array,
    /** Open addressing over distinct anchors (-1 free), for `find`. */
    private readonly slots: Int32Array,
  ) {}

  /** Distinct anchors. */
  get size(): number {
    return this.head.length;
  }

  /** Profiles. */
  get profiles(): number {
    return this.start.length - 1;
  }

  /** Profile p's anchor numbers, strongest first. */
  of(p: number): Int32Array {
    return this.ids.subarray(this.start[p] as number, this.start[p + 1] as number);
  }

  /** Profile p's anchors as strings (stored with review items and decisions). */
  stringsOf(p: number): string[] {
    return Array.from(this.of(p), (a) => this.string(a));
  }

  string(a: number): string {
    return anchorString(this.head[a] as number, this.h1[a] as number, this.h2[a] as number);
  }

  /**
   * Writes anchor a's string (18 ASCII characters) into `out` from `at`, as bytes, without
   * making the string; returns the offset after it (the link store's COPY of link_identity).
   */
  writeAnchor(a: number, out: Uint8Array, at: number): number {
    const head = this.head[a] as number;
    const h1 = this.h1[a] as number;
    const h2 = this.h2[a] as number;
    out[at] = head >>> 1;
    out[at + 1] = 48 + (head & 1);
    for (let i = 0; i < 8; i++) {
      out[at + 2 + i] = HEX[(h1 >>> (28 - 4 * i)) & 15] as number;
      out[at + 10 + i] = HEX[(h2 >>> (28 - 4 * i)) & 15] as number;
    }
    return at + 18;
  }

  /**
   * The anchor numbers of `list` in groups of a common prefix of their strings (kind letter,
   * flag and the first bits of the hash), groups in the strings' order, each group in list
   * order; about 32 anchors a group. What an insert into link_identity's primary key needs is
   * locality, not order: a group fills one small key range at a time instead of random leaf
   * pages. Linear (a counting sort) and without a string: sorting a metro run's 4.9 million
   * anchor strings, or grouping them as strings, cost the link store seconds (issue 15).
   */
  prefixOrder(list: Int32Array): Int32Array {
    const n = list.length;
    // Dense numbers of the heads present (kind letter and flag), in order.
    const present: number[] = [];
    const headIndex = new Int32Array(256).fill(-1);
    for (let i = 0; i < n; i++) {
      const h = this.head[list[i] as number] as number;
      if (headIndex[h] === -1) {
        headIndex[h] = 0;
        present.push(h);
      }
    }
    present.sort((x, y) => x - y);
    present.forEach((h, i) => {
      headIndex[h] = i;
    });
    // Bits of the first hash lane per group: heads × 2^bits groups, at most n / 32.
    const bits = Math.max(
      0,
      Math.min(24, Math.floor(Math.log2(n / 32 / Math.max(1, present.length)))),
    );
    const groupOf = (a: number): number =>
      ((headIndex[this.head[a] as number] as number) << bits) +
      (bits === 0 ? 0 : (this.h1[a] as number) >>> (32 - bits));
    const start = new Int32Array((present.length << bits) + 1);
    for (let i = 0; i < n; i++) {
      const g = groupOf(list[i] as number) + 1;
      start[g] = (start[g] as number) + 1;
    }
    for (let g = 1; g < start.length; g++)
      start[g] = (start[g] as number) + (start[g - 1] as number);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = list[i] as number;
      const g = groupOf(a);
      out[start[g] as number] = a;
      start[g] = (start[g] as number) + 1;
    }
    return out;
  }

  /** The kind letter's char code of anchor a. */
  kind(a: number): number {
    return (this.head[a] as number) >>> 1;
  }

  /** Anchor numbers in the order of their strings. */
  compare(a: number, b: number): number {
    return (
      (this.head[a] as number) - (this.head[b] as number) ||
      ((this.h1[a] as number) >>> 0) - ((this.h1[b] as number) >>> 0) ||
      ((this.h2[a] as number) >>> 0) - ((this.h2[b] as number) >>> 0)
    );
  }

  private readonly parsed = new Int32Array(3);

  /** The number of an anchor given as a string, or -1 (not an anchor of this run). */
  find(s: string): number {
    if (!parseAnchor(s, this.parsed)) return -1;
    return this.lookup(
      this.parsed[0] as number,
      this.parsed[1] as number,
      this.parsed[2] as number,
    );
  }

  lookup(head: number, h1: number, h2: number): number {
    const m = this.slots.length - 1;
    for (let i = mix(head, h1, h2) & m; ; i = (i + 1) & m) {
      const a = this.slots[i] as number;
      if (a < 0) return -1;
      if (this.h1[a] === h1 && this.h2[a] === h2 && this.head[a] === head) return a;
    }
  }
}

/** Builds an {@link AnchorTable}: the anchors of profile 0, then of profile 1, … */
export class AnchorTableBuilder {
  private head = new Uint8Array(1024);
  private h1 = new Int32Array(1024);
  private h2 = new Int32Array(1024);
  private slots = new Int32Array(1 << 11).fill(-1);
  private distinct = 0;
  private start = new Int32Array(1025);
  private ids = new Int32Array(4096);
  private used = 0;
  private profiles = 0;

  /** Adds one anchor to the profile being built (call `endProfile` after its last). */
  add(head: number, h1: number, h2: number): void {
    const m = this.slots.length - 1;
    let i = mix(head, h1, h2) & m;
    let a = -1;
    for (; ; i = (i + 1) & m) {
      const q = this.slots[i] as number;
      if (q < 0) break;
      if (this.h1[q] === h1 && this.h2[q] === h2 && this.head[q] === head) {
        a = q;
        break;
      }
    }
    if (a < 0) {
      a = this.distinct++;
      if (a === this.head.length) {
        this.head = grow(this.head, new Uint8Array(a * 2));
        this.h1 = grow(this.h1, new Int32Array(a * 2));
        this.h2 = grow(this.h2, new Int32Array(a * 2));
      }
      this.head[a] = head;
      this.h1[a] = h1;
      this.h2[a] = h2;
      this.slots[i] = a;
      if (this.distinct * 2 > this.slots.length)
        this.slots = reslot(this.slots.length * 2, this.distinct, this.head, this.h1, this.h2);
    }
    if (this.used === this.ids.length) this.ids = grow(this.ids, new Int32Array(this.used * 2));
    this.ids[this.used++] = a;
  }

  /** Adds an anchor given as a string (as a worker thread made it); throws when malformed. */
  addString(s: string): void {
    const out = this.scratch;
    if (!parseAnchor(s, out)) throw new Error(`not an anchor: ${JSON.stringify(s)}`);
    this.add(out[0] as number, out[1] as number, out[2] as number);
  }

  private readonly scratch = new Int32Array(3);

  endProfile(): void {
    this.profiles++;
    if (this.profiles + 1 > this.start.length)
      this.start = grow(this.start, new Int32Array(this.start.length * 2));
    this.start[this.profiles] = this.used;
  }

  /** The table, exactly sized. */
  finish(): AnchorTable {
    const n = this.distinct;
    return new AnchorTable(
      this.head.slice(0, n),
      this.h1.slice(0, n),
      this.h2.slice(0, n),
      this.start.slice(0, this.profiles + 1),
      this.ids.slice(0, this.used),
      this.slots,
    );
  }
}

function grow<T extends Uint8Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Anchor → person id as a read-only Map (PersonIdAssignment.updates) without a string per
 * anchor: the strings are made as the map is read (the store writes them to link_identity
 * once). Iterates the assigned anchors in anchor-number order.
 */
export class AnchorAssignment implements ReadonlyMap<string, string> {
  readonly size: number;
  constructor(
    readonly table: AnchorTable,
    /** Per distinct anchor: index into `ids`, or -1 (not assigned). */
    private readonly person: Int32Array,
    private readonly ids: readonly string[],
    /**
     * The state the run started from (PersonIdState.byKey, `basis`) as the link read it: per
     * anchor number its earlier person (an index into `ids`, or -1). Lets the store tell new
     * and changed anchors by number ({@link changesFrom}).
     */
    private readonly earlier?: {
      readonly basis: ReadonlyMap<string, string>;
      readonly of: Int32Array;
      readonly ids: readonly string[];
    },
  ) {
    let n = 0;
    for (let a = 0; a < person.length; a++) if ((person[a] as number) >= 0) n++;
    this.size = n;
  }

  /** The person id of assigned anchor number a. */
  personOf(a: number): string {
    return this.ids[this.person[a] as number] as string;
  }

  /**
   * What link_identity needs of this run, by anchor number (no string): the assigned anchors
   * `basis` (the state the run started from) holds no person for (`fresh`) and those whose
   * person changed (`changed`), each in {@link AnchorTable.prefixOrder}; without `basis`,
   * every assigned anchor is fresh. Undefined when this assignment was not made from `basis`
   * (another state object): the caller then compares strings.
   */
  changesFrom(
    basis: ReadonlyMap<string, string> | undefined,
  ): { fresh: Int32Array; changed: Int32Array } | undefined {
    const earlier = basis === undefined ? undefined : this.earlier;
    if (basis !== undefined && earlier?.basis !== basis) return undefined;
    let fresh = 0;
    let changed = 0;
    const kind = new Int8Array(this.person.length);
    for (let a = 0; a < this.person.length; a++) {
      const p = this.person[a] as number;
      if (p < 0) continue;
      const e = earlier === undefined ? -1 : (earlier.of[a] as number);
      if (e < 0) {
        kind[a] = 1;
        fresh++;
      } else if (earlier?.ids[e] !== this.ids[p]) {
        kind[a] = 2;
        changed++;
      }
    }
    const f = new Int32Array(fresh);
    const c = new Int32Array(changed);
    fresh = 0;
    changed = 0;
    for (let a = 0; a < kind.length; a++)
      if (kind[a] === 1) f[fresh++] = a;
      else if (kind[a] === 2) c[changed++] = a;
    return { fresh: this.table.prefixOrder(f), changed: this.table.prefixOrder(c) };
  }

  get(key: string): string | undefined {
    const a = this.table.find(key);
    const p = a < 0 ? -1 : (this.person[a] as number);
    return p < 0 ? undefined : this.ids[p];
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  *entries(): MapIterator<[string, string]> {
    for (let a = 0; a < this.person.length; a++) {
      const p = this.person[a] as number;
      if (p >= 0) yield [this.table.string(a), this.ids[p] as string];
    }
  }

  *keys(): MapIterator<string> {
    for (let a = 0; a < this.person.length; a++)
      if ((this.person[a] as number) >= 0) yield this.table.string(a);
  }

  *values(): MapIterator<string> {
    for (let a = 0; a < this.person.length; a++) {
      const p = this.person[a] as number;
      if (p >= 0) yield this.ids[p] as string;
    }
  }

  forEach(f: (value: string, key: string, map: ReadonlyMap<string, string>) => void): void {
    for (const [k, v] of this.entries()) f(v, k, this);
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}

/**
 * Anchor → person id of earlier runs (PersonIdState.byKey, link_identity as a run reads it)
 * as a read-only Map without a string per anchor. A second month of metro reads about 4.9
 * million anchors: as a Map of strings (an anchor string, a person-id string and a Map entry
 * each) that was about 0.5 GB for the whole link stage; here each anchor is 13 bytes and a
 * slot of the hash, and each person id one string however many anchors it has. Anchors not
 * of the packed shape (tests, or another shape of an earlier version) are kept as strings.
 * Built by {@link AnchorIdentityBuilder}; iterates in the order anchors were added.
 */
export class AnchorIdentity implements ReadonlyMap<string, string> {
  constructor(
    private readonly head: Uint8Array,
    private readonly h1: Int32Array,
    private readonly h2: Int32Array,
    /** Per packed anchor: its person, an index into `ids`. */
    private readonly person: Int32Array,
    /** The persons' ids, each once. */
    readonly ids: readonly string[],
    private readonly slots: Int32Array,
    /** Anchors not of the packed shape. */
    private readonly other: ReadonlyMap<string, string>,
  ) {}

  private readonly parsed = new Int32Array(3);

  get size(): number {
    return this.head.length + this.other.size;
  }

  /** Packed anchors (the others are only reached through the Map methods). */
  get packedSize(): number {
    return this.head.length;
  }

  /** Packed anchor k's first byte and lanes into out[0..2]; returns its person (index into ids). */
  packedAt(k: number, out: Int32Array): number {
    out[0] = this.head[k] as number;
    out[1] = this.h1[k] as number;
    out[2] = this.h2[k] as number;
    return this.person[k] as number;
  }

  get(key: string): string | undefined {
    if (!parseAnchor(key, this.parsed)) return this.other.get(key);
    const head = this.parsed[0] as number;
    const h1 = this.parsed[1] as number;
    const h2 = this.parsed[2] as number;
    const m = this.slots.length - 1;
    for (let i = mix(head, h1, h2) & m; ; i = (i + 1) & m) {
      const a = this.slots[i] as number;
      if (a < 0) return undefined;
      if (this.h1[a] === h1 && this.h2[a] === h2 && this.head[a] === head)
        return this.ids[this.person[a] as number];
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  *entries(): MapIterator<[string, string]> {
    for (let a = 0; a < this.head.length; a++)
      yield [
        anchorString(this.head[a] as number, this.h1[a] as number, this.h2[a] as number),
        this.ids[this.person[a] as number] as string,
      ];
    yield* this.other.entries();
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(f: (value: string, key: string, map: ReadonlyMap<string, string>) => void): void {
    for (const [k, v] of this.entries()) f(v, k, this);
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}

/** Builds an {@link AnchorIdentity} from (anchor, person id) pairs; a later pair for an anchor wins. */
export class AnchorIdentityBuilder {
  private head = new Uint8Array(1024);
  private h1 = new Int32Array(1024);
  private h2 = new Int32Array(1024);
  private person = new Int32Array(1024);
  private slots = new Int32Array(1 << 11).fill(-1);
  private distinct = 0;
  private readonly ids: string[] = [];
  /** Person id → index into ids (dropped with the builder). */
  private readonly idIndex = new Map<string, number>();
  private readonly other = new Map<string, string>();
  private readonly scratch = new Int32Array(3);

  set(anchor: string, personId: string): void {
    let p = this.idIndex.get(personId);
    if (p === undefined) {
      p = this.ids.length;
      this.ids.push(personId);
      this.idIndex.set(personId, p);
    }
    const out = this.scratch;
    if (!parseAnchor(anchor, out)) {
      this.other.set(anchor, personId);
      return;
    }
    const head = out[0] as number;
    const h1 = out[1] as number;
    const h2 = out[2] as number;
    const m = this.slots.length - 1;
    let i = mix(head, h1, h2) & m;
    for (; ; i = (i + 1) & m) {
      const q = this.slots[i] as number;
      if (q < 0) break;
      if (this.h1[q] === h1 && this.h2[q] === h2 && this.head[q] === head) {
        this.person[q] = p;
        return;
      }
    }
    const a = this.distinct++;
    if (a === this.head.length) {
      this.head = grow(this.head, new Uint8Array(a * 2));
      this.h1 = grow(this.h1, new Int32Array(a * 2));
      this.h2 = grow(this.h2, new Int32Array(a * 2));
      this.person = grow(this.person, new Int32Array(a * 2));
    }
    this.head[a] = head;
    this.h1[a] = h1;
    this.h2[a] = h2;
    this.person[a] = p;
    this.slots[i] = a;
    if (this.distinct * 2 > this.slots.length)
      this.slots = reslot(this.slots.length * 2, this.distinct, this.head, this.h1, this.h2);
  }

  /** The map, exactly sized. */
  finish(): AnchorIdentity {
    const n = this.distinct;
    return new AnchorIdentity(
      this.head.slice(0, n),
      this.h1.slice(0, n),
      this.h2.slice(0, n),
      this.person.slice(0, n),
      this.ids,
      this.slots,
      this.other,
    );
  }
}

/** Any anchor → person map as an {@link AnchorIdentity} (itself when it is one already). */
export function packIdentity(byKey: ReadonlyMap<string, string>): AnchorIdentity {
  if (byKey instanceof AnchorIdentity) return byKey;
  const b = new AnchorIdentityBuilder();
  for (const [k, v] of byKey) b.set(k, v);
  return b.finish();
}
