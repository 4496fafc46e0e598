/**
 * Masking rules are applied by the API, everywhere (issue 12). A scored
 * synthetic village with a review list, a case, a conference and a sheet sent
 * to a school; a masking rule set is saved in which each role gets a
 * different mix of full / partial / hidden per identity field; then every GET
 * route of /api/openapi.json is called as each role and every answer is
 * checked two ways:
 * - by the document's marks (`x-mimamori-identity`): a marked value is in a
 *   form no more revealing than the role's rule (hidden → null, partial →
 *   the partial shape, never a stored full value);
 * - by the stored values themselves: no full name, kana or address (text
 *   anywhere in the answer) and no full 宛名番号 / 世帯番号 (any string value)
 *   appears where the rule says partial or hidden — so a route that returns
 *   identity in a field without a mark fails here too.
 * The children CSV export is checked the same way.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  IDENTITY_FIELDS,
  type IdentityField,
  identityFieldOfColumn,
  MASK_FORMS,
  type MaskForm,
  type MaskingRules,
  ROLES,
  type Role,
  type RoleMasking,
} from "../../src/domain/policy/index.ts";
import type { App } from "../../src/server/app.ts";
import { IDENTITY_EXTENSION } from "../../src/server/openapi/identity.ts";
import { createTestDatabase, type TestDatabase } from "../db.ts";
import { type Client, createTestApp, loginAs } from "../http.ts";
import { type ScoredVillage, scoredVillage } from "../workflow.ts";

let t: TestDatabase;
let app: App;
let village: ScoredVillage;
const clients = new Map<Role, Client>();
const ids: Record<string, string> = {};
let rules: MaskingRules;

/** Full stored values per field (what must not leak past a partial or hidden rule). */
const full: Record<"name" | "nameKana" | "address", string[]> & {
  numbers: Record<"residentNos" | "householdNo", Set<string>>;
  birthDates: Set<string>;
} = {
  name: [],
  nameKana: [],
  address: [],
  numbers: { residentNos: new Set(), householdNo: new Set() },
  birthDates: new Set(),
};

// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema node of the OpenAPI document
type Node = any;
let doc: {
  paths: Record<string, Record<string, Node>>;
  components: { schemas: Record<string, Node> };
};

/**
 * Role i gets, for field j, form (i + j + offset) mod 3: every field meets
 * every form across the roles; offsets 0 and 1 together give every role a
 * masked form of every field.
 */
function rotatedRules(offset: number): MaskingRules {
  const out = {} as MaskingRules;
  ROLES.forEach((role, i) => {
    const r = {} as RoleMasking;
    IDENTITY_FIELDS.forEach((f, j) => {
      const form = MASK_FORMS[(i + j + offset) % 3] as MaskForm;
      r[f] = form === "partial" && f === "sex" ? "hidden" : form;
    });
    out[role] = r;
  });
  return out;
}

beforeAll(async () => {
  t = await createTestDatabase();
  village = await scoredVillage(t, "マスキング町", 5);
  app = await createTestApp(t.db, t.url);
  const m = village.municipalityId;
  const coordinator = await loginAs(app, t.db, "mask.coord", ["coordinator"], {
    council: true,
    municipalityId: m,
  });
  // Workflow data: a list with one child, its case, a conference, a sheet to the school.
  const child = village.flagged.find((f) => f.excludedBy.length === 0 && f.householdNo);
  if (!child) throw new Error("the village has no flagged child");
  ids.personId = child.personId;
  ids.householdNo = child.householdNo ?? "1";
  const list = await coordinator.json<{ id: number }>("/api/review-lists", {
    method: "POST",
    body: { month: "2024-04", runId: village.runId },
  });
  expect(list.status).toBe(201);
  ids.listId = String(list.body.id);
  const add = await coordinator.json(`/api/review-lists/${list.body.id}/entries`, {
    method: "POST",
    body: { picks: [{ personId: child.personId, difficulty: child.difficulty }] },
  });
  expect(add.status, JSON.stringify(add.body)).toBe(201);
  const conf = await coordinator.json<{ id: number }>("/api/conferences", {
    method: "POST",
    body: { listId: list.body.id, heldOn: "2024-04-20", title: "4月の会議" },
  });
  expect(conf.status).toBe(201);
  ids.conferenceId = String(conf.body.id);
  const cs = await sql<{
    id: number;
  }>`SELECT id FROM child_case WHERE person_id = ${child.personId}`.execute(t.db);
  ids.caseId = String(cs.rows[0]?.id ?? 1);
  const sheet = await coordinator.json<{ id: number; recipient: string }>("/api/sheets/requests", {
    method: "POST",
    body: { personId: child.personId, difficulties: [child.difficulty], mode: "a" },
  });
  expect(sheet.status, JSON.stringify(sheet.body)).toBe(201);
  ids.requestId = String(sheet.body.id);
  const school = sheet.body.recipient;

  rules = rotatedRules(0);
  const saved = await coordinator.json("/api/masking-rules", {
    method: "PUT",
    body: { rules, note: "走査テスト用の規則", basedOn: 0 },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);

  for (const role of ROLES) {
    clients.set(
      role,
      role === "coordinator"
        ? coordinator
        : await loginAs(app, t.db, `mask.${role}`, [role], {
            council: true,
            municipalityId: m,
            affiliation: role === "affiliation" || role === "staff" ? school : null,
          }),
    );
  }

  const persons = await sql<{
    name: string | null;
    name_kana: string | null;
    birth_date: string | null;
    resident_nos: string[];
    household_no: string | null;
  }>`SELECT name, name_kana, birth_date::text, resident_nos, household_no FROM link_person
      WHERE municipality_id = ${m}`.execute(t.db);
  const names = new Set<string>();
  const kanas = new Set<string>();
  const addresses = new Set<string>();
  for (const p of persons.rows) {
    if (p.name) names.add(p.name);
    if (p.name_kana) kanas.add(p.name_kana);
    if (p.birth_date) full.birthDates.add(p.birth_date);
    for (const n of p.resident_nos) full.numbers.residentNos.add(n);
    if (p.household_no) full.numbers.householdNo.add(p.household_no);
  }
  const rows = await sql<{ data: Record<string, unknown> }>`
    SELECT data FROM import_row WHERE municipality_id = ${m} AND data IS NOT NULL`.execute(t.db);
  for (const r of rows.rows)
    for (const [column, value] of Object.entries(r.data)) {
      if (typeof value !== "string" || value === "") continue;
      const field = identityFieldOfColumn(column);
      if (field === "name") names.add(value);
      else if (field === "nameKana") kanas.add(value);
      else if (field === "address") addresses.add(value);
      else if (field === "residentNos") full.numbers.residentNos.add(value);
      else if (field === "householdNo") full.numbers.householdNo.add(value);
      else if (field === "birthDate") full.birthDates.add(value);
    }
  // Names of one character pair are too short to tell from other text; the synthetic names have a space.
  full.name = [...names].filter((n) => [...n].length >= 3);
  full.nameKana = [...kanas].filter((n) => [...n].length >= 4);
  full.address = [...addresses].filter((a) => [...a].length >= 6);
  expect(full.name.length).toBeGreaterThan(50);
  expect(full.address.length).toBeGreaterThan(10);

  const res = await app.request("http://localhost/api/openapi.json");
  doc = (await res.json()) as typeof doc;
}, 600_000);

afterAll(async () => {
  village?.cleanup();
  await t?.drop();
});

const resolve = (n: Node): Node =>
  n?.$ref ? doc.components.schemas[String(n.$ref).replace("#/components/schemas/", "")] : n;

function checkMarked(
  field: IdentityField,
  form: MaskForm,
  value: unknown,
  where: string,
  problems: string[],
) {
  if (value === null || value === undefined || form === "full") return;
  if (form === "hidden") {
    problems.push(`${where}: ${field} should be hidden, is ${JSON.stringify(value)}`);
    return;
  }
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    if (typeof v === "number") continue; // an age: kept when the birth date is partial
    if (typeof v !== "string") {
      problems.push(`${where}: ${field} has ${JSON.stringify(v)}`);
      continue;
    }
    const ok =
      field === "birthDate"
        ? /^\d{4}-\d{2}$/.test(v)
        : field === "residentNos" || field === "householdNo" || field === "phone"
          ? v.includes("＊")
          : v.endsWith("＊＊");
    if (!ok) problems.push(`${where}: ${field} should be partial, is ${JSON.stringify(v)}`);
  }
}

/** Walks `value` along the JSON Schema `node`, checking every marked value against `forms`. */
function walk(node: Node, value: unknown, forms: RoleMasking, where: string, problems: string[]) {
  node = resolve(node);
  if (!node || value === null || value === undefined) return;
  const mark = node[IDENTITY_EXTENSION] as string | undefined;
  if (mark === "row") {
    for (const [column, v] of Object.entries(value as Record<string, unknown>)) {
      const field = identityFieldOfColumn(column);
      if (field) checkMarked(field, forms[field], v, `${where}.${column}`, problems);
    }
    return;
  }
  if (mark) {
    checkMarked(mark as IdentityField, forms[mark as IdentityField], value, where, problems);
    return;
  }
  for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])])
    walk(alt, value, forms, where, problems);
  if (Array.isArray(value) && node.items)
    for (const [i, v] of value.entries()) walk(node.items, v, forms, `${where}[${i}]`, problems);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, sub] of Object.entries((node.properties ?? {}) as Record<string, Node>))
      walk(sub, (value as Record<string, unknown>)[k], forms, `${where}.${k}`, problems);
    if (node.additionalProperties && typeof node.additionalProperties === "object")
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        walk(node.additionalProperties, v, forms, `${where}.${k}`, problems);
  }
}

/** Full stored values in an answer where the rule says partial or hidden. */
function leaks(text: string, body: unknown, forms: RoleMasking): string[] {
  const out: string[] = [];
  for (const field of ["name", "nameKana", "address"] as const) {
    if (forms[field] === "full") continue;
    const hit = full[field].find((v) => text.includes(v));
    if (hit) out.push(`full ${field} ${hit}`);
  }
  const strings: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === "string") strings.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === "object") Object.values(v).forEach(collect);
  };
  collect(body);
  for (const field of ["residentNos", "householdNo"] as const) {
    if (forms[field] === "full") continue;
    const hit = strings.find((s) => full.numbers[field].has(s));
    if (hit) out.push(`full ${field} ${hit}`);
  }
  return out;
}

/**
 * Routes left out, each with its reason (docs/security.md, "Masking rules"):
 * the rows a department's own file failed to import, returned to that
 * department as written so it can correct the file it holds anyway.
 */
const EXEMPT: Record<string, string> = {
  "/api/imports/{id}/rejections.csv":
    "the providing department's own rejected rows, for correction",
};

function concrete(path: string, op: Node): string {
  const p = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (ids[name]) return encodeURIComponent(ids[name]);
    if (name === "runId") return String(village.runId);
    const param = (op.parameters ?? []).find((x: Node) => x.name === name);
    return param?.schema?.enum?.[0] ?? "1";
  });
  const query = (op.parameters ?? [])
    .filter((x: Node) => x.in === "query" && x.required)
    .map((x: Node) => {
      const v =
        x.name === "q"
          ? (ids.personId ?? "")
          : x.name === "personIds"
            ? ids.personId
            : (x.schema?.enum?.[0] ?? "1");
      return `${x.name}=${encodeURIComponent(String(v))}`;
    });
  return query.length ? `${p}?${query.join("&")}` : p;
}

describe("masking rules are applied by the API to every answer (walk of /api/openapi.json)", () => {
  it("no GET route answers an identity field in a form more revealing than the role's rule", async () => {
    const problems: string[] = [];
    const reachedWithIdentity = new Map<Role, number>();
    for (const offset of [1, 0]) {
      // Version 2 (offset 1) first, then version 3 back to the rules of the other tests.
      rules = rotatedRules(offset);
      const saved = await (clients.get("coordinator") as Client).json("/api/masking-rules", {
        method: "PUT",
        body: { rules, note: `走査テスト（ずらし ${offset}）`, basedOn: offset === 1 ? 1 : 2 },
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      for (const role of ROLES) {
        const client = clients.get(role) as Client;
        const forms = rules[role];
        for (const [path, ops] of Object.entries(doc.paths)) {
          const op = ops.get;
          if (!op || path === "/api/openapi.json" || EXEMPT[path]) continue;
          const url = concrete(path, op);
          const res = await client.request(url);
          if (res.status !== 200) continue;
          const text = await res.text();
          const type = res.headers.get("Content-Type") ?? "";
          const body = type.includes("json") ? JSON.parse(text) : text;
          for (const l of leaks(text, body, forms)) problems.push(`${role} GET ${url}: ${l}`);
          if (type.includes("json")) {
            const schema = op.responses?.["200"]?.content?.["application/json"]?.schema;
            const before = problems.length;
            walk(schema, body, forms, `${role} GET ${url}`, problems);
            if (res.headers.get("X-Mimamori-Masking-Version") && problems.length === before)
              reachedWithIdentity.set(role, (reachedWithIdentity.get(role) ?? 0) + 1);
          }
        }
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    // The roles that see children reached the child view, lists, search and workflow pages.
    expect(reachedWithIdentity.get("coordinator") ?? 0).toBeGreaterThanOrEqual(10);
    expect(reachedWithIdentity.get("staff") ?? 0).toBeGreaterThanOrEqual(3);
    expect(reachedWithIdentity.get("affiliation") ?? 0).toBeGreaterThanOrEqual(1);
  }, 600_000);

  it("the rules are not a no-op: the coordinator's partial name is the family name and ＊＊", async () => {
    expect(rules.coordinator.name).toBe("partial");
    expect(rules.coordinator.nameKana).toBe("hidden");
    const coordinator = clients.get("coordinator") as Client;
    const r = await coordinator.json<{
      identity: { name: string | null; nameKana: string | null };
    }>(`/api/children/${ids.personId}`);
    expect(r.status).toBe(200);
    expect(r.body.identity.name).toMatch(/^\S+ ＊＊$/);
    expect(r.body.identity.nameKana).toBeNull();
  });

  it("the children CSV export masks like the JSON answers", async () => {
    const coordinator = clients.get("coordinator") as Client;
    const forms = rules.coordinator;
    const reauth = await coordinator.json("/api/auth/reauth", {
      method: "POST",
      body: { password: "mask.coord-password-123" },
    });
    expect(reauth.status).toBe(200);
    const res = await coordinator.request(
      `/api/runs/${village.runId}/children/export?type=${village.flagged[0]?.difficulty}`,
      { method: "POST", body: { purpose: "マスキングの確認" } },
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.split("\r\n").length).toBeGreaterThan(3);
    expect(leaks(text, text.split(/[,\r\n]/), forms)).toEqual([]);
  });
});
