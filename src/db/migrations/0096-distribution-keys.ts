import { type Kysely, sql } from "kysely";

/**
 * Distribution keys (issue 12, "keep the schema ready to distribute by
 * municipality id"): every primary key, unique key, unique index and foreign
 * key of a municipal table (a table with a municipality_id column, except the
 * reference tables below) carries municipality_id, appended as its LAST
 * column where it was missing. A Citus-style deployment can then hash-
 * distribute every municipal table on municipality_id and co-locate them:
 * each key is checkable on one shard and each join between municipal tables
 * (which also carries municipality_id, test/sql-joins.ts) stays on one node.
 * docs/ARCHITECTURE.md「分散の準備」 says how such a deployment would run.
 *
 * Reference tables (municipality_id present, not distributed, keys unchanged):
 * - `app_user`: logins are looked up by name before any municipality is
 *   known (login_name is unique across the server) and sessions reference it.
 * - `audit_log`: one hash chain over the whole server; pre-login rows have no
 *   municipality.
 * Foreign keys from a municipal table to these (and to `municipality`) stay
 * single-column: a distributed table may reference a reference table.
 *
 * The migration reads the catalog, so it also fixes a municipal table added
 * by a migration that sorts before it; a table added after it must be written
 * with such keys (test/distribution-keys.test.ts fails otherwise). In order,
 * in the migration run's one transaction: drop every foreign key between
 * municipal tables that lacks municipality_id or references a key being
 * rebuilt; rebuild each primary/unique key and unique index without it
 * (same name, municipality_id appended); add the foreign keys
 * back with municipality_id appended on both sides (same name, actions and
 * deferral; ON DELETE SET NULL / SET DEFAULT only on the original columns, so
 * municipality_id is never nulled). Adding them back validates every row: a
 * child row of another municipality than its parent fails the migration
 * rather than being kept. Data is not copied or changed.
 */

const REFERENCE_TABLES = ["app_user", "audit_log"];

interface KeyRow {
  table: string;
  name: string;
  kind: "p" | "u";
  columns: string[];
}

interface IndexRow {
  table: string;
  name: string;
  definition: string;
  columns: string[] | null;
  predicate: string | null;
  method: string;
}

interface ForeignKeyRow {
  table: string;
  name: string;
  columns: string[];
  ref_table: string;
  ref_columns: string[];
  upd: string;
  del: string;
  del_set_columns: string[] | null;
  match: string;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
}

const ACTIONS: Record<string, string> = {
  a: "NO ACTION",
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT",
};

export async function up(db: Kysely<unknown>): Promise<void> {
  const municipal = (
    await sql<{ table: string }>`
      SELECT c.relname AS table
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'municipality_id' AND NOT a.attisdropped
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
        -- A partition (0064: one per run) takes its keys from its parent.
        AND NOT c.relispartition
        AND c.relname <> ALL (${REFERENCE_TABLES}::text[])`.execute(db)
  ).rows.map((r) => r.table);
  if (municipal.length === 0) return;

  const keys = (
    await sql<KeyRow>`
      SELECT c.relname AS table, k.conname AS name, k.contype AS kind,
             array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o) AS columns
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND k.contype IN ('p', 'u')
        AND c.relname = ANY (${municipal}::text[])
      ORDER BY c.relname, k.conname`.execute(db)
  ).rows.filter((k) => !k.columns.includes("municipality_id"));

  // Unique indexes that back no constraint (e.g. partial ones).
  const indexes = (
    await sql<IndexRow>`
      SELECT t.relname AS table, i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition,
             CASE WHEN x.indexprs IS NULL THEN
               array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(n, o)
                     JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n
                     WHERE u.o <= x.indnkeyatts ORDER BY u.o) END AS columns,
             pg_get_expr(x.indpred, x.indrelid) AS predicate, am.amname AS method
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = current_schema() AND x.indisunique
        AND t.relname = ANY (${municipal}::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
      ORDER BY t.relname, i.relname`.execute(db)
  ).rows.filter((i) => i.columns === null || !i.columns.includes("municipality_id"));
  for (const i of indexes) {
    if (i.columns === null)
      throw new Error(
        `一意インデックス ${i.name}（${i.table}）は式を含むため municipality_id を自動で加えられません: 移行を書き直してください（${i.definition}）`,
      );
  }

  const rebuilt = new Set(keys.map((k) => `${k.table}\0${k.columns.join(",")}`));
  const foreignKeys = (
    await sql<ForeignKeyRow>`
      SELECT c.relname AS table, k.conname AS name,
             array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o) AS columns,
             r.relname AS ref_table,
             array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                   JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o) AS ref_columns,
             k.confupdtype AS upd, k.confdeltype AS del,
             CASE WHEN k.confdelsetcols IS NULL THEN NULL ELSE
               array(SELECT a.attname::text FROM unnest(k.confdelsetcols) u(n)
                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n) END AS del_set_columns,
             k.confmatchtype AS match, k.condeferrable AS deferrable, k.condeferred AS deferred,
             k.convalidated AS validated
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND k.contype = 'f' AND k.conparentid = 0
        AND r.relname = ANY (${municipal}::text[])
      ORDER BY c.relname, k.conname`.execute(db)
  ).rows.filter(
    (f) =>
      !f.columns.includes("municipality_id") ||
      rebuilt.has(`${f.ref_table}\0${f.ref_columns.join(",")}`),
  );
  for (const f of foreignKeys) {
    if (!municipal.includes(f.table))
      throw new Error(
        `外部キー ${f.name} は municipality_id のない表 ${f.table} から市町村の表 ${f.ref_table} を参照しています: 分散できないため、${f.table} に municipality_id を加えるか参照をやめてください`,
      );
    if (f.columns.includes("municipality_id") !== f.ref_columns.includes("municipality_id"))
      throw new Error(
        `外部キー ${f.name}（${f.table} → ${f.ref_table}）は片側だけに municipality_id を含みます: 移行を書き直してください`,
      );
  }

  for (const f of foreignKeys)
    await sql`ALTER TABLE ${sql.id(f.table)} DROP CONSTRAINT ${sql.id(f.name)}`.execute(db);

  for (const k of keys) {
    const columns = sql.join([...k.columns, "municipality_id"].map((c) => sql.id(c)));
    await sql`ALTER TABLE ${sql.id(k.table)} DROP CONSTRAINT ${sql.id(k.name)}`.execute(db);
    await (k.kind === "p"
      ? sql`ALTER TABLE ${sql.id(k.table)} ADD CONSTRAINT ${sql.id(k.name)} PRIMARY KEY (${columns})`
      : sql`ALTER TABLE ${sql.id(k.table)} ADD CONSTRAINT ${sql.id(k.name)} UNIQUE (${columns})`
    ).execute(db);
  }
  for (const i of indexes) {
    const columns = sql.join([...(i.columns ?? []), "municipality_id"].map((c) => sql.id(c)));
    await sql`DROP INDEX ${sql.id(i.name)}`.execute(db);
    await sql`CREATE UNIQUE INDEX ${sql.id(i.name)} ON ${sql.id(i.table)} USING ${sql.raw(i.method)} (${columns})${
      i.predicate === null ? sql`` : sql` WHERE ${sql.raw(i.predicate)}`
    }`.execute(db);
  }

  for (const f of foreignKeys) {
    const add = (cols: string[]) =>
      sql.join(
        (cols.includes("municipality_id") ? cols : [...cols, "municipality_id"]).map((c) =>
          sql.id(c),
        ),
      );
    const original = f.del_set_columns ?? f.columns.filter((c) => c !== "municipality_id");
    const del =
      f.del === "n" || f.del === "d"
        ? sql`${sql.raw(ACTIONS[f.del] ?? "NO ACTION")} (${sql.join(original.map((c) => sql.id(c)))})`
        : sql.raw(ACTIONS[f.del] ?? "NO ACTION");
    if (f.upd === "n" || f.upd === "d" || f.upd === "c")
      throw new Error(
        `外部キー ${f.name}（${f.table}）の ON UPDATE ${ACTIONS[f.upd]} は municipality_id を含めると変わるため、移行を書き直してください`,
      );
    await sql`
      ALTER TABLE ${sql.id(f.table)} ADD CONSTRAINT ${sql.id(f.name)}
      FOREIGN KEY (${add(f.columns)}) REFERENCES ${sql.id(f.ref_table)} (${add(f.ref_columns)})
      ${f.match === "f" ? sql`MATCH FULL` : sql``}
      ON UPDATE ${sql.raw(ACTIONS[f.upd] ?? "NO ACTION")} ON DELETE ${del}
      ${f.deferrable ? sql`DEFERRABLE` : sql`NOT DEFERRABLE`}
      ${f.deferred ? sql`INITIALLY DEFERRED` : sql`INITIALLY IMMEDIATE`}
      ${f.validated ? sql`` : sql`NOT VALID`}`.execute(db);
  }
}

/**
 * Irreversible in practice (the narrower keys would have to be guessed); the
 * wider keys are still keys, so down leaves them.
 */
export async function down(_db: Kysely<unknown>): Promise<void> {}
