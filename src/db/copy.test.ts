/**
 * Bulk loads under row-level security (db/copy.ts, issue 15): a run's rows go
 * straight into the table when the login role bypasses row security, and then
 * the checks the policies would make are made in code (the scope's
 * municipality, council-only sources); otherwise through a staging table under
 * the app role's policies. Both paths must refuse the same rows.
 */
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import type { IsoDate, SourceId } from "../domain/types.ts";
import {
  bulkWriter,
  checkedLines,
  copyOut,
  copyOutFlat,
  foreignKeysCheckedInCode,
} from "./copy.ts";
import { beginImport, createImportRepository, type StoredFields } from "./import.repository.ts";
import { createMunicipalityRepository } from "./municipality.repository.ts";
import { APP_ROLE, beginScoped, type DataScope, withDataScope } from "./scope.ts";

let t: TestDatabase;
let a: number;
let b: number;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ id: a } = await createMunicipalityRepository(t.db).ensureDefault("みまもり町"));
  const r = await sql<{ id: number }>`
    INSERT INTO municipality (name, code) VALUES ('となり町', '999999') RETURNING id`.execute(t.db);
  b = (r.rows[0] as { id: number }).id;
  // link_record is partitioned per run (0064): the run's partition, as saveLinkRun makes it.
  await partitionOf("link_record", 987654);
});

/** The partition of `run` in a table partitioned per run (0064), secured as its parent. */
async function partitionOf(table: string, run: number): Promise<void> {
  await sql
    .raw(`CREATE TABLE ${table}_r${run} PARTITION OF ${table} FOR VALUES IN (${run});
    SELECT mimamori_secure_partition('${table}'::regclass, '${table}_r${run}'::regclass)`)
    .execute(t.db);
}
afterAll(() => t.drop());

const LINK =
  "COPY link_record (run_id, municipality_id, snapshot_id, row_no, source_id, file_name, person_id, method, probability, profile_key, levels, weights) FROM STDIN";
const line = (m: number, row: number, source: string) =>
  `987654\t${m}\t1\t${row}\t${source}\t${source}.csv\tP00000001\tid\t\\N\tk\t\\N\t\\N\n`;

/** Runs `fn` on a client of its own in a scoped transaction; `asApp`: logged in as the app role. */
async function inTransaction<T>(asApp: boolean, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    // The app role cannot log in: a superuser can still become it for the session.
    if (asApp) await client.query(`SET SESSION AUTHORIZATION ${APP_ROLE}`);
    await beginScoped(client);
    const out = await fn(client);
    await client.query("COMMIT");
    return out;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    await client.end();
  }
}

async function write(asApp: boolean, council: boolean, lines: string[]): Promise<boolean> {
  return withDataScope({ municipalityId: a, council }, () =>
    inTransaction(asApp, async (client) => {
      const bulk = await bulkWriter(client, a);
      await bulk.copy(
        LINK,
        (function* () {
          for (const l of lines) {
            bulk.checkSource(l.split("\t")[4] as string);
            yield l;
          }
        })(),
      );
      // Back under the app role's policies afterwards, whichever path was taken.
      const role = await client.query<{ r: string }>("SELECT current_user AS r");
      expect(role.rows[0]?.r).toBe(APP_ROLE);
      return bulk.direct;
    }),
  );
}

const stored = async () =>
  Number(
    (
      await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM link_record WHERE run_id = 987654`.execute(t.db)
    ).rows[0]?.n,
  );

describe("bulk loads under row-level security", () => {
  it("go straight into the table for a login role that bypasses row security, else through staging", async () => {
    expect(await write(false, false, [line(a, 1, "jumin")])).toBe(true);
    expect(await write(true, false, [line(a, 2, "jumin")])).toBe(false);
    expect(await stored()).toBe(2);
  });

  it("refuse council-only rows outside a council scope on both paths, writing nothing", async () => {
    for (const asApp of [false, true]) {
      await expect(
        write(asApp, false, [line(a, 10, "jumin"), line(a, 11, "yotaikyo")]),
      ).rejects.toThrow();
    }
    expect(await stored()).toBe(2);
    expect(await write(false, true, [line(a, 12, "ichiji_hogo")])).toBe(true);
    expect(await write(true, true, [line(a, 13, "yotaikyo")])).toBe(false);
    expect(await stored()).toBe(4);
  });

  it("refuse a run of another municipality than the scope's", async () => {
    await expect(
      withDataScope({ municipalityId: b, council: true }, () =>
        inTransaction(false, (client) => bulkWriter(client, a)),
      ),
    ).rejects.toThrow(/outside its scope/);
    // Through staging the policy refuses the other municipality's rows.
    await expect(
      withDataScope({ municipalityId: b, council: true }, () =>
        inTransaction(true, async (client) => {
          const bulk = await bulkWriter(client, b);
          await bulk.copy(LINK, [line(a, 20, "jumin")]);
        }),
      ),
    ).rejects.toThrow();
    expect(await stored()).toBe(4);
  });
});

/** A link run row of municipality `m` (as saveLinkRun inserts it first), committed. */
async function linkRun(m: number): Promise<number> {
  const r = await sql<{ id: number }>`
    INSERT INTO link_run (municipality_id, as_of, snapshot_ids, settings, model, stats, actor)
    VALUES (${m}, '2025-04-01', '{}', '{}', '{}', '{}', 'test') RETURNING id`.execute(t.db);
  const id = (r.rows[0] as { id: number }).id;
  await partitionOf("link_person", id);
  return id;
}

const PERSON =
  "COPY link_person (run_id, municipality_id, person_id, resident_nos, name, name_kana, birth_date, sex, household_no, resident) FROM STDIN";
const person = (run: number, m: number, id: string) =>
  `${run}\t${m}\t${id}\t{}\t\\N\t\\N\t\\N\t\\N\t\\N\tt\n`;

/** Writes link_person lines for `run` in a scoped transaction; returns what the writer skipped. */
async function writePersons(
  asApp: boolean,
  run: number,
  lines: string[],
  table: "link_run" | "score_run" = "link_run",
): Promise<ReadonlySet<string>> {
  return withDataScope({ municipalityId: a, council: true }, () =>
    inTransaction(asApp, async (client) => {
      const bulk = await bulkWriter(client, a, { table, id: run });
      await bulk.copy(PERSON, lines);
      // Back to every check for whatever the transaction does next.
      const role = await client.query<{ r: string }>(
        "SELECT current_setting('session_replication_role') AS r",
      );
      expect(role.rows[0]?.r).toBe("origin");
      return bulk.unchecked;
    }),
  );
}

const persons = async (run: number) =>
  Number(
    (
      await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM link_person WHERE run_id = ${run}`.execute(t.db)
    ).rows[0]?.n,
  );

describe("foreign-key checks of a run's bulk load (issue 15)", () => {
  it("are skipped only for a superuser's direct COPY whose lines all carry the run, which exists", async () => {
    // link_person has migration 0096's (run_id, municipality_id) key and 0093's NOTIFY
    // trigger on UPDATE/DELETE/TRUNCATE: neither is a reason to keep the checks.
    const run = await linkRun(a);
    expect(await writePersons(false, run, [person(run, a, "P1"), person(run, a, "P2")])).toEqual(
      new Set(["link_person"]),
    );
    // The app role's staging path keeps PostgreSQL's checks (nothing skipped).
    expect(await writePersons(true, run, [person(run, a, "P3")])).toEqual(new Set());
    expect(await persons(run)).toBe(3);
  });

  it("are skipped on the app login's staging path too, for a plain table, by 0094's function", async () => {
    const run = await linkRun(a);
    const skipped = await withDataScope({ municipalityId: a, council: true }, () =>
      inTransaction(true, async (client) => {
        const bulk = await bulkWriter(client, a, { table: "link_run", id: run });
        await bulk.copy(
          "COPY link_mother_child (run_id, municipality_id, snapshot_id, row_no, source_id, file_name, mother_person_id, child_person_id, method) FROM STDIN",
          [`${run}\t${a}\t1\t1\tboshi\tb.csv\tP1\tP2\tid\n`],
        );
        return bulk.unchecked;
      }),
    );
    expect(skipped).toEqual(new Set(["link_mother_child"]));
    const rows = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM link_mother_child WHERE run_id = ${run}`.execute(t.db);
    expect(rows.rows[0]?.n).toBe(1);
  });

  it("refuse a line of another run or municipality, and a run that is not there, writing nothing", async () => {
    const run = await linkRun(a);
    const other = await linkRun(a);
    await expect(
      writePersons(false, run, [person(run, a, "P1"), person(other, a, "P2")]),
    ).rejects.toThrow(/another run or municipality/);
    await expect(writePersons(false, run, [person(run, b, "P1")])).rejects.toThrow(
      /another run or municipality/,
    );
    // A run id no link_run row has: PostgreSQL's own check would refuse it, so must this.
    await expect(writePersons(false, 99_999, [person(99_999, a, "P1")])).rejects.toThrow(
      /no such run/,
    );
    // Through staging the foreign key itself refuses it.
    await expect(writePersons(true, 99_999, [person(99_999, a, "P1")])).rejects.toThrow();
    expect(await persons(run)).toBe(0);
    expect(await persons(other)).toBe(0);
  });

  it("check every line of byte chunks as of text ones (link_identity's packed lines)", () => {
    const run = (chunks: (string | Uint8Array)[]) => [
      ...(checkedLines(chunks, "7\t1\t", "t") as Iterable<unknown>),
    ];
    const ok = [
      Buffer.from("7\t1\tr1\tP1\n7\t1\tr2\tP2\n"),
      "7\t1\tr3\tP3\n",
      Buffer.from("7\t1\tカ\tP4\n"),
    ];
    expect(run(ok)).toEqual(ok);
    for (const bad of [
      "7\t1\tr1\tP1\n7\t2\tr2\tP2\n",
      "7\t1\tr1\tP1\n17\t1\tr2\tP2\n",
      "7\t1\tr1\n7\t",
    ])
      expect(() => run([Buffer.from(bad)]), bad).toThrow(/another run or municipality/);
    // A Uint8Array that is not a Buffer, at an offset of its memory.
    const view = new Uint8Array(Buffer.from("xx7\t1\tr1\tP1\n")).subarray(2);
    expect(run([view])).toEqual([view]);
    expect(() => run([new Uint8Array(Buffer.from("8\t1\tr1\tP1\n"))])).toThrow();
  });

  it("are kept when the table has any other trigger or foreign key than run_id's", async () => {
    // The catalog today: each table the run writes with a foreign key has only run_id's.
    await withDataScope({ municipalityId: a, council: true }, () =>
      inTransaction(false, async (client) => {
        await client.query("SET LOCAL ROLE NONE");
        for (const table of [
          "link_person",
          "person_search_key",
          "link_mother_child",
          "link_identity",
        ])
          expect(await foreignKeysCheckedInCode(client, table, "link_run")).toBe(true);
        // Tables without a foreign key have nothing to skip; wrong run table: not provable.
        expect(await foreignKeysCheckedInCode(client, "link_record", "link_run")).toBe(false);
        expect(await foreignKeysCheckedInCode(client, "link_person", "score_run")).toBe(false);
      }),
    );
    // A trigger added to link_person (say, an audit of writes) must still fire.
    await sql`CREATE TABLE person_write_seen (person_id text)`.execute(t.db);
    await sql`CREATE FUNCTION person_write_seen() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO person_write_seen VALUES (NEW.person_id); RETURN NEW; END $$`.execute(t.db);
    await sql`CREATE TRIGGER person_write_seen AFTER INSERT ON link_person
      FOR EACH ROW EXECUTE FUNCTION person_write_seen()`.execute(t.db);
    try {
      const run = await linkRun(a);
      expect(await writePersons(false, run, [person(run, a, "P9")])).toEqual(new Set());
      const seen = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM person_write_seen`.execute(t.db);
      expect(seen.rows[0]?.n).toBe(1);
    } finally {
      await sql`DROP TRIGGER person_write_seen ON link_person`.execute(t.db);
    }
  });
});

describe("import rows (issue 15: no staging copy on the owner's connection)", () => {
  async function importRows(
    url: string,
    council: boolean,
    source: string,
    wrongSnapshot = false,
  ): Promise<{ direct: boolean; snapshotId: number }> {
    return withDataScope({ municipalityId: a, council }, async () => {
      const tx = await beginImport(url, a, source as SourceId);
      try {
        const s = await tx.createSnapshot({
          fileName: `${source}.csv`,
          contentHash: `${source}-${Math.random()}`,
          format: "csv",
          encoding: "utf-8",
          header: ["宛名番号"],
          mapping: null,
          manual: false,
          actorUserId: null,
          actor: "test",
        });
        const asOf = "2025-04-01" as IsoDate;
        const { direct } = await tx.copyRows(
          wrongSnapshot ? s.id + 1000 : s.id,
          ["宛名番号"],
          (async function* () {
            yield [
              { row: 1, line: 2, asOf, raw: "1", values: ["1"] },
              { row: 2, line: 3, asOf, raw: "x", errors: [] },
            ];
          })(),
        );
        await tx.commit();
        return { direct, snapshotId: s.id };
      } finally {
        await tx.close();
      }
    });
  }

  const rowsOf = async (snapshotId: number) =>
    (
      await sql<{
        row_no: number;
        municipality_id: number;
        council_only: boolean;
      }>`SELECT row_no, municipality_id, council_only FROM import_row
         WHERE snapshot_id = ${snapshotId} ORDER BY row_no`.execute(t.db)
    ).rows;

  it("go straight into import_row for the owner's login, through staging for the app login, alike", async () => {
    const owner = await importRows(t.url, false, "jumin");
    const app = await importRows(t.appUrl, false, "jumin");
    expect([owner.direct, app.direct]).toEqual([true, false]);
    for (const s of [owner, app])
      expect(await rowsOf(s.snapshotId)).toEqual([
        { row_no: 1, municipality_id: a, council_only: false },
        { row_no: 2, municipality_id: a, council_only: false },
      ]);
    // Council-only rows carry the flag the policy checks, on the direct path too.
    const council = await importRows(t.url, true, "yotaikyo");
    expect(council.direct).toBe(true);
    expect((await rowsOf(council.snapshotId)).map((r) => r.council_only)).toEqual([true, true]);
  });

  it("are read back by the run's COPY read in the reader's scope only (streamRowFields)", async () => {
    const plain = await importRows(t.url, false, "jumin");
    const council = await importRows(t.url, true, "yotaikyo");
    const read = (scope: DataScope, snapshotId: number) =>
      withDataScope(scope, async () => {
        const out: StoredFields[] = [];
        for await (const page of createImportRepository(t.db).streamRowFields(a, snapshotId, [
          "氏名",
          "宛名番号",
        ]))
          out.push(...page);
        return out;
      });
    // The stored row only (row 2 was rejected), the columns asked for (a blank one: null).
    expect(
      (await read({ municipalityId: a, council: false }, plain.snapshotId)).map((r) => [
        r.rowNo,
        r.asOf,
        r.values,
      ]),
    ).toEqual([[1, "2025-04-01", [null, "1"]]]);
    // 要対協 rows: council members only; another municipality's scope sees nothing of a's.
    expect(await read({ municipalityId: a, council: false }, council.snapshotId)).toEqual([]);
    expect(await read({ municipalityId: a, council: true }, council.snapshotId)).toHaveLength(1);
    expect(await read({ municipalityId: b, council: true }, plain.snapshotId)).toEqual([]);
  });

  it("give the columns asked for as JSON.parse reads them, escapes and all (streamRowFields)", async () => {
    const values = [
      ["1", "山田 太郎", 2],
      ["2", 'say "hi" \\ back\tslash\nline', null],
      ["3", "見守市南原町2丁目6-16 メゾン見守101号", 0.5],
    ];
    const snapshotId = await withDataScope({ municipalityId: a, council: false }, async () => {
      const tx = await beginImport(t.url, a, "gakureibo" as SourceId);
      try {
        const s = await tx.createSnapshot({
          fileName: "gakureibo.csv",
          contentHash: `gakureibo-${Math.random()}`,
          format: "csv",
          encoding: "utf-8",
          header: ["宛名番号", "氏名", "学年"],
          mapping: null,
          manual: false,
          actorUserId: null,
          actor: "test",
        });
        const asOf = "2025-04-01" as IsoDate;
        await tx.copyRows(
          s.id,
          ["宛名番号", "氏名", "学年"],
          (async function* () {
            yield values.map((v, i) => ({ row: i + 1, line: i + 2, asOf, raw: "-", values: v }));
          })(),
        );
        await tx.commit();
        return s.id;
      } finally {
        await tx.close();
      }
    });
    const out: StoredFields[] = [];
    await withDataScope({ municipalityId: a, council: false }, async () => {
      for await (const page of createImportRepository(t.db).streamRowFields(a, snapshotId, [
        "学年",
        "氏名",
        "住所",
      ]))
        out.push(...page);
    });
    expect(out.map((r) => r.values)).toEqual(values.map((v) => [v[2], v[1], null]));
  });

  it("refuse rows of a snapshot this import did not create, and council-only sources outside the council", async () => {
    await expect(importRows(t.url, false, "jumin", true)).rejects.toThrow(/not created/);
    for (const url of [t.url, t.appUrl])
      await expect(importRows(url, false, "ichiji_hogo")).rejects.toThrow();
  });
});

describe("COPY (query) TO STDOUT read back (copyOut, issue 15)", () => {
  /** Every row copyOut yields for `statement`, on a client of its own. */
  async function readAll(statement: string): Promise<(string | null)[][]> {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      const rows: (string | null)[][] = [];
      for await (const batch of copyOut(client, statement)) rows.push(...batch);
      return rows;
    } finally {
      await client.end();
    }
  }

  it("gives back every text as stored: tabs, newlines, backslashes, \\N as text, nulls, kana", async () => {
    const texts = [
      "a\tb",
      "x\ny\r\nz",
      "back\\slash \\N \\t",
      "\\N",
      "",
      "見守り　ミマモリ",
      JSON.stringify({ 氏名: 'say "hi"\\', note: "line1\nline2\ttab" }),
      "\b\f\v",
    ];
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    const literals = texts.map((x) => client.escapeLiteral(x)).join(", ");
    await client.end();
    const rows = await readAll(
      `COPY (SELECT i, x, NULL::text FROM unnest(ARRAY[${literals}]::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i) TO STDOUT`,
    );
    expect(rows.map((r) => r[1])).toEqual(texts);
    expect(rows.map((r) => r[2])).toEqual(texts.map(() => null));
    expect(JSON.parse(rows[6]?.[1] as string)).toEqual(JSON.parse(texts[6] as string));
  });

  it("splits rows across the server's chunks (multi-byte characters cut at a chunk's end)", async () => {
    const rows = await readAll(
      "COPY (SELECT i, repeat('みまもり', i % 50) FROM generate_series(1, 20000) AS i ORDER BY i) TO STDOUT",
    );
    expect(rows.length).toBe(20000);
    expect(rows.every((r, k) => r[0] === String(k + 1))).toBe(true);
    expect(rows.every((r, k) => r[1] === "みまもり".repeat((k + 1) % 50))).toBe(true);
  });

  it("flat: row i's field j at i × width + j, the width told once, one-field rows too", async () => {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      const read = async (statement: string) => {
        const widths: number[] = [];
        const fields: (string | null)[] = [];
        for await (const batch of copyOutFlat(client, statement, (w) => widths.push(w)))
          fields.push(...batch);
        return { widths, fields };
      };
      const three = await read(
        "COPY (SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'a\tb' END, repeat('x', i % 7) FROM generate_series(1, 30000) AS i ORDER BY i) TO STDOUT",
      );
      expect(three.widths).toEqual([3]);
      expect(three.fields.length).toBe(90_000);
      for (const k of [0, 1, 2, 12_345, 29_999]) {
        const i = k + 1;
        expect(three.fields.slice(k * 3, k * 3 + 3)).toEqual([
          String(i),
          i % 3 === 0 ? null : "a\tb",
          "x".repeat(i % 7),
        ]);
      }
      const one = await read(
        "COPY (SELECT i FROM generate_series(1, 50000) AS i ORDER BY i) TO STDOUT",
      );
      expect(one.widths).toEqual([1]);
      expect(one.fields.every((f, k) => f === String(k + 1))).toBe(true);
      expect(one.fields.length).toBe(50_000);
    } finally {
      await client.end();
    }
  });
});
