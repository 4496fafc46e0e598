/**
 * `mimamori mail show|set|test` against real PostgreSQL and a real SMTP
 * server on 127.0.0.1: the password comes from a file and is never printed;
 * turning mail on without what it needs is refused in Japanese; the test
 * mail reaches the relay; every change is audited.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/db.ts";
import { mailSubject, startTestSmtpServer, type TestSmtpServer } from "../../../test/smtp.ts";
import { createMailRepository, MAIL_PASSWORD_PURPOSE } from "../../db/mail.repository.ts";
import { createMunicipalityRepository } from "../../db/municipality.repository.ts";
import { openSecret } from "../../db/secret-box.ts";
import type { GlobalOptions } from "../command.ts";
import { mailSet, mailShow, mailTest } from "./mail.ts";

let t: TestDatabase;
let smtp: TestSmtpServer;
let globals: GlobalOptions;
const dir = mkdtempSync(join(tmpdir(), "mimamori-mail-cli-"));

beforeAll(async () => {
  t = await createTestDatabase();
  await createMunicipalityRepository(t.db).ensureDefault("テスト町");
  smtp = await startTestSmtpServer({ user: "relay", password: "file-secret-987" });
  globals = { databaseUrl: t.url, home: dir };
});

afterAll(async () => {
  await smtp?.close();
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function stdoutOf(run: () => Promise<number>): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((c) => {
    chunks.push(String(c));
    return true;
  });
  try {
    expect(await run()).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return chunks.join("");
}

describe("mimamori mail", () => {
  it("is off until set, and refuses to turn on without host, port, sender and URL", async () => {
    expect(await stdoutOf(() => mailShow.run([], globals))).toContain("使わない（既定）");
    await expect(mailSet.run(["--on"], globals)).rejects.toThrow(
      "メール通知の設定が正しくありません",
    );
  });

  it("sets the relay with a password from a file, never printing it, and sends a test mail", async () => {
    const file = join(dir, "smtp-password");
    writeFileSync(file, "file-secret-987\n", { mode: 0o600 });
    const out = await stdoutOf(() =>
      mailSet.run(
        [
          "--on",
          "--host",
          "127.0.0.1",
          "--port",
          String(smtp.port),
          "--security",
          "none",
          "--user",
          "relay",
          "--password-file",
          file,
          "--from",
          "mimamori@town.example.lg.jp",
          "--app-url",
          "https://mimamori.town.example.lg.jp",
        ],
        globals,
      ),
    );
    expect(out).toContain("メール通知: 使う");
    expect(out).toContain("パスワード保存済み");
    expect(out).not.toContain("file-secret-987");
    const json = await stdoutOf(() => mailShow.run(["--json"], globals));
    expect(json).not.toContain("file-secret-987");
    expect(JSON.parse(json).passwordSet).toBe(true);

    // A later change of one field keeps the rest (and the password).
    await stdoutOf(() => mailSet.run(["--from", "noreply@town.example.lg.jp"], globals));
    const s = await createMailRepository(t.db).settings();
    // Kept, and sealed at rest (secret-box.ts): not the plaintext in the database.
    expect(s.authPassword).not.toContain("file-secret-987");
    expect(openSecret(s.authPassword as string, MAIL_PASSWORD_PURPOSE)).toBe("file-secret-987");
    expect(s.fromAddress).toBe("noreply@town.example.lg.jp");

    const sent = await stdoutOf(() => mailTest.run(["--to", "ops@town.example.lg.jp"], globals));
    expect(sent).toContain("試験メールを送りました");
    expect(smtp.received.at(-1)?.to).toEqual(["ops@town.example.lg.jp"]);
    expect(mailSubject(smtp.received.at(-1)?.raw ?? "")).toBe("【mimamori】メール送信の試験");

    const actions = await t.db
      .selectFrom("audit_log")
      .select(["action", "detail"])
      .where("action", "like", "mail.%")
      .execute();
    expect(actions.map((a) => a.action)).toEqual(["mail.settings", "mail.settings", "mail.test"]);
    expect(JSON.stringify(actions)).not.toContain("file-secret-987");
  });

  it("reports a relay that refuses, in Japanese, with a non-zero outcome", async () => {
    await stdoutOf(() => mailSet.run(["--security", "starttls"], globals));
    await expect(mailTest.run(["--to", "ops@town.example.lg.jp"], globals)).rejects.toThrow(
      /SMTP サーバー 127\.0\.0\.1:\d+ へ送れませんでした/,
    );
    await expect(mailTest.run(["--to", "not an address"], globals)).rejects.toThrow("--to");
  });
});
