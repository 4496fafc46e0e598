/**
 * Per-run partitions of the link store's large tables (issue 15, migration
 * 0064-run-partitions): `link_person`, `person_search_key` and `link_record`
 * are partitioned by LIST (run_id), one partition `<table>_r<run id>` per run.
 *
 * Why: a monthly run writes millions of rows into these tables, which also hold
 * every earlier run. Written into the one table, each row was added to each
 * secondary B-tree (and link_person's GIN) one at a time, at random leaf pages
 * of indexes several times shared_buffers (city link_record: 6.7 s with its
 * three indexes against 0.9 s for the heap alone). A run's rows now go into a
 * fresh table of their own by COPY, its indexes are built once after the load
 * (sorted, 2.1 s for the same three), and the table is attached to the parent
 * as the run's partition. Retention drops a run's partitions instead of
 * deleting its rows (the link_run delete trigger, 0064).
 *
 * Row security: a query through the parent is checked by the parent's policies;
 * each partition gets the same policies, RLS enabled and FORCEd and the same
 * grants as the parent, so reading a partition by name sees no more than
 * reading the parent. The rows of a fresh table are not checked by policies
 * while it is loaded (no RLS yet), so the writer checks what they would have:
 * the run belongs to the scope's municipality, every line starts with this run
 * and municipality, and a council-only source is written in a council scope
 * only (link_record's `council_only` policy).
 *
 * A login that owns the parents (the owner's URL: migrations, `mimamori run`)
 * creates, indexes and attaches the tables itself. The app login of a run
 * started from the web (not owner, no BYPASSRLS) takes the same path through
 * migration 0069's SECURITY DEFINER functions: one creates the table (the app
 * role may only INSERT into it), the other checks every row against the
 * parent's policies for the caller's scope (one scan; the scope's values as
 * literals since 0094, not a settings look-up per row), then indexes and
 * attaches it.
 *
 * The partition's keys are the parent's (municipality_id in each:
 * test/distribution-keys.test.ts); its foreign keys are cloned by ATTACH.
 */
import type pg from "pg";
import { isCouncilOnlySource } from "../domain/policy/index.ts";
import { type CopyInput, checkedLines, copyLines } from "./copy.ts";
import { APP_ROLE, currentDataScope, runsAsOwner } from "./scope.ts";

/** The tables stored as one partition per run, by the run table whose id partitions them. */
export const RUN_PARTITIONS = {
  // 0064: the link store.
  link_run: ["link_person", "person_search_key", "link_record"],
  // 0067: the score store.
  score_run: ["score_item", "score_result"],
} as const;
export type RunTable = keyof typeof RUN_PARTITIONS;
export type RunPartitionedTable = (typeof RUN_PARTITIONS)[RunTable][number];
/** Every table partitioned per run. */
export const RUN_PARTITIONED: readonly RunPartitionedTable[] = [
  ...RUN_PARTITIONS.link_run,
  ...RUN_PARTITIONS.score_run,
];
/** The partition of `table` holding the rows of run `runId`. */
export function runPartitionName(table: RunPartitionedTable, runId: number): string {
  if (!Number.isSafeInteger(runId) || runId <= 0) throw new Error(`invalid run id ${runId}`);
  return `${table}_r${runId}`;
}

/** Anything that runs one SQL text and returns its rows (a pg client, or Kysely in a migration). */
export type SqlRunner = (text: string) => Promise<readonly Record<string, unknown>[]>;

/** A pg client as a {@link SqlRunner}. */
export function clientRunner(client: pg.ClientBase): SqlRunner {
  return async (text) => (await client.query(text)).rows;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Builds on the loaded table `partition` the parent's indexes (its primary and
 * unique keys as constraints, so ATTACH takes them as the parent's), then
 * attaches it as the partition of `runId` (one scan of the table checks the
 * partition constraint; the parent's foreign keys are cloned and validated),
 * and gives it the parent's row security, policies and grants. Runs as the
 * owner of the parent (the login role of a migration or a run's store).
 */
export async function attachRunPartition(
  run: SqlRunner,
  table: RunPartitionedTable,
  runId: number,
  partition = runPartitionName(table, runId),
): Promise<void> {
  const part = ident(partition);
  const indexes = (await run(`
    SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition, k.contype AS kind,
           array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(n, o)
                 JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n
                 WHERE u.o <= x.indnkeyatts ORDER BY u.o) AS columns
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid
    WHERE x.indrelid = ${literal(table)}::regclass ORDER BY i.relname`)) as {
    name: string;
    definition: string;
    kind: string | null;
    columns: string[];
  }[];
  for (const i of indexes) {
    // link_record_person_idx → link_record_r12_person_idx (names stay unique per schema).
    const name = i.name.startsWith(`${table}_`)
      ? `${partition}${i.name.slice(table.length)}`
      : `${partition}_${i.name}`;
    if (i.kind === "p" || i.kind === "u") {
      await run(
        `ALTER TABLE ${part} ADD CONSTRAINT ${ident(name)} ${i.kind === "p" ? "PRIMARY KEY" : "UNIQUE"} (${i.columns.map(ident).join(", ")})`,
      );
      continue;
    }
    const m = /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)$/.exec(i.definition);
    if (!m) throw new Error(`index ${i.name} of ${table}: unexpected definition ${i.definition}`);
    await run(`CREATE ${m[1] ?? ""}INDEX ${ident(name)} ON ${part} ${m[2]}`);
  }
  await run(`ALTER TABLE ${ident(table)} ATTACH PARTITION ${part} FOR VALUES IN (${runId})`);
  // The parent's policies, RLS (enabled, forced) and grants (0064's function).
  await run(
    `SELECT mimamori_secure_partition(${literal(table)}::regclass, ${literal(partition)}::regclass)`,
  );
}

/**
 * Rebuilds `table` (a run's rows, a run_id column) as a table partitioned by LIST (run_id)
 * with the same columns, keys, indexes, foreign keys, triggers, policies, RLS and grants,
 * and moves each existing run's rows into that run's partition (built and attached as a
 * run's store does); the old table is dropped. Nothing to do when it is partitioned
 * already. For migrations (0064, 0067): runs as the tables' owner, in the migration's
 * transaction; needs mimamori_secure_partition (0064).
 */
export async function partitionByRun(run: SqlRunner, table: RunPartitionedTable): Promise<void> {
  const kind = (
    await run(`SELECT relkind::text AS kind FROM pg_class WHERE oid = '${table}'::regclass`)
  )[0]?.kind;
  if (kind === "p") return;
  const old = `${table}_unpartitioned`;
  await run(`ALTER TABLE ${table} RENAME TO ${old}`);
  // The owner reads every row while moving them (FORCE would hide them without a scope).
  await run(`ALTER TABLE ${old} NO FORCE ROW LEVEL SECURITY`);
  const indexes = (await run(`
    SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition, k.contype AS kind,
           k.conname AS constraint_name, pg_get_constraintdef(k.oid) AS constraint_definition
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid
    WHERE x.indrelid = '${old}'::regclass ORDER BY i.relname`)) as {
    name: string;
    definition: string;
    kind: string | null;
    constraint_name: string | null;
    constraint_definition: string | null;
  }[];
  for (const i of indexes) await run(`ALTER INDEX ${i.name} RENAME TO ${i.name}_unpartitioned`);
  await run(
    `CREATE TABLE ${table} (LIKE ${old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (run_id)`,
  );
  for (const i of indexes) {
    if (i.constraint_name !== null && (i.kind === "p" || i.kind === "u")) {
      await run(
        `ALTER TABLE ${table} ADD CONSTRAINT ${i.constraint_name} ${i.constraint_definition}`,
      );
      continue;
    }
    const m = /^CREATE (UNIQUE )?INDEX \S+ ON \S+ (USING .*)$/.exec(i.definition);
    if (!m) throw new Error(`index ${i.name} of ${table}: unexpected definition ${i.definition}`);
    await run(`CREATE ${m[1] ?? ""}INDEX ${i.name} ON ${table} ${m[2]}`);
  }
  const foreignKeys = (await run(`
    SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
    WHERE conrelid = '${old}'::regclass AND contype = 'f' ORDER BY conname`)) as {
    name: string;
    definition: string;
  }[];
  for (const f of foreignKeys)
    await run(`ALTER TABLE ${table} ADD CONSTRAINT ${f.name} ${f.definition}`);
  const triggers = (await run(`
    SELECT tgname AS name, pg_get_triggerdef(oid) AS definition FROM pg_trigger
    WHERE tgrelid = '${old}'::regclass AND NOT tgisinternal ORDER BY tgname`)) as {
    name: string;
    definition: string;
  }[];
  for (const t of triggers) {
    await run(`DROP TRIGGER ${t.name} ON ${old}`);
    await run(
      t.definition
        .replace(` ON public.${old} `, ` ON ${table} `)
        .replace(` ON ${old} `, ` ON ${table} `),
    );
  }
  // The old table's policies, RLS (enabled, forced) and grants.
  await run(`SELECT mimamori_secure_partition('${old}'::regclass, '${table}'::regclass)`);
  const runs = (await run(`SELECT DISTINCT run_id FROM ${old} ORDER BY run_id`)) as {
    run_id: number;
  }[];
  for (const { run_id } of runs) {
    const part = `${table}_r${run_id}`;
    await run(`CREATE TABLE ${part} (LIKE ${table} INCLUDING DEFAULTS)`);
    await run(`INSERT INTO ${part} SELECT * FROM ${old} WHERE run_id = ${Number(run_id)}`);
    await attachRunPartition(run, table, Number(run_id), part);
  }
  await run(`DROP TABLE ${old}`);
}

/** Writes a run's rows into fresh per-run tables, then attaches them: see the module comment. */
export interface RunPartitionWriter {
  /**
   * COPYs `lines` (each `run_id<TAB>municipality_id<TAB>…`) into a fresh table for the run's
   * partition of `table` (created here; `statement` is `COPY table (columns) FROM STDIN`).
   */
  copy(table: RunPartitionedTable, statement: string, lines: CopyInput): Promise<void>;
  /** Throws unless the scope may write a row of `sourceId` (the council_only policy's check). */
  checkSource(sourceId: string): void;
  /** Builds each loaded table's indexes and attaches it (attachRunPartition), in load order. */
  attach(): Promise<void>;
}

/**
 * The partition writer of run `runId` of `municipalityId` on `client`, inside the run's scoped
 * transaction (beginScoped). With the owner's login the tables are created and loaded as the
 * login role, then the transaction returns to the app role; with the app login 0069's
 * functions create, check and attach them (module comment). Refuses a run of another
 * municipality than the scope's.
 */
export async function runPartitionWriter(
  client: pg.ClientBase,
  municipalityId: number,
  runId: number,
  runTable: RunTable = "link_run",
): Promise<RunPartitionWriter> {
  const tables: readonly RunPartitionedTable[] = RUN_PARTITIONS[runTable];
  const owner = runsAsOwner();
  const scope = currentDataScope();
  if (!owner && scope?.municipalityId !== municipalityId)
    throw new Error(
      `run partitions for municipality ${municipalityId} outside its scope (${scope?.municipalityId ?? "none"})`,
    );
  const council = owner || scope?.council === true;
  const r = await client.query<{ id: number }>(
    `SELECT id FROM ${runTable} WHERE id = $1 AND municipality_id = $2`,
    [runId, municipalityId],
  );
  if (r.rowCount !== 1)
    throw new Error(`run partitions: no ${runTable} ${runId} of the municipality`);
  const loaded: RunPartitionedTable[] = [];
  const prefix = `${runId}\t${municipalityId}\t`;
  // A login that owns the parents (the owner's DATABASE_URL, as migrations and `mimamori run`
  // use) creates, indexes and attaches the tables itself, the rows checked in code. Another
  // login (the app login of a run started from the web: not owner, not BYPASSRLS) has 0069's
  // SECURITY DEFINER functions do the DDL: a fresh table it may only COPY into, then every
  // row checked against the parent's policies before the indexes are built and it is attached.
  const owns = await client.query<{ owns: boolean }>(
    `SELECT pg_has_role(session_user, relowner, 'USAGE') AS owns FROM pg_class
     WHERE oid = $1::regclass`,
    [tables[0]],
  );
  const byOwner = owns.rows[0]?.owns === true;
  const asLogin = async <T>(fn: () => Promise<T>): Promise<T> => {
    await client.query("SET LOCAL ROLE NONE");
    const result = await fn();
    // A failure above aborts the transaction (rolled back by the caller): nothing to restore.
    if (!owner) await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
    return result;
  };
  return {
    async copy(table, statement, lines) {
      const m = /^COPY (\w+) \(([\w, ]+)\) FROM STDIN$/.exec(statement);
      if (!m || m[1] !== table || !tables.includes(table))
        throw new Error(`run partitions: not a COPY into ${table} of a ${runTable}`);
      if (loaded.includes(table)) throw new Error(`run partitions: ${table} written twice`);
      loaded.push(table);
      const part = runPartitionName(table, runId);
      // FREEZE: the table was created in this transaction, so its rows need no hint bits
      // later (the scoring read would otherwise dirty, and with checksums WAL-log, every page).
      const load = () =>
        copyLines(client, `COPY ${part} (${m[2]}) FROM STDIN`, checkedLines(lines, prefix, table), {
          direct: true,
          options: "FREEZE",
        });
      if (!byOwner) {
        // Created by 0069's function, in this transaction: the app role may only INSERT into it.
        await client.query("SELECT mimamori_create_run_load_table($1, $2)", [table, runId]);
        await load();
        return;
      }
      await asLogin(async () => {
        // The CHECK lets ATTACH see that every row is the run's without scanning the table.
        await client.query(
          `CREATE TABLE ${ident(part)} (LIKE ${ident(table)} INCLUDING DEFAULTS,
             CONSTRAINT ${ident(`${part}_run`)} CHECK (run_id = ${runId}))`,
        );
        await load();
      });
    },
    checkSource(sourceId) {
      if (!council && isCouncilOnlySource(sourceId))
        throw new Error(`a council-only row (${sourceId}) outside a council scope`);
    },
    async attach() {
      if (!byOwner) {
        // 0069: every row checked against the parent's policies, then indexed and attached
        // (the function sets maintenance_work_mem as below).
        for (const table of loaded)
          await client.query("SELECT mimamori_attach_run_load_table($1, $2)", [table, runId]);
        return;
      }
      await asLogin(async () => {
        // The index builds sort the run's rows: in memory where a metro run's fit.
        await client.query("SET LOCAL maintenance_work_mem = '256MB'");
        for (const table of loaded) {
          await attachRunPartition(clientRunner(client), table, runId);
          // Implied by the partition's bound from now on.
          const part = runPartitionName(table, runId);
          await client.query(`ALTER TABLE ${ident(part)} DROP CONSTRAINT ${ident(`${part}_run`)}`);
        }
      });
    },
  };
}
