/**
 * A Kysely driver over two pools (issue 12): the app pool, which logs in as
 * the app's LOGIN role (login-role.ts: not the owner, no BYPASSRLS), and the
 * owner pool, used only inside scope.ts runAsOwner (migrations, ANALYZE) and
 * by tests' unscoped set-up. The pool is chosen when a connection is
 * acquired, in the caller's async context.
 *
 * Every statement on an app connection runs in the current data scope
 * (scope.ts): a statement outside a transaction becomes BEGIN + scope;
 * statement; COMMIT, and a transaction gets the scope right after its BEGIN.
 * Repositories stay unchanged. Writes to tables that in-process caches
 * depend on are spotted in the statement text and published on the
 * database's change bus once committed (change-bus.ts). An injected RESET ROLE on an app connection
 * returns to the login role, which has the same (non-bypassing) rights.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import type pg from "pg";
import { type ChangeBus, type ChangeTopic, topicsOfStatement, wroteNothing } from "./change-bus.ts";
import { beginScoped, currentDataScope, runsAsOwner, scopeSql } from "./scope.ts";

class ScopedConnection implements DatabaseConnection {
  inTransaction = false;
  /** Topics written in the open transaction: published after its COMMIT (change-bus.ts). */
  readonly written = new Set<ChangeTopic>();
  constructor(
    readonly inner: DatabaseConnection,
    /** From the owner pool: statements pass through unscoped. */
    readonly owner: boolean,
    readonly bus: ChangeBus,
  ) {}

  /** Publishes what was written once it is committed (now, or at the transaction's COMMIT). */
  private noteWrites(query: CompiledQuery, result: QueryResult<unknown>, committed: boolean): void {
    if (wroteNothing(query.sql, result.numAffectedRows)) return;
    const topics = topicsOfStatement(query.sql);
    if (topics.length === 0) return;
    if (committed) for (const topic of topics) this.bus.publish({ topic });
    else for (const topic of topics) this.written.add(topic);
  }

  /** After COMMIT (publish) or ROLLBACK (forget). */
  endTransaction(committed: boolean): void {
    if (committed) for (const topic of this.written) this.bus.publish({ topic });
    this.written.clear();
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction) {
      const result = await this.inner.executeQuery<R>(query);
      this.noteWrites(query, result, false);
      return result;
    }
    if (this.owner) {
      const result = await this.inner.executeQuery<R>(query);
      this.noteWrites(query, result, true);
      return result;
    }
    await this.inner.executeQuery(CompiledQuery.raw(`BEGIN; ${scopeSql(currentDataScope())}`));
    try {
      const result = await this.inner.executeQuery<R>(query);
      await this.inner.executeQuery(CompiledQuery.raw("COMMIT"));
      this.noteWrites(query, result, true);
      return result;
    } catch (e) {
      await this.inner.executeQuery(CompiledQuery.raw("ROLLBACK")).catch(() => {});
      throw e;
    }
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (this.inTransaction || this.owner) {
      yield* this.inner.streamQuery<R>(query, chunkSize);
      return;
    }
    await this.inner.executeQuery(CompiledQuery.raw(`BEGIN; ${scopeSql(currentDataScope())}`));
    let ok = false;
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
      ok = true;
    } finally {
      await this.inner.executeQuery(CompiledQuery.raw(ok ? "COMMIT" : "ROLLBACK")).catch(() => {});
    }
  }
}

class ScopedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly ownerDriver: Driver,
    private readonly bus: ChangeBus,
  ) {}
  async init() {
    await this.inner.init();
    await this.ownerDriver.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const owner = runsAsOwner();
    const driver = owner ? this.ownerDriver : this.inner;
    return new ScopedConnection(await driver.acquireConnection(), owner, this.bus);
  }
  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const conn = c as ScopedConnection;
    await this.inner.beginTransaction(conn.inner, settings);
    conn.inTransaction = true;
    if (conn.owner) return;
    try {
      await conn.inner.executeQuery(CompiledQuery.raw(scopeSql(currentDataScope())));
    } catch (e) {
      await this.rollbackTransaction(conn).catch(() => {});
      throw e;
    }
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    const conn = c as ScopedConnection;
    let committed = false;
    try {
      await this.inner.commitTransaction(conn.inner);
      committed = true;
    } finally {
      conn.inTransaction = false;
      conn.endTransaction(committed);
    }
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    const conn = c as ScopedConnection;
    try {
      await this.inner.rollbackTransaction(conn.inner);
    } finally {
      conn.inTransaction = false;
      conn.endTransaction(false);
    }
  }
  async savepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.inner.savepoint?.((c as ScopedConnection).inner, name, compile);
  }
  async rollbackToSavepoint(
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    await this.inner.rollbackToSavepoint?.((c as ScopedConnection).inner, name, compile);
  }
  async releaseSavepoint(
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    await this.inner.releaseSavepoint?.((c as ScopedConnection).inner, name, compile);
  }
  releaseConnection(c: DatabaseConnection): Promise<void> {
    const conn = c as ScopedConnection;
    return (conn.owner ? this.ownerDriver : this.inner).releaseConnection(conn.inner);
  }
  async destroy(): Promise<void> {
    await Promise.all([this.inner.destroy(), this.ownerDriver.destroy()]);
  }
}

const poolsOf = new WeakMap<object, { readonly app: pg.Pool; readonly owner: pg.Pool }>();

/** Remembers the pools of a Kysely made with {@link ScopedPostgresDialect} (database.ts). */
export function registerPools(
  db: object,
  pools: { readonly app: pg.Pool; readonly owner: pg.Pool },
): void {
  poolsOf.set(db, pools);
}

/**
 * The rows `fn` yields from a client of `db`'s pools inside a transaction in the current data
 * scope — the app pool and role with the scope's settings, or the owner's pool
 * under runAsOwner, as every Kysely statement runs — for what Kysely cannot send:
 * COPY (query) TO STDOUT, the monthly run's bulk reads (issue 15). Commits when
 * `fn` is done; otherwise (it threw, or the caller stopped reading) the connection is
 * closed, which rolls the transaction back, rather than returned to the pool.
 */
export async function* scopedStream<T>(
  db: object,
  fn: (client: pg.ClientBase) => AsyncIterable<T>,
): AsyncGenerator<T> {
  const pools = poolsOf.get(db);
  if (!pools) throw new Error("scopedStream: a database not made by createKysely");
  const client = await (runsAsOwner() ? pools.owner : pools.app).connect();
  let clean = false;
  try {
    await beginScoped(client);
    yield* fn(client);
    await client.query("COMMIT");
    clean = true;
  } finally {
    // Not clean (an error, or the caller stopped reading mid-COPY): a ROLLBACK would wait
    // behind the unread COPY; closing the connection ends the transaction instead.
    client.release(clean ? undefined : true);
  }
}

/** The PostgreSQL dialect whose driver scopes every statement of the app pool. */
export class ScopedPostgresDialect implements Dialect {
  constructor(
    private readonly pools: { readonly app: pg.Pool; readonly owner: pg.Pool },
    /** Where this process's own writes are published (change-bus.ts). */
    private readonly bus: ChangeBus,
  ) {}
  createDriver(): Driver {
    return new ScopedDriver(
      new PostgresDriver({ pool: this.pools.app }),
      new PostgresDriver({ pool: this.pools.owner }),
      this.bus,
    );
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
