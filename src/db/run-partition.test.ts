/**
 * A run's partitions written by the app login (issue 15, migration 0069): a monthly run on
 * the app login's URL, as a run started from the web, gets the owner's load-then-index-
 * then-attach path through 0069's SECURITY DEFINER functions, and the partitions it leaves
 * are the owner's to the catalog (indexes, keys, policies, forced RLS, grants). The row
 * checks hold: a run of another municipality, a row of another municipality and a 要対協
 * row outside a council scope are refused (SQLSTATE 42501) and nothing is attached; the
 * load table cannot be read before it is attached; council-only rows stay council-only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { BUILT_IN_NAME_POOLS } from "../domain/synth/index.ts";
import type { IsoDate } from "../domain/types.ts";
import { importFiles, listImportFiles } from "../pipeline/import.ts";
import { monthlyRun } from "../pipeline/run.ts";
import { runSynth } from "../pipeline/synth.ts";
import { RUN_PARTITIONED, runPartitionName } from "./run-partition.ts";
import { type DataScope, scopeSql, withDataScope } from "./scope.ts";

let t: TestDatabase;
let a: number;
let b: number;
const out = mkdtempSync(join(tmpdir(), "mimamori-app-partitions-"));
const actor = { userId: null, loginName: "test" };
const AS_OF = "2024-04-01" as IsoDate;
/** A's runs: [link run, score run] written on the owner's URL and on the app login's. */
const runs: Record<"owner" | "app", { link: number; score: number }> = {
  owner: { link: 0, score: 0 },
  app: { link: 0, score: 0 },
};

beforeAll(async () => {
  t = await createTestDatabase();
  const ins = await sql<{ id: number }>`
    INSERT INTO municipality (code, name) VALUES ('000001', 'A町'), ('000002', 'B村') RETURNING id`.execute(
    t.db,
  );
  [a, b] = ins.rows.map((r) => r.id) as [number, number];
  runSynth({ profile: "village", seed: 3, out, asOf: AS_OF, names: BUILT_IN_NAME_POOLS });
  await withDataScope({ municipalityId: a, council: true }, async () => {
    await importFiles(t, await listImportFiles([out]), { municipalityId: a, actor, asOf: AS_OF });
    for (const [login, url] of [
      ["owner", t.url],
      ["app", t.appUrl],
    ] as const) {
      const r = await monthlyRun({ db: t.db, url }, { municipalityId: a, actor, origin: "cli" });
      runs[login] = { link: r.linked.runId, score: r.scored.runId };
    }
  });
}, 240_000);

afterAll(async () => {
  await t?.drop();
  rmSync(out, { recursive: true, force: true });
});

/** What the catalog says of a partition, its name and run taken out so two runs compare. */
async function describePartition(table: string, run: number) {
  const part = runPartitionName(table as (typeof RUN_PARTITIONED)[number], run);
  const strip = (s: string | null) => (s ?? "").replaceAll(part, "<part>");
  const r = await sql<{ what: string; text: string | null }>`
    SELECT 'index' AS what, pg_get_indexdef(x.indexrelid) AS text FROM pg_index x
     WHERE x.indrelid = ${part}::regclass
    UNION ALL SELECT 'constraint ' || conname, pg_get_constraintdef(oid) FROM pg_constraint
     WHERE conrelid = ${part}::regclass
    UNION ALL SELECT 'policy ' || polname || ' ' || polcmd::text || ' ' || polpermissive,
                     pg_get_expr(polqual, polrelid) || ' / ' || pg_get_expr(polwithcheck, polrelid)
      FROM pg_policy WHERE polrelid = ${part}::regclass
    UNION ALL SELECT 'table', relrowsecurity || ' ' || relforcerowsecurity || ' ' || relispartition
                     || ' ' || pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = ${part}::regclass
    UNION ALL SELECT 'grant ' || pg_get_userbyid(a.grantee), string_agg(a.privilege_type, ',' ORDER BY a.privilege_type)
      FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = ${part}::regclass
     GROUP BY a.grantee`.execute(t.db);
  return r.rows
    .map((x) => `${strip(x.what)}: ${strip(x.text).replaceAll(`(${run})`, "(<run>)")}`)
    .sort();
}

/** Runs `fn` on a client of the app login, in `scope`, in a transaction rolled back at the end. */
async function asAppLogin<T>(scope: DataScope, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: t.appUrl });
  await client.connect();
  try {
    await client.query(`BEGIN; ${scopeSql(scope)}`);
    return await fn(client);
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    await client.end();
  }
}

const copyInto = (client: pg.Client, table: string, columns: string, lines: string[]) =>
  new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
    stream.on("finish", resolve);
    stream.on("error", reject);
    stream.end(lines.join(""));
  });

/** A fresh link run of `municipality`, inserted in `client`'s scope; its id. */
async function newLinkRun(client: pg.Client, municipality: number): Promise<number> {
  const r = await client.query<{ id: number }>(
    `INSERT INTO link_run (municipality_id, as_of, snapshot_ids, settings, model, stats, actor)
     VALUES ($1, '2024-04-01', '{}', '{}', '{}', '{}', 'test') RETURNING id`,
    [municipality],
  );
  return r.rows[0]?.id as number;
}

const RECORD_COLUMNS =
  "run_id, municipality_id, snapshot_id, row_no, source_id, file_name, person_id, method, probability, profile_key";
const record = (run: number, municipality: number, rowNo: number, source: string) =>
  `${run}\t${municipality}\t1\t${rowNo}\t${source}\tf.csv\tP00000001\tid\t\\N\tk\n`;

const sqlState = (e: unknown) => (e as { code?: string }).code;

describe("a monthly run on the app login's URL (a run started from the web)", () => {
  it("runs as a login that is neither owner nor BYPASSRLS", async () => {
    const r = await asAppLogin(
      { municipalityId: a, council: true },
      async (c) =>
        (
          await c.query<{ bypass: boolean; owner: boolean }>(`
          SELECT r.rolsuper OR r.rolbypassrls AS bypass,
                 pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = 'link_record'::regclass), 'USAGE') AS owner
            FROM pg_roles r WHERE r.rolname = session_user`)
        ).rows[0],
    );
    expect(r).toEqual({ bypass: false, owner: false });
  });

  it("leaves each per-run table a partition like the owner's run, to the catalog", async () => {
    for (const table of RUN_PARTITIONED) {
      const run = table.startsWith("score_") ? "score" : "link";
      const app = await describePartition(table, runs.app[run]);
      expect(app).toEqual(await describePartition(table, runs.owner[run]));
      // Indexed, keyed, secured and attached; no load grant or run CHECK left behind.
      expect(app.some((l) => l.startsWith("index"))).toBe(true);
      expect(app).toContain("table: true true true FOR VALUES IN (<run>)");
      expect(app.filter((l) => l.startsWith("constraint <part>_run"))).toEqual([]);
    }
  });

  it("stores the same rows as the owner's run of the same data", async () => {
    const rows = async (run: { link: number; score: number }) =>
      (
        await sql<{ t: string; n: number }>`
          SELECT 'persons' AS t, count(*)::int AS n FROM link_person WHERE run_id = ${run.link}
          UNION ALL SELECT 'records', count(*)::int FROM link_record WHERE run_id = ${run.link}
          UNION ALL SELECT 'council records', count(*)::int FROM link_record
                     WHERE run_id = ${run.link} AND source_id IN ('yotaikyo', 'ichiji_hogo')
          UNION ALL SELECT 'keys', count(*)::int FROM person_search_key WHERE run_id = ${run.link}
          UNION ALL SELECT 'items', count(*)::int FROM score_item WHERE run_id = ${run.score}
          UNION ALL SELECT 'scores', count(*)::int FROM score_result WHERE run_id = ${run.score}`.execute(
          t.db,
        )
      ).rows;
    const app = await rows(runs.app);
    expect(app).toEqual(await rows(runs.owner));
    expect(app.every((r) => r.n > 0)).toBe(true);
  });

  it("stores the 要対協 rows when a non-member starts it, as a member's run does (pipeline/run.ts)", async () => {
    // A coordinator who is not a 要対協 member starting the run from the web.
    const r = await withDataScope({ municipalityId: a, council: false }, () =>
      monthlyRun({ db: t.db, url: t.appUrl }, { municipalityId: a, actor, origin: "web" }),
    );
    const counts = async (link: number, score: number) =>
      (
        await sql<{ c: number; flagged: number }>`
          SELECT (SELECT count(*)::int FROM link_record WHERE run_id = ${link}
                   AND source_id IN ('yotaikyo', 'ichiji_hogo')) AS c,
                 (SELECT count(*)::int FROM score_result WHERE run_id = ${score} AND flagged) AS flagged`.execute(
          t.db,
        )
      ).rows[0];
    const member = await counts(runs.owner.link, runs.owner.score);
    expect(member?.c).toBeGreaterThan(0);
    expect(await counts(r.linked.runId, r.scored.runId)).toEqual(member);
  });

  it("keeps council-only rows council-only in the partition it attached", async () => {
    const part = runPartitionName("link_record", runs.app.link);
    const count = (council: boolean) =>
      asAppLogin({ municipalityId: a, council }, async (c) =>
        Number(
          (
            await c.query<{ n: string }>(
              `SELECT count(*) AS n FROM ${part} WHERE source_id IN ('yotaikyo', 'ichiji_hogo')`,
            )
          ).rows[0]?.n,
        ),
      );
    expect(await count(true)).toBeGreaterThan(0);
    expect(await count(false)).toBe(0);
    // And another municipality's scope reads none of the partition.
    const other = await asAppLogin({ municipalityId: b, council: true }, async (c) =>
      Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${part}`)).rows[0]?.n),
    );
    expect(other).toBe(0);
  });
});

describe("0094's mimamori_insert_run_rows (a run's other rows from the app login)", () => {
  const IDENTITY = "run_id, municipality_id, anchor, person_id";
  /** Stages `lines` as copy.ts copyLines does, then asks the function to move them. */
  const stageAndMove = async (c: pg.Client, run: number, lines: string[]) => {
    await c.query("CREATE TEMP TABLE link_identity_staging (LIKE link_identity) ON COMMIT DROP");
    await copyInto(c, "link_identity_staging", IDENTITY, lines);
    const r = await c.query<{ moved: boolean }>(
      "SELECT mimamori_insert_run_rows('link_identity', 'link_run', $1, $2) AS moved",
      [run, IDENTITY.split(", ")],
    );
    return r.rows[0]?.moved;
  };

  it("moves a run's staged rows into the table, triggers back on after", async () => {
    const seen = await asAppLogin({ municipalityId: a, council: true }, async (c) => {
      const run = await newLinkRun(c, a);
      const moved = await stageAndMove(c, run, [
        `${run}\t${a}\tt0094-a\tP1\n`,
        `${run}\t${a}\tt0094-b\tP2\n`,
      ]);
      const rows = await c.query(
        "SELECT anchor, person_id FROM link_identity WHERE anchor LIKE 't0094-%' ORDER BY 1",
      );
      const role = await c.query("SELECT current_setting('session_replication_role') AS r");
      return { moved, rows: rows.rows, role: role.rows[0]?.r };
    });
    expect(seen).toEqual({
      moved: true,
      rows: [
        { anchor: "t0094-a", person_id: "P1" },
        { anchor: "t0094-b", person_id: "P2" },
      ],
      role: "origin",
    });
  });

  it("refuses a row of another run or municipality and a run of another municipality, moving nothing", async () => {
    const bRun = await withDataScope({ municipalityId: b, council: true }, async () =>
      asAppLogin({ municipalityId: b, council: true }, async (c) => {
        const id = await newLinkRun(c, b);
        await c.query("COMMIT");
        return id;
      }),
    );
    for (const bad of ["other run", "other municipality", "run of B"] as const) {
      const e = await asAppLogin({ municipalityId: a, council: true }, async (c) => {
        const run = await newLinkRun(c, a);
        const line =
          bad === "other run"
            ? `${run + 1000}\t${a}\tt0094-x\tP1\n`
            : bad === "other municipality"
              ? `${run}\t${b}\tt0094-x\tP1\n`
              : `${bRun}\t${a}\tt0094-x\tP1\n`;
        await c.query("SAVEPOINT s");
        const err = await stageAndMove(c, bad === "run of B" ? bRun : run, [
          `${run}\t${a}\tt0094-ok\tP0\n`,
          line,
        ]).catch((x: unknown) => x);
        await c.query("ROLLBACK TO SAVEPOINT s");
        const left = await c.query(
          "SELECT count(*)::int AS n FROM link_identity WHERE anchor LIKE 't0094-%'",
        );
        return { err, left: left.rows[0]?.n };
      });
      expect(sqlState(e.err), bad).toBe("42501");
      expect(String(e.err), bad).toMatch(
        bad === "run of B" ? /not a run of the scope's municipality/ : /row-level security policy/,
      );
      expect(e.left, bad).toBe(0);
    }
  });

  it("leaves a table with another trigger to the caller (false), and refuses columns of another type", async () => {
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query("BEGIN");
      await owner.query(`CREATE TABLE t0094_rows (run_id integer NOT NULL, municipality_id integer NOT NULL,
        x integer, FOREIGN KEY (run_id, municipality_id) REFERENCES link_run (id, municipality_id))`);
      await owner.query(`CREATE POLICY municipality_isolation ON t0094_rows
        USING (municipality_id = mimamori_scope_municipality())`);
      await owner.query("ALTER TABLE t0094_rows ENABLE ROW LEVEL SECURITY");
      await owner.query(`GRANT SELECT, INSERT ON t0094_rows TO mimamori_app`);
      await owner.query(`CREATE FUNCTION t0094_touch() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN NEW.x := 1; RETURN NEW; END $$`);
      await owner.query(
        "CREATE TRIGGER t0094_touch BEFORE INSERT ON t0094_rows FOR EACH ROW EXECUTE FUNCTION t0094_touch()",
      );
      await owner.query(scopeSql({ municipalityId: a, council: true }));
      const run = await newLinkRun(owner, a);
      await owner.query("CREATE TEMP TABLE t0094_rows_staging (LIKE t0094_rows)");
      await copyInto(owner, "t0094_rows_staging", "run_id, municipality_id, x", [
        `${run}\t${a}\t5\n`,
      ]);
      const call = (table: string) =>
        owner.query<{ moved: boolean }>(
          "SELECT mimamori_insert_run_rows($1, 'link_run', $2, '{run_id,municipality_id,x}') AS moved",
          [table, run],
        );
      expect((await call("t0094_rows")).rows[0]?.moved).toBe(false);
      await owner.query(
        "RESET ROLE; DROP TRIGGER t0094_touch ON t0094_rows; SET LOCAL ROLE mimamori_app",
      );
      await owner.query("SAVEPOINT s");
      await owner.query("ALTER TABLE t0094_rows_staging ALTER COLUMN x TYPE bigint");
      const e = await call("t0094_rows").catch((x: unknown) => x);
      expect(sqlState(e)).toBe("42501");
      expect(String(e)).toMatch(/are not those of t0094_rows/);
      await owner.query("ROLLBACK TO SAVEPOINT s");
      expect((await call("t0094_rows")).rows[0]?.moved).toBe(true);
      const rows = await owner.query("SELECT run_id, x FROM t0094_rows");
      expect(rows.rows).toEqual([{ run_id: run, x: 5 }]);
    } finally {
      await owner.query("ROLLBACK").catch(() => {});
      await owner.end();
    }
  });

  it("cannot be fooled by a temporary table named like a run table (pg_temp searched last)", async () => {
    const e = await asAppLogin({ municipalityId: a, council: true }, async (c) => {
      await c.query("CREATE TEMP TABLE link_run (id integer, municipality_id integer)");
      await c.query("INSERT INTO link_run VALUES (999999, $1)", [a]);
      return c.query("SELECT mimamori_create_run_load_table('link_record', 999999)");
    }).catch((x: unknown) => x);
    expect(sqlState(e)).toBe("42501");
    expect(String(e)).toMatch(/not a run of the scope's municipality/);
  });
});

describe("0069's functions for the app login", () => {
  it("refuse a load table for a run of another municipality", async () => {
    const bRun = await withDataScope({ municipalityId: b, council: true }, async () =>
      asAppLogin({ municipalityId: b, council: true }, async (c) => {
        const id = await newLinkRun(c, b);
        await c.query("COMMIT");
        return id;
      }),
    );
    const e = await asAppLogin({ municipalityId: a, council: true }, (c) =>
      c.query("SELECT mimamori_create_run_load_table('link_record', $1)", [bRun]),
    ).catch((x: unknown) => x);
    expect(sqlState(e)).toBe("42501");
    expect(String(e)).toMatch(/not a run of the scope's municipality/);
  });

  it("refuse a table that is not partitioned per run", async () => {
    const e = await asAppLogin({ municipalityId: a, council: true }, async (c) =>
      c.query("SELECT mimamori_create_run_load_table('app_user', $1)", [await newLinkRun(c, a)]),
    ).catch((x: unknown) => x);
    expect(sqlState(e)).toBe("42501");
  });

  it("let the app role load the table but not read it before it is attached", async () => {
    const e = await asAppLogin({ municipalityId: a, council: true }, async (c) => {
      const run = await newLinkRun(c, a);
      await c.query("SELECT mimamori_create_run_load_table('link_record', $1)", [run]);
      await copyInto(c, `link_record_r${run}`, RECORD_COLUMNS, [record(run, a, 1, "jumin")]);
      return c.query(`SELECT * FROM link_record_r${run}`);
    }).catch((x: unknown) => x);
    expect(sqlState(e)).toBe("42501");
  });

  it("attach a load table whose rows pass the parent's policies", async () => {
    const seen = await asAppLogin({ municipalityId: a, council: true }, async (c) => {
      const run = await newLinkRun(c, a);
      await c.query("SELECT mimamori_create_run_load_table('link_record', $1)", [run]);
      await copyInto(c, `link_record_r${run}`, RECORD_COLUMNS, [
        record(run, a, 1, "jumin"),
        record(run, a, 2, "yotaikyo"),
      ]);
      await c.query("SELECT mimamori_attach_run_load_table('link_record', $1)", [run]);
      return (await c.query(`SELECT row_no FROM link_record WHERE run_id = $1 ORDER BY 1`, [run]))
        .rows;
    });
    expect(seen).toEqual([{ row_no: 1 }, { row_no: 2 }]);
  });

  it("refuse to attach a row of another municipality (WITH CHECK), attaching nothing", async () => {
    const e = await asAppLogin({ municipalityId: a, council: true }, async (c) => {
      const run = await newLinkRun(c, a);
      await c.query("SELECT mimamori_create_run_load_table('link_record', $1)", [run]);
      await copyInto(c, `link_record_r${run}`, RECORD_COLUMNS, [
        record(run, a, 1, "jumin"),
        record(run, b, 2, "jumin"),
      ]);
      return c.query("SELECT mimamori_attach_run_load_table('link_record', $1)", [run]);
    }).catch((x: unknown) => x);
    expect(sqlState(e)).toBe("42501");
    expect(String(e)).toMatch(/row-level security policy for table "link_record"/);
  });

  it("refuse to attach a 要対協 row outside a council scope, and take it inside one", async () => {
    for (const council of [false, true]) {
      const e = await asAppLogin({ municipalityId: a, council }, async (c) => {
        const run = await newLinkRun(c, a);
        await c.query("SELECT mimamori_create_run_load_table('link_record', $1)", [run]);
        await copyInto(c, `link_record_r${run}`, RECORD_COLUMNS, [
          record(run, a, 1, "jumin"),
          record(run, a, 2, "ichiji_hogo"),
        ]);
        await c.query("SELECT mimamori_attach_run_load_table('link_record', $1)", [run]);
        return "attached";
      }).catch((x: unknown) => x);
      if (council) expect(e).toBe("attached");
      else {
        expect(sqlState(e)).toBe("42501");
        expect(String(e)).toMatch(/row-level security policy for table "link_record"/);
      }
    }
  });

  it("refuse to attach what is not a fresh load table of the run", async () => {
    // The app run's partition is attached already; a run without a load table has none.
    for (const run of [runs.app.link, undefined]) {
      const e = await asAppLogin({ municipalityId: a, council: true }, async (c) =>
        c.query("SELECT mimamori_attach_run_load_table('link_record', $1)", [
          run ?? (await newLinkRun(c, a)),
        ]),
      ).catch((x: unknown) => x);
      expect(sqlState(e)).toBe("42501");
      expect(String(e)).toMatch(/is not a load table of run/);
    }
  });

  it("check the rows against the scope's values as literals (0094), not a settings look-up per row", async () => {
    const policy = async (table: string, name: string) =>
      (
        await sql<{ e: string }>`
          SELECT pg_get_expr(polwithcheck, polrelid) AS e FROM pg_policy
           WHERE polrelid = ${table}::regclass AND polname = ${name}`.execute(t.db)
      ).rows[0]?.e as string;
    const municipality = await policy("link_record", "municipality_isolation");
    const council = await policy("link_record", "council_only");
    expect(council).toMatch(/mimamori_scope_council\(\)/);
    const literal = "(source_id = 'mimamori_scope_council()' OR mimamori_scope_council())";
    for (const inCouncil of [false, true]) {
      const scope = { municipalityId: a, council: inCouncil };
      // The app role may not call it; 0069's attach function (the owner's) does, in the caller's scope.
      const denied = await asAppLogin(scope, (c) =>
        c.query("SELECT mimamori_scope_constants('true')"),
      ).catch((x: unknown) => x);
      const owner = new pg.Client({ connectionString: t.url });
      await owner.connect();
      const r = await (async () => {
        await owner.query(`BEGIN; ${scopeSql(scope)}; RESET ROLE`);
        const q = await owner.query<{ m: string; c: string; l: string; n: string | null }>(
          "SELECT mimamori_scope_constants($1) AS m, mimamori_scope_constants($2) AS c, mimamori_scope_constants($3) AS l, mimamori_scope_constants(NULL) AS n",
          [municipality, council, literal],
        );
        return { denied: sqlState(denied), ...q.rows[0] };
      })().finally(() => owner.end());
      expect(r.denied).toBe("42501");
      expect(r.m).toBe(`(municipality_id = ${a})`);
      expect(r.c).toBe(council.replace("mimamori_scope_council()", String(inCouncil)));
      expect(r.c).not.toMatch(/mimamori_scope/);
      // A scope function named inside a quoted literal: left as it was (per-row calls).
      expect(r.l).toBe(literal);
      expect(r.n).toBeNull();
    }
  });

  it("are not callable by PUBLIC, and 0064's / 0067's empty-partition functions are gone", async () => {
    const r = await sql<{ name: string; public: boolean }>`
      SELECT p.proname AS name,
             has_function_privilege('public', p.oid, 'EXECUTE') AS public
        FROM pg_proc p WHERE p.proname IN ('mimamori_create_run_load_table', 'mimamori_attach_run_load_table',
          'mimamori_check_run_of_scope', 'mimamori_add_run_partitions', 'mimamori_add_score_run_partitions')
       ORDER BY 1`.execute(t.db);
    expect(r.rows).toEqual([
      { name: "mimamori_attach_run_load_table", public: false },
      { name: "mimamori_check_run_of_scope", public: false },
      { name: "mimamori_create_run_load_table", public: false },
    ]);
  });
});
