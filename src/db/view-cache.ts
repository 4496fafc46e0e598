/**
 * An in-process cache of run views (issue 11: 判定一覧 under 50 users), per
 * database. What may go in: values computed only from a PUBLISHED scoring run's
 * own rows — score_result, score_item, score_child and the run's link_person
 * names — which no code path changes after publication (a run is replaced by
 * a newer run, never edited; retention deletes a whole run, and then the route
 * finds no run before it reads the cache). Nothing mutable goes in: case
 * states, 候補リスト marks, usage stops, corrections and masking are read per
 * request outside it (masking is applied to the answer after the handler).
 *
 * Keys hold the reader's whole data scope except the user id (municipality,
 * 要対協 membership, child access, affiliation — see {@link viewKey}), so a
 * council-only fact computed for a member can never be served to anyone
 * whose scope differs in any of them. Bounded: least recently used entries
 * go first. Cleared by changes of runs and run data (change-bus.ts).
 */
import type { DataScope } from "../domain/policy/index.ts";
import { changeBusOf } from "./change-bus.ts";
import type { Database } from "./database.ts";

/** Entries per database (a cached page of 判定一覧 is at most 200 rows: ≤ ~30 MB in all). */
export const VIEW_CACHE_ENTRIES = 500;

export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(readonly capacity: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    // Most recently used last.
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
}

const caches = new WeakMap<Database, LruCache<unknown>>();

export function viewCacheOf(db: Database): LruCache<unknown> {
  let c = caches.get(db);
  if (!c) {
    const cache = new LruCache<unknown>(VIEW_CACHE_ENTRIES);
    caches.set(db, cache);
    // On the change feed too (db/change-bus.ts): a run deleted or its rows
    // changed (retention, a manual link) here or in another process (NOTIFY,
    // 0092 / 0093) drops every page. Unlike the caches of mutable data it
    // also serves while the feed is down: a published run's pages do not
    // change.
    changeBusOf(db).subscribe((change) => {
      if (
        change.topic === "*" ||
        change.topic === "score_run" ||
        change.topic === "run_data" ||
        change.topic === "usage_stop" ||
        change.topic === "fact_correction"
      )
        cache.clear();
    });
    c = cache;
  }
  return c;
}

/**
 * The cache key of a view of run `runId`: the reader's data scope (all of it
 * but the user id: no run view depends on who the user is beyond the scope),
 * the view and its parameters.
 */
export function viewKey(scope: DataScope, runId: number, view: string, params: unknown): string {
  return JSON.stringify([
    scope.municipalityId,
    scope.council,
    scope.children,
    scope.affiliation,
    runId,
    view,
    params,
  ]);
}
