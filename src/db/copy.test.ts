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
import { bulkWriter } from "./copy.ts";
import { createMunicipalityRepository } from "./municipality.repository.ts";
import { APP_ROLE, beginScoped, withDataScope } from "./scope.ts";

let t: TestDatabase;
let a: number;
let b: number;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ id: a } = await createMunicipalityRepository(t.db).ensureDefault("みまもり町"));
  const r = await sql<{ id: number }>`
    INSERT INTO municipality (name, code) VALUES ('となり町', '999999') RETURNING id`.execute(t.db);
  b = (r.rows[0] as { id: number }).id;
});
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
