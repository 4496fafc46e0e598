/**
 * TLS to the SMTP relay (issue 13): a CA made with openssl for this test, a
 * relay certificate it signed for 127.0.0.1, and the local SMTP server
 * (test/smtp.ts) speaking STARTTLS or implicit TLS with AUTH only after TLS.
 * Trusting the CA through MIMAMORI_MAIL_CA_FILE, mimamori sends (password
 * sealed at rest, opened for AUTH); without it, and with a relay certificate
 * from another CA, it refuses the relay's certificate and says in Japanese
 * what to do — it never falls back to sending in the clear.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSmtpServer, type TestSmtpServer } from "../../test/smtp.ts";
import { MAIL_PASSWORD_PURPOSE } from "../db/mail.repository.ts";
import { sealSecret } from "../db/secret-box.ts";
import { MimamoriError } from "../domain/errors.ts";
import type { MailSecurity, MailSettings } from "../domain/notifications/mail.ts";
import { sendMailNow } from "./mail-sender.ts";

let dir: string;
const servers: TestSmtpServer[] = [];
const PASSWORD = "relay-tls-secret-456";

/** A CA (`name`) and a certificate it signed for 127.0.0.1 / localhost: PEM paths. */
function makeCa(name: string): { ca: string; key: string; cert: string } {
  const at = (f: string) => join(dir, `${name}-${f}`);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name} test CA`,
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.pem"),
  );
  ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    at("relay.key"),
    "-out",
    at("relay.csr"),
  );
  writeFileSync(at("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  ssl(
    "x509",
    "-req",
    "-in",
    at("relay.csr"),
    "-CA",
    at("ca.pem"),
    "-CAkey",
    at("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    at("ext.cnf"),
    "-out",
    at("relay.pem"),
  );
  return { ca: at("ca.pem"), key: at("relay.key"), cert: at("relay.pem") };
}

let town: ReturnType<typeof makeCa>;
let other: ReturnType<typeof makeCa>;

async function relay(mode: "starttls" | "tls", pki: ReturnType<typeof makeCa>) {
  const s = await startTestSmtpServer({
    user: "relay",
    password: PASSWORD,
    tls: { mode, key: readFileSync(pki.key, "utf8"), cert: readFileSync(pki.cert, "utf8") },
  });
  servers.push(s);
  return s;
}

const settings = (port: number, security: MailSecurity): MailSettings => ({
  enabled: true,
  host: "127.0.0.1",
  port,
  security,
  authUser: "relay",
  authPassword: sealSecret(PASSWORD, MAIL_PASSWORD_PURPOSE),
  fromAddress: "mimamori@town.example.lg.jp",
  appUrl: "https://mimamori.town.example.lg.jp/",
  updatedBy: "test",
  updatedAt: null,
});
const content = { subject: "試験", text: "TLS の試験です。" };

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MimamoriError);
    return (e as MimamoriError).message;
  }
  throw new Error("sent although it should have been refused");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mimamori-mail-tls-"));
  town = makeCa("town");
  other = makeCa("other");
});

afterAll(async () => {
  delete process.env.MIMAMORI_MAIL_CA_FILE;
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS to the relay", () => {
  for (const mode of ["starttls", "tls"] as const) {
    it(`${mode}: sends when the relay's CA is trusted through MIMAMORI_MAIL_CA_FILE`, async () => {
      const s = await relay(mode, town);
      process.env.MIMAMORI_MAIL_CA_FILE = town.ca;
      await sendMailNow(settings(s.port, mode), "ops@town.example.lg.jp", content);
      expect(s.received.map((m) => m.to)).toEqual([["ops@town.example.lg.jp"]]);
    });

    it(`${mode}: refuses an untrusted certificate in Japanese and sends nothing`, async () => {
      const s = await relay(mode, other);
      for (const ca of [undefined, town.ca]) {
        if (ca) process.env.MIMAMORI_MAIL_CA_FILE = ca;
        else delete process.env.MIMAMORI_MAIL_CA_FILE;
        const message = await refusal(
          sendMailNow(settings(s.port, mode), "ops@town.example.lg.jp", content),
        );
        expect(message).toMatch(
          /^SMTP サーバー 127\.0\.0\.1:\d+ の証明書を信頼できないため、送りませんでした。.*MIMAMORI_MAIL_CA_FILE に指定して/,
        );
      }
      expect(s.received).toEqual([]);
    });
  }

  it("says so when MIMAMORI_MAIL_CA_FILE cannot be read", async () => {
    const s = await relay("starttls", town);
    process.env.MIMAMORI_MAIL_CA_FILE = join(dir, "missing.pem");
    const message = await refusal(
      sendMailNow(settings(s.port, "starttls"), "ops@town.example.lg.jp", content),
    );
    expect(message).toMatch(/MIMAMORI_MAIL_CA_FILE の .*missing\.pem を読めません。/);
  });
});
