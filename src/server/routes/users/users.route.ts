import { Hono } from "hono";
import { createUserRepository, type UserRow } from "../../../db/user.repository.ts";
import { isRole } from "../../../domain/roles.ts";
import type { CreatedUser, UserSummary } from "../../api-types.ts";
import type { AppEnv } from "../../app-env.ts";
import { requirePermission } from "../../auth/middleware.ts";
import { parseJson } from "../../parse.ts";
import { createUserWithTemporaryPassword } from "../../services/user.service.ts";
import { createUserBody } from "./schema.ts";

const summary = (u: UserRow): UserSummary => ({
  id: u.id,
  loginName: u.loginName,
  displayName: u.displayName,
  roles: u.roles.filter(isRole),
  mustChangePassword: u.mustChangePassword,
  disabled: u.disabled,
  lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
});

export const userRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const { user } = requirePermission(c, "users.manage");
    const users = await createUserRepository(c.get("deps").db).list(user.municipalityId);
    return c.json<UserSummary[]>(users.map(summary));
  })
  .post("/", async (c) => {
    const { user } = requirePermission(c, "users.manage");
    const body = await parseJson(c, createUserBody);
    const created = await createUserWithTemporaryPassword(c.get("deps").db, {
      municipalityId: user.municipalityId,
      loginName: body.loginName,
      displayName: body.displayName,
      roles: body.roles,
      actor: { id: user.id, loginName: user.loginName },
    });
    return c.json<CreatedUser>(
      { user: summary(created.user), temporaryPassword: created.temporaryPassword },
      201,
    );
  });
