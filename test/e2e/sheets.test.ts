import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import type { App } from "../../src/server/app.ts";
import type { TestDatabase } from "../db.ts";
import { type Client, loginAs } from "../http.ts";
import { type RunVillage, runVillage, VILLAGE_AS_OF } from "../village-run.ts";

const AS_OF = VILLAGE_AS_OF;
let village: RunVillage;
let t: TestDatabase;
let app: App;
let municipalityId: number;
let scoreRunId: number;
let linkRunId: number;
let coordinator: Client;
let school: Client;
let otherSchool: Client;
let staffOther: Client;
let schoolA: string;
let schoolB: string;
/** Flagged children at school A (b, c, a, and one never asked), one at school B. */
let childB: string;
let childC: string;
let childA: string;
let childUnasked: string;
let childOther: string;
let flaggedTypeOf: Map<string, string>;
/** Flagged children of school A beyond the four above and of the other schools (for the case walk). */
const spare: { personId: string; difficulty: string; householdNo: string | null }[] = [];
const ids: Record<string, number> = {};

interface Shared {
  mode: string;
  types?: {
    difficulty: string;
    flagged: boolean | null;
    score?: number;
    threshold?: number;
    items?: unknown[];
  }[];
}
interface Inbox {
  total: number;
  requests: {
    id: number;
    personId: string;
    mode: string;
    shared: Shared;
    status: string;
    questions: { id: string }[];
  }[];
}

async function flaggedBySchool(): Promise<Map<string, { personId: string; difficulty: string }[]>> {
  const r = await sql<{ person_id: string; school: string; difficulty: string }>`
    SELECT DISTINCT ON (lr.person_id) lr.person_id, ir.data->>'学校名' AS school, sr.difficulty
      FROM link_record lr
      JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
      JOIN score_result sr ON sr.run_id = ${scoreRunId} AND sr.person_id = lr.person_id AND sr.flagged
     WHERE lr.run_id = ${linkRunId} AND lr.source_id = 'gakureibo' AND lr.person_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM score_item si WHERE si.run_id = ${scoreRunId}
                        AND si.person_id = lr.person_id AND si.item_id IN ('B01','B02'))
     ORDER BY lr.person_id, ir.as_of DESC, lr.snapshot_id DESC, lr.row_no DESC`.execute(t.db);
  const out = new Map<string, { personId: string; difficulty: string }[]>();
  for (const x of r.rows)
    out.set(x.school, [
      ...(out.get(x.school) ?? []),
      { personId: x.person_id, difficulty: x.difficulty },
    ]);
  return out;
}

async function refusals(target: string): Promise<number> {
  const rows = await createAuditRepository(t.db).list({
    municipalityId,
    limit: 1000,
    action: "authz.denied",
  });
  return rows.filter((r) => r.target === target).length;
}

beforeAll(async () => {
  village = await runVillage();
  ({ t, municipalityId, linkRunId, scoreRunId } = village);
  app = village.app;

  const bySchool = [...(await flaggedBySchool())].sort((a, b) => b[1].length - a[1].length);
  expect(bySchool.length).toBeGreaterThan(1);
  const [a, b] = bySchool;
  if (!a || !b || a[1].length < 4)
    throw new Error("the village needs a school with 4 flagged children");
  schoolA = a[0];
  schoolB = b[0];
  [childB, childC, childA, childUnasked] = a[1].map((x) => x.personId) as [
    string,
    string,
    string,
    string,
  ];
  childOther = b[1][0]?.personId as string;
  const hh = await sql<{ person_id: string; household_no: string | null }>`
    SELECT person_id, household_no FROM link_person WHERE run_id = ${linkRunId}`.execute(t.db);
  const householdOf = new Map(hh.rows.map((x) => [x.person_id, x.household_no]));
  const usedHouseholds = new Set(
    [...a[1].slice(0, 4), ...b[1]].map((x) => householdOf.get(x.personId) ?? x.personId),
  );
  for (const x of [...a[1].slice(4), ...bySchool.slice(2).flatMap((s) => s[1])]) {
    const h = householdOf.get(x.personId) ?? x.personId;
    if (usedHouseholds.has(h)) continue;
    usedHouseholds.add(h);
    spare.push({ ...x, householdNo: householdOf.get(x.personId) ?? null });
  }
  flaggedTypeOf = new Map([...a[1], ...b[1]].map((x) => [x.personId, x.difficulty]));

  coordinator = await loginAs(app, t.db, "coord", ["coordinator"], {
    council: true,
    municipalityId,
  });
  school = await loginAs(app, t.db, "school.a", ["affiliation"], {
    affiliation: schoolA,
    municipalityId,
  });
  otherSchool = await loginAs(app, t.db, "school.b", ["affiliation"], {
    affiliation: schoolB,
    municipalityId,
  });
  staffOther = await loginAs(app, t.db, "staff.b", ["staff"], {
    affiliation: schoolB,
    municipalityId,
  });
}, 600_000);

afterAll(async () => {
  await village?.close();
});

async function send(personId: string, mode: string, extra: Record<string, unknown> = {}) {
  const r = await coordinator.json<{
    id: number;
    recipient: string;
    status: string;
    shared: Shared;
  }>("/api/sheets/requests", {
    method: "POST",
    body: { personId, mode, difficulties: [flaggedTypeOf.get(personId)], ...extra },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

describe("sending", () => {
  it("sends to the child's current school by default, and records what the mode shares", async () => {
    const b = await send(childB, "b");
    expect(b.recipient).toBe(schoolA);
    expect(b.status).toBe("sent");
    expect(b.shared.types?.[0]).toEqual({
      difficulty: flaggedTypeOf.get(childB),
      label: expect.any(String),
      flagged: true,
    });
    ids.b = b.id;
    const c = await send(childC, "c");
    expect(c.shared).toEqual({ mode: "c", asOf: AS_OF });
    ids.c = c.id;
    const stored = await sql<{
      shared: unknown;
    }>`SELECT shared FROM sheet_request WHERE id = ${c.id}`.execute(t.db);
    expect(JSON.stringify(stored.rows[0]?.shared)).not.toMatch(/flagged|difficulty/);
  });

  it("refuses a due date in the past and a child outside the sender's scope", async () => {
    const past = await coordinator.json("/api/sheets/requests", {
      method: "POST",
      body: { personId: childB, mode: "b", difficulties: ["abuse"], dueDate: "2020-01-01" },
    });
    expect(past.status).toBe(400);
    const before = await refusals(`person:${childB}`);
    const staffSend = await staffOther.json("/api/sheets/requests", {
      method: "POST",
      body: { personId: childB, mode: "b", difficulties: ["abuse"] },
    });
    expect(staffSend.status).toBe(404);
    expect(await refusals(`person:${childB}`)).toBe(before + 1);
  });
});

describe("the school's account (mode b and c)", () => {
  it("lists only requests to its school, each cut to its mode", async () => {
    const r = await school.json<Inbox>("/api/sheets/inbox");
    expect(r.status).toBe(200);
    expect(r.body.requests.map((x) => x.id).sort()).toEqual([ids.b, ids.c].sort());
    const b = r.body.requests.find((x) => x.id === ids.b);
    expect(b?.shared.types?.[0]?.flagged).toBe(true);
    const text = JSON.stringify(r.body);
    expect(text).not.toMatch(/"score"|"threshold"|"items"|"itemId"|"difficulties"/);
    const c = r.body.requests.find((x) => x.id === ids.c);
    expect(c?.shared.types).toBeUndefined();
    // Mode (c) asks the general questions: they do not reveal the type either.
    expect(c?.questions.map((q) => q.id)).toContain("mood");
    const other = await otherSchool.json<Inbox>("/api/sheets/inbox");
    expect(other.body.requests).toEqual([]);
  });

  it("opens a mode-(b) child with the result and the type only, a mode-(c) child with the name only", async () => {
    const b = await school.json<{
      identity: {
        name: string | null;
        address: string | null;
        residentNos: unknown;
        householdNo: unknown;
      };
      types: { flagged: boolean; score: unknown; threshold: unknown; items: unknown[] }[];
      records: unknown[];
      history: unknown[];
      household: unknown;
      sharing: { modes: string[] };
    }>(`/api/children/${childB}`);
    expect(b.status).toBe(200);
    expect(b.body.identity.name).toBeTruthy();
    expect(b.body.identity.address).toBeNull();
    expect(b.body.identity.residentNos).toBeNull();
    expect(b.body.sharing.modes).toEqual(["b"]);
    expect(b.body.types).toHaveLength(1);
    expect(b.body.types[0]).toMatchObject({
      flagged: true,
      score: null,
      threshold: null,
      items: [],
    });
    expect(b.body.records).toEqual([]);
    expect(b.body.history).toEqual([]);
    expect(b.body.household).toBeNull();
    const c = await school.json<{ types: unknown[]; sharing: { modes: string[] } }>(
      `/api/children/${childC}`,
    );
    expect(c.status).toBe(200);
    expect(c.body.types).toEqual([]);
    expect(c.body.sharing.modes).toEqual(["c"]);
  });

  it("cannot open another school's child nor its own pupil without a request (404, audited)", async () => {
    for (const personId of [childOther, childUnasked]) {
      const before = await refusals(`person:${personId}`);
      const r = await school.json<{ error: { code: string } }>(`/api/children/${personId}`);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("not_found");
      expect(await refusals(`person:${personId}`)).toBe(before + 1);
    }
    const before = await refusals(`sheet_request:${ids.b}`);
    const r = await otherSchool.json(`/api/sheets/inbox/${ids.b}`);
    expect(r.status).toBe(404);
    expect(await refusals(`sheet_request:${ids.b}`)).toBe(before + 1);
  });

  it("no GET route returns items, scores or thresholds of its children (walk of /api/openapi.json)", async () => {
    const doc = (await (await app.request("http://localhost/api/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { parameters?: { name: string; in: string; schema?: { enum?: string[] } }[] }
        >
      >;
    };
    let reached = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      const op = ops.get;
      // The API document itself names the schemas (not data).
      if (!op || path === "/api/openapi.json") continue;
      for (const personId of [childB, childC]) {
        for (const requestId of [ids.b, ids.c]) {
          const concrete = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
            if (name === "personId") return personId;
            if (name === "requestId") return String(requestId);
            const p = op.parameters?.find((x) => x.name === name);
            return p?.schema?.enum?.[0] ?? "1";
          });
          const res = await school.request(concrete);
          if (res.status !== 200) {
            expect([403, 404, 400, 409], `${path} → ${res.status}`).toContain(res.status);
            continue;
          }
          reached++;
          const text = await res.text();
          const leak = /"itemId"|"evidence"|"threshold":\d|"score":\d|"records":\[\{/.exec(text);
          expect(leak?.[0] ?? null, `${path} returns ${leak?.[0]}`).toBeNull();
        }
      }
    }
    // The inbox, one request, the two child pages, notifications, me.
    expect(reached).toBeGreaterThanOrEqual(4);
  });
});

describe("answering", () => {
  it("the school answers; the sender sees the answer and is notified; the child page closes", async () => {
    const inbox = await school.json<Inbox>(`/api/sheets/inbox/${ids.b}`);
    const q = inbox.body as unknown as {
      questions: { id: string; kind: string; choices?: string[] }[];
    };
    const answers: Record<string, string> = {};
    for (const question of q.questions)
      answers[question.id] =
        question.kind === "choice" ? (question.choices?.[0] ?? "") : "授業中は落ち着いている";
    const bad = await school.json(`/api/sheets/inbox/${ids.b}/answer`, {
      method: "POST",
      body: { answers: { nonexistent: "x" } },
    });
    expect(bad.status).toBe(400);
    const r = await school.json<{ status: string }>(`/api/sheets/inbox/${ids.b}/answer`, {
      method: "POST",
      body: { answers },
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("answered");
    const again = await school.json(`/api/sheets/inbox/${ids.b}/answer`, {
      method: "POST",
      body: { answers },
    });
    expect(again.status).toBe(409);
    const seen = await coordinator.json<{
      status: string;
      answers: Record<string, string>;
      answeredByName: string;
    }>(`/api/sheets/requests/${ids.b}`);
    expect(seen.body.status).toBe("answered");
    expect(seen.body.answers).toEqual(answers);
    expect(seen.body.answeredByName).toBe("school.a");
    const notes = await coordinator.json<{
      unread: number;
      items: { kind: string; requestId: number }[];
    }>("/api/notifications");
    expect(notes.body.items.some((n) => n.kind === "sheet.answered" && n.requestId === ids.b)).toBe(
      true,
    );
    const closed = await school.json(`/api/children/${childB}`);
    expect(closed.status).toBe(404);
    // The answered request stays in the school's inbox (its own answer).
    const list = await school.json<Inbox>("/api/sheets/inbox?status=answered");
    expect(list.body.requests.map((x) => x.id)).toEqual([ids.b]);
    // The conference screen's read: the returned sheets of one child.
    const ofChild = await coordinator.json<{ requests: { id: number; status: string }[] }>(
      `/api/sheets/children/${childB}`,
    );
    expect(ofChild.body.requests).toEqual([
      expect.objectContaining({ id: ids.b, status: "answered" }),
    ]);
  });

  it("the school was notified of the new requests", async () => {
    const notes = await school.json<{ items: { kind: string }[] }>("/api/notifications");
    expect(notes.body.items.filter((n) => n.kind === "sheet.new").length).toBeGreaterThanOrEqual(2);
    const other = await otherSchool.json<{ items: unknown[] }>("/api/notifications");
    expect(other.body.items).toEqual([]);
  });
});

describe("mode (a), 要対協 items, staff scope", () => {
  it("mode (a) shares items and thresholds; never B01/B02, even when the sender is a council member", async () => {
    const a = await send(childA, "a");
    ids.a = a.id;
    expect(a.shared.types?.[0]?.threshold).toEqual(expect.any(Number));
    const council = await sql<{ person_id: string; difficulty: string }>`
      SELECT si.person_id, sr.difficulty FROM score_item si
        JOIN score_result sr ON sr.run_id = si.run_id AND sr.person_id = si.person_id
       WHERE si.run_id = ${scoreRunId} AND si.item_id IN ('B01','B02')
       ORDER BY si.person_id LIMIT 1`.execute(t.db);
    const row = council.rows[0];
    expect(row).toBeTruthy();
    const r = await coordinator.json<{ shared: Shared }>("/api/sheets/requests", {
      method: "POST",
      body: {
        personId: row?.person_id,
        mode: "a",
        difficulties: ["abuse", "poverty", "truancy"],
        recipient: schoolA,
        recipientKind: "school",
      },
    });
    expect(r.status).toBe(201);
    expect(JSON.stringify(r.body.shared)).not.toMatch(/B01|B02/);
    // Values and criteria, but no internal person id of a household member and no
    // department file name or row number.
    const texts = [a, r.body]
      .flatMap((x) => x.shared.types ?? [])
      .flatMap((x) => (x as { items?: { text: string }[] }).items ?? [])
      .map((i) => i.text);
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.join("\n")).toContain("基準");
    expect(texts.join("\n")).not.toMatch(/行目|\.csv|（P[0-9]+）/);
    const view = await school.json<{ types: { items: { itemId: string }[] }[] }>(
      `/api/children/${childA}`,
    );
    expect(view.status).toBe(200);
    expect(view.body.types[0]?.items.length).toBeGreaterThan(0);
  });

  it("staff of another school cannot read or withdraw requests about school A's children", async () => {
    expect((await staffOther.json(`/api/sheets/requests/${ids.c}`)).status).toBe(404);
    const list = await staffOther.json<{ requests: { personId: string }[] }>(
      "/api/sheets/requests",
    );
    expect(list.body.requests.some((x) => x.personId === childC)).toBe(false);
    const w = await staffOther.json(`/api/sheets/requests/${ids.c}/withdraw`, {
      method: "POST",
      body: { reason: "誤送信" },
    });
    expect(w.status).toBe(404);
  });
});

describe("overdue, withdrawal, bulk, templates", () => {
  it("an overdue request is listed as such and reminded once a day in-app", async () => {
    await sql`UPDATE sheet_request SET due_date = current_date - 3 WHERE id = ${ids.c}`.execute(
      t.db,
    );
    const list = await coordinator.json<{ requests: { id: number; status: string }[] }>(
      "/api/sheets/requests?status=overdue",
    );
    expect(list.body.requests.map((x) => x.id)).toEqual([ids.c]);
    const n1 = await school.json<{ items: { kind: string; requestId: number }[] }>(
      "/api/notifications",
    );
    const reminders = n1.body.items.filter(
      (n) => n.kind === "sheet.overdue" && n.requestId === ids.c,
    );
    expect(reminders).toHaveLength(1);
    await school.json("/api/notifications");
    const n2 = await school.json<{ items: { kind: string; requestId: number }[] }>(
      "/api/notifications",
    );
    expect(
      n2.body.items.filter((n) => n.kind === "sheet.overdue" && n.requestId === ids.c),
    ).toHaveLength(1);
    const inbox = await school.json<Inbox>("/api/sheets/inbox?status=overdue");
    expect(inbox.body.requests.map((x) => x.id)).toEqual([ids.c]);
  });

  it("a withdrawn request leaves the school's inbox and closes the child page", async () => {
    const w = await coordinator.json<{ status: string }>(`/api/sheets/requests/${ids.c}/withdraw`, {
      method: "POST",
      body: { reason: "別の方法で確認できたため" },
    });
    expect(w.body.status).toBe("withdrawn");
    const inbox = await school.json<Inbox>("/api/sheets/inbox");
    expect(inbox.body.requests.some((x) => x.id === ids.c)).toBe(false);
    expect((await school.json(`/api/children/${childC}`)).status).toBe(404);
    expect((await school.json(`/api/sheets/inbox/${ids.c}`)).status).toBe(404);
  });

  it("bulk: one school's round for every flagged child there, one batch", async () => {
    const r = await coordinator.json<{ batchId: string; ids: number[] }>(
      "/api/sheets/requests/bulk",
      {
        method: "POST",
        body: { recipient: schoolB, recipientKind: "school", mode: "b" },
      },
    );
    expect(r.status).toBe(201);
    const expected = await sql<{ n: number }>`
      SELECT count(DISTINCT sr.person_id)::int AS n FROM score_result sr
       WHERE sr.run_id = ${scoreRunId} AND sr.flagged AND EXISTS (
         SELECT 1 FROM (SELECT DISTINCT ON (lr.person_id) ir.data->>'学校名' AS s FROM link_record lr
           JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
          WHERE lr.run_id = ${linkRunId} AND lr.person_id = sr.person_id AND lr.source_id = 'gakureibo'
          ORDER BY lr.person_id, ir.as_of DESC, lr.snapshot_id DESC, lr.row_no DESC) x WHERE x.s = ${schoolB})`.execute(
      t.db,
    );
    expect(r.body.ids.length).toBe(expected.rows[0]?.n);
    const inbox = await otherSchool.json<Inbox>("/api/sheets/inbox?limit=200");
    expect(inbox.body.requests.map((x) => x.id).sort()).toEqual([...r.body.ids].sort());
    const chosen = await coordinator.json("/api/sheets/requests/bulk", {
      method: "POST",
      body: {
        recipient: schoolB,
        recipientKind: "school",
        mode: "c",
        personIds: [childOther, "P_NOPE"],
      },
    });
    expect(chosen.status).toBe(404);
  });

  it("templates: a coordinator edits one; the next request asks its questions; staff may not edit", async () => {
    const body = {
      title: "独自の貧困シート",
      questions: [{ id: "lunch", text: "給食をおかわりする様子", kind: "text" }],
    };
    const put = await coordinator.json<{ key: string; edited: boolean }[]>(
      "/api/sheets/templates/poverty",
      {
        method: "PUT",
        body,
      },
    );
    expect(put.status).toBe(200);
    expect(put.body.find((x) => x.key === "poverty")?.edited).toBe(true);
    const r = await coordinator.json<{ questions: { id: string }[] }>("/api/sheets/requests", {
      method: "POST",
      body: { personId: childUnasked, mode: "b", difficulties: ["poverty"] },
    });
    expect(r.body.questions.map((q) => q.id)).toContain("lunch");
    expect(
      (await staffOther.json("/api/sheets/templates/poverty", { method: "PUT", body })).status,
    ).toBe(403);
    const bad = await coordinator.json("/api/sheets/templates/poverty", {
      method: "PUT",
      body: {
        title: "x",
        questions: [{ id: "q", text: "選んで", kind: "choice", choices: ["1つだけ"] }],
      },
    });
    expect(bad.status).toBe(400);
  });
});

describe("the case moves with its sheets (state machine, attributed)", () => {
  interface CaseEvt {
    action: string;
    fromState: string | null;
    toState: string;
    actor: string;
    reason: string | null;
  }
  const caseOf = async (personId: string) =>
    (
      await sql<{ id: number; state: string }>`
        SELECT id, state FROM child_case WHERE person_id = ${personId}`.execute(t.db)
    ).rows[0];
  const eventsOf = async (caseId: number) =>
    (await coordinator.json<{ events: CaseEvt[] }>(`/api/cases/${caseId}`)).body.events;
  let listId: number;
  const list = async (picks: typeof spare) => {
    const r = await coordinator.json(`/api/review-lists/${listId}/entries`, {
      method: "POST",
      body: {
        picks: picks.map((p) => ({
          personId: p.personId,
          difficulty: p.difficulty,
          overrideReason: "テスト（除外・上限を確認済み）",
        })),
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };

  beforeAll(async () => {
    expect(spare.length).toBeGreaterThanOrEqual(4);
    const l = await coordinator.json<{ id: number }>("/api/review-lists", {
      method: "POST",
      body: { month: "2024-04", runId: scoreRunId },
    });
    expect(l.status).toBe(201);
    listId = l.body.id;
  });

  it("sending a sheet moves a listed case to 情報収集中; a second sheet adds an event, not a state", async () => {
    const [one] = spare as [(typeof spare)[0]];
    await list([one]);
    const before = await caseOf(one.personId);
    expect(before?.state).toBe("listed");
    flaggedTypeOf.set(one.personId, one.difficulty);
    const r1 = await send(one.personId, "b");
    expect((await caseOf(one.personId))?.state).toBe("gathering");
    await send(one.personId, "c");
    expect(r1.status).toBe("sent");
    const ev = await eventsOf(before?.id as number);
    expect(ev.filter((e) => e.action === "request_info")).toEqual([
      expect.objectContaining({ fromState: "listed", toState: "gathering", actor: "coord" }),
      expect.objectContaining({ fromState: "gathering", toState: "gathering", actor: "coord" }),
    ]);
  });

  it("withdrawing the only sheet out sends the case back to 候補リスト; not while another is open", async () => {
    const [, two] = spare as [(typeof spare)[0], (typeof spare)[0]];
    await list([two]);
    flaggedTypeOf.set(two.personId, two.difficulty);
    const a = await send(two.personId, "b");
    const b = await send(two.personId, "b");
    const c = (await caseOf(two.personId)) as { id: number; state: string };
    expect(c.state).toBe("gathering");
    await coordinator.json(`/api/sheets/requests/${a.id}/withdraw`, {
      method: "POST",
      body: { reason: "重複して送ったため" },
    });
    expect((await caseOf(two.personId))?.state).toBe("gathering");
    await coordinator.json(`/api/sheets/requests/${b.id}/withdraw`, {
      method: "POST",
      body: { reason: "家庭訪問で確認できたため" },
    });
    expect((await caseOf(two.personId))?.state).toBe("listed");
    const last = (await eventsOf(c.id)).at(-1);
    expect(last).toMatchObject({
      action: "withdraw_info",
      fromState: "gathering",
      toState: "listed",
      actor: "coord",
      reason: "家庭訪問で確認できたため",
    });
  });

  it("an answered sheet keeps the case gathering when a later one is withdrawn", async () => {
    const [, , three] = spare as [(typeof spare)[0], (typeof spare)[0], (typeof spare)[0]];
    await list([three]);
    flaggedTypeOf.set(three.personId, three.difficulty);
    const first = await send(three.personId, "b");
    // Answer as the recipient school (whichever it is), through its own account.
    const answerer = await loginAs(app, t.db, `school.${first.id}`, ["affiliation"], {
      affiliation: first.recipient,
      municipalityId,
    });
    const open = await answerer.json<{ questions: { id: string; kind: string }[] }>(
      `/api/sheets/inbox/${first.id}`,
    );
    expect(open.status).toBe(200);
    const answers = Object.fromEntries(
      open.body.questions.map((q) => [
        q.id,
        q.kind === "text" ? "特に気になる様子はありません" : "",
      ]),
    );
    const done = await answerer.json(`/api/sheets/inbox/${first.id}/answer`, {
      method: "POST",
      body: { answers },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect((await caseOf(three.personId))?.state).toBe("gathering");
    const second = await send(three.personId, "c");
    await coordinator.json(`/api/sheets/requests/${second.id}/withdraw`, {
      method: "POST",
      body: { reason: "回答済みのシートで足りたため" },
    });
    expect((await caseOf(three.personId))?.state).toBe("gathering");
  });

  it("a child without a case gets none from a sheet; listing it later starts at 情報収集中", async () => {
    const four = spare[3] as (typeof spare)[0];
    flaggedTypeOf.set(four.personId, four.difficulty);
    const r = await coordinator.json<{ ids: number[] }>("/api/sheets/requests/bulk", {
      method: "POST",
      body: {
        recipient: (await send(four.personId, "c")).recipient,
        recipientKind: "school",
        mode: "b",
        personIds: [four.personId],
      },
    });
    expect(r.status).toBe(201);
    expect(await caseOf(four.personId)).toBeUndefined();
    await list([four]);
    const c = (await caseOf(four.personId)) as { id: number; state: string };
    expect(c.state).toBe("gathering");
    const ev = await eventsOf(c.id);
    expect(ev.map((e) => [e.action, e.fromState, e.toState])).toEqual([
      ["list", null, "listed"],
      ["request_info", "listed", "gathering"],
    ]);
  });

  it("a case in support keeps its state when a sheet is sent (no event)", async () => {
    const [one] = spare as [(typeof spare)[0]];
    const c = (await caseOf(one.personId)) as { id: number };
    await sql`UPDATE child_case SET state = 'supporting' WHERE id = ${c.id}`.execute(t.db);
    const n = (await eventsOf(c.id)).length;
    await send(one.personId, "b");
    expect((await caseOf(one.personId))?.state).toBe("supporting");
    expect((await eventsOf(c.id)).length).toBe(n);
  });
});

describe("the whole 候補リスト to one school", () => {
  it("sends one sheet per undecided listed child now at the school; decided or supported ones are left out", async () => {
    const lists = await coordinator.json<{ lists: { id: number; month: string }[] }>(
      "/api/review-lists",
    );
    const listId = lists.body.lists.find((l) => l.month === "2024-04")?.id as number;
    const [one, two] = spare as [(typeof spare)[0], (typeof spare)[0]];
    const place = await sql<{ recipient: string }>`
      SELECT recipient FROM sheet_request WHERE person_id = ${two.personId} ORDER BY id LIMIT 1`.execute(
      t.db,
    );
    const recipient = place.rows[0]?.recipient as string;
    const r = await coordinator.json<{ ids: number[] }>("/api/sheets/requests/bulk", {
      method: "POST",
      body: { recipient, recipientKind: "school", mode: "b", listId },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const sent = await sql<{ person_id: string; recipient: string }>`
      SELECT person_id, recipient FROM sheet_request WHERE id = ANY(${r.body.ids}::int[])`.execute(
      t.db,
    );
    const persons = sent.rows.map((x) => x.person_id);
    expect(persons).toContain(two.personId);
    expect(persons).not.toContain(one.personId); // in support
    expect(new Set(sent.rows.map((x) => x.recipient))).toEqual(new Set([recipient]));
    const onList = await sql<{ person_id: string }>`
      SELECT e.person_id FROM review_list_entry e WHERE e.list_id = ${listId}`.execute(t.db);
    for (const p of persons) expect(onList.rows.map((x) => x.person_id)).toContain(p);
    const c = await sql<{ state: string }>`
      SELECT state FROM child_case WHERE person_id = ${two.personId}`.execute(t.db);
    expect(c.rows[0]?.state).toBe("gathering");
    const both = await coordinator.json("/api/sheets/requests/bulk", {
      method: "POST",
      body: { recipient, recipientKind: "school", mode: "b", listId, personIds: [two.personId] },
    });
    expect(both.status).toBe(400);
    const nobody = await coordinator.json<{ message: string }>("/api/sheets/requests/bulk", {
      method: "POST",
      body: { recipient: "存在しない学校", recipientKind: "school", mode: "b", listId },
    });
    expect(nobody.status).toBe(400);
  });
});

describe("demo", () => {
  it("seeds one answered, one overdue and one open sheet for the demo school", async () => {
    const { seedDemoSheets } = await import("../../src/server/demo-sheets.ts");
    const users = await sql<{ id: number; login_name: string; display_name: string }>`
      SELECT id, login_name, display_name FROM app_user WHERE login_name IN ('coord', 'school.b')`.execute(
      t.db,
    );
    const u = (n: string) => {
      const r = users.rows.find((x) => x.login_name === n);
      if (!r) throw new Error(n);
      return { id: r.id, loginName: r.login_name, displayName: r.display_name };
    };
    const before = await otherSchool.json<Inbox>("/api/sheets/inbox?limit=200");
    const n = await seedDemoSheets(t.db, municipalityId, schoolB, u("coord"), u("school.b"));
    expect(n).toBe(3);
    const after = await otherSchool.json<Inbox>("/api/sheets/inbox?limit=200");
    const added = after.body.requests.filter(
      (r) => !before.body.requests.some((b) => b.id === r.id),
    );
    expect(added.map((r) => r.status).sort()).toEqual(["answered", "overdue", "sent"]);
    expect(added.map((r) => r.mode).sort()).toEqual(["a", "b", "c"]);
  });
});
