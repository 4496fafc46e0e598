/**
 * Secrets at rest (secret-box.ts): sealed values are not the plaintext and
 * differ each time; they open with the same key and purpose only; the key
 * file is created 0600 on first use in the home and reused; a wrong key is
 * refused with a Japanese message saying what to do.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MimamoriError } from "../domain/errors.ts";
import { isSealed, openSecret, sealSecret, setSecretHome } from "./secret-box.ts";

const PURPOSE = "mail_setting.auth_password";
const testKey = process.env.MIMAMORI_SECRET_KEY;
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "mimamori-secret-"));
});
afterEach(() => {
  process.env.MIMAMORI_SECRET_KEY = testKey;
  setSecretHome(undefined);
  rmSync(home, { recursive: true, force: true });
});

describe("secret box", () => {
  it("seals to a value that is not the plaintext, fresh each time, and opens it back", () => {
    const a = sealSecret("relay-secret-123", PURPOSE);
    const b = sealSecret("relay-secret-123", PURPOSE);
    expect(isSealed(a)).toBe(true);
    expect(a).not.toContain("relay-secret-123");
    expect(Buffer.from(a.slice(3), "base64").toString("latin1")).not.toContain("relay-secret");
    expect(a).not.toBe(b);
    expect(openSecret(a, PURPOSE)).toBe("relay-secret-123");
    expect(openSecret(sealSecret("", PURPOSE), PURPOSE)).toBe("");
  });

  it("does not open for another purpose or when changed", () => {
    const a = sealSecret("relay-secret-123", PURPOSE);
    expect(() => openSecret(a, "other.column")).toThrow(MimamoriError);
    const raw = Buffer.from(a.slice(3), "base64");
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    expect(() => openSecret(`v1:${raw.toString("base64")}`, PURPOSE)).toThrow(/復号できません/);
  });

  it("creates HOME/secret.key (0600) on first use and keeps using it", () => {
    delete process.env.MIMAMORI_SECRET_KEY;
    setSecretHome(home);
    const sealed = sealSecret("relay-secret-123", PURPOSE);
    const file = join(home, "secret.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, "utf8");
    expect(Buffer.from(key.trim(), "base64")).toHaveLength(32);
    // Another home (another key) cannot open it; the first one still can.
    const other = mkdtempSync(join(tmpdir(), "mimamori-secret-"));
    try {
      setSecretHome(other);
      expect(() => openSecret(sealed, PURPOSE)).toThrow(/復号できません/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    setSecretHome(home);
    expect(openSecret(sealed, PURPOSE)).toBe("relay-secret-123");
    expect(readFileSync(file, "utf8")).toBe(key);
  });

  it("refuses a wrong key with a Japanese message that says what to do", () => {
    const sealed = sealSecret("relay-secret-123", PURPOSE);
    process.env.MIMAMORI_SECRET_KEY = Buffer.alloc(32, 7).toString("base64");
    let error: unknown;
    try {
      openSecret(sealed, PURPOSE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MimamoriError);
    expect((error as MimamoriError).message).toMatch(
      /復号できません。鍵（mimamori のホームの secret\.key または MIMAMORI_SECRET_KEY）.*バックアップを戻すか.*入力し直してください/,
    );
    // A malformed key is refused before any use, also in Japanese.
    process.env.MIMAMORI_SECRET_KEY = "short";
    expect(() => sealSecret("x", PURPOSE)).toThrow(/MIMAMORI_SECRET_KEY の鍵が正しくありません/);
    // A hex key of 32 bytes is accepted.
    process.env.MIMAMORI_SECRET_KEY = "ab".repeat(32);
    expect(openSecret(sealSecret("x", PURPOSE), PURPOSE)).toBe("x");
  });
});
