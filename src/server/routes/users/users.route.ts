import { z } from "@hono/zod-openapi";
import { createUserRepository, type UserRow } from "../../../db/user.repository.ts";
import { isRole } from "../../../domain/policy/index.ts";
import { actorOf, createRouter, json, jsonBody, policyRoute } from "../../openapi/route.ts";
import { createUserWithTemporaryPassword } from "../../services/user.service.ts";
import { createdUserSchema, createUserBody, userSummarySchema } from "./schema.ts";

export const summary = (u: UserRow): z.infer<typeof userSummarySchema> => ({
  id: u.id,
  loginName: u.loginName,
  displayName: u.displayName,
  roles: u.roles.filter(isRole),
  council: u.council,
  affiliation: u.affiliation,
  mustChangePassword: u.mustChangePassword,
  disabled: u.disabled,
  lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
});

const tags = ["利用者"];

export const userRoutes = createRouter()
  .openapi(
    policyRoute("users.manage", {
      method: "get",
      path: "/",
      tags,
      summary: "利用者の一覧",
      responses: { 200: json(z.array(userSummarySchema)) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const users = await createUserRepository(c.get("deps").db).list(actor.municipalityId);
      return c.json(users.map(summary), 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "post",
      path: "/",
      tags,
      summary: "利用者の追加（仮パスワードを一度だけ返す）",
      request: { body: jsonBody(createUserBody) },
      responses: { 201: json(createdUserSchema, "作成した") },
    }),
    async (c) => {
      const actor = actorOf(c);
      const body = c.req.valid("json");
      const created = await createUserWithTemporaryPassword(c.get("deps").db, {
        municipalityId: actor.municipalityId,
        loginName: body.loginName,
        displayName: body.displayName,
        roles: body.roles,
        council: body.council,
        affiliation: body.affiliation || null,
        actor: { id: actor.userId, loginName: actor.loginName },
      });
      return c.json(
        { user: summary(created.user), temporaryPassword: created.temporaryPassword },
        201,
      );
    },
  );
