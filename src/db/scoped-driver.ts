/**
 * A Kysely driver around PostgresDriver that runs every statement in the
 * current data scope (scope.ts): a statement outside a transaction becomes
 * BEGIN + scope; statement; COMMIT, and a transaction gets the scope right
 * after its BEGIN. Repositories stay unchanged.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { currentDataScope, runsAsOwner, scopeSql } from "./scope.ts";

class ScopedConnection implements DatabaseConnection {
  inTransaction = false;
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction || runsAsOwner()) return this.inner.executeQuery<R>(query);
    await this.inner.executeQuery(CompiledQuery.raw(`BEGIN; ${scopeSql(currentDataScope())}`));
    try {
      const result = await this.inner.executeQuery<R>(query);
      await this.inner.executeQuery(CompiledQuery.raw("COMMIT"));
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
    if (this.inTransaction || runsAsOwner()) {
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
  constructor(private readonly inner: Driver) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new ScopedConnection(await this.inner.acquireConnection());
  }
  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const conn = c as ScopedConnection;
    await this.inner.beginTransaction(conn.inner, settings);
    conn.inTransaction = true;
    if (runsAsOwner()) return;
    try {
      await conn.inner.executeQuery(CompiledQuery.raw(scopeSql(currentDataScope())));
    } catch (e) {
      await this.rollbackTransaction(conn).catch(() => {});
      throw e;
    }
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    const conn = c as ScopedConnection;
    try {
      await this.inner.commitTransaction(conn.inner);
    } finally {
      conn.inTransaction = false;
    }
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    const conn = c as ScopedConnection;
    try {
      await this.inner.rollbackTransaction(conn.inner);
    } finally {
      conn.inTransaction = false;
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
    return this.inner.releaseConnection((c as ScopedConnection).inner);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** PostgresDialect whose driver scopes every statement. */
export class ScopedPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new ScopedDriver(super.createDriver());
  }
}
