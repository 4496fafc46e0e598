/**
 * The mother–child links of a run (0006-mother-child) against PostgreSQL:
 * written with the run in its transaction, read back per run in row order,
 * twins as two lines, and deleted with the run; the person-id state; the rows
 * of the review and decision keys (0079).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import { AnchorAssignment, AnchorTableBuilder, anchorHead } from "../domain/linkage/anchors.ts";
import type { Waterfall } from "../domain/linkage/explain.ts";
import { JAPANESE_SETTINGS } from "../domain/linkage/japanese-settings.ts";
import type { TrainedModel } from "../domain/linkage/model.ts";
import type { IsoDate } from "../domain/types.ts";
import {
  anchorOrder,
  createLinkageRepository,
  identityWrites,
  type LinkToStore,
  type MotherChildToStore,
  type ReviewToStore,
  type RunToStore,
  saveLinkRun,
} from "./linkage.repository.ts";
import { createMunicipalityRepository } from "./municipality.repository.ts";
import { withDataScope } from "./scope.ts";

let t: TestDatabase;
let municipalityId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ id: municipalityId } = await createMunicipalityRepository(t.db).ensureDefault("みまもり町"));
});
afterAll(() => t.drop());

const motherChild: MotherChildToStore[] = [
  {
    snapshotId: 7,
    rowNo: 3,
    sourceId: "sanpu_kenshin",
    fileName: "sanpu_kenshin.csv",
    motherPersonId: "P00000001",
    childPersonId: "P00000003",
    method: "rule",
  },
  {
    snapshotId: 7,
    rowNo: 3,
    sourceId: "sanpu_kenshin",
    fileName: "sanpu_kenshin.csv",
    motherPersonId: "P00000001",
    childPersonId: "P00000002",
    method: "rule",
  },
  {
    snapshotId: 5,
    rowNo: 1,
    sourceId: "ninpu_kenshin",
    fileName: "ninpu_kenshin.csv",
    motherPersonId: "P00000001",
    childPersonId: "P00000004",
    method: "id",
  },
];

function run(links: Iterable<MotherChildToStore>): RunToStore {
  return {
    municipalityId,
    asOf: "2025-04-01" as IsoDate,
    snapshotIds: [5, 7],
    settings: JAPANESE_SETTINGS,
    // The repository stores the model as it is; it never reads inside it.
    model: { version: 1 } as unknown as TrainedModel,
    assignment: { nextSeq: 5, updates: new Map([["w0abc", "P00000004"]]) },
    stats: {},
    actor: "test",
    persons: [],
    links: [],
    reviews: [],
    motherChild: links,
  };
}

describe("mother–child links of a run", () => {
  it("stores them with the run and lists them in row order, twins as two lines", async () => {
    const runId = await saveLinkRun(t.url, run(motherChild));
    const other = await saveLinkRun(t.url, run([]));
    const repo = createLinkageRepository(t.db);
    const got = await repo.listMotherChildLinks(municipalityId, runId);
    expect(got).toEqual([motherChild[2], motherChild[1], motherChild[0]]);
    expect(await repo.listMotherChildLinks(municipalityId, other)).toEqual([]);
    expect(await repo.listMotherChildLinks(municipalityId + 1, runId)).toEqual([]);
  });

  it("writes nothing when a line is refused (one transaction)", async () => {
    const before = await t.db.selectFrom("link_run").select("id").execute();
    const dup = [motherChild[0] as MotherChildToStore, motherChild[0] as MotherChildToStore];
    await expect(saveLinkRun(t.url, run(dup))).rejects.toThrow();
    const after = await t.db.selectFrom("link_run").select("id").execute();
    expect(after.length).toBe(before.length);
  });

  it("goes when its run is deleted", async () => {
    const runId = await saveLinkRun(t.url, run(motherChild));
    await sql`DELETE FROM link_run WHERE id = ${runId}`.execute(t.db);
    const left = await t.db
      .selectFrom("link_mother_child")
      .select("row_no")
      .where("run_id", "=", runId)
      .execute();
    expect(left).toEqual([]);
  });
});

describe("person-id state of a run (link_identity, issue 15)", () => {
  const identity = async () =>
    (
      await sql<{ anchor: string; person_id: string; run_id: number }>`
        SELECT anchor, person_id, run_id FROM link_identity
        WHERE municipality_id = ${municipalityId} AND anchor LIKE 'id-%' ORDER BY anchor`.execute(
        t.db,
      )
    ).rows;

  it("writes only the anchors that are new or changed, on the owner's and the app login's path alike", async () => {
    const first = await saveLinkRun(t.url, {
      ...run([]),
      assignment: {
        nextSeq: 10,
        updates: new Map([
          ["id-a", "P00000001"],
          ["id-b", "P00000002"],
        ]),
      },
    });
    const linkage = createLinkageRepository(t.db);
    for (const url of [t.url, t.appUrl]) {
      const before = await linkage.loadIdentity(municipalityId);
      const updates = new Map(before.byKey);
      // id-a unchanged, id-b moves to another person, id-c (or id-d) is new.
      updates.set("id-b", url === t.url ? "P00000003" : "P00000004");
      updates.set(url === t.url ? "id-c" : "id-d", "P00000005");
      const next = await withDataScope({ municipalityId, council: true }, () =>
        saveLinkRun(url, {
          ...run([]),
          assignment: { nextSeq: 10, updates },
          previousIds: before.byKey,
        }),
      );
      const rows = await identity();
      // The unchanged anchor keeps the run that last changed it.
      expect(rows.find((r) => r.anchor === "id-a")).toEqual({
        anchor: "id-a",
        person_id: "P00000001",
        run_id: first,
      });
      expect(rows.find((r) => r.anchor === "id-b")?.run_id).toBe(next);
    }
    expect((await identity()).map((r) => [r.anchor, r.person_id])).toEqual([
      ["id-a", "P00000001"],
      ["id-b", "P00000004"],
      ["id-c", "P00000005"],
      ["id-d", "P00000005"],
    ]);
  });
});

describe("person-id state written from the packed anchors (issue 15)", () => {
  // Anchors of the packed shape (kind, flag, 16 hex digits) in a table of their own.
  const b = new AnchorTableBuilder();
  for (let i = 0; i < 300; i++) {
    b.add(anchorHead("q", i % 2), Math.imul(i + 1, 0x9e3779b1), i);
    b.endProfile();
  }
  const table = b.finish();
  const ids = ["P00000071", "P00000072", "P00000073"];
  const identity = async () =>
    (
      await sql<{ anchor: string; person_id: string }>`
        SELECT anchor, person_id FROM link_identity
        WHERE municipality_id = ${municipalityId} AND anchor LIKE 'q%' ORDER BY anchor`.execute(
        t.db,
      )
    ).rows.map((r) => [r.anchor, r.person_id]);

  it("writes the same rows as the strings would, new and changed anchors, on both logins", async () => {
    // A first run without a state: every assigned anchor (two thirds of them).
    const person = new Int32Array(table.size).fill(-1);
    for (let a = 0; a < table.size; a++) if (a % 3 !== 0) person[a] = a % 2;
    const first = new AnchorAssignment(table, person, ids);
    await saveLinkRun(t.url, { ...run([]), assignment: { nextSeq: 80, updates: first } });
    expect(await identity()).toEqual([...new Map(first)].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
    const linkage = createLinkageRepository(t.db);
    for (const url of [t.url, t.appUrl]) {
      // The next run from the state as loadIdentity reads it: some anchors move, some are new.
      const state = await linkage.loadIdentity(municipalityId);
      const earlierIds: string[] = [];
      const of = new Int32Array(table.size).fill(-1);
      for (let a = 0; a < table.size; a++) {
        const id = state.byKey.get(table.string(a));
        if (id === undefined) continue;
        if (!earlierIds.includes(id)) earlierIds.push(id);
        of[a] = earlierIds.indexOf(id);
      }
      const next = new Int32Array(table.size);
      for (let a = 0; a < table.size; a++) next[a] = (a + (url === t.url ? 1 : 2)) % 3;
      const updates = new AnchorAssignment(table, next, ids, {
        basis: state.byKey,
        of,
        ids: earlierIds,
      });
      const expected = new Map(state.byKey);
      for (const [k, v] of updates) expected.set(k, v);
      await withDataScope({ municipalityId, council: true }, () =>
        saveLinkRun(url, {
          ...run([]),
          assignment: { nextSeq: 80, updates },
          previousIds: state.byKey,
        }),
      );
      expect(await identity()).toEqual(
        [...expected].filter(([k]) => k.startsWith("q")).sort((x, y) => (x[0] < y[0] ? -1 : 1)),
      );
    }
  });

  it("gives the same lines by number as by string", () => {
    const person = new Int32Array(table.size);
    for (let a = 0; a < table.size; a++) person[a] = a % 4 === 0 ? -1 : a % 3;
    const of = new Int32Array(table.size);
    const basis = new Map<string, string>();
    for (let a = 0; a < table.size; a++) {
      of[a] = a % 5 === 0 ? -1 : a % 2;
      if (of[a] !== -1) basis.set(table.string(a), ids[a % 2] as string);
    }
    const updates = new AnchorAssignment(table, person, ids, { basis, of, ids: ids.slice(0, 2) });
    const text = (lines: Iterable<string | Uint8Array>) =>
      [...lines]
        .map((l) => (typeof l === "string" ? l : Buffer.from(l).toString("utf8")))
        .join("")
        .split("\n")
        .sort();
    const packed = identityWrites(updates, basis);
    // A copy of the state is not the state the assignment was made from: compared by string.
    const strings = identityWrites(updates, new Map(basis));
    for (const which of ["fresh", "changed"] as const) {
      const got = text(packed.lines(which, "9\t1\t"));
      expect(got.length).toBeGreaterThan(2);
      expect(got).toEqual(text(strings.lines(which, "9\t1\t")));
    }
  });
});

describe("anchorOrder: new anchors grouped by key range for the link_identity COPY", () => {
  // Anchors as profileAnchors makes them: kind, registry flag, hash in hex (seeded, no Math.random).
  let seed = 7;
  const hex = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed.toString(16).padStart(8, "0");
  };
  const anchors = Array.from(
    { length: 5000 },
    (_, i) => `${"rwkgf"[i % 5]}${i % 2}${hex()}${hex()}`,
  );

  it("keeps every anchor that passes once, drops the others, and puts the groups in key order", () => {
    const known = new Set(anchors.slice(0, 1000));
    const groups = anchorOrder(anchors, (a) => !known.has(a));
    const flat = groups.flat();
    expect(flat.length).toBe(4000);
    expect(new Set(flat)).toEqual(new Set(anchors.slice(1000)));
    // Every anchor of a group sorts after every anchor of the group before it.
    for (let g = 1; g < groups.length; g++) {
      const max = [...(groups[g - 1] as string[])].sort().at(-1) as string;
      const min = [...(groups[g] as string[])].sort()[0] as string;
      expect(max < min).toBe(true);
    }
    // Small groups: each is one narrow range of the primary key.
    expect(Math.max(...groups.map((g) => g.length))).toBeLessThan(200);
  });

  it("takes anchors of any shape (order is only a help to the index), and none at all", () => {
    const odd = ["", "x", "長い名前の鍵", "x", "P00000001"];
    expect(
      anchorOrder(odd, () => true)
        .flat()
        .sort(),
    ).toEqual([...odd].sort());
    expect(anchorOrder([], () => true)).toEqual([]);
  });
});

describe("rows of the review and decision keys (link_key_row, 0079)", () => {
  const actor = { userId: null, loginName: "test" };
  const link = (rowNo: number, key: string, person: string | null): LinkToStore => ({
    snapshotId: 11,
    rowNo,
    sourceId: rowNo % 2 === 0 ? "jumin" : "gakko",
    fileName: "f.csv",
    personId: person,
    method: person === null ? "unlinked" : "probabilistic",
    probability: person === null ? null : 0.9,
    profileKey: key,
    levels: null,
    weights: null,
  });
  const review = (left: string, right: string): ReviewToStore => ({
    leftKey: left,
    rightKey: right,
    leftAnchors: [],
    rightAnchors: [],
    pairs: 1,
    rows: 2,
    sources: ["jumin"],
    schools: [],
    leftSources: ["jumin"],
    rightSources: ["gakko"],
    leftPerson: null,
    rightPerson: null,
    weight: 1,
    probability: 0.5,
    reason: "test",
    explanation: { steps: [], weight: 1, probability: 0.5 } as unknown as Waterfall,
  });
  const rowsOf = async (table: "link_key_row" | "link_record", runId: number, keys: string[]) =>
    (
      await sql<{ line: string }>`
        SELECT concat_ws('|', profile_key, snapshot_id, row_no, source_id, file_name, person_id) AS line
        FROM ${sql.table(table)} WHERE municipality_id = ${municipalityId} AND run_id = ${runId}
          AND profile_key = ANY(${keys}::text[])
        ORDER BY 1`.execute(t.db)
    ).rows.map((r) => r.line);
  const decide = (left: string, right: string, same: boolean) =>
    createLinkageRepository(t.db).appendDecision(
      municipalityId,
      {
        leftKey: left,
        rightKey: right,
        same,
        leftAnchors: [],
        rightAnchors: [],
        runId: null,
        leftPerson: null,
        rightPerson: null,
      },
      actor,
    );

  it("holds link_record's rows of the review items' and the decisions' keys, and no other", async () => {
    const decided = await decide("kx-d1", "kx-d2", false);
    const links = [
      link(1, "kx-r1", "P00000011"),
      link(2, "kx-r1", "P00000011"),
      link(3, "kx-r2", "P00000012"),
      link(4, "kx-d1", "P00000013"),
      link(5, "kx-d2", null),
      link(6, "kx-other", "P00000014"),
      link(7, "kx-other", "P00000014"),
    ];
    const runId = await saveLinkRun(t.url, {
      ...run([]),
      links,
      reviews: [review("kx-r1", "kx-r2")],
    });
    const all = ["kx-r1", "kx-r2", "kx-d1", "kx-d2", "kx-other"];
    const covered = ["kx-r1", "kx-r2", "kx-d1", "kx-d2"];
    // The reference: link_record itself, filtered by the covered keys.
    expect(await rowsOf("link_key_row", runId, all)).toEqual(
      await rowsOf("link_record", runId, covered),
    );
    expect(await rowsOf("link_key_row", runId, all)).toHaveLength(5);
    const stored = await t.db
      .selectFrom("link_run")
      .select("decisions_through")
      .where("id", "=", runId)
      .executeTakeFirstOrThrow();
    expect(stored.decisions_through).toBeGreaterThanOrEqual(decided);
    const persons = await createLinkageRepository(t.db).personsOfKeys(municipalityId, runId, [
      "kx-r1",
      "kx-r2",
      "kx-d1",
      "kx-d2",
    ]);
    // kx-d2's only row is unlinked: absent, as a key not in the run.
    expect([...persons].sort()).toEqual([
      ["kx-d1", "P00000013"],
      ["kx-r1", "P00000011"],
      ["kx-r2", "P00000012"],
    ]);
  });

  it("finds the persons of a decision recorded after the run was stored, from link_record", async () => {
    const runId = await saveLinkRun(t.url, {
      ...run([]),
      links: [link(1, "ky-1", "P00000021"), link(2, "ky-2", "P00000022")],
      reviews: [],
    });
    expect(await rowsOf("link_key_row", runId, ["ky-1", "ky-2"])).toEqual([]);
    // Recorded on the previous run's queue while this run was being written or scored.
    await decide("ky-1", "ky-2", true);
    const persons = await createLinkageRepository(t.db).personsOfKeys(municipalityId, runId, [
      "ky-1",
      "ky-2",
    ]);
    expect([...persons].sort()).toEqual([
      ["ky-1", "P00000021"],
      ["ky-2", "P00000022"],
    ]);
  });

  it("goes when its run is deleted", async () => {
    const runId = await saveLinkRun(t.url, {
      ...run([]),
      links: [link(1, "kz-1", "P00000031"), link(2, "kz-2", "P00000032")],
      reviews: [review("kz-1", "kz-2")],
    });
    expect(await rowsOf("link_key_row", runId, ["kz-1", "kz-2"])).toHaveLength(2);
    await sql`DELETE FROM link_run WHERE id = ${runId}`.execute(t.db);
    expect(await rowsOf("link_key_row", runId, ["kz-1", "kz-2"])).toEqual([]);
  });
});

describe("an installation's first run (empty link_identity, issue 15)", () => {
  let fresh: TestDatabase;
  let m: number;
  beforeAll(async () => {
    fresh = await createTestDatabase();
    ({ id: m } = await createMunicipalityRepository(fresh.db).ensureDefault("はじめ町"));
  });
  afterAll(() => fresh.drop());
  const key = async () =>
    (
      await sql<{ name: string; definition: string }>`
        SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = 'link_identity'::regclass AND contype = 'p'`.execute(fresh.db)
    ).rows;

  it("loads every anchor and has the same primary key after, enforced", async () => {
    const before = await key();
    expect(before).toHaveLength(1);
    const updates = new Map([
      ["f-b", "P00000002"],
      ["f-a", "P00000001"],
      ["f-c", "P00000001"],
    ]);
    const first = {
      ...run([]),
      municipalityId: m,
      assignment: { nextSeq: 3, updates },
      previousIds: new Map<string, string>(),
    };
    const runId = await withDataScope({ municipalityId: m, council: true }, () =>
      saveLinkRun(fresh.url, first),
    );
    expect(await key()).toEqual(before);
    const rows = await sql<{ anchor: string; person_id: string; run_id: number }>`
      SELECT anchor, person_id, run_id FROM link_identity WHERE municipality_id = ${m}
      ORDER BY anchor`.execute(fresh.db);
    expect(rows.rows).toEqual([
      { anchor: "f-a", person_id: "P00000001", run_id: runId },
      { anchor: "f-b", person_id: "P00000002", run_id: runId },
      { anchor: "f-c", person_id: "P00000001", run_id: runId },
    ]);
    await expect(
      sql`INSERT INTO link_identity (municipality_id, anchor, person_id, run_id)
          VALUES (${m}, 'f-a', 'P00000009', ${runId})`.execute(fresh.db),
    ).rejects.toThrow(/duplicate key/);
    // The next run (rows there now) writes its new anchors through the key as before.
    const state = await createLinkageRepository(fresh.db).loadIdentity(m);
    const next = new Map(state.byKey);
    next.set("f-d", "P00000003");
    await withDataScope({ municipalityId: m, council: true }, () =>
      saveLinkRun(fresh.url, {
        ...first,
        assignment: { nextSeq: 4, updates: next },
        previousIds: state.byKey,
      }),
    );
    expect(await key()).toEqual(before);
    const n = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM link_identity WHERE municipality_id = ${m}`.execute(fresh.db);
    expect(n.rows[0]?.n).toBe(4);
  });

  it("fails the run, and keeps the key, when an anchor comes twice", async () => {
    await sql`DELETE FROM link_identity`.execute(fresh.db);
    const before = await key();
    const twice = { ...run([]), municipalityId: m };
    const updates = { nextSeq: 3, updates: new Map([["g-a", "P00000001"]]) };
    // Two lines of one anchor: what the key refuses, whether kept per row or built after.
    const doubled = {
      ...updates,
      updates: Object.assign(new Map(updates.updates), {
        *entries() {
          yield ["g-a", "P00000001"] as [string, string];
          yield ["g-a", "P00000002"] as [string, string];
        },
      }),
    };
    await expect(
      withDataScope({ municipalityId: m, council: true }, () =>
        saveLinkRun(fresh.url, { ...twice, assignment: doubled, previousIds: new Map() }),
      ),
    ).rejects.toThrow();
    expect(await key()).toEqual(before);
  });
});
