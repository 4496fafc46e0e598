import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { rebuildChainWithout, withTriggersDisabled } from "../../../test/audit-tamper.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/db.ts";
import { createAuditRepository } from "../../db/audit.repository.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { createUserRepository } from "../../db/user.repository.ts";
import { ROLE_LABELS } from "../../domain/roles.ts";
import type { Command, GlobalOptions } from "../command.ts";
import { auditCheckpoint, auditReport, auditVerify } from "./audit.ts";
import { userList } from "./user-list.ts";

const dir = mkdtempSync(join(tmpdir(), "mimamori-cli-audit-"));
let t: TestDatabase;
let globals: GlobalOptions;
let municipalityId: number;
const file = () => join(dir, "checkpoints.jsonl");

beforeEach(async () => {
  t = await createTestDatabase();
  globals = { databaseUrl: t.url, home: join(dir, "home") };
  rmSync(file(), { force: true });
  municipalityId = (await createMunicipalityRepository(t.db).ensureDefault("テスト町")).id;
  await add(10);
});
afterEach(() => t.drop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function add(n: number): Promise<void> {
  const audit = createAuditRepository(t.db);
  for (let i = 0; i < n; i++) {
    await audit.append({
      municipalityId,
      actorUserId: null,
      actor: "system",
      action: "test",
      detail: { i },
    });
  }
}

async function run(command: Command, args: string[]) {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await command.run(args, globals), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const nthId = async (n: number) =>
  (
    await sql<{
      id: string;
    }>`SELECT a.id::text AS id FROM audit_log a ORDER BY a.id OFFSET ${n - 1} LIMIT 1`.execute(t.db)
  ).rows[0]?.id as string;

describe("mimamori audit verify / checkpoint", () => {
  it("exits 0 on an intact chain and appends {id, hash, at} checkpoints", async () => {
    const first = await run(auditCheckpoint, ["--checkpoints", file()]);
    expect(first.code).toBe(0);
    await add(2);
    expect((await run(auditCheckpoint, ["--checkpoints", file()])).code).toBe(0);
    const lines = readFileSync(file(), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const v = await run(auditVerify, ["--checkpoints", file()]);
    expect(v.code).toBe(0);
    expect(v.out).toContain("外部チェックポイント");
    expect(v.out).toContain("2 件すべて一致");
  });

  it("detects a row edited directly in the database", async () => {
    await run(auditCheckpoint, ["--checkpoints", file()]);
    const id = await nthId(4);
    await withTriggersDisabled(t, () =>
      sql`UPDATE audit_log SET detail = '{"i":40}' WHERE id = ${id}::bigint`.execute(t.db),
    );
    const v = await run(auditVerify, ["--checkpoints", file()]);
    expect(v.code).toBe(1);
    expect(v.err).toContain(`記録 #${id} が書き換えられた`);
  });

  it("detects a row deleted directly in the database", async () => {
    await run(auditCheckpoint, ["--checkpoints", file()]);
    const deleted = await nthId(5);
    const next = await nthId(6);
    await withTriggersDisabled(t, () =>
      sql`DELETE FROM audit_log WHERE id = ${deleted}::bigint`.execute(t.db),
    );
    const v = await run(auditVerify, []);
    expect(v.code).toBe(1);
    expect(v.err).toContain(`#${next}`);
  });

  it("detects a row appended directly (triggers disabled, no valid link)", async () => {
    const last = await nthId(10);
    await withTriggersDisabled(t, () =>
      sql`INSERT INTO audit_log (municipality_id, actor, action, prev_hash, hash)
          VALUES (${municipalityId}, 'intruder', 'auth.login', '\\x00', '\\x00')`.execute(t.db),
    );
    const v = await run(auditVerify, []);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(new RegExp(`記録 #${Number(last) + 1} `));
  });

  describe("the persons an export disclosed (audit_disclosure chunks)", () => {
    const exportOf = async (n: number) =>
      createAuditRepository(t.db).appendDisclosure(
        {
          municipalityId,
          actorUserId: null,
          actor: "tanaka",
          action: "children.export",
          purpose: "ケース会議の資料",
        },
        {
          persons: Array.from({ length: n }, (_, i) => `P${String(i + 1).padStart(8, "0")}`),
          council: false,
        },
      );

    it("recomputes each export's SHA-256 and finds nothing wrong when nothing changed", async () => {
      await exportOf(2500);
      const v = await run(auditVerify, []);
      expect(v.code).toBe(0);
      expect(v.out).toContain("出力の記録: 正常（出力に含まれたこどもの一覧を今回 1 件照合）");
    });

    it("detects a chunk edited directly in the database", async () => {
      const id = await exportOf(2500);
      await run(auditCheckpoint, ["--checkpoints", file()]);
      await sql`UPDATE audit_disclosure SET persons[7] = 'P99999999'
                 WHERE audit_id = ${id}::bigint AND chunk = 1`.execute(t.db);
      const v = await run(auditVerify, ["--checkpoints", file()]);
      expect(v.code).toBe(1);
      expect(v.err).toContain(`記録 #${id} の出力に含まれたこどもの一覧`);
      expect(v.err).toContain("改ざんされた可能性");
    });

    it("detects a chunk deleted directly in the database", async () => {
      const id = await exportOf(2500);
      await sql`DELETE FROM audit_disclosure WHERE audit_id = ${id}::bigint AND chunk = 2`.execute(
        t.db,
      );
      const v = await run(auditVerify, []);
      expect(v.code).toBe(1);
      expect(v.err).toContain(`記録 #${id} の出力`);
    });

    it("detects a chunk appended to an export, or to a row that is no export", async () => {
      const id = await exportOf(10);
      await add(1);
      expect((await run(auditVerify, [])).code).toBe(0);
      await sql`INSERT INTO audit_disclosure (audit_id, chunk, municipality_id, persons)
                VALUES (${id}::bigint, 1, ${municipalityId}, ARRAY['P00000777'])`.execute(t.db);
      const v = await run(auditVerify, ["--json"]);
      expect(v.code).toBe(1);
      expect(JSON.parse(v.out).chain).toMatchObject({ problem: "disclosure", firstBadId: id });
      await sql`DELETE FROM audit_disclosure WHERE audit_id = ${id}::bigint AND chunk = 1`.execute(
        t.db,
      );
      expect((await run(auditVerify, [])).code).toBe(0);
      const plain = await nthId(3);
      await sql`INSERT INTO audit_disclosure (audit_id, chunk, municipality_id, persons)
                VALUES (${plain}::bigint, 0, ${municipalityId}, ARRAY['P00000777'])`.execute(t.db);
      const w = await run(auditVerify, []);
      expect(w.code).toBe(1);
      expect(w.err).toContain(`記録 #${plain} の出力`);
    });
  });

  it("detects a truncated tail only with the external checkpoints", async () => {
    expect((await run(auditCheckpoint, ["--checkpoints", file()])).code).toBe(0);
    const cut = await nthId(8);
    await withTriggersDisabled(t, async () => {
      await sql`DELETE FROM audit_log WHERE id >= ${cut}::bigint`.execute(t.db);
      // A careful intruder also removes the database's own checkpoints.
      await sql`DELETE FROM audit_checkpoint`.execute(t.db);
    });
    // The remaining chain is consistent...
    const alone = await run(auditVerify, ["--checkpoints", join(dir, "empty.jsonl")]).catch(
      () => undefined,
    );
    expect(alone).toBeUndefined(); // a missing file is an error, not a silent pass
    writeFileSync(join(dir, "empty.jsonl"), "");
    expect((await run(auditVerify, ["--checkpoints", join(dir, "empty.jsonl")])).code).toBe(0);
    // ...but the checkpoint kept outside the database names the missing tail.
    const v = await run(auditVerify, ["--checkpoints", file()]);
    expect(v.code).toBe(1);
    expect(v.err).toContain(`#${await lastCheckpointId()}`);
    expect(v.err).toContain("末尾の切り詰め");
  });

  it("detects a chain rebuilt by a superuser after removing a row", async () => {
    expect((await run(auditCheckpoint, ["--checkpoints", file()])).code).toBe(0);
    await rebuildChainWithout(t, 3);
    await sql`DELETE FROM audit_checkpoint`.execute(t.db);
    const plain = await run(auditVerify, ["--checkpoints", join(dir, "none.jsonl")]).catch(
      (e: Error) => e.message,
    );
    expect(String(plain)).toContain("がありません");
    const v = await run(auditVerify, ["--checkpoints", file()]);
    expect(v.code).toBe(1);
    expect(v.err).toContain("連鎖の作り直し");
  });

  it("refuses a damaged checkpoint file", async () => {
    writeFileSync(file(), '{"id":"1","hash":"zz","at":"x"}\n');
    await expect(run(auditVerify, ["--checkpoints", file()])).rejects.toThrow(/1 行目が読めません/);
  });

  it("reads the server's checkpoint file under --home when no file is given", async () => {
    expect((await run(auditCheckpoint, [])).code).toBe(0);
    await withTriggersDisabled(t, async () => {
      await sql`DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)`.execute(t.db);
      await sql`DELETE FROM audit_checkpoint`.execute(t.db);
    });
    const v = await run(auditVerify, []);
    expect(v.code).toBe(1);
    expect(v.err).toContain("audit-checkpoints.jsonl");
  });
});

describe("mimamori audit report / user list", () => {
  it("lists who looked at a person, and what one user did", async () => {
    const user = await createUserRepository(t.db).insert({
      municipalityId,
      loginName: "tanaka",
      displayName: "田中",
      passwordHash: "x",
      roles: ["staff"],
      mustChangePassword: false,
    });
    const audit = createAuditRepository(t.db);
    await audit.append({
      municipalityId,
      actorUserId: user.id,
      actor: "tanaka",
      action: "child.view",
      personId: "P0042",
      clientAddress: "192.0.2.7",
    });
    await audit.append({
      municipalityId,
      actorUserId: user.id,
      actor: "tanaka",
      action: "export.csv",
      purpose: "要対協の会議資料",
      clientAddress: "192.0.2.7",
    });
    const byPerson = await run(auditReport, ["--person", "P0042"]);
    expect(byPerson.code).toBe(0);
    expect(byPerson.out).toContain("人 P0042 に関する記録: 1 件");
    expect(byPerson.out).toMatch(
      /tanaka\tchild\.view\tperson=P0042\tfrom=192\.0\.2\.7\thow=direct/,
    );
    // An export whose file held the person (audit_disclosure) is in the report too;
    // the report just run is not (no person_id on the report's own row).
    await audit.appendDisclosure(
      {
        municipalityId,
        actorUserId: user.id,
        actor: "tanaka",
        action: "children.export",
        purpose: "ケース会議の資料",
      },
      { persons: ["P0041", "P0042", "P0043"], council: true },
    );
    const again = await run(auditReport, ["--person", "P0042"]);
    expect(again.out).toContain("人 P0042 に関する記録: 2 件");
    expect(again.out).toMatch(/tanaka\tchildren\.export\tpurpose="ケース会議の資料"\thow=exported/);
    expect((await run(auditReport, ["--person", "P0044"])).out).toContain("0 件");
    const byUser = await run(auditReport, ["--user", "tanaka", "--json"]);
    const rows = JSON.parse(byUser.out) as { action: string; purpose: string | null }[];
    expect(rows.map((r) => r.action)).toEqual(["children.export", "export.csv", "child.view"]);
    expect(rows[1]?.purpose).toBe("要対協の会議資料");
    // The report itself is audited.
    const own = await audit.list({ municipalityId, limit: 10, action: "audit.report" });
    expect(own).toHaveLength(4);
    await expect(run(auditReport, ["--user", "nobody"])).rejects.toThrow(/いません/);

    const inventory = await run(userList, ["--json"]);
    const accounts = JSON.parse(inventory.out) as {
      loginName: string;
      roles: string[];
      disabled: boolean;
      lastLoginAt: string | null;
    }[];
    expect(accounts).toEqual([
      expect.objectContaining({
        loginName: "tanaka",
        roles: ["staff"],
        disabled: false,
        lastLoginAt: null,
      }),
    ]);
    expect((await run(userList, [])).out).toContain(`tanaka\t${ROLE_LABELS.staff}`);
  });
});

async function lastCheckpointId(): Promise<string> {
  const lines = readFileSync(file(), "utf8").trim().split("\n");
  return (JSON.parse(lines[lines.length - 1] as string) as { id: string }).id;
}
