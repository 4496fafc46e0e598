import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rebuildChainWithout } from "../../test/audit-tamper.ts";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { createAuditRepository, flushAuditWriter } from "./audit.repository.ts";
import { createMunicipalityRepository } from "./municipality.repository.ts";
import { withDataScope } from "./scope.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("audit log (PostgreSQL)", () => {
  it("appends rows in a hash chain that verifies", async () => {
    const m = await createMunicipalityRepository(t.db).ensureDefault("テスト町");
    const audit = createAuditRepository(t.db);
    for (let i = 0; i < 5; i++) {
      await audit.append({
        municipalityId: m.id,
        actorUserId: null,
        actor: "system",
        action: "test",
        detail: { i },
      });
    }
    const rows = await audit.list({ municipalityId: m.id, limit: 10 });
    expect(rows.map((r) => (r.detail as { i: number }).i)).toEqual([4, 3, 2, 1, 0]);
    expect(await audit.verifyChain()).toMatchObject({ ok: true, rows: 5, firstBadId: null });
  });

  it("refuses UPDATE, DELETE and TRUNCATE", async () => {
    await expect(sql`UPDATE audit_log SET actor = 'x'`.execute(t.db)).rejects.toThrow(/追記のみ/);
    await expect(sql`DELETE FROM audit_log`.execute(t.db)).rejects.toThrow(/追記のみ/);
    await expect(sql`TRUNCATE audit_log`.execute(t.db)).rejects.toThrow(/追記のみ/);
  });

  it("detects a row edited behind the triggers' back", async () => {
    const audit = createAuditRepository(t.db);
    // A superuser can disable triggers; the chain still shows the edit.
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`.execute(t.db);
    await sql`UPDATE audit_log SET actor = 'someone-else' WHERE id = (SELECT min(id) + 2 FROM audit_log)`.execute(
      t.db,
    );
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`.execute(t.db);
    // The first test left a verified checkpoint after this row: only the full
    // check recomputes rows behind it.
    const result = await audit.verifyChain({ full: true });
    expect(result.ok).toBe(false);
    const min = await sql<{ id: string }>`SELECT min(id)::text AS id FROM audit_log`.execute(t.db);
    expect(result.firstBadId).toBe(String(Number(min.rows[0]?.id) + 2));
  });
});

describe("audit log scope and incremental verification (issue 12)", () => {
  let t2: TestDatabase;
  beforeAll(async () => {
    t2 = await createTestDatabase();
  });
  afterAll(() => t2.drop());

  it("never lists rows without a municipality to a municipality's administrator", async () => {
    const a = await sql<{
      id: number;
    }>`INSERT INTO municipality (name) VALUES ('甲町') RETURNING id`.execute(t2.db);
    const b = await sql<{
      id: number;
    }>`INSERT INTO municipality (name) VALUES ('乙町') RETURNING id`.execute(t2.db);
    const ma = a.rows[0]?.id as number;
    const mb = b.rows[0]?.id as number;
    const audit = createAuditRepository(t2.db);
    await audit.append({
      municipalityId: null,
      actorUserId: null,
      actor: "(不明)",
      action: "auth.login_failed",
    });
    await audit.append({
      municipalityId: mb,
      actorUserId: null,
      actor: "b-user",
      action: "auth.login_failed",
    });
    await audit.append({
      municipalityId: ma,
      actorUserId: 7,
      actor: "a-user",
      action: "child.view",
      personId: "P000123",
      clientAddress: "192.0.2.10",
    });
    const rows = await audit.list({ municipalityId: ma, limit: 10 });
    expect(rows.map((r) => r.actor)).toEqual(["a-user"]);
    expect(rows[0]).toMatchObject({
      personId: "P000123",
      clientAddress: "192.0.2.10",
      actorUserId: 7,
    });
    expect((await audit.list({ municipalityId: ma, limit: 10, personId: "P000123" })).length).toBe(
      1,
    );
    expect((await audit.list({ municipalityId: ma, limit: 10, personId: "P999" })).length).toBe(0);
    expect((await audit.list({ municipalityId: mb, limit: 10 })).map((r) => r.actor)).toEqual([
      "b-user",
    ]);
  });

  it("covers the new columns with the hash: an edited client address breaks the chain", async () => {
    const audit = createAuditRepository(t2.db);
    expect((await audit.verifyChain({ full: true })).ok).toBe(true);
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`.execute(t2.db);
    await sql`UPDATE audit_log SET client_address = '198.51.100.1' WHERE client_address IS NOT NULL`.execute(
      t2.db,
    );
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`.execute(t2.db);
    const r = await audit.verifyChain({ full: true });
    expect(r.ok).toBe(false);
    expect(r.problem).toBe("chain");
  });
});

describe("incremental verification from checkpoints", () => {
  let t3: TestDatabase;
  beforeAll(async () => {
    t3 = await createTestDatabase();
  });
  afterAll(() => t3.drop());

  const add = async (n: number) => {
    const audit = createAuditRepository(t3.db);
    for (let i = 0; i < n; i++)
      await audit.append({
        municipalityId: null,
        actorUserId: null,
        actor: "system",
        action: "test",
        detail: { i },
      });
  };

  it("recomputes only rows after the newest checkpoint and records a new one", async () => {
    const audit = createAuditRepository(t3.db);
    await add(6);
    const first = await audit.verifyChain();
    expect(first).toMatchObject({ ok: true, rows: 6, checkedNow: 6 });
    const again = await audit.verifyChain();
    expect(again).toMatchObject({ ok: true, rows: 6, checkedNow: 0 });
    await add(3);
    const third = await audit.verifyChain();
    expect(third).toMatchObject({ ok: true, rows: 9, checkedNow: 3 });
    const cps = await sql<{ n: string }>`SELECT count(*)::text AS n FROM audit_checkpoint`.execute(
      t3.db,
    );
    expect(cps.rows[0]?.n).toBe("2");
    expect(third.tail?.id).toBe((await audit.tail())?.id);
  });

  it("finds an edit after the checkpoint incrementally, and a rebuilt chain by its checkpoint", async () => {
    const audit = createAuditRepository(t3.db);
    await add(2);
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`.execute(t3.db);
    await sql`UPDATE audit_log SET detail = '{"i":99}' WHERE id = (SELECT max(id) FROM audit_log)`.execute(
      t3.db,
    );
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`.execute(t3.db);
    const tail = await audit.tail();
    const r = await audit.verifyChain();
    expect(r).toMatchObject({ ok: false, problem: "chain", firstBadId: tail?.id });

    // A superuser rebuilds the chain after removing a row: every link is
    // consistent again, but the checkpointed row's hash has changed.
    await rebuildChainWithout(t3, 3);
    expect((await audit.verifyChain({ full: true })).problem).toBe("anchor");
    const inc = await audit.verifyChain();
    expect(inc.ok).toBe(false);
    expect(inc.problem).toBe("anchor");
  });
});

describe("the persons of exports in the incremental check (audit_disclosure, migration 0073)", () => {
  let t5: TestDatabase;
  beforeAll(async () => {
    t5 = await createTestDatabase();
  });
  afterAll(() => t5.drop());

  it("finds a chunk the app role appends to an old export at the next incremental check, whatever seq it claims", async () => {
    const m = await createMunicipalityRepository(t5.db).ensureDefault("テスト町");
    const audit = createAuditRepository(t5.db);
    const scope = { municipalityId: m.id, council: false };
    const exportOf = (persons: string[]) =>
      withDataScope(scope, () =>
        audit.appendDisclosure(
          { municipalityId: m.id, actorUserId: null, actor: "tanaka", action: "children.export" },
          { persons, council: false },
        ),
      );
    const old = await exportOf(["P00000001", "P00000002"]);
    expect(await audit.verifyChain()).toMatchObject({ ok: true, disclosuresCheckedNow: 1 });
    await exportOf(["P00000003"]);
    // Only the new export is recomputed; the checkpoint remembers the chunks seen.
    expect(await audit.verifyChain()).toMatchObject({ ok: true, disclosuresCheckedNow: 1 });
    expect(await audit.verifyChain()).toMatchObject({ ok: true, disclosuresCheckedNow: 0 });
    // The app role may INSERT chunks (append-only, not write-once): one added to the
    // old export, with a seq chosen to look already checked.
    await withDataScope(scope, () =>
      sql`INSERT INTO audit_disclosure (audit_id, chunk, municipality_id, persons, seq)
          VALUES (${old}::bigint, 1, ${m.id}, ARRAY['P00000009'], 1)`.execute(t5.db),
    );
    const r = await audit.verifyChain();
    expect(r).toMatchObject({ ok: false, problem: "disclosure", firstBadId: old });
    // It stays found: no checkpoint was written past it.
    expect(await audit.verifyChain()).toMatchObject({ ok: false, problem: "disclosure" });
  });
});

describe("a chunk numbered before a check but committed after it (migration 0089)", () => {
  let t6: TestDatabase;
  beforeAll(async () => {
    t6 = await createTestDatabase();
  });
  afterAll(() => t6.drop());

  it("is found by the next incremental check, not only by the full one", async () => {
    const m = await createMunicipalityRepository(t6.db).ensureDefault("テスト町");
    const audit = createAuditRepository(t6.db);
    const scope = { municipalityId: m.id, council: false };
    const exportOf = (persons: string[]) =>
      withDataScope(scope, () =>
        audit.appendDisclosure(
          { municipalityId: m.id, actorUserId: null, actor: "tanaka", action: "children.export" },
          { persons, council: false },
        ),
      );
    const old = await exportOf(["P00000001", "P00000002"]);
    expect(await audit.verifyChain()).toMatchObject({ ok: true });
    let inserted!: (seq: number) => void;
    const chunkInserted = new Promise<number>((r) => {
      inserted = r;
    });
    let commit!: () => void;
    const mayCommit = new Promise<void>((r) => {
      commit = r;
    });
    // The app role adds a chunk to the old export in a transaction it keeps open:
    // the chunk's seq is drawn now, its commit comes later.
    const slow = withDataScope(scope, () =>
      t6.db.transaction().execute(async (trx) => {
        const r = await sql<{ seq: string }>`
          INSERT INTO audit_disclosure (audit_id, chunk, municipality_id, persons)
          VALUES (${old}::bigint, 1, ${m.id}, ARRAY['P00000009']) RETURNING seq`.execute(trx);
        inserted(Number(r.rows[0]?.seq));
        await mayCommit;
      }),
    );
    try {
      const lateSeq = await chunkInserted;
      // Meanwhile another export (a higher seq) and a quick check, which cannot see
      // the open transaction's chunk and records how far it got.
      await exportOf(["P00000003"]);
      expect(await audit.verifyChain()).toMatchObject({ ok: true });
      const checkpoint = await t6.db
        .selectFrom("audit_checkpoint")
        .select(["disclosure_seq"])
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      // The situation of the finding: the late chunk's number is below what the check covered.
      expect(Number(checkpoint.disclosure_seq)).toBeGreaterThan(lateSeq);
    } finally {
      commit();
    }
    commit();
    await slow;
    // A new row moves the tail (as any audited request does), then the quick check.
    await exportOf(["P00000004"]);
    const quick = await audit.verifyChain();
    expect(quick).toMatchObject({ ok: false, problem: "disclosure", firstBadId: old });
    expect((await audit.verifyChain({ full: true })).ok).toBe(false);
  });
});

describe("concurrent appends (group commit, issue 11 benchmark)", () => {
  let t4: TestDatabase;
  let ma: number;
  let mb: number;
  beforeAll(async () => {
    t4 = await createTestDatabase();
    ma = (await createMunicipalityRepository(t4.db).ensureDefault("丙町")).id;
    const b = await sql<{
      id: number;
    }>`INSERT INTO municipality (name) VALUES ('丁町') RETURNING id`.execute(t4.db);
    mb = b.rows[0]?.id as number;
  });
  afterAll(() => t4.drop());

  const entry = (municipalityId: number, i: number) => ({
    municipalityId,
    actorUserId: null,
    actor: "load",
    action: "child.view",
    personId: `P${i}`,
    detail: { i },
  });

  it("writes every row of 120 concurrent requests in two scopes, each in its scope, in one verifying chain", async () => {
    const audit = createAuditRepository(t4.db);
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => {
        const m = i % 3 === 0 ? mb : ma;
        return withDataScope({ municipalityId: m, council: false }, () =>
          audit.append(entry(m, i)),
        );
      }),
    );
    const a = await audit.list({ municipalityId: ma, limit: 500 });
    const b = await audit.list({ municipalityId: mb, limit: 500 });
    expect(a.length + b.length).toBe(120);
    expect(b.length).toBe(40);
    // Within a scope, rows are chained in the order the requests appended them.
    const order = a.map((r) => (r.detail as { i: number }).i).reverse();
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(await audit.verifyChain({ full: true })).toMatchObject({ ok: true, rows: 120 });
  });

  it("fails only the row at fault when a batch is refused (row-level security)", async () => {
    const audit = createAuditRepository(t4.db);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        withDataScope({ municipalityId: ma, council: false }, () =>
          // Row 4 claims another municipality: the app role may not write it there.
          audit.append(entry(i === 4 ? mb : ma, 1000 + i)),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i === 4 ? "rejected" : "fulfilled")),
    );
    expect((await audit.verifyChain({ full: true })).ok).toBe(true);
  });

  it("keeps the chain verifiable when an append's id was drawn before a later one took the lock (migration 0090)", async () => {
    // The race, made deterministic: a slow transaction has drawn its id (the
    // column default) but not yet the chain lock; a quicker append takes the
    // next id and commits first; then the slow row arrives with the lower id.
    const early = await sql<{
      id: string;
    }>`SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))::text AS id`.execute(t4.db);
    const audit = createAuditRepository(t4.db);
    await audit.append(entry(ma, 2000));
    await sql`INSERT INTO audit_log (id, municipality_id, actor, action, prev_hash, hash)
      VALUES (${early.rows[0]?.id}::bigint, ${ma}, 'slow', 'child.view', '\\x', '\\x')`.execute(
      t4.db,
    );
    const r = await audit.verifyChain({ full: true });
    expect(r).toMatchObject({ ok: true, problem: null, rows: 120 + 9 + 2 });
    // The slow row was given an id after the quick one's, so it is the tail.
    const tail = await sql<{
      actor: string;
    }>`SELECT actor FROM audit_log ORDER BY id DESC LIMIT 1`.execute(t4.db);
    expect(tail.rows[0]?.actor).toBe("slow");
  });

  it("flushAuditWriter waits for queued rows", async () => {
    const audit = createAuditRepository(t4.db);
    const before = (await audit.tail())?.id;
    const pending = audit.append(entry(ma, 3000));
    await flushAuditWriter(t4.db);
    expect((await audit.tail())?.id).not.toBe(before);
    await pending;
  });
});
