/**
 * The 情報収集シート repository against PostgreSQL: who sees which request per
 * data scope, the `requests` branch of casesOfReader (open requests to the
 * reader's affiliation only), answering only one's own sent requests, and
 * overdue reminders taken once per day.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/db.ts";
import type { DataScope } from "../domain/policy/index.ts";
import { casesOfReader } from "./child-access.ts";
import { createMunicipalityRepository } from "./municipality.repository.ts";
import { createSheetRepository, type NewRequest } from "./sheet.repository.ts";

let t: TestDatabase;
let m: number;
const scope = (over: Partial<DataScope>): DataScope => ({
  municipalityId: m,
  council: false,
  userId: 1,
  children: "all",
  affiliation: null,
  ...over,
});
const request = (personId: string, recipient: string, dueDate: string): NewRequest => ({
  personId,
  childName: `こども${personId}`,
  recipient,
  recipientKind: "school",
  difficulties: ["poverty"],
  mode: "b",
  shared: {
    mode: "b",
    asOf: "2024-04-01",
    types: [{ difficulty: "poverty", label: "貧困", flagged: true }],
  },
  questions: [{ id: "other", text: "その他", kind: "text" }],
  dueDate,
  batchId: null,
  note: null,
  scoreRunId: null,
});
let ids: number[];

beforeAll(async () => {
  t = await createTestDatabase();
  m = (await createMunicipalityRepository(t.db).ensureDefault("テスト町")).id;
  ids = await createSheetRepository(t.db).insert(scope({}), { userId: 1, name: "総括" }, [
    request("P1", "第一小学校", "2099-01-01"),
    request("P2", "第一小学校", "2000-01-01"),
    request("P3", "第二小学校", "2099-01-01"),
  ]);
});
afterAll(() => t.drop());

async function reads(s: DataScope, personId: string): Promise<boolean> {
  const r = await sql<{
    ok: boolean;
  }>`SELECT ${casesOfReader(s, 0, sql`${personId}`)} AS ok`.execute(t.db);
  return r.rows[0]?.ok === true;
}

describe("sheet repository (PostgreSQL)", () => {
  it("a 所属 scope lists only its affiliation's requests; coordinators all; others none", async () => {
    const repo = createSheetRepository(t.db);
    const list = async (s: DataScope) =>
      (await repo.list(s, null, { limit: 50, offset: 0 }, "2024-06-01")).rows
        .map((r) => r.personId)
        .sort();
    expect(await list(scope({ children: "requests", affiliation: "第一小学校" }))).toEqual([
      "P1",
      "P2",
    ]);
    expect(await list(scope({ children: "requests", affiliation: null }))).toEqual([]);
    expect(await list(scope({ children: "all" }))).toEqual(["P1", "P2", "P3"]);
    expect(await list(scope({ children: "none" }))).toEqual([]);
    // Staff without a run see the requests they sent.
    expect(await list(scope({ children: "assigned", userId: 1 }))).toEqual(["P1", "P2", "P3"]);
    expect(await list(scope({ children: "assigned", userId: 2 }))).toEqual([]);
    const overdue = await repo.list(
      scope({}),
      null,
      { status: "overdue", limit: 50, offset: 0 },
      "2024-06-01",
    );
    expect(overdue.rows.map((r) => r.personId)).toEqual(["P2"]);
  });

  it("casesOfReader's requests branch: children of OPEN requests to the reader's affiliation", async () => {
    const school = scope({ children: "requests", affiliation: "第一小学校", userId: 9 });
    expect(await reads(school, "P1")).toBe(true);
    expect(await reads(school, "P3")).toBe(false);
    expect(await reads(scope({ children: "requests", affiliation: "第二小学校" }), "P1")).toBe(
      false,
    );
    // Only for 所属 scopes: a staff member of the same affiliation does not get them this way.
    expect(
      await reads(scope({ children: "assigned", affiliation: "第一小学校", userId: 9 }), "P1"),
    ).toBe(false);
    const repo = createSheetRepository(t.db);
    expect(
      await repo.answer(school, ids[2] as number, { other: "x" }, { userId: 9, name: "学校" }),
    ).toBe(false);
    expect(
      await repo.answer(school, ids[0] as number, { other: "元気" }, { userId: 9, name: "学校" }),
    ).toBe(true);
    expect(
      await repo.answer(school, ids[0] as number, { other: "again" }, { userId: 9, name: "学校" }),
    ).toBe(false);
    expect(await reads(school, "P1")).toBe(false);
    expect(await repo.withdraw(scope({}), ids[1] as number, "誤送信")).toBe(true);
    expect(await reads(school, "P2")).toBe(false);
    const listed = await repo.list(school, null, { limit: 50, offset: 0 }, "2024-06-01");
    expect(listed.rows.map((r) => [r.personId, r.status])).toEqual([["P1", "answered"]]);
  });

  it("takes an overdue request for a reminder once per day", async () => {
    const repo = createSheetRepository(t.db);
    const [id] = await repo.insert(scope({}), { userId: 1, name: "総括" }, [
      request("P4", "第二小学校", "2024-05-01"),
    ]);
    const first = await repo.takeOverdueToRemind(scope({}), "2024-06-01");
    expect(first.map((r) => r.id)).toEqual([id]);
    expect(await repo.takeOverdueToRemind(scope({}), "2024-06-01")).toEqual([]);
    expect((await repo.takeOverdueToRemind(scope({}), "2024-06-02")).map((r) => r.id)).toEqual([
      id,
    ]);
  });
});
