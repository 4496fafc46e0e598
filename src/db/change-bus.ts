/**
 * In-process caches and what clears them (issue 11). One {@link ChangeBus}
 * per database (created with the Kysely in database.ts): every change that can
 * make a cached answer stale is published on it, from two places —
 *
 * - this process's own writes, spotted by the scoped driver
 *   (scoped-driver.ts, {@link topicsOfStatement}) and published right after
 *   the COMMIT that makes them visible, so the next request of this process
 *   already reads fresh data (a disabled user is refused at once);
 * - other processes' writes (the CLI, a second server), which reach the
 *   database's NOTIFY triggers (migrations 0092, 0093) and come back through
 *   the one LISTEN connection of change-feed.repository.ts.
 *
 * A {@link FeedCache} that holds mutable data (sessions, masking rules, the
 * run head, child answers) serves entries only while that LISTEN connection
 * is up: without it another process's change could go unseen, so every
 * request then reads the database as if there were no cache. A load that
 * overlaps a change is not stored (generation check), so a value read before
 * a commit cannot be put back after the clear that followed it.
 */

/** What changed: one per group of tables the triggers watch (see change-feed.repository.ts). */
export type ChangeTopic =
  | "session"
  | "app_user"
  | "masking"
  | "score_run"
  | "run_data"
  | "usage_stop"
  | "fact_correction"
  /** The screening workflow's tables: cases, lists, conferences, follow-ups, sheets (0071). */
  | "casework"
  /** お知らせ (0071). */
  | "notification"
  /** A municipality's name (0071). */
  | "municipality"
  /** Anything (the feed (re)connected and may have missed notifications). */
  | "*";

export interface Change {
  readonly topic: ChangeTopic;
  /** For session / app_user from a trigger: the user id; absent means every key. */
  readonly userId?: number;
}

export class ChangeBus {
  /** Bumped by every change; a load that saw another value is not cached. */
  generation = 0;
  /** LISTEN connections up (change-feed.repository.ts). */
  feedsUp = 0;
  /** True while a LISTEN connection is up: caches of mutable data serve only then. */
  get listening(): boolean {
    return this.feedsUp > 0;
  }
  /** Changes published so far (tests and the bench read it). */
  published = 0;
  private readonly subscribers = new Set<(c: Change) => void>();

  subscribe(fn: (c: Change) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  publish(change: Change): void {
    this.generation++;
    this.published++;
    for (const fn of this.subscribers) fn(change);
  }
}

const buses = new WeakMap<object, ChangeBus>();

/** Called once by createKysely. */
export function registerChangeBus(db: object, bus: ChangeBus): void {
  buses.set(db, bus);
}

/** The bus of a database (a new, never-listening one for a Kysely made elsewhere). */
export function changeBusOf(db: object): ChangeBus {
  let bus = buses.get(db);
  if (!bus) {
    bus = new ChangeBus();
    buses.set(db, bus);
  }
  return bus;
}

/**
 * Tables whose writes this process spots in its own statements, with their
 * topic. Inserts into `session` are left out (a new session cannot make a
 * cached one stale; misses are never cached) and so is the sliding expiry
 * (`UPDATE session SET last_seen_at …`, which only extends a session: a
 * cached entry with the older expiry is re-read when that passes).
 */
const INSERT = /^\s*insert\b/i;
const WATCHED: readonly { table: string; topic: ChangeTopic; skip?: RegExp }[] = [
  {
    table: "session",
    topic: "session",
    skip: /^\s*(insert\b|update\s+"?session"?\s+set\s+"?last_seen_at"?)/i,
  },
  { table: "app_user", topic: "app_user" },
  { table: "masking_rule_version", topic: "masking" },
  { table: "score_run", topic: "score_run" },
  // A published run's rows are never added to (migration 0093): inserts belong to a new run.
  { table: "score_result", topic: "run_data", skip: INSERT },
  { table: "score_item", topic: "run_data", skip: INSERT },
  { table: "link_person", topic: "run_data", skip: INSERT },
  { table: "link_record", topic: "run_data", skip: INSERT },
  { table: "import_row", topic: "run_data", skip: INSERT },
  { table: "usage_stop", topic: "usage_stop" },
  { table: "fact_correction", topic: "fact_correction" },
  // The screening workflow (0071; row-level triggers there, so an UPDATE that
  // changes no row notifies nobody — see `wroteNothing`).
  { table: "child_case", topic: "casework" },
  { table: "case_event", topic: "casework" },
  { table: "review_list", topic: "casework" },
  { table: "review_list_entry", topic: "casework" },
  { table: "conference", topic: "casework" },
  { table: "support_plan", topic: "casework" },
  { table: "support_action", topic: "casework" },
  { table: "follow_up", topic: "casework" },
  { table: "result_evaluation", topic: "casework" },
  { table: "sheet_request", topic: "casework" },
  // A grant widens a 支援担当's cached scope (child.repository.ts ReaderSets; 0074).
  { table: "break_glass", topic: "casework" },
  { table: "notification", topic: "notification" },
  { table: "municipality", topic: "municipality" },
];

const WRITE =
  /\b(?:insert\s+into|update|delete\s+from)\s+(?:only\s+)?(?:"?public"?\.)?"?([a-z_]+)"?/gi;

/**
 * A plain UPDATE or DELETE (no WITH: a CTE's inner write is not in the
 * outer statement's count) that changed no row: nothing to publish. The
 * reminder passes run such an UPDATE every 30 s (server/mail-sender.ts);
 * publishing it would clear every cache of its topic each time.
 */
export function wroteNothing(text: string, affected: bigint | undefined): boolean {
  return affected === 0n && /^\s*(update|delete)\b/i.test(text);
}

/** The topics a statement writes to (empty for reads and for tables no cache depends on). */
export function topicsOfStatement(text: string): ChangeTopic[] {
  // Cheap test first: most statements are reads.
  if (!/\b(insert|update|delete)\b/i.test(text)) return [];
  const out: ChangeTopic[] = [];
  for (const m of text.matchAll(WRITE)) {
    const table = (m[1] as string).toLowerCase();
    for (const w of WATCHED)
      if (w.table === table && !(w.skip && w.skip.test(text)) && !out.includes(w.topic))
        out.push(w.topic);
  }
  return out;
}

interface Entry<V> {
  value: V;
  at: number;
  userId?: number | undefined;
}

/**
 * A bounded map of values cleared by changes of its topics. `mutable`
 * caches (everything but published run pages) serve only while the bus is
 * listening; `ttlMs` bounds how long an entry is reused at all.
 */
export class FeedCache<V> {
  private readonly map = new Map<string, Entry<V>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly bus: ChangeBus,
    private readonly options: {
      readonly topics: readonly ChangeTopic[];
      readonly capacity: number;
      readonly ttlMs?: number;
      /** Serve only while the LISTEN connection is up (default true). */
      readonly needsFeed?: boolean;
      readonly now?: () => number;
    },
  ) {
    bus.subscribe((c) => {
      if (c.topic !== "*" && !options.topics.includes(c.topic)) return;
      if (c.userId === undefined) {
        this.map.clear();
        return;
      }
      for (const [k, e] of this.map) if (e.userId === c.userId) this.map.delete(k);
    });
  }

  private get active(): boolean {
    return this.options.needsFeed === false || this.bus.listening;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** The cached value, or undefined (absent, expired or the feed is down). */
  peek(key: string): V | undefined {
    if (!this.active) return undefined;
    const e = this.map.get(key);
    if (!e) return undefined;
    if (this.options.ttlMs !== undefined && this.now() - e.at >= this.options.ttlMs) {
      this.map.delete(key);
      return undefined;
    }
    // Most recently used last.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /**
   * The cached value for `key`, or `load()`'s, stored when `keep` allows it
   * and no change was published while it loaded.
   */
  async get<L extends V | undefined>(
    key: string,
    load: () => Promise<L>,
    options: { keep?: (v: V) => boolean; userId?: (v: V) => number | undefined } = {},
  ): Promise<V | L> {
    const hit = this.peek(key);
    if (hit !== undefined) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const generation = this.bus.generation;
    const value = await load();
    if (
      this.active &&
      generation === this.bus.generation &&
      value !== undefined &&
      (options.keep?.(value as V) ?? true)
    )
      this.set(key, value as V, options.userId?.(value as V));
    return value;
  }

  /** Replaces an entry that is present (e.g. after this process extended a session). */
  update(key: string, fn: (v: V) => V): void {
    const e = this.map.get(key);
    if (e) e.value = fn(e.value);
  }

  private set(key: string, value: V, userId: number | undefined): void {
    this.map.delete(key);
    this.map.set(key, { value, at: this.now(), userId });
    while (this.map.size > this.options.capacity)
      this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

/** One FeedCache per database and name. */
const named = new WeakMap<object, Map<string, FeedCache<unknown>>>();

export function feedCacheOf<V>(
  db: object,
  name: string,
  options: ConstructorParameters<typeof FeedCache<V>>[1],
): FeedCache<V> {
  let perDb = named.get(db);
  if (!perDb) {
    perDb = new Map();
    named.set(db, perDb);
  }
  let c = perDb.get(name) as FeedCache<V> | undefined;
  if (!c) {
    c = new FeedCache<V>(changeBusOf(db), options);
    perDb.set(name, c as FeedCache<unknown>);
  }
  return c;
}
