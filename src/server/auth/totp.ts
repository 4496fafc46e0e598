import { createHash, randomInt } from "node:crypto";
import { Secret, TOTP } from "otpauth";

/**
 * TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps — what
 * every authenticator app reads). A code is accepted one step either side of
 * now (clock drift), and never twice: the caller stores the step used.
 */
const PERIOD = 30;
const DIGITS = 6;
const ISSUER = "mimamori";

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, label: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/** The otpauth:// URI an authenticator app reads (as a QR code, or typed in). */
export function totpUri(secret: string, loginName: string): string {
  return totp(secret, loginName).toString();
}

/** The time step a code belongs to, or null when the code is wrong. */
export function verifyTotp(secret: string, code: string, now: Date): number | null {
  const token = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret, "x").validate({ token, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / PERIOD) + delta;
}

/** The current code (tests and the enrolment check). */
export function currentTotp(secret: string, now: Date): string {
  return totp(secret, "x").generate({ timestamp: now.getTime() });
}

/** Letters and digits without look-alikes, as for temporary passwords. */
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** Ten one-time recovery codes, `XXXXX-XXXXX` (≈ 50 bits each). */
export function newRecoveryCodes(count = 10): string[] {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = "";
    for (let j = 0; j < 10; j++) s += ALPHABET[randomInt(ALPHABET.length)];
    codes.push(`${s.slice(0, 5)}-${s.slice(5)}`);
  }
  return codes;
}

/** Recovery codes are stored as SHA-256 of the normalised code (50 random bits: no slow hash needed against online guessing, which is throttled). */
export function hashRecoveryCode(code: string): string {
  const normalised = code.toUpperCase().replace(/[^A-Z0-9]/g, "");
  return createHash("sha256").update(`mimamori-recovery:${normalised}`).digest("hex");
}

export const looksLikeRecoveryCode = (code: string) =>
  /^[A-Za-z0-9]{5}-?[A-Za-z0-9]{5}$/.test(code.trim());
