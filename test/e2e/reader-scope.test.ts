/**
 * A 支援担当's scope kept in memory per reader and run (child.repository.ts
 * ReaderSets; issue 11 benchmark: one scope statement per request was most
 * of the 支援担当's p95), and every change of that scope seen at once — in
 * this process right after the COMMIT, from another connection through
 * NOTIFY (0071 casework, 0074 break_glass): a new case assignment, a
 * break-the-glass grant, an affiliation change, a 利用停止. And a 所属
 * account's こども詳細, kept per reader (services/reader-answers.ts; issue 15:
 * its two statements' planning over the partitioned run tables was most of
 * the 所属 bench's p95): served from memory to that reader only, audited every
 * time, following its requests at once.
 */
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChangeFeed, startChangeFeed } from "../../src/db/change-feed.repository.ts";
import { readerScopeCaches } from "../../src/db/child.repository.ts";
import { createRightsRepository } from "../../src/db/rights.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { readerAnswerCaches } from "../../src/server/services/reader-answers.ts";
import { type Client, loginAs } from "../http.ts";
import { type RunVillage, runVillage } from "../village-run.ts";

let village: RunVillage;
let feed: ChangeFeed;
let other: pg.Client;
let staff: Client;
let staffId: number;
let schoolOf: Map<string, string>;
let schoolA: string;
let mine: string;
let theirs: string[];

/** Waits until `ok()` holds (a NOTIFY round trip), failing after 5 s. */
async function eventually(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the change did not arrive within 5 s");
}

const status = async (personId: string) => (await staff.json(`/api/children/${personId}`)).status;

beforeAll(async () => {
  village = await runVillage();
  const { t, municipalityId, linkRunId, scoreRunId } = village;
  const r = await sql<{ person_id: string; school: string }>`
    SELECT DISTINCT ON (lr.person_id) lr.person_id, ir.data->>'学校名' AS school
      FROM link_record lr JOIN import_row ir ON ir.municipality_id = lr.municipality_id
       AND ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
     WHERE lr.run_id = ${linkRunId} AND lr.source_id = 'gakureibo'
       AND NOT EXISTS (SELECT 1 FROM link_record h WHERE h.run_id = lr.run_id
                        AND h.person_id = lr.person_id AND h.source_id = 'hoiku_zaiseki')
       AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${scoreRunId} AND sr.person_id = lr.person_id)
     ORDER BY lr.person_id, ir.as_of DESC, lr.snapshot_id DESC, lr.row_no DESC`.execute(t.db);
  schoolOf = new Map(r.rows.map((x) => [x.person_id, x.school]));
  [mine, schoolA] = [...schoolOf][0] as [string, string];
  theirs = [...schoolOf].filter(([, s]) => s !== schoolA).map(([p]) => p);
  expect(theirs.length).toBeGreaterThan(3);
  feed = startChangeFeed(t.db, t.url);
  await feed.ready;
  other = new pg.Client({ connectionString: t.url });
  await other.connect();
  staff = await loginAs(village.app, t.db, "staff.scope", ["staff"], {
    affiliation: schoolA,
    municipalityId,
  });
  staffId = (await createUserRepository(t.db).findByLogin("staff.scope"))?.id as number;
}, 600_000);

afterAll(async () => {
  await other?.end();
  await feed?.stop();
  await village?.close();
});

describe("a 支援担当's scope in memory", () => {
  it("is read once per reader and run, then served from memory", async () => {
    const { affiliation, reader } = readerScopeCaches(village.t.db);
    expect(await status(mine)).toBe(200);
    expect(await status(theirs[0] as string)).toBe(404);
    const before = { a: affiliation.hits, r: reader.hits, m: reader.misses };
    for (const p of [mine, theirs[1] as string, mine]) await status(p);
    expect(reader.misses).toBe(before.m);
    expect(reader.hits).toBeGreaterThanOrEqual(before.r + 3);
    expect(affiliation.hits).toBeGreaterThanOrEqual(before.a + 3);
  });

  it("sees a new case assignment at once, from this process and from another connection", async () => {
    const { municipalityId, t } = village;
    const [a, b] = theirs as [string, string];
    expect(await status(a)).toBe(404);
    await sql`INSERT INTO child_case (municipality_id, person_id, state, council, responsible_user_id)
              VALUES (${municipalityId}, ${a}, 'open', false, ${staffId})`.execute(t.db);
    expect(await status(a)).toBe(200);
    expect(await status(b)).toBe(404);
    await other.query(
      "INSERT INTO child_case (municipality_id, person_id, state, council, responsible_user_id) VALUES ($1, $2, 'open', false, $3)",
      [municipalityId, b, staffId],
    );
    await eventually(async () => (await status(b)) === 200);
    // Closing the case takes the child out again.
    await other.query("UPDATE child_case SET state = 'closed' WHERE person_id = $1", [b]);
    await eventually(async () => (await status(b)) === 404);
  });

  it("sees a break-the-glass grant opened on another connection at once, and not after it ends", async () => {
    const { municipalityId } = village;
    const c = theirs[2] as string;
    expect(await status(c)).toBe(404);
    await other.query(
      `INSERT INTO break_glass (municipality_id, user_id, login_name, person_id, reason, expires_at)
       VALUES ($1, $2, 'staff.scope', $3, '緊急の安全確認のため', now() + interval '2 seconds')`,
      [municipalityId, staffId, c],
    );
    await eventually(async () => (await status(c)) === 200);
    // The grant ends by time: the cached scope counts it only until then.
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await status(c)).toBe(404);
  });

  it("follows an affiliation change at once", async () => {
    const { t } = village;
    const d = theirs[3] as string;
    expect(await status(d)).toBe(404);
    await createUserRepository(t.db).setRoles(staffId, {
      roles: ["staff"],
      council: false,
      affiliation: schoolOf.get(d) as string,
    });
    expect(await status(d)).toBe(200);
    expect(await status(mine)).toBe(404);
    await createUserRepository(t.db).setRoles(staffId, {
      roles: ["staff"],
      council: false,
      affiliation: schoolA,
    });
    expect(await status(mine)).toBe(200);
  });

  it("follows a 利用停止 at once", async () => {
    const { municipalityId, t } = village;
    expect(await status(mine)).toBe(200);
    await createRightsRepository(t.db).stop(municipalityId, mine, "本人の申出による", "test");
    expect(await status(mine)).toBe(404);
    await other.query(
      "UPDATE usage_stop SET lifted_at = now(), lifted_by = 'cli', lift_reason = '解除の申出' WHERE person_id = $1",
      [mine],
    );
    await eventually(async () => (await status(mine)) === 200);
  });
});

describe("a 所属 account's こども詳細 in memory", () => {
  it("is served from memory to that reader only, audited every time, and follows its requests at once", async () => {
    const { app, municipalityId, scoreRunId, t } = village;
    const flagged = await sql<{ person_id: string; difficulty: string }>`
      SELECT person_id, difficulty FROM score_result
       WHERE run_id = ${scoreRunId} AND flagged AND person_id = ANY(${[...schoolOf.keys()]}::text[])
       ORDER BY person_id, type_index LIMIT 1`.execute(t.db);
    const { person_id: child, difficulty } = flagged.rows[0] as {
      person_id: string;
      difficulty: string;
    };
    const school = schoolOf.get(child) as string;
    const m = { municipalityId };
    const coordinator = await loginAs(app, t.db, "coord.sheets", ["coordinator"], m);
    const account = await loginAs(app, t.db, "school.cached", ["affiliation"], {
      ...m,
      affiliation: school,
    });
    const another = await loginAs(app, t.db, "school.another", ["affiliation"], {
      ...m,
      affiliation: `${school}以外の学校`,
    });
    const view = async (c: Client) => (await c.json(`/api/children/${child}`)).status;
    const audited = async () =>
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log
          WHERE action = 'child.view' AND actor = 'school.cached'`.execute(t.db)
      ).rows[0]?.n ?? 0;
    // No request yet: not theirs (and a 404 is never kept).
    expect(await view(account)).toBe(404);
    const sent = await coordinator.json<{ recipient: string }>("/api/sheets/requests", {
      method: "POST",
      body: { personId: child, mode: "b", difficulties: [difficulty] },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.recipient).toBe(school);
    expect(await view(account)).toBe(200);
    const cache = readerAnswerCaches(t.db).casework;
    const before = { hits: cache.hits, misses: cache.misses, audited: await audited() };
    for (let i = 0; i < 3; i++) expect(await view(account)).toBe(200);
    expect(cache.misses).toBe(before.misses);
    expect(cache.hits).toBeGreaterThanOrEqual(before.hits + 3);
    expect(await audited()).toBe(before.audited + 3);
    // Another school's account never gets it.
    expect(await view(another)).toBe(404);
    // The request withdrawn on another connection: gone through NOTIFY (0071).
    await other.query(
      "UPDATE sheet_request SET status = 'withdrawn' WHERE person_id = $1 AND recipient = $2",
      [child, school],
    );
    await eventually(async () => (await view(account)) === 404);
  });
});
