/**
 * Mail about notifications (issue 13), mounted at /api/mail: the
 * installation's SMTP relay (administrators; off by default; the password is
 * never returned), the outbox status of the municipality, a test mail to the
 * administrator's own address, and every user's own address. An
 * administrator sets another user's address at /api/mail/users/{id}/email.
 */
import { createMailRepository } from "../../../db/mail.repository.ts";
import { MimamoriError } from "../../../domain/errors.ts";
import { maskEmail, publicMailSettings } from "../../../domain/notifications/mail.ts";
import {
  actorOf,
  clientAddress,
  createRouter,
  json,
  jsonBody,
  policyRoute,
} from "../../openapi/route.ts";
import {
  relayEditableInApp,
  saveMailSettings,
  sendTestMail,
  setUserEmail,
} from "../../services/mail.service.ts";
import {
  emailBody,
  mailOverviewSchema,
  mailSettingsBody,
  mailSettingsSchema,
  myEmailSchema,
  testSentSchema,
  userEmailParam,
} from "./schema.ts";

const tags = ["メール通知"];

export const mailRoutes = createRouter()
  .openapi(
    policyRoute("users.manage", {
      method: "get",
      path: "/settings",
      tags,
      summary: "メール通知（SMTP）の設定と送信状況",
      description: "パスワードは返しません（passwordSet で保存の有無だけ）。",
      responses: { 200: json(mailOverviewSchema) },
    }),
    async (c) => {
      const db = c.get("deps").db;
      const actor = actorOf(c);
      const repo = createMailRepository(db);
      const [settings, editable, ownEmail, outbox] = await Promise.all([
        repo.settings(),
        relayEditableInApp(db),
        repo.email(actor.userId),
        repo.status(20),
      ]);
      return c.json(
        { settings: publicMailSettings(settings), editable, ownEmail: ownEmail ?? null, outbox },
        200,
      );
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "put",
      path: "/settings",
      tags,
      summary: "メール通知（SMTP）の設定を保存（監査ログに残す）",
      request: { body: jsonBody(mailSettingsBody) },
      responses: { 200: json(mailSettingsSchema) },
    }),
    async (c) => {
      const db = c.get("deps").db;
      if (!(await relayEditableInApp(db))) {
        throw new MimamoriError(
          "forbidden",
          "このサーバーは複数の自治体が使っているため、メールの中継サーバーは画面からは変更できません。サーバーの管理者に mimamori mail set での設定を依頼してください。",
        );
      }
      const actor = actorOf(c);
      const saved = await saveMailSettings(db, c.req.valid("json"), {
        userId: actor.userId,
        loginName: actor.loginName,
        clientAddress: clientAddress(c),
      });
      return c.json(saved, 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "post",
      path: "/test",
      tags,
      summary: "自分のメールアドレスに試験メールを送る（すぐに送信し、結果を返す）",
      responses: { 200: json(testSentSchema) },
    }),
    async (c) => {
      const db = c.get("deps").db;
      const actor = actorOf(c);
      const to = await createMailRepository(db).email(actor.userId);
      if (!to) {
        throw new MimamoriError(
          "invalid_input",
          "試験メールの宛先がありません。先に「メール通知（自分）」で自分のメールアドレスを登録してください。",
        );
      }
      await sendTestMail(db, to, {
        userId: actor.userId,
        loginName: actor.loginName,
        municipalityId: actor.municipalityId,
        clientAddress: clientAddress(c),
      });
      return c.json({ sentTo: maskEmail(to) }, 200);
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "get",
      path: "/me",
      tags,
      summary: "自分のメールアドレスと、メール通知が有効か",
      responses: { 200: json(myEmailSchema) },
    }),
    async (c) => {
      const db = c.get("deps").db;
      const repo = createMailRepository(db);
      const [email, settings] = await Promise.all([repo.email(actorOf(c).userId), repo.settings()]);
      return c.json({ email: email ?? null, mailEnabled: settings.enabled }, 200);
    },
  )
  .openapi(
    policyRoute("authenticated", {
      method: "put",
      path: "/me",
      tags,
      summary: "自分のメールアドレスを登録・変更・削除",
      request: { body: jsonBody(emailBody) },
      responses: { 200: json(myEmailSchema) },
    }),
    async (c) => {
      const db = c.get("deps").db;
      const actor = actorOf(c);
      const email = await setUserEmail(db, {
        userId: actor.userId,
        email: c.req.valid("json").email,
        actor: { ...actor, clientAddress: clientAddress(c) },
      });
      const settings = await createMailRepository(db).settings();
      return c.json({ email, mailEnabled: settings.enabled }, 200);
    },
  )
  .openapi(
    policyRoute("users.manage", {
      method: "put",
      path: "/users/{id}/email",
      tags,
      summary: "利用者のメールアドレスを登録・変更・削除（管理者）",
      request: { params: userEmailParam, body: jsonBody(emailBody) },
      responses: { 200: json(myEmailSchema) },
    }),
    async (c) => {
      const db = c.get("deps").db;
      const actor = actorOf(c);
      const email = await setUserEmail(db, {
        userId: c.req.valid("param").id,
        email: c.req.valid("json").email,
        actor: { ...actor, clientAddress: clientAddress(c) },
      });
      const settings = await createMailRepository(db).settings();
      return c.json({ email, mailEnabled: settings.enabled }, 200);
    },
  );
