/**
 * Each reader's answers of the home page and the conference screen, kept in
 * memory (issue 13 benchmark: p95 < 100 ms with 1,000 open cases and 50
 * users; most of those calls' cost was reading the same rows again for the
 * same reader). The issue 11 caches' rules (db/change-bus.ts):
 *
 * - **Keyed by the reader**: the user id AND the whole data scope
 *   (municipality, 要対協 membership, child access, affiliation), so an
 *   answer is served only to the reader it was computed for, and a reader
 *   whose scope changed (a role, the council flag, an affiliation — each an
 *   app_user write, which also clears the cache) never gets the old one.
 *   A council member's answer (council cases, B01/B02 evidence) can reach
 *   no one else: no other reader has the key.
 * - **Cleared by every change it depends on**, in this process right after
 *   the COMMIT and in others through NOTIFY: the workflow's tables (cases,
 *   events, lists, conferences, plans, follow-ups, sheets: topic
 *   `casework`, migration 0071), users (names, roles), runs and run data,
 *   利用停止 and 訂正. お知らせ have a cache of their own, cleared by
 *   `notification` only, so marking one read does not drop the agenda.
 * - **Not used while the LISTEN connection is down**, and never longer than
 *   {@link READER_ANSWER_MS} (a bound on staleness should a write path ever
 *   escape both).
 * - **What stays per request**: the permission check (before the handler),
 *   masking (after it: answers are stored as the repository returned them,
 *   identity unmasked, and masked on the way out for the reader's roles),
 *   and the audit entry of every view (the route writes it from the answer,
 *   hit or miss).
 */
import { gzipSync } from "node:zlib";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import { changeBusOf, feedCacheOf } from "../../db/change-bus.ts";
import type { Database } from "../../db/database.ts";
import type { DataScope } from "../../domain/policy/index.ts";
import { IDENTITY_FIELDS } from "../../domain/policy/masking.ts";
import type { AppEnv } from "../app-env.ts";
import { maskingOf } from "../openapi/identity.ts";

/** How long an answer is reused at most, whatever the change feed says. */
export const READER_ANSWER_MS = 60_000;
/** Answers kept per database (an agenda of 40 children is ~150 KB; most are a few KB). */
export const READER_ANSWER_ENTRIES = 2_000;

const wholeOnUserChange = new WeakSet<object>();

function casework(db: Database) {
  const cache = feedCacheOf<unknown>(db, "reader-answers", {
    topics: ["casework", "score_run", "run_data", "usage_stop", "fact_correction"],
    capacity: READER_ANSWER_ENTRIES,
    ttlMs: READER_ANSWER_MS,
  });
  // Any user's change clears every answer, not only that user's entries (as
  // FeedCache does for a NOTIFY naming a user): answers name other users
  // (担当者, the assignees list).
  if (!wholeOnUserChange.has(cache)) {
    wholeOnUserChange.add(cache);
    changeBusOf(db).subscribe((c) => {
      if (c.topic === "app_user") cache.clear();
    });
  }
  return cache;
}

function notifications(db: Database) {
  return feedCacheOf<unknown>(db, "reader-notifications", {
    topics: ["notification"],
    capacity: READER_ANSWER_ENTRIES,
    ttlMs: READER_ANSWER_MS,
  });
}

/** The key of `view` (with `params`) for exactly this reader. */
export function readerKey(scope: DataScope, view: string, params: readonly unknown[]): string {
  return JSON.stringify([
    scope.municipalityId,
    scope.userId,
    scope.council,
    scope.children,
    scope.affiliation,
    view,
    ...params,
  ]);
}

/**
 * `compute()`'s answer for this reader, from memory when the same reader
 * asked since the last change. `undefined` (not found / not theirs) is
 * never kept.
 */
export function readerAnswer<T>(
  db: Database,
  scope: DataScope,
  view: string,
  params: readonly unknown[],
  compute: () => Promise<T>,
): Promise<T> {
  const cache = view === "notifications" ? notifications(db) : casework(db);
  return cache.get(readerKey(scope, view, params), compute) as Promise<T>;
}

/** Both caches (tests). */
export function readerAnswerCaches(db: Database) {
  return { casework: casework(db), notifications: notifications(db) };
}

/** An answer's JSON, gzip-compressed once per cached answer (kept beside it, dropped with it). */
const gzipped = new WeakMap<object, Uint8Array<ArrayBuffer>>();

/**
 * Sends `value` — an answer from {@link readerAnswer} — as JSON,
 * gzip-compressed when the client accepts it, as browsers do, with the
 * compressed bytes made once per cached answer: the agenda of 40 children is
 * ~150 KB of JSON, ~10 KB compressed, and serialising it again on every view
 * was most of what a cached view still cost. A client without gzip gets
 * `c.json` (serialised per request; only the compressed form is kept, to
 * bound memory). Only for a reader whose masking shows every identity field
 * in full, whose answer the masking step passes through unread
 * (openapi/identity.ts); anyone else gets `c.json` and is masked as usual.
 * Audit before calling: this only sends.
 */
export async function sendAnswer<T extends object>(
  c: Context<AppEnv>,
  value: T,
): Promise<Response & TypedResponse<JSONParsed<T>, 200, "json">> {
  const { forms } = await maskingOf(c);
  if (
    !IDENTITY_FIELDS.every((f) => forms[f] === "full") ||
    !/\bgzip\b/i.test(c.req.header("accept-encoding") ?? "")
  )
    return c.json(value, 200);
  let bytes = gzipped.get(value);
  if (!bytes) {
    bytes = new Uint8Array(gzipSync(Buffer.from(JSON.stringify(value))));
    gzipped.set(value, bytes);
  }
  // The same JSON as c.json would send, typed as such for the route's schema.
  return new Response(bytes, {
    status: 200,
    headers: {
      "Content-Type": "application/json; charset=UTF-8",
      Vary: "Accept-Encoding",
      "Content-Encoding": "gzip",
    },
  }) as Response & TypedResponse<JSONParsed<T>, 200, "json">;
}
