import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { variantsOf } from "../../src/domain/ja/variants.ts";
import type { App } from "../../src/server/app.ts";
import type { TestDatabase } from "../db.ts";
import { type Client, loginAs } from "../http.ts";
import { type RunVillage, runVillage } from "../village-run.ts";

let village: RunVillage;
let t: TestDatabase;
let app: App;
let municipalityId: number;
let linkRunId: number;
let scoreRunId: number;
let council: Client;
let coordinator: Client;
let staffA: Client;
let admin: Client;
let schoolA: string;
let childA: string;
let childB: string;
let councilChild: string;

interface View {
  identity: { personId: string; name: string | null; householdNo: string | null };
  types: {
    difficulty: string;
    items: { itemId: string; evidence: { rows: { file: string; row: number }[] } }[];
  }[];
  records: { sourceId: string; fileName: string; rowNo: number; explanation: unknown[] }[];
  household: { members: { personId: string }[] } | null;
  history: unknown[];
}

/** The current school of each scored child (latest 学齢簿 row of the run). */
async function schools(): Promise<Map<string, string>> {
  const r = await sql<{ person_id: string; school: string }>`
    SELECT DISTINCT ON (lr.person_id) lr.person_id, ir.data->>'学校名' AS school
      FROM link_record lr JOIN import_row ir ON ir.snapshot_id = lr.snapshot_id AND ir.row_no = lr.row_no
     WHERE lr.run_id = ${linkRunId} AND lr.source_id = 'gakureibo' AND lr.person_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${scoreRunId} AND sr.person_id = lr.person_id)
     ORDER BY lr.person_id, ir.as_of DESC, lr.snapshot_id DESC, lr.row_no DESC`.execute(t.db);
  return new Map(r.rows.map((x) => [x.person_id, x.school]));
}

beforeAll(async () => {
  village = await runVillage();
  ({ t, municipalityId, linkRunId, scoreRunId } = village);
  app = village.app;

  const bySchool = await schools();
  const counts = new Map<string, number>();
  for (const s of bySchool.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  const names = [...counts.keys()].sort();
  expect(names.length).toBeGreaterThan(1);
  schoolA = names[0] as string;
  childA = [...bySchool].find(([, s]) => s === schoolA)?.[0] as string;
  childB = [...bySchool].find(([, s]) => s !== schoolA)?.[0] as string;
  const c = await sql<{ person_id: string }>`
    SELECT person_id FROM score_item WHERE run_id = ${scoreRunId} AND item_id IN ('B01', 'B02')
     ORDER BY person_id LIMIT 1`.execute(t.db);
  councilChild = c.rows[0]?.person_id as string;
  expect(councilChild).toBeTruthy();

  council = await loginAs(app, t.db, "coord.council", ["coordinator"], {
    council: true,
    municipalityId,
  });
  coordinator = await loginAs(app, t.db, "coord.plain", ["coordinator"], { municipalityId });
  staffA = await loginAs(app, t.db, "staff.a", ["staff"], { affiliation: schoolA, municipalityId });
  admin = await loginAs(app, t.db, "admin.x", ["admin"], { municipalityId });
}, 600_000);

afterAll(async () => {
  await village?.close();
});

describe("child view", () => {
  it("lists the items the run stored for the child, each with its source rows", async () => {
    const r = await council.json<View>(`/api/children/${councilChild}`);
    expect(r.status).toBe(200);
    const stored = await sql<{
      item_id: string;
      evidence: { rows: { file: string; row: number }[] };
    }>`
      SELECT item_id, evidence FROM score_item WHERE run_id = ${scoreRunId} AND person_id = ${councilChild}`.execute(
      t.db,
    );
    const storedIds = new Set(stored.rows.map((x) => x.item_id));
    const shown = r.body.types.flatMap((ty) => ty.items);
    expect(shown.length).toBeGreaterThan(0);
    for (const item of shown) {
      expect(storedIds.has(item.itemId)).toBe(true);
      const ev = stored.rows.find((x) => x.item_id === item.itemId)?.evidence;
      expect(item.evidence.rows).toEqual(ev?.rows);
    }
    // B01/B02 reach a council member.
    expect(shown.some((i) => i.itemId === "B01" || i.itemId === "B02")).toBe(true);
    // Every row linked to the child is on the timeline, with its link explanation.
    const linked = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM link_record WHERE run_id = ${linkRunId} AND person_id = ${councilChild}`.execute(
      t.db,
    );
    expect(r.body.records.length).toBe(linked.rows[0]?.n);
    expect(
      r.body.records.some((x) => x.sourceId === "yotaikyo" || x.sourceId === "ichiji_hogo"),
    ).toBe(true);
    expect(r.body.history.length).toBeGreaterThan(0);
  });

  it("gives a coordinator who is not a 要対協 member no 要対協 facts anywhere", async () => {
    const r = await coordinator.json<View>(`/api/children/${councilChild}`);
    expect(r.status).toBe(200);
    const text = JSON.stringify(r.body);
    for (const hidden of [
      '"B01"',
      '"B02"',
      "yotaikyo",
      "ichiji_hogo",
      "要対協への登録",
      "一時保護歴",
    ])
      expect(text).not.toContain(hidden);
    const hh = r.body.identity.householdNo;
    if (hh) {
      const h = await coordinator.json(`/api/households/${hh}`);
      expect(h.status).toBe(200);
      expect(JSON.stringify(h.body)).not.toMatch(/"B0[12]"|yotaikyo|ichiji_hogo/);
    }
    const top = await coordinator.json<{
      children: { personId: string; score: number; threshold: number }[];
    }>("/api/children/top-flagged?limit=50");
    expect(top.status).toBe(200);
    expect(JSON.stringify(top.body)).not.toMatch(/"B0[12]"|yotaikyo|ichiji_hogo/);
    for (const c of top.body.children) expect(c.score).toBeGreaterThanOrEqual(c.threshold);
  });

  it("shows a support worker the children of their school and refuses others as missing, audited", async () => {
    expect((await staffA.json(`/api/children/${childA}`)).status).toBe(200);
    const other = await staffA.json<{ error: { code: string } }>(`/api/children/${childB}`);
    const missing = await staffA.json<{ error: { code: string } }>("/api/children/P99999999");
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.body).toEqual(missing.body);
    const audit = await sql<{ action: string; target: string }>`
      SELECT action, target FROM audit_log WHERE actor = 'staff.a' ORDER BY id`.execute(t.db);
    expect(audit.rows).toContainEqual({ action: "child.view", target: `person:${childA}` });
    expect(audit.rows).toContainEqual({ action: "authz.denied", target: `person:${childB}` });
  });

  it("audits every view with the child's person id; admin may not see children", async () => {
    await council.json(`/api/children/${childB}`);
    const a = await sql<{ person_id: string | null }>`
      SELECT person_id FROM audit_log WHERE actor = 'coord.council' AND action = 'child.view' ORDER BY id DESC LIMIT 1`.execute(
      t.db,
    );
    expect(a.rows[0]?.person_id).toBe(childB);
    expect((await admin.json(`/api/children/${childA}`)).status).toBe(403);
    expect((await admin.json("/api/search?q=1")).status).toBe(403);
  });
});

describe("household", () => {
  it("lists the registry's members of the household with 続柄 and age", async () => {
    const v = await council.json<View>(`/api/children/${childA}`);
    const hh = v.body.identity.householdNo as string;
    const r = await council.json<{
      members: { personId: string; relationship: string | null; age: number | null }[];
    }>(`/api/households/${hh}`);
    expect(r.status).toBe(200);
    const expected = await sql<{ person_id: string }>`
      SELECT person_id FROM link_person WHERE run_id = ${linkRunId} AND household_no = ${hh} ORDER BY person_id`.execute(
      t.db,
    );
    expect(r.body.members.map((m) => m.personId).sort()).toEqual(
      expected.rows.map((x) => x.person_id),
    );
    expect(r.body.members.some((m) => m.relationship === "世帯主")).toBe(true);
    expect(r.body.members.every((m) => m.age !== null)).toBe(true);
    expect(v.body.household?.members.map((m) => m.personId).sort()).toEqual(
      expected.rows.map((x) => x.person_id),
    );
  });

  it("refuses a household without a visible child like a missing one", async () => {
    const v = await council.json<View>(`/api/children/${childB}`);
    const hhB = v.body.identity.householdNo as string;
    const visibleInB = await staffA.json<{ hits: unknown[] }>(
      `/api/search?q=${encodeURIComponent(hhB)}`,
    );
    expect(visibleInB.status).toBe(200);
    const r = await staffA.json(`/api/households/${hhB}`);
    const missing = await staffA.json("/api/households/00000000");
    expect(missing.status).toBe(404);
    // The household of a child of another school is refused unless a sibling attends school A.
    const siblings = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM link_person WHERE run_id = ${linkRunId} AND household_no = ${hhB}`.execute(
      t.db,
    );
    expect(siblings.rows[0]?.n).toBeGreaterThan(0);
    if (r.status === 200) {
      const body = r.body as { members: { canOpen: boolean }[] };
      expect(body.members.some((m) => m.canOpen)).toBe(true);
    } else expect(r.status).toBe(404);
  });
});

describe("search", () => {
  async function nameOf(personId: string) {
    const r = await sql<{
      name: string;
      name_kana: string;
      birth_date: string;
      resident_nos: string[];
    }>`
      SELECT name, name_kana, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, resident_nos
        FROM link_person WHERE run_id = ${linkRunId} AND person_id = ${personId}`.execute(t.db);
    return r.rows[0] as {
      name: string;
      name_kana: string;
      birth_date: string;
      resident_nos: string[];
    };
  }
  const hitIds = (b: { hits: { personId: string }[] }) => b.hits.map((h) => h.personId);

  it("finds a child by a 異体字 spelling of the name", async () => {
    // A scored child whose name holds a character with a variant.
    const r = await sql<{ person_id: string; name: string }>`
      SELECT p.person_id, p.name FROM link_person p
       WHERE p.run_id = ${linkRunId} AND p.name IS NOT NULL
         AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${scoreRunId} AND sr.person_id = p.person_id)
       ORDER BY p.person_id`.execute(t.db);
    const found = r.rows
      .map((x) => {
        const chars = [...x.name];
        const i = chars.findIndex((ch) => variantsOf(ch).length > 1);
        if (i < 0) return undefined;
        const alt = variantsOf(chars[i] as string).find((v) => v !== chars[i]) as string;
        chars[i] = alt;
        return { personId: x.person_id, query: chars.join("") };
      })
      .find((x) => x !== undefined);
    expect(found).toBeDefined();
    if (!found) return;
    const s = await council.json<{ hits: { personId: string }[] }>(
      `/api/search?q=${encodeURIComponent(found.query)}&limit=50`,
    );
    expect(s.status).toBe(200);
    expect(hitIds(s.body)).toContain(found.personId);
  });

  it("finds a child by kana typed without (or with extra) 濁点・半濁点: タカキ finds タカギ", async () => {
    const r = await sql<{ person_id: string; name_kana: string }>`
      SELECT p.person_id, p.name_kana FROM link_person p
       WHERE p.run_id = ${linkRunId} AND p.name_kana ~ '[ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポ]'
         AND EXISTS (SELECT 1 FROM score_result sr WHERE sr.run_id = ${scoreRunId} AND sr.person_id = p.person_id)
       ORDER BY p.person_id LIMIT 1`.execute(t.db);
    const child = r.rows[0];
    expect(child).toBeDefined();
    if (!child) return;
    const plain = child.name_kana
      .normalize("NFD")
      .replace(/[\u3099\u309a]/g, "")
      .normalize("NFC");
    expect(plain).not.toBe(child.name_kana);
    // And the other way round: a mark on a kana that has none (ハ → バ) still finds it.
    const marked = plain.replace(/[カキクケコサシスセソタチツテトハヒフヘホ]/, (ch) =>
      String.fromCharCode(ch.charCodeAt(0) + 1),
    );
    for (const q of [plain, marked]) {
      const s = await council.json<{ kind: string; hits: { personId: string }[] }>(
        `/api/search?q=${encodeURIComponent(q)}&limit=50`,
      );
      expect(s.body.kind, q).toBe("name");
      expect(hitIds(s.body), q).toContain(child.person_id);
    }
  });

  it("finds a child by half-width kana, birth date and 宛名番号", async () => {
    const p = await nameOf(childA);
    const half = p.name_kana.normalize("NFKC").replace(/[\u30a1-\u30f6]/g, (ch) => toHalf(ch));
    const byKana = await council.json<{ kind: string; hits: { personId: string }[] }>(
      `/api/search?q=${encodeURIComponent(half)}&limit=50`,
    );
    expect(byKana.body.kind).toBe("name");
    expect(hitIds(byKana.body)).toContain(childA);
    const byDate = await council.json<{ kind: string; hits: { personId: string }[] }>(
      `/api/search?q=${p.birth_date}&limit=50`,
    );
    expect(byDate.body.kind).toBe("birthDate");
    expect(hitIds(byDate.body)).toContain(childA);
    const byNo = await council.json<{ kind: string; hits: { personId: string }[] }>(
      `/api/search?q=${p.resident_nos[0]}`,
    );
    expect(byNo.body.kind).toBe("residentNo");
    expect(hitIds(byNo.body)).toEqual([childA]);
    // The ids shown are kept for the per-person report ("listed").
    const shown = await sql<{ detail: { persons?: string[] } }>`
      SELECT detail FROM audit_log WHERE actor = 'coord.council' AND action = 'children.search'
      ORDER BY id DESC LIMIT 1`.execute(t.db);
    expect(shown.rows[0]?.detail.persons).toEqual([childA]);
  });

  it("returns only children in the reader's scope, and audits without the query text", async () => {
    const p = await nameOf(childB);
    const s = await staffA.json<{ hits: { personId: string }[] }>(
      `/api/search?q=${p.resident_nos[0]}`,
    );
    expect(s.status).toBe(200);
    expect(s.body.hits).toEqual([]);
    const a = await sql<{ detail: unknown; target: string }>`
      SELECT detail, target FROM audit_log WHERE actor = 'staff.a' AND action = 'children.search'`.execute(
      t.db,
    );
    expect(a.rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(a.rows)).not.toContain(p.resident_nos[0]);
  });
});

/** Full-width katakana → half-width (ﾀﾞ as ﾀ + ﾞ), for typing like an old terminal. */
function toHalf(ch: string): string {
  const table =
    "ｧｱｨｲｩｳｪｴｫｵｶｶﾞｷｷﾞｸｸﾞｹｹﾞｺｺﾞｻｻﾞｼｼﾞｽｽﾞｾｾﾞｿｿﾞﾀﾀﾞﾁﾁﾞｯﾂﾂﾞﾃﾃﾞﾄﾄﾞﾅﾆﾇﾈﾉﾊﾊﾞﾊﾟﾋﾋﾞﾋﾟﾌﾌﾞﾌﾟﾍﾍﾞﾍﾟﾎﾎﾞﾎﾟﾏﾐﾑﾒﾓｬﾔｭﾕｮﾖﾗﾘﾙﾚﾛﾜﾜｲｴｦﾝｳﾞ";
  const full =
    "ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴ";
  // Build the map once per call: half-width forms of voiced kana take two code units.
  const halves: string[] = [];
  for (let i = 0; i < table.length; i++) {
    const c = table[i] as string;
    const next = table[i + 1];
    if (next === "ﾞ" || next === "ﾟ") {
      halves.push(c + next);
      i++;
    } else halves.push(c);
  }
  const idx = full.indexOf(ch);
  return idx >= 0 && halves[idx] ? (halves[idx] as string) : ch;
}
