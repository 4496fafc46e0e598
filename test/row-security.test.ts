/**
 * Issue 12, "several municipalities on one server", at the database level:
 * with the app's role and another municipality's id set, no statement —
 * raw SQL through the application's own connection, no policy module, no
 * repository — returns or changes the first municipality's rows; 要対協
 * facts are invisible and unwritable with council off; without a scope
 * nothing municipal is visible. Also checks the catalog: every table with a
 * municipality_id has RLS enabled and forced with a checked policy.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditRepository } from "../src/db/audit.repository.ts";
import { createLinkageRepository } from "../src/db/linkage.repository.ts";
import { loginRoleName } from "../src/db/login-role.ts";
import { createRetentionRepository } from "../src/db/retention.repository.ts";
import { APPEND_ONLY } from "../src/db/row-security.ts";
import {
  ACCOUNT_LOOKUP,
  APP_ROLE,
  type DataScope,
  scopeSql,
  withDataScope,
} from "../src/db/scope.ts";
import { createSessionRepository } from "../src/db/session.repository.ts";
import { createGaijiRepository } from "../src/db/source.repository.ts";
import { createUserRepository } from "../src/db/user.repository.ts";
import { COUNCIL_ONLY_SOURCES } from "../src/domain/policy/index.ts";
import { BUILT_IN_NAME_POOLS } from "../src/domain/synth/index.ts";
import type { IsoDate } from "../src/domain/types.ts";
import { importFiles, listImportFiles } from "../src/pipeline/import.ts";
import { monthlyRun } from "../src/pipeline/run.ts";
import { runSynth } from "../src/pipeline/synth.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";

let t: TestDatabase;
let a: number;
let b: number;
const out = mkdtempSync(join(tmpdir(), "mimamori-rls-"));
const actor = { userId: null, loginName: "test" };
const AS_OF = "2024-04-01" as IsoDate;

/** Every table under row-level security (municipal tables and session). */
let rlsTables: string[] = [];
/** Tables with a municipality_id column. */
let municipalTables: string[] = [];

const scopeA = (council = true): DataScope => ({ municipalityId: a, council });
const scopeB: DataScope = { municipalityId: 0, council: true };

async function ownerCount(table: string, where = sql`true`): Promise<number> {
  const r = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM ${sql.id(table)} WHERE ${where}`.execute(t.db);
  return r.rows[0]?.n ?? 0;
}

/** Runs `fn` in `scope` inside a transaction that is always rolled back. */
async function tryInScope<T>(scope: DataScope, fn: (tx: typeof t.db) => Promise<T>): Promise<T> {
  let result: T | undefined;
  const rollback = new Error("rollback");
  await withDataScope(scope, () =>
    t.db.transaction().execute(async (tx) => {
      result = await fn(tx);
      throw rollback;
    }),
  ).catch((e) => {
    if (e !== rollback) throw e;
  });
  return result as T;
}

beforeAll(async () => {
  t = await createTestDatabase();
  const ins = await sql<{ id: number }>`
    INSERT INTO municipality (code, name) VALUES ('000001', 'A町'), ('000002', 'B村') RETURNING id`.execute(
    t.db,
  );
  [a, b] = ins.rows.map((r) => r.id) as [number, number];
  Object.assign(scopeB, { municipalityId: b });
  runSynth({ profile: "village", seed: 3, out, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  const paths = await listImportFiles([out]);
  // A's whole monthly run, through the application's own paths (COPY included), as the app role.
  await withDataScope(scopeA(), async () => {
    await importFiles(t, paths, { municipalityId: a, actor, asOf: AS_OF });
    await monthlyRun(t, { municipalityId: a, actor, origin: "cli" });
    const user = await createUserRepository(t.db).insert({
      municipalityId: a,
      loginName: "a-staff",
      displayName: "A",
      passwordHash: "x",
      roles: ["staff"],
      mustChangePassword: false,
    });
    await createSessionRepository(t.db).insert({
      tokenHash: "a-token",
      userId: user.id,
      csrfToken: "c",
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    await createLinkageRepository(t.db).appendDecision(
      a,
      {
        leftKey: "k1",
        rightKey: "k2",
        same: true,
        leftAnchors: [],
        rightAnchors: [],
        runId: null,
        leftPerson: null,
        rightPerson: null,
      },
      actor,
    );
    await createGaijiRepository(t.db).save(a, [{ code: "U+E000", char: "髙" }], "test");
    await createRetentionRepository(t.db).savePolicy(
      a,
      { keepSnapshots: 2, keepMonths: null },
      "test",
    );
    await createAuditRepository(t.db).append({
      municipalityId: a,
      actorUserId: null,
      actor: "test",
      action: "test.a",
    });
  });
  // One row of B, so "sees only its own" is not "sees nothing".
  await withDataScope(scopeB, () =>
    createAuditRepository(t.db).append({
      municipalityId: b,
      actorUserId: null,
      actor: "test",
      action: "test.b",
    }),
  );
  const tables = await sql<{ name: string; municipal: boolean; rls: boolean }>`
    SELECT c.relname AS name, c.relrowsecurity AS rls,
      EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = c.oid
              AND x.attname = 'municipality_id' AND NOT x.attisdropped) AS municipal
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1`.execute(t.db);
  rlsTables = tables.rows.filter((r) => r.rls).map((r) => r.name);
  municipalTables = tables.rows.filter((r) => r.municipal).map((r) => r.name);
}, 240_000);

afterAll(async () => {
  await t?.drop();
  rmSync(out, { recursive: true, force: true });
});

describe("the catalog", () => {
  it("puts every table with a municipality_id under forced RLS with checked policies", async () => {
    expect(municipalTables.length).toBeGreaterThanOrEqual(15);
    const r = await sql<{
      name: string;
      rls: boolean;
      forced: boolean;
      permissive: number;
      unchecked: number;
    }>`
      SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
        (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive
           AND p.polroles = '{0}') AS permissive,
        (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid
           AND p.polcmd IN ('*', 'a', 'w') AND p.polwithcheck IS NULL
           AND p.polqual IS NULL) AS unchecked
      FROM pg_class c WHERE c.relname = ANY(${municipalTables}::text[])
        AND c.relnamespace = current_schema()::regnamespace`.execute(t.db);
    for (const row of r.rows) {
      expect({ table: row.name, rls: row.rls, forced: row.forced }).toEqual({
        table: row.name,
        rls: true,
        forced: true,
      });
      expect(row.permissive, row.name).toBeGreaterThan(0);
      expect(row.unchecked, row.name).toBe(0);
    }
    // INSERT/UPDATE policies all carry WITH CHECK (or a USING that doubles as it).
    const noCheck = await sql<{ table: string; policy: string }>`
      SELECT c.relname AS table, p.polname AS policy FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
      WHERE p.polcmd IN ('*', 'a', 'w') AND p.polwithcheck IS NULL
        AND p.polroles = '{0}'`.execute(t.db);
    expect(noCheck.rows).toEqual([]);
  });

  it("runs the application's statements as a role that is neither owner, superuser nor BYPASSRLS", async () => {
    const r = await withDataScope(scopeA(), () =>
      sql<{ who: string; sup: boolean; bypass: boolean; owns: number }>`
        SELECT current_user AS who, r.rolsuper AS sup, r.rolbypassrls AS bypass,
          (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owns
        FROM pg_roles r WHERE r.rolname = current_user`.execute(t.db),
    );
    expect(r.rows[0]).toEqual({ who: APP_ROLE, sup: false, bypass: false, owns: 0 });
  });

  it("agrees with the domain's list of council-only sources", async () => {
    const r = await sql<{ qual: string }>`
      SELECT pg_get_expr(p.polqual, p.polrelid) AS qual FROM pg_policy p
      JOIN pg_class c ON c.oid = p.polrelid
      WHERE p.polname = 'council_only' AND c.relname = ANY (${COUNCIL_SOURCE_TABLES}::text[])
      ORDER BY c.relname`.execute(t.db);
    // Each table's own policy names every council-only source (link_key_row: 0079).
    expect(r.rows).toHaveLength(COUNCIL_SOURCE_TABLES.length);
    for (const x of r.rows)
      for (const id of COUNCIL_ONLY_SOURCES) expect(x.qual).toContain(`'${id}'`);
  });
});

/** The tables whose council_only policy is written with the source ids (0040, 0079). */
const COUNCIL_SOURCE_TABLES = ["import_snapshot", "link_key_row", "link_record"];

describe("another municipality's scope", () => {
  it("has A's data to protect in every table a monthly run, a user and a reviewer write", async () => {
    // Tables of later features (cases, source declarations, …) are under the
    // same policy (the catalog test above); the row checks below cover them
    // with whatever rows they hold.
    const written = [
      "app_user",
      "audit_log",
      "import_snapshot",
      "import_row",
      "link_run",
      "link_person",
      "link_record",
      "link_decision",
      "link_mother_child",
      "rule_version",
      "score_run",
      "score_item",
      "score_result",
      "retention_policy",
      "run_job",
    ];
    for (const table of written) {
      expect(municipalTables).toContain(table);
      expect(await ownerCount(table, sql`municipality_id = ${a}`), table).toBeGreaterThan(0);
    }
  });

  it("reads none of A's rows, by any query", async () => {
    for (const table of rlsTables) {
      const n = await withDataScope(scopeB, () =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(table)}`.execute(t.db),
      );
      const own = table === "audit_log" ? 1 : 0;
      expect(n.rows[0]?.n, table).toBe(own);
    }
    // Even naming A's id, joining, or aggregating.
    const r = await withDataScope(scopeB, () =>
      sql<{ n: number }>`
        SELECT count(*)::int AS n FROM import_row r JOIN import_snapshot s ON s.id = r.snapshot_id
        WHERE r.municipality_id = ${a}`.execute(t.db),
    );
    expect(r.rows[0]?.n).toBe(0);
  });

  it("connects as its own login role, and RESET ROLE or SET ROLE owner cannot lift RLS", async () => {
    const owner = new URL(t.url).username;
    const who = await withDataScope(scopeB, () =>
      sql<{ session: string; bypass: boolean; sup: boolean; ownerMember: boolean }>`
        SELECT session_user AS session, r.rolbypassrls AS bypass, r.rolsuper AS sup,
               pg_has_role(session_user, ${owner}, 'MEMBER') AS "ownerMember"
        FROM pg_roles r WHERE r.rolname = session_user`.execute(t.db),
    );
    expect(who.rows[0]).toEqual({
      session: loginRoleName(new URL(t.url).pathname.slice(1)),
      bypass: false,
      sup: false,
      ownerMember: false,
    });
    // An injected RESET ROLE returns to the login role: still no row of A in any table.
    await tryInScope(scopeB, async (tx) => {
      await sql`RESET ROLE`.execute(tx);
      const me = await sql<{ u: string }>`SELECT current_user AS u`.execute(tx);
      expect(me.rows[0]?.u).not.toBe(owner);
      for (const table of municipalTables) {
        const n = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM ${sql.id(table)} WHERE municipality_id = ${a}`.execute(
          tx,
        );
        expect(n.rows[0]?.n, table).toBe(0);
      }
    });
    // SET ROLE to the owner (or SET SESSION AUTHORIZATION) is refused outright.
    await expect(
      tryInScope(scopeB, (tx) => sql`SET ROLE ${sql.id(owner)}`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      tryInScope(scopeB, (tx) => sql`SET SESSION AUTHORIZATION ${sql.id(owner)}`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
  });

  it("changes and deletes none of A's rows", async () => {
    for (const table of municipalTables) {
      if (APPEND_ONLY.has(table)) {
        // Append-only (audit_log, audit_disclosure): no UPDATE or DELETE privilege at all.
        const priv = await sql<{ upd: boolean; del: boolean }>`
          SELECT has_table_privilege(${APP_ROLE}, ${table}, 'UPDATE') AS upd,
                 has_table_privilege(${APP_ROLE}, ${table}, 'DELETE') AS del`.execute(t.db);
        expect(priv.rows[0], table).toEqual({ upd: false, del: false });
        continue;
      }
      const before = await ownerCount(table, sql`municipality_id = ${a}`);
      const [u, d] = await tryInScope(scopeB, async (tx) => {
        const upd =
          await sql`UPDATE ${sql.id(table)} SET municipality_id = ${b} WHERE municipality_id = ${a}`.execute(
            tx,
          );
        const del = await sql`DELETE FROM ${sql.id(table)} WHERE municipality_id = ${a}`.execute(
          tx,
        );
        return [upd.numAffectedRows, del.numAffectedRows];
      });
      expect([table, u, d]).toEqual([table, 0n, 0n]);
      expect(await ownerCount(table, sql`municipality_id = ${a}`)).toBe(before);
    }
    const session = await tryInScope(scopeB, async (tx) => {
      const r = await sql`DELETE FROM session`.execute(tx);
      return r.numAffectedRows;
    });
    expect(session).toBe(0n);
  });

  it("cannot write a row into A (WITH CHECK), nor move its own rows there", async () => {
    for (const table of municipalTables) {
      if ((await ownerCount(table, sql`municipality_id = ${a}`)) === 0) continue; // no row to offer
      // A real row of A's, copied as the owner, offered back under B's scope.
      const row = await sql<{ j: unknown }>`
        SELECT to_jsonb(x) AS j FROM ${sql.id(table)} x WHERE municipality_id = ${a} LIMIT 1`.execute(
        t.db,
      );
      const json = JSON.stringify(row.rows[0]?.j);
      const err = await tryInScope(scopeB, (tx) =>
        sql`INSERT INTO ${sql.id(table)} SELECT * FROM jsonb_populate_record(null::${sql.id(table)}, ${json}::jsonb)`.execute(
          tx,
        ),
      ).then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
      expect([table, err]).toEqual([table, "42501"]);
    }
    const moved = await tryInScope(scopeB, (tx) =>
      sql`UPDATE retention_policy SET municipality_id = ${a}`.execute(tx),
    ).catch((e: { code?: string }) => e.code);
    // B has no policy row: nothing to move; a direct insert for A is refused above.
    expect(
      moved === "42501" || (moved as { numAffectedRows?: bigint }).numAffectedRows === 0n,
    ).toBe(true);
  });

  it("cannot use A's session or user", async () => {
    const r = await withDataScope(scopeB, () =>
      createSessionRepository(t.db).find("a-token", new Date()),
    );
    expect(r).toBeUndefined();
    const u = await withDataScope(scopeB, () => createUserRepository(t.db).findByLogin("a-staff"));
    expect(u).toBeUndefined();
    // Authentication (account lookup) finds the user, and no municipal data.
    const found = await withDataScope(ACCOUNT_LOOKUP, () =>
      createUserRepository(t.db).findByLogin("a-staff"),
    );
    expect(found?.municipalityId).toBe(a);
    const rows = await withDataScope(ACCOUNT_LOOKUP, () =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM import_row`.execute(t.db),
    );
    expect(rows.rows[0]?.n).toBe(0);
  });
});

describe("no scope", () => {
  it("fails closed: the statements of an unscoped flow are those of an empty scope", () => {
    expect(scopeSql(undefined)).toBe(scopeSql({ municipalityId: null, council: false }));
  });

  it("sees no municipal row", async () => {
    for (const table of rlsTables) {
      const n = await withDataScope({ municipalityId: null, council: false }, () =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(table)}`.execute(t.db),
      );
      expect([table, n.rows[0]?.n]).toEqual([table, 0]);
    }
  });
});

describe("要対協 facts (council-only rows)", () => {
  const councilRows = () =>
    [
      ["import_snapshot", sql`source_id IN ('yotaikyo', 'ichiji_hogo')`],
      ["import_row", sql`council_only`],
      ["link_record", sql`source_id IN ('yotaikyo', 'ichiji_hogo')`],
    ] as const;

  it("exist in A, and import rows are flagged exactly when their snapshot is council-only", async () => {
    for (const [table, where] of councilRows())
      expect(await ownerCount(table, where), table).toBeGreaterThan(0);
    const wrong = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM import_row r JOIN import_snapshot s ON s.id = r.snapshot_id
      WHERE r.council_only <> (s.source_id IN ('yotaikyo', 'ichiji_hogo'))`.execute(t.db);
    expect(wrong.rows[0]?.n).toBe(0);
  });

  it("are invisible in A's own scope with council off, and visible with it on", async () => {
    for (const [table, where] of councilRows()) {
      const count = (council: boolean) =>
        withDataScope(scopeA(council), () =>
          sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM ${sql.id(table)} WHERE ${where}`.execute(t.db),
        ).then((r) => r.rows[0]?.n);
      expect([table, await count(false)]).toEqual([table, 0]);
      expect(await count(true)).toBe(await ownerCount(table, where));
    }
    // Other rows stay visible with council off.
    const others = await withDataScope(scopeA(false), () =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM import_row`.execute(t.db),
    );
    expect(others.rows[0]?.n).toBe(await ownerCount("import_row", sql`NOT council_only`));
  });

  it("cannot be changed or written with council off", async () => {
    const changed = await tryInScope(scopeA(false), async (tx) => {
      const d = await sql`DELETE FROM import_row WHERE council_only`.execute(tx);
      const u = await sql`UPDATE link_record SET method = 'x' WHERE source_id = 'yotaikyo'`.execute(
        tx,
      );
      return [d.numAffectedRows, u.numAffectedRows];
    });
    expect(changed).toEqual([0n, 0n]);
    const err = await tryInScope(scopeA(false), (tx) =>
      sql`INSERT INTO import_snapshot (municipality_id, source_id, version, file_name, content_hash, format, header, actor)
          VALUES (${a}, 'yotaikyo', 99, 'x.csv', 'h', 'csv', '{}', 't')`.execute(tx),
    ).then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    expect(err).toBe("42501");
  });

  it("refuses an import row whose council flag does not match its snapshot, even for a member", async () => {
    const snap = await sql<{ id: number }>`
      SELECT id FROM import_snapshot WHERE municipality_id = ${a} AND source_id = 'yotaikyo' LIMIT 1`.execute(
      t.db,
    );
    const id = snap.rows[0]?.id as number;
    const err = await tryInScope(scopeA(true), (tx) =>
      sql`INSERT INTO import_row (snapshot_id, municipality_id, row_no, line_no, raw, data, council_only)
          VALUES (${id}, ${a}, 999999, 1, 'x', '{}', false)`.execute(tx),
    ).then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    expect(err).toBe("42501");
  });
});
