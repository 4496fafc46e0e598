import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeBusOf, topicsOfStatement } from "../../src/db/change-bus.ts";
import { type ChangeFeed, startChangeFeed } from "../../src/db/change-feed.repository.ts";
import { createMaskingRepository } from "../../src/db/masking.repository.ts";
import { createMunicipalityRepository } from "../../src/db/municipality.repository.ts";
import { createRightsRepository } from "../../src/db/rights.repository.ts";
import { createSessionRepository } from "../../src/db/session.repository.ts";
import { createUserRepository } from "../../src/db/user.repository.ts";
import { DEFAULT_MASKING_RULES } from "../../src/domain/policy/masking.ts";
import type { App } from "../../src/server/app.ts";
import { sessionCacheOf } from "../../src/server/auth/middleware.ts";
import { childAnswerCacheOf } from "../../src/server/services/child.service.ts";
import type { TestDatabase } from "../db.ts";
import { type Client, loginAs } from "../http.ts";
import { type RunVillage, runVillage } from "../village-run.ts";

let village: RunVillage;
let t: TestDatabase;
let app: App;
let feed: ChangeFeed;
/** Another connection, as the CLI or a second server would write. */
let other: pg.Client;
let municipalityId: number;
let scoreRunId: number;
let councilChild: string;
let council: Client;
let plain: Client;

interface View {
  maskingVersion: string;
  councilFacts: boolean;
  types: { items: { itemId: string }[] }[];
  records: { sourceId: string }[];
  household: { members: { personId: string }[] } | null;
}

/** Waits until `ok()` holds (a NOTIFY round trip), failing after 5 s. */
async function eventually(ok: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the change did not arrive within 5 s");
}

async function userId(loginName: string): Promise<number> {
  const u = await createUserRepository(t.db).findByLogin(loginName);
  if (!u) throw new Error(loginName);
  return u.id;
}

beforeAll(async () => {
  village = await runVillage();
  ({ t, municipalityId, scoreRunId } = village);
  const c = await sql<{ person_id: string }>`
    SELECT person_id FROM score_item WHERE run_id = ${scoreRunId} AND item_id IN ('B01', 'B02')
     ORDER BY person_id LIMIT 1`.execute(t.db);
  councilChild = c.rows[0]?.person_id as string;
  expect(councilChild).toBeTruthy();
  app = village.app;
  feed = startChangeFeed(t.db, t.url);
  await feed.ready;
  other = new pg.Client({ connectionString: t.url });
  await other.connect();
  council = await loginAs(app, t.db, "coord.council", ["coordinator"], {
    council: true,
    municipalityId,
  });
  plain = await loginAs(app, t.db, "coord.plain", ["coordinator"], { municipalityId });
}, 600_000);

afterAll(async () => {
  await other?.end();
  await feed?.stop();
  await village?.close();
});

describe("statements this process writes", () => {
  it("are recognised by table, and reads or unrelated writes are not", () => {
    expect(topicsOfStatement('update "app_user" set "disabled" = $1 where "id" = $2')).toEqual([
      "app_user",
    ]);
    expect(topicsOfStatement('delete from "session" where "user_id" = $1')).toEqual(["session"]);
    // The lazy last-seen write and a new session change no cached session.
    expect(
      topicsOfStatement(
        'update "session" set "last_seen_at" = $1, "expires_at" = $2 where "token_hash" = $3',
      ),
    ).toEqual([]);
    expect(topicsOfStatement('insert into "session" ("token_hash") values ($1)')).toEqual([]);
    expect(topicsOfStatement("INSERT INTO usage_stop (municipality_id) VALUES ($1)")).toEqual([
      "usage_stop",
    ]);
    expect(topicsOfStatement("UPDATE fact_correction SET withdrawn_at = now()")).toEqual([
      "fact_correction",
    ]);
    expect(topicsOfStatement("UPDATE score_run SET children_indexed_at = now()")).toEqual([
      "score_run",
    ]);
    expect(topicsOfStatement('select * from "session" where "token_hash" = $1')).toEqual([]);
    expect(topicsOfStatement("SELECT 1 FROM score_run WHERE id = $1 FOR UPDATE")).toEqual([]);
    expect(topicsOfStatement("INSERT INTO audit_log (action) VALUES ($1)")).toEqual([]);
  });
});

describe("sessions", () => {
  it("refuse a user disabled in this process on the very next request", async () => {
    const c = await loginAs(app, t.db, "coord.local", ["coordinator"], { municipalityId });
    const cache = sessionCacheOf(t.db);
    expect((await c.json("/api/auth/me")).status).toBe(200);
    const hits = cache.hits;
    expect((await c.json("/api/auth/me")).status).toBe(200);
    expect(cache.hits).toBe(hits + 1);
    await createUserRepository(t.db).setDisabled(await userId("coord.local"), true);
    expect((await c.json("/api/auth/me")).status).toBe(401);
  });

  it("refuse a session ended in this process on the very next request", async () => {
    const c = await loginAs(app, t.db, "coord.ended", ["coordinator"], { municipalityId });
    const cache = sessionCacheOf(t.db);
    expect((await c.json("/api/auth/me")).status).toBe(200);
    const hits = cache.hits;
    expect((await c.json("/api/auth/me")).status).toBe(200);
    expect(cache.hits).toBe(hits + 1);
    await createSessionRepository(t.db).deleteForUser(await userId("coord.ended"));
    expect((await c.json("/api/auth/me")).status).toBe(401);
  });

  it("refuse a user disabled or a session ended from another connection once NOTIFY arrives", async () => {
    const a = await loginAs(app, t.db, "coord.cli1", ["coordinator"], { municipalityId });
    const b = await loginAs(app, t.db, "coord.cli2", ["coordinator"], { municipalityId });
    const cache = sessionCacheOf(t.db);
    for (const c of [a, b]) expect((await c.json("/api/auth/me")).status).toBe(200);
    const hits = cache.hits;
    for (const c of [a, b]) expect((await c.json("/api/auth/me")).status).toBe(200);
    expect(cache.hits).toBe(hits + 2);
    // Not through this process's Kysely: only the trigger can tell it.
    await other.query("UPDATE app_user SET disabled = true WHERE id = $1", [
      await userId("coord.cli1"),
    ]);
    await other.query("DELETE FROM session WHERE user_id = $1", [await userId("coord.cli2")]);
    await eventually(async () => (await a.json("/api/auth/me")).status === 401);
    await eventually(async () => (await b.json("/api/auth/me")).status === 401);
    // Other users' sessions stay cached.
    const before = cache.hits;
    expect((await council.json("/api/auth/me")).status).toBe(200);
    expect((await council.json("/api/auth/me")).status).toBe(200);
    expect(cache.hits).toBeGreaterThan(before);
  });
});

describe("child answers", () => {
  it("never mix a 要対協 member's and a non-member's answers", async () => {
    const answers = childAnswerCacheOf(t.db);
    const hits = answers.hits;
    for (let i = 0; i < 3; i++) {
      const m = await council.json<View>(`/api/children/${councilChild}`);
      const n = await plain.json<View>(`/api/children/${councilChild}`);
      expect(m.status).toBe(200);
      expect(n.status).toBe(200);
      expect(m.body.councilFacts).toBe(true);
      expect(n.body.councilFacts).toBe(false);
      const mItems = m.body.types.flatMap((x) => x.items.map((i) => i.itemId));
      const nItems = n.body.types.flatMap((x) => x.items.map((i) => i.itemId));
      expect(mItems.some((id) => id === "B01" || id === "B02")).toBe(true);
      expect(nItems.some((id) => id === "B01" || id === "B02")).toBe(false);
      expect(
        n.body.records.some((r) => r.sourceId === "yotaikyo" || r.sourceId === "ichiji_hogo"),
      ).toBe(false);
    }
    // Served from the cache after the first round, for both kinds of reader.
    expect(answers.hits - hits).toBeGreaterThanOrEqual(4);
  });

  it("are not served across municipalities", async () => {
    // The answer for municipality 1 is cached (above); a coordinator of
    // another municipality asking for the same person id finds nothing.
    const m2 = await createMunicipalityRepository(t.db).add({ code: "999999", name: "別の町" });
    expect(m2).toBeDefined();
    const stranger = await loginAs(app, t.db, "coord.m2", ["coordinator"], {
      council: true,
      municipalityId: m2?.id as number,
    });
    expect((await council.json(`/api/children/${councilChild}`)).status).toBe(200);
    expect((await stranger.json(`/api/children/${councilChild}`)).status).toBe(404);
    expect((await stranger.json("/api/search?q=a")).body).toMatchObject({ run: null });
  });

  /** Warms the child view, then proves a change empties the answers. */
  async function dropsAnswers(
    change: () => Promise<unknown>,
    viaNotify: boolean,
    // A child under a 利用停止 is answered 404 (the stop shows at once).
    status: [before: number, after: number] = [200, 200],
  ) {
    const answers = childAnswerCacheOf(t.db);
    await council.json(`/api/children/${councilChild}`);
    const hits = answers.hits;
    expect((await council.json(`/api/children/${councilChild}`)).status).toBe(status[0]);
    expect(answers.hits).toBe(hits + 1);
    expect(answers.size).toBeGreaterThan(0);
    await change();
    if (viaNotify) await eventually(() => answers.size === 0);
    else expect(answers.size).toBe(0);
    const misses = answers.misses;
    expect((await council.json(`/api/children/${councilChild}`)).status).toBe(status[1]);
    expect(answers.misses).toBe(misses + 1);
  }

  it("are dropped by a 利用停止 in this process at once and from another connection by NOTIFY", async () => {
    await dropsAnswers(
      () =>
        createRightsRepository(t.db).stop(municipalityId, councilChild, "本人の申出による", "test"),
      false,
      [200, 404],
    );
    await dropsAnswers(
      () =>
        other.query(
          "UPDATE usage_stop SET lifted_at = now(), lifted_by = 'cli', lift_reason = '解除の申出' WHERE person_id = $1",
          [councilChild],
        ),
      true,
      [404, 200],
    );
  });

  it("are dropped by a 訂正 from another connection", async () => {
    const row = await other.query<{ snapshot_id: number; row_no: number; source_id: string }>(
      `SELECT lr.snapshot_id, lr.row_no, lr.source_id FROM link_record lr
        JOIN score_run s ON s.link_run_id = lr.run_id
       WHERE s.id = $1 AND lr.person_id = $2 LIMIT 1`,
      [scoreRunId, councilChild],
    );
    const r = row.rows[0];
    expect(r).toBeDefined();
    await dropsAnswers(
      () =>
        other.query(
          `INSERT INTO fact_correction (municipality_id, snapshot_id, row_no, source_id, person_id, field,
                                        old_value, new_value, reason, actor)
           VALUES ($1, $2, $3, $4, $5, '住所', '"旧"', '"新"', '本人の申出による', 'cli')`,
          [municipalityId, r?.snapshot_id, r?.row_no, r?.source_id, councilChild],
        ),
      true,
    );
  });

  it("follow the run head: a run withdrawn from another connection is gone after NOTIFY", async () => {
    expect((await council.json(`/api/children/${councilChild}`)).status).toBe(200);
    await other.query("UPDATE score_run SET completed_at = NULL WHERE id = $1 RETURNING id", [
      scoreRunId,
    ]);
    try {
      await eventually(
        async () => (await council.json(`/api/children/${councilChild}`)).status === 404,
      );
    } finally {
      await other.query("UPDATE score_run SET completed_at = now() WHERE id = $1", [scoreRunId]);
    }
    await eventually(
      async () => (await council.json(`/api/children/${councilChild}`)).status === 200,
    );
  });

  it("carry the masking version in force: a new version in this process shows at once", async () => {
    const before = await council.json<View>(`/api/children/${councilChild}`);
    const set = await createMaskingRepository(t.db).current(municipalityId);
    await createMaskingRepository(t.db).save(
      municipalityId,
      { rules: DEFAULT_MASKING_RULES, note: "キャッシュの試験", basedOn: set.version },
      { userId: null, loginName: "test" },
    );
    const after = await council.json<View>(`/api/children/${councilChild}`);
    expect(after.body.maskingVersion).not.toBe(before.body.maskingVersion);
    expect(after.body.maskingVersion).toBe(`第${set.version + 1}版`);
  });
});

describe("without the LISTEN connection", () => {
  it("serves nothing from the caches, so no change can go unseen", async () => {
    await feed.stop();
    try {
      expect(changeBusOf(t.db).listening).toBe(false);
      const sessions = sessionCacheOf(t.db);
      const answers = childAnswerCacheOf(t.db);
      const [sh, ah] = [sessions.hits, answers.hits];
      for (let i = 0; i < 3; i++)
        expect((await council.json(`/api/children/${councilChild}`)).status).toBe(200);
      expect(sessions.hits).toBe(sh);
      expect(answers.hits).toBe(ah);
      // A change from another connection is seen on the next request.
      const c = await loginAs(app, t.db, "coord.nofeed", ["coordinator"], { municipalityId });
      expect((await c.json("/api/auth/me")).status).toBe(200);
      await other.query("UPDATE app_user SET disabled = true WHERE login_name = 'coord.nofeed'");
      expect((await c.json("/api/auth/me")).status).toBe(401);
    } finally {
      feed = startChangeFeed(t.db, t.url);
      await feed.ready;
    }
    expect(changeBusOf(t.db).listening).toBe(true);
  });

  it("stops serving when the LISTEN connection is killed, and serves again once it reconnects", async () => {
    const bus = changeBusOf(t.db);
    expect(bus.listening).toBe(true);
    const killed = await other.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN mimamori_change'`,
    );
    expect(killed.rows.length).toBe(1);
    await eventually(() => !bus.listening);
    // Reconnected within the retry delay (1 s) and serving again.
    await eventually(() => bus.listening);
    const answers = childAnswerCacheOf(t.db);
    await council.json(`/api/children/${councilChild}`);
    const hits = answers.hits;
    await council.json(`/api/children/${councilChild}`);
    expect(answers.hits).toBe(hits + 1);
  });
});
