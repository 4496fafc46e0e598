/**
 * 利用停止 at once in the counts (issue 12 Rights: "excluded from scoring and
 * lists"): the dashboard's counts and the 検証 report leave a stopped person
 * out from the moment the stop is recorded, as 判定一覧 and search already did,
 * not from the next run — and take the person back when the stop is lifted.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChangeFeed, startChangeFeed } from "../../src/db/change-feed.repository.ts";
import { createRightsRepository } from "../../src/db/rights.repository.ts";
import { type Client, loginAs } from "../http.ts";
import { type RunVillage, runVillage } from "../village-run.ts";

let village: RunVillage;
let feed: ChangeFeed;
let coordinator: Client;

interface Dashboard {
  types: { id: string; children: number; flagged: number; listed: number }[];
  trend: { runId: number; flagged: Record<string, number> }[];
}
interface Validation {
  children: number;
  funnel: { runId: number; difficulty: string; applicable: number; flagged: number }[];
}

beforeAll(async () => {
  village = await runVillage();
  // With the change feed listening the stopped ids are cached: the stop must clear them.
  feed = startChangeFeed(village.t.db, village.t.url);
  await feed.ready;
  coordinator = await loginAs(village.app, village.t.db, "coord.stops", ["coordinator"], {
    council: true,
    municipalityId: village.municipalityId,
  });
}, 600_000);

afterAll(async () => {
  await feed?.stop();
  await village?.close();
});

describe("利用停止 in the dashboard and 検証 counts", () => {
  it("leaves a stopped child out at once and counts it again once the stop is lifted", async () => {
    const { t, municipalityId, scoreRunId } = village;
    const dashboard = async () =>
      (await coordinator.json<Dashboard>("/api/runs/latest/dashboard")).body;
    const validation = async () =>
      (await coordinator.json<Validation>("/api/validation/latest")).body;
    // A flagged child, and every type it was scored and flagged in.
    const flagged = await sql<{ person_id: string }>`
      SELECT person_id FROM score_result WHERE run_id = ${scoreRunId} AND flagged
       ORDER BY person_id LIMIT 1`.execute(t.db);
    const child = flagged.rows[0]?.person_id as string;
    expect(child).toBeTruthy();
    const own = await sql<{ difficulty: string; flagged: boolean; applicable: boolean }>`
      SELECT difficulty, flagged, applicable FROM score_result
       WHERE run_id = ${scoreRunId} AND person_id = ${child}`.execute(t.db);
    const before = await dashboard();
    const report = await validation();

    const rights = createRightsRepository(t.db);
    await rights.stop(municipalityId, child, "本人の申出による", "test");
    const during = await dashboard();
    for (const type of before.types) {
      const mine = own.rows.find((r) => r.difficulty === type.id);
      const now = during.types.find((x) => x.id === type.id);
      expect(now?.children).toBe(type.children - (mine ? 1 : 0));
      expect(now?.flagged).toBe(type.flagged - (mine?.flagged ? 1 : 0));
    }
    const flaggedIn = own.rows.find((r) => r.flagged)?.difficulty as string;
    expect(during.trend.at(-1)?.flagged[flaggedIn]).toBe(
      (before.trend.at(-1)?.flagged[flaggedIn] ?? 0) - 1,
    );
    const stoppedReport = await validation();
    expect(stoppedReport.children).toBe(report.children - 1);
    const funnelOf = (v: Validation) =>
      v.funnel.find((f) => f.runId === scoreRunId && f.difficulty === flaggedIn)?.flagged ?? 0;
    expect(funnelOf(stoppedReport)).toBe(funnelOf(report) - 1);

    await sql`UPDATE usage_stop SET lifted_at = now(), lifted_by = 'test', lift_reason = '解除の申出'
               WHERE person_id = ${child}`.execute(t.db);
    expect((await dashboard()).types).toEqual(before.types);
    const lifted = await validation();
    expect(lifted.children).toBe(report.children);
    expect(funnelOf(lifted)).toBe(funnelOf(report));
  });
});
