import type { Database } from "../db/database.ts";
import { createMunicipalityRepository } from "../db/municipality.repository.ts";
import { ACCOUNT_LOOKUP, withDataScope } from "../db/scope.ts";
import { createUserRepository } from "../db/user.repository.ts";
import { createUserWithTemporaryPassword } from "./services/user.service.ts";

/** Name given to the municipality created on first start; the admin renames it later. */
export const DEFAULT_MUNICIPALITY_NAME = "（自治体名未設定）";

/**
 * First start: a municipality and, when there are no users yet, an `admin`
 * with a random temporary password. Returns the password only when it was
 * created now, so it is printed exactly once.
 */
export async function bootstrap(
  db: Database,
): Promise<{ municipalityId: number; admin?: { loginName: string; password: string } }> {
  const m = await createMunicipalityRepository(db).ensureDefault(DEFAULT_MUNICIPALITY_NAME);
  // Users of any municipality count (an account lookup); the admin is created in m's scope.
  const users = await withDataScope(ACCOUNT_LOOKUP, () => createUserRepository(db).count());
  if (users > 0) return { municipalityId: m.id };
  const { user, temporaryPassword } = await withDataScope(
    { municipalityId: m.id, council: false },
    () =>
      createUserWithTemporaryPassword(db, {
        municipalityId: m.id,
        loginName: "admin",
        displayName: "システム管理者",
        roles: ["admin"],
        actor: { id: null, loginName: "system" },
      }),
  );
  return {
    municipalityId: m.id,
    admin: { loginName: user.loginName, password: temporaryPassword },
  };
}
