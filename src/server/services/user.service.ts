import { randomInt } from "node:crypto";
import { createAuditRepository } from "../../db/audit.repository.ts";
import type { Database } from "../../db/database.ts";
import {
  createUserRepository,
  DuplicateLoginError,
  type UserRow,
} from "../../db/user.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import type { Role } from "../../domain/roles.ts";
import { hashPassword } from "../auth/password.ts";

/** Letters and digits without look-alikes (0/O, 1/l/I), for passwords read off a screen. */
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/** A random temporary password (≈ 94 bits): the user must change it at first login. */
export function generateTemporaryPassword(length = 16): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/**
 * Creates a user with a random temporary password that must be changed at
 * first login. Used by `mimamori user add`, the admin API and first start.
 */
export async function createUserWithTemporaryPassword(
  db: Database,
  input: {
    municipalityId: number;
    loginName: string;
    displayName: string;
    roles: readonly Role[];
    /** 要対協 member (may see 要対協 / 一時保護 facts). */
    council?: boolean;
    /** School / nursery / office the account is scoped to. */
    affiliation?: string | null;
    actor: { id: number | null; loginName: string };
  },
): Promise<{ user: UserRow; temporaryPassword: string }> {
  const temporaryPassword = generateTemporaryPassword();
  let user: UserRow;
  try {
    user = await createUserRepository(db).insert({
      municipalityId: input.municipalityId,
      loginName: input.loginName,
      displayName: input.displayName,
      passwordHash: await hashPassword(temporaryPassword),
      roles: input.roles,
      mustChangePassword: true,
      council: input.council ?? false,
      affiliation: input.affiliation ?? null,
    });
  } catch (e) {
    if (e instanceof DuplicateLoginError) {
      throw new MimamoriError(
        "conflict",
        `ログイン名「${input.loginName}」は既に使われています。別の名前を指定してください。`,
      );
    }
    throw e;
  }
  await createAuditRepository(db).append({
    municipalityId: input.municipalityId,
    actorUserId: input.actor.id,
    actor: input.actor.loginName,
    action: "user.create",
    target: `user:${user.id}`,
    detail: {
      roles: input.roles,
      council: input.council ?? false,
      affiliation: input.affiliation ?? null,
    },
  });
  return { user, temporaryPassword };
}
