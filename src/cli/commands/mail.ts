import { readFileSync } from "node:fs";
import { openDatabase } from "../../db/database.ts";
import { createMailRepository } from "../../db/mail.repository.ts";
import { MimamoriError } from "../../domain/errors.ts";
import {
  emailAddress,
  MAIL_SECURITY_LABELS,
  type MailSecurity,
  mailSettingsInput,
  type PublicMailSettings,
  publicMailSettings,
} from "../../domain/notifications/mail.ts";
import { japaneseIssueMessage } from "../../domain/zod-messages.ts";
import { saveMailSettings, sendTestMail } from "../../server/services/mail.service.ts";
import { intOption, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

/**
 * `mimamori mail …`: the installation's SMTP relay for mail about in-app
 * notifications (issue 13; off by default). The operator at the server sets
 * it here (on a server of several municipalities, only here). The password
 * is read from a file, never from the command line (shell history, ps), and
 * never printed.
 */

function describe(s: PublicMailSettings): string {
  const lines = [
    `メール通知: ${s.enabled ? "使う" : "使わない（既定）"}`,
    `SMTP サーバー: ${s.host ?? "—"}${s.port ? `:${s.port}` : ""}`,
    `暗号化: ${MAIL_SECURITY_LABELS[s.security]}`,
    `認証: ${s.authUser ? `${s.authUser}（パスワード${s.passwordSet ? "保存済み" : "なし"}）` : "なし"}`,
    `差出人: ${s.fromAddress ?? "—"}`,
    `mimamori の URL: ${s.appUrl ?? "—"}`,
  ];
  if (s.updatedAt) lines.push(`最終変更: ${s.updatedAt}（${s.updatedBy ?? "—"}）`);
  return `${lines.join("\n")}\n`;
}

const showUsage = "mimamori mail show [--json]";
export const mailShow: Command = {
  path: ["mail", "show"],
  summary: "メール通知（SMTP 中継サーバー）の設定を表示します（パスワードは表示しません）。",
  usage: showUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { json: { type: "boolean" } }, showUsage);
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const s = publicMailSettings(await createMailRepository(opened.db).settings());
      process.stdout.write(values.json ? `${JSON.stringify(s, null, 2)}\n` : describe(s));
      return 0;
    } finally {
      await opened.close();
    }
  },
};

const setUsage =
  "mimamori mail set [--on|--off] [--host HOST] [--port N] [--security starttls|tls|none] [--user NAME] [--password-file FILE] [--no-auth] [--from ADDR] [--app-url URL]";
export const mailSet: Command = {
  path: ["mail", "set"],
  summary:
    "メール通知の SMTP 中継サーバーを設定します（指定しなかった項目は今の値のまま。変更は監査ログに残ります）。",
  usage: setUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(
      args,
      {
        on: { type: "boolean" },
        off: { type: "boolean" },
        host: { type: "string" },
        port: { type: "string" },
        security: { type: "string" },
        user: { type: "string" },
        "password-file": { type: "string" },
        "no-auth": { type: "boolean" },
        from: { type: "string" },
        "app-url": { type: "string" },
      },
      setUsage,
    );
    if (values.on && values.off) {
      throw new MimamoriError("invalid_input", "--on と --off は同時に指定できません。", [
        `使い方: ${setUsage}`,
      ]);
    }
    let password: string | undefined;
    if (values["password-file"]) {
      try {
        password = (readFileSync(values["password-file"], "utf8").split(/\r?\n/)[0] ?? "").trim();
      } catch {
        throw new MimamoriError(
          "invalid_input",
          `パスワードのファイル ${values["password-file"]} を読めませんでした。パスと読み取り権限を確かめてください。`,
        );
      }
    }
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      const current = await createMailRepository(opened.db).settings();
      const parsed = mailSettingsInput.safeParse({
        enabled: values.on ? true : values.off ? false : current.enabled,
        host: values.host ?? current.host,
        port: intOption(values.port, "--port", 1, 65535) ?? current.port,
        security: (values.security as MailSecurity | undefined) ?? current.security,
        authUser: values["no-auth"] ? null : (values.user ?? current.authUser),
        ...(password !== undefined ? { authPassword: password } : {}),
        clearPassword: values["no-auth"] ?? false,
        fromAddress: values.from ?? current.fromAddress,
        appUrl: values["app-url"] ?? current.appUrl,
      });
      if (!parsed.success) {
        throw new MimamoriError(
          "invalid_input",
          "メール通知の設定が正しくありません。",
          parsed.error.issues.map(japaneseIssueMessage),
        );
      }
      const saved = await saveMailSettings(opened.db, parsed.data, {
        userId: null,
        loginName: "cli",
      });
      process.stdout.write(describe(saved));
      return 0;
    } finally {
      await opened.close();
    }
  },
};

const testUsage = "mimamori mail test --to ADDR";
export const mailTest: Command = {
  path: ["mail", "test"],
  summary:
    "設定した SMTP 中継サーバーで試験メールを送ります（結果をすぐ表示し、監査ログに残します）。",
  usage: testUsage,
  async run(args, globals) {
    const { values } = parseCommandArgs(args, { to: { type: "string" } }, testUsage);
    const to = emailAddress.safeParse(values.to ?? "");
    if (!to.success) {
      throw new MimamoriError(
        "invalid_input",
        "試験メールの宛先を --to taro.yamada@city.example.lg.jp の形で指定してください。",
        [`使い方: ${testUsage}`],
      );
    }
    const opened = await openDatabase({ databaseUrl: globals.databaseUrl, home: globals.home });
    try {
      await sendTestMail(opened.db, to.data, {
        userId: null,
        loginName: "cli",
        municipalityId: "all",
      });
      process.stdout.write(
        `試験メールを送りました（宛先 ${to.data}）。届いたか確かめてください。\n`,
      );
      return 0;
    } finally {
      await opened.close();
    }
  },
};

export const mailCommands: readonly Command[] = [mailShow, mailSet, mailTest];
