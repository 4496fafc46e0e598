import argon2 from "argon2";

/**
 * argon2id with the OWASP-recommended minimum (19 MiB, t=2, p=1): strong enough
 * for a closed network and fast enough for a 2-core server (≈ 30 ms a hash).
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the login name does not exist, so timing does not reveal it. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword("mimamori-dummy-password-for-timing");
  return dummyHash;
}
