/**
 * The data scope: which municipality (and whether 要対協 council facts) the
 * statements of the current async flow may see. Every statement the
 * application sends runs inside a transaction that first does
 *
 *   SET LOCAL ROLE mimamori_app;
 *   SELECT set_config('mimamori.municipality_id', '<id>', true), …
 *
 * so PostgreSQL's row-level security (migration 0040-row-security) filters
 * and checks rows whatever the query says. `set_config(…, true)` is local to
 * the transaction: a pooled connection never carries one request's scope
 * into the next. Without a scope the municipality is empty and municipal
 * tables show nothing (fail closed).
 *
 * Entering a scope: the HTTP session middleware (the logged-in user's
 * municipality and council flag), each CLI command (`--municipality`, see
 * cli/municipality.ts), and tests. Kysely queries pick it up through the
 * driver of database.ts; repositories that open their own pg clients (COPY)
 * begin with {@link beginScoped}.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";

/** The role every application statement runs as: not the owner, no BYPASSRLS. */
export const APP_ROLE = "mimamori_app";

export interface DataScope {
  /** The municipality whose rows are visible; null: none (only the account tables, see `accounts`). */
  readonly municipalityId: number | null;
  /** True for a 要対協 member (or an operator at the CLI): council-only rows are visible. */
  readonly council: boolean;
  /**
   * Authentication before the municipality is known (login, session lookup):
   * app_user and session rows of every municipality are visible; municipal
   * data stays invisible (municipalityId is null).
   */
  readonly accounts?: boolean;
}

/** What an unauthenticated HTTP request runs with: account lookups only. */
export const ACCOUNT_LOOKUP: DataScope = { municipalityId: null, council: false, accounts: true };

type Stored =
  | { readonly kind: "scope"; readonly scope: DataScope }
  | { readonly kind: "owner" }
  | { readonly kind: "none" };

const storage = new AsyncLocalStorage<Stored>();

/** Runs `fn` with `scope`: every statement it (and what it awaits) sends is limited to it. */
export function withDataScope<T>(scope: DataScope, fn: () => T): T {
  return storage.run({ kind: "scope", scope: checkScope(scope) }, fn);
}

/**
 * Enters `scope` for the rest of the current async flow. For CLI commands,
 * which run one per process and resolve the municipality after opening the
 * database; everything else uses {@link withDataScope}.
 */
export function enterDataScope(scope: DataScope): void {
  storage.enterWith({ kind: "scope", scope: checkScope(scope) });
}

/**
 * Runs `fn` as the database owner, without the app role and so without
 * row-level security: for migrations and for verifying the audit chain
 * (which spans municipalities). Nothing else may use it (test/architecture).
 */
export function runAsOwner<T>(fn: () => T): T {
  return storage.run({ kind: "owner" }, fn);
}

/** Runs `fn` with no scope (fail closed), in a frame of its own: a scope it enters ends with it. */
export function withoutDataScope<T>(fn: () => T): T {
  return storage.run({ kind: "none" }, fn);
}

/** The scope of the current async flow (undefined: none entered). */
export function currentDataScope(): DataScope | undefined {
  const s = storage.getStore();
  return s?.kind === "scope" ? s.scope : undefined;
}

/** True inside {@link runAsOwner}, or when a test allowed unscoped statements as owner. */
export function runsAsOwner(): boolean {
  const s = storage.getStore();
  if (s?.kind === "owner") return true;
  return (s === undefined || s.kind === "none") && unscopedAsOwner;
}

let unscopedAsOwner = false;

/**
 * Test helper only (test/db.ts): statements sent outside any scope run as the
 * owner instead of failing closed, so tests can set up data and call
 * repositories directly. Code under a scope still runs as the app role.
 */
export function allowUnscopedAsOwnerForTests(): void {
  unscopedAsOwner = true;
}

function checkScope(scope: DataScope): DataScope {
  if (scope.municipalityId !== null && !Number.isSafeInteger(scope.municipalityId)) {
    throw new Error(`invalid municipality id in data scope: ${String(scope.municipalityId)}`);
  }
  return scope;
}

/**
 * The statements that put a transaction into `scope` (or fail closed when
 * undefined). Values are an integer and fixed words, so the text is safe to
 * send with the simple-query protocol in one round trip.
 */
export function scopeSql(scope: DataScope | undefined): string {
  const m = scope?.municipalityId ?? null;
  return [
    `SET LOCAL ROLE ${APP_ROLE}`,
    `SELECT set_config('mimamori.municipality_id', '${m === null ? "" : String(m)}', true), set_config('mimamori.council', '${scope?.council ? "on" : "off"}', true), set_config('mimamori.accounts', '${scope?.accounts ? "all" : ""}', true)`,
  ].join("; ");
}

/**
 * BEGIN on a pg client of one's own (COPY paths), in the current scope; as
 * owner under {@link runAsOwner}. One round trip.
 */
export async function beginScoped(client: pg.ClientBase): Promise<void> {
  if (runsAsOwner()) await client.query("BEGIN");
  else await client.query(`BEGIN; ${scopeSql(currentDataScope())}`);
}
