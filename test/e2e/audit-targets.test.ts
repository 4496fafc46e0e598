/**
 * The audit views say what each row concerns in Japanese (newcomer's finding,
 * session 8): a scored village's own trail — imports, the link and score runs,
 * the rule version stored on first use — and child views, read by an auditor,
 * an administrator and a non-member auditor. No machine form
 * (`import_snapshot:…`, `rule_version:…`, `default-…`) reaches the label; a
 * child's name is there only in the viewer's masking form (auditor: family
 * name only; administrator: none), never for a child under 利用停止, and a
 * non-member never sees a 要対協 / 一時保護 row, so never its label.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditRepository } from "../../src/db/audit.repository.ts";
import { createRightsRepository } from "../../src/db/rights.repository.ts";
import type { AuditDetail, AuditPage } from "../../src/server/api-types.ts";
import { type Client, loginAs } from "../http.ts";
import { type RunVillage, runVillage, VILLAGE_AS_OF } from "../village-run.ts";

let v: RunVillage;
let member: Client;
let nonMember: Client;
let admin: Client;
let child: { personId: string; name: string };
let stopped: { personId: string; name: string };

beforeAll(async () => {
  v = await runVillage();
  const m = v.municipalityId;
  member = await loginAs(v.app, v.t.db, "kansa", ["auditor"], { council: true, municipalityId: m });
  nonMember = await loginAs(v.app, v.t.db, "kansa2", ["auditor"], { municipalityId: m });
  admin = await loginAs(v.app, v.t.db, "kanri", ["admin"], { municipalityId: m });
  const persons = await v.t.db
    .selectFrom("link_person")
    .select(["person_id", "name"])
    .where("municipality_id", "=", m)
    .where("run_id", "=", v.linkRunId)
    .where("name", "like", "% %")
    .orderBy("person_id")
    .limit(2)
    .execute();
  const [a, b] = persons.map((p) => ({ personId: p.person_id, name: p.name as string }));
  if (!a || !b) throw new Error("the village must have named persons");
  child = a;
  stopped = b;
  const audit = createAuditRepository(v.t.db);
  for (const p of [child, stopped]) {
    await audit.append({
      municipalityId: m,
      actorUserId: null,
      actor: "tanto",
      action: "child.view",
      target: `person:${p.personId}`,
      personId: p.personId,
    });
  }
  await createRightsRepository(v.t.db).stop(m, stopped.personId, "本人の申出", "test");
}, 300_000);

afterAll(() => v?.close());

const page = async (c: Client, q = "limit=200") => {
  const r = await c.json<AuditPage>(`/api/audit?${q}`);
  expect(r.status).toBe(200);
  return r.body.items;
};

describe("audit targets in Japanese", () => {
  it("labels imports, runs and rule versions with names and dates, never machine ids", async () => {
    const items = await page(member);
    const labels = items.map((i) => i.targetLabel);
    for (const l of labels) {
      expect(l).not.toMatch(/import_snapshot:|score_run:|link_run:|rule_version:|source:|default/);
    }
    const imports = items.filter((i) => i.target?.startsWith("import_snapshot:"));
    expect(imports.length).toBeGreaterThan(5);
    expect(labels).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^取込 \d+（住民基本台帳、.+、抽出日 2024-04-01）$/),
      ]),
    );
    const scored = items.find((i) => i.target === `score_run:${v.scoreRunId}`);
    expect(scored?.targetLabel).toBe(
      `判定実行 ${v.scoreRunId}（基準日 ${VILLAGE_AS_OF}、規則「既定（2025.1）」）`,
    );
    const linked = items.find((i) => i.target === `link_run:${v.linkRunId}`);
    expect(linked?.targetLabel).toBe(`名寄せ ${v.linkRunId}（基準日 ${VILLAGE_AS_OF}）`);
    const rules = items.find((i) => i.target?.startsWith("rule_version:"));
    expect(rules?.targetLabel).toBe("判定の規則「既定（2025.1）」");
    // The member auditor sees the council sources' imports, labelled by name.
    expect(labels.some((l) => l.includes("要保護児童対策地域協議会") || l.includes("要対協"))).toBe(
      true,
    );
  });

  it("names a child in the viewer's masking form, and never a child under 利用停止", async () => {
    const rowOf = (items: AuditPage["items"], personId: string) =>
      items.find((i) => i.personId === personId && i.action === "child.view");
    const family = child.name.split(" ")[0] as string;
    const auditorItems = await page(member, "action=child.view");
    const seen = rowOf(auditorItems, child.personId);
    expect(seen?.targetLabel).toBe(`こども ${child.personId}`);
    // 監査 under the default rules: the family name only.
    expect(seen?.personName).toMatch(new RegExp(`^${family}`));
    expect(seen?.personName).not.toBe(child.name);
    expect(JSON.stringify(auditorItems)).not.toContain(child.name);
    expect(rowOf(auditorItems, stopped.personId)?.personName).toBeNull();
    expect(JSON.stringify(auditorItems)).not.toContain(stopped.name.split(" ")[0] as string);
    // システム管理者 sees no name at all.
    const adminItems = await page(admin, "action=child.view");
    expect(rowOf(adminItems, child.personId)?.personName).toBeNull();
    expect(rowOf(adminItems, child.personId)?.targetLabel).toBe(`こども ${child.personId}`);
    // One row's detail says the same.
    const id = seen?.id as string;
    const detail = await member.json<AuditDetail>(`/api/audit/${id}`);
    expect(detail.body.targetLabel).toBe(`こども ${child.personId}`);
    expect(detail.body.personName).toBe(seen?.personName);
  });

  it("gives a non-member auditor no 要対協 / 一時保護 row and so no such label", async () => {
    const items = await page(nonMember);
    expect(items.length).toBeGreaterThan(5);
    const text = JSON.stringify(items.map((i) => [i.target, i.targetLabel]));
    expect(text).not.toMatch(/yotaikyo|ichiji_hogo|要保護児童対策|要対協|一時保護/);
  });
});
